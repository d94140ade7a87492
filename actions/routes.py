"""Every command and every button kind of the bot, declared once: the route table.

A command is one ``Command`` entry (its words, its line in the help, its description in Telegram's
command menu) plus the action it runs; a button kind is one ``ButtonKind`` per ``Verb``. Telegram
(``bot.telegram``), the terminal chat (``bot.chat``) and ``ask`` all go through this table: the
engine (``bot.conversation``) asks it for a ``Route`` — what to decide from, whether it is
urgent, which stored state it reads — and only orchestrates. Typed messages are routed by
``actions.decide``. Nothing here touches the database or the network.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace

from actions.base import Action, main_menu
from actions.country import ChooseCountryAction, NoCountryAction
from actions.emergency import ShowEmergencyAction
from actions.menu import (
    DeleteDataAction,
    LanguageAction,
    PrivacyAction,
    ShowChapterAction,
    ShowHandbookAction,
    StaleButtonAction,
    capabilities,
)
from actions.recruitment import (
    AnswerQuizAction,
    EmergencyCardAction,
    StartQuizAction,
    ToggleAlertsAction,
)
from actions.reply import AnswerPart, Callback, CountTopicOpen, Effect, Reply, Verb
from actions.smalltalk import FeedbackAction, GreetAction
from actions.topic import AnswerTopicAction, ShowAnswerAction
from bot.content.repository import ContentRepository
from bot.i18n import _, gettext
from bot.recruitment.quiz import QuizState
from vietnlp.countries import N_, country_code

CONSULAR_INTENT = "consular_help"


@dataclass(frozen=True)
class Situation:
    """What a route decides from besides the content: the person's country and, when the route
    reads them, their open quiz and subscription (the engine loads only what a route reads)."""

    country: str | None
    chat_id: int | None = None  # the chat, for channels that can receive announcements
    quiz: QuizState | None = None
    subscribed: bool = False


Decide = Callable[[Situation, ContentRepository], list[Reply]]


@dataclass(frozen=True)
class Route:
    """How the engine answers one input: ``decide`` from the situation; ``urgent`` ones
    (emergency numbers) are decided from memory at once; ``reads`` names the stored state to
    load first ("quiz", "alerts"); without the database a route that ``needs_database`` gets the
    "not possible right now" answer instead."""

    decide: Decide
    urgent: bool = False
    reads: frozenset[str] = frozenset()
    needs_database: bool = False


def route_of(action: Callable[[Situation], Action]) -> Route:
    """A route that runs one action (not urgent, no stored state)."""

    def decide(situation: Situation, repo: ContentRepository) -> list[Reply]:
        return [action(situation).run(repo)]

    return Route(decide)


def with_country(make: Callable[[str], Action]) -> Callable[[Situation], Action]:
    """The action for the person's country; asks for the country when it is not known yet."""
    return lambda s: make(s.country) if s.country else NoCountryAction()


def consular_action(country: str | None) -> Action:
    """Consular help from the menu or /lanhsu: the consular_help intent's answers."""
    if country is None:
        return NoCountryAction()
    return AnswerTopicAction(CONSULAR_INTENT, "", country)


# --------------------------------------------------------------------------- commands
CommandAction = Callable[[str, Situation], Action]


@dataclass(frozen=True)
class Command:
    """A slash command. ``words`` are what people may type after "/" (the first is the one
    shown); ``help`` its part of the help's list (a message id; "" = not listed); ``menu`` its
    description in Telegram's command menu ("" = not there). ``channel``: each channel answers it
    itself where it can (``/an`` deletes messages in Telegram, clears the terminal); ``action``
    is the answer of channels that cannot."""

    name: str
    words: tuple[str, ...]
    action: CommandAction
    help: str = ""
    menu: str = ""
    urgent: bool = False
    reads: frozenset[str] = frozenset()
    needs_database: bool = False
    channel: bool = False

    def route(self, args: str) -> Route:
        action = self.action

        def decide(situation: Situation, repo: ContentRepository) -> list[Reply]:
            return [action(args, situation).run(repo)]

        return Route(decide, self.urgent, self.reads, self.needs_database)


def _alerts(args: str, s: Situation) -> Action:
    if s.country is None:
        return NoCountryAction()
    return ToggleAlertsAction(s.country, s.subscribed, s.chat_id)


def _help(args: str, s: Situation) -> Action:
    return HelpAction(detailed=True)


def _unknown() -> Action:
    return HelpAction(detailed=True, note=_("Mình không biết lệnh này."))


# In the order of Telegram's command menu.
COMMANDS: tuple[Command, ...] = (
    Command("start", ("start",), lambda args, s: GreetAction(s.country, args.strip() or None)),
    Command(
        "sos", ("sos", "khancap", "capcuu"), lambda args, s: ShowEmergencyAction(s.country),
        help=N_("số khẩn cấp"), menu="🆘 Số khẩn cấp", urgent=True,
    ),
    Command(
        "card", ("the", "thekhancap", "card"),
        lambda args, s: with_country(EmergencyCardAction)(s),
        help=N_("thẻ khẩn cấp"), menu="Thẻ số khẩn cấp (ảnh để lưu vào máy)",
    ),
    Command(
        "menu", ("menu",), lambda args, s: HelpAction(), help=N_("menu"),
        menu="Trợ lý giúp được gì",
    ),
    Command(
        "handbook", ("sotay", "handbook"), lambda args, s: with_country(ShowHandbookAction)(s),
        menu="Sổ tay sức khỏe",
    ),
    Command(
        "consular", ("lanhsu", "baoho", "consular"), lambda args, s: consular_action(s.country),
        menu="Đại sứ quán, bảo hộ công dân",
    ),
    Command(
        "quiz", ("kiemtra", "quiz"), lambda args, s: with_country(StartQuizAction)(s),
        help=N_("kiểm tra nhanh"), menu="Kiểm tra nhanh: bạn đã biết đủ chưa?",
        needs_database=True,
    ),
    Command(
        "alerts", ("thongbao", "alerts"), _alerts, help=N_("nhận thông báo"),
        menu="Bật/tắt thông báo quan trọng", reads=frozenset({"alerts"}), needs_database=True,
    ),
    Command(
        "country", ("quocgia", "country", "nuoc"),
        lambda args, s: ChooseCountryAction(
            country_code(args.strip()), first_time=s.country is None
        ),
        help=N_("đổi quốc gia"), menu="Đổi nước bạn đang sống",
    ),
    Command(
        "language", ("ngonngu", "language", "lang"),
        lambda args, s: LanguageAction(args.strip().lower() or None, s.country),
        help=N_("đổi ngôn ngữ"),
    ),
    Command(
        "hide", ("an",), lambda args, s: HelpAction(note=_("Lệnh /an chỉ có trên Telegram.")),
        help=N_("xóa tin nhắn của bot"), menu="Ẩn: xóa tin nhắn gần đây khỏi máy", channel=True,
    ),
    Command(
        "privacy", ("privacy", "baomat", "riengtu", "about"), lambda args, s: PrivacyAction(),
        help=N_("dữ liệu được lưu"), menu="Quyền riêng tư",
    ),
    Command(
        "delete", ("xoadulieu", "delete"), lambda args, s: DeleteDataAction(),
        help=N_("xóa dữ liệu"), menu="Xóa dữ liệu của bạn",
    ),
    Command("help", ("help", "trogiup", "huongdan"), _help, menu="Cách dùng trợ lý"),
)  # fmt: skip

_BY_WORD = {word: command for command in COMMANDS for word in command.words}


def find_command(word: str) -> Command | None:
    """The command typed as ``/word`` (any letter case, ``/word@BotName`` too), if it is one."""
    return _BY_WORD.get(word.lower().lstrip("/").split("@")[0])


def command_words(name: str) -> tuple[str, ...]:
    """The words of the command named ``name`` (for channels that handle it themselves)."""
    return next(c.words for c in COMMANDS if c.name == name)


def parse_command(line: str) -> tuple[str, str] | None:
    """``"/quocgia nhat"`` → ``("quocgia", "nhat")``; None when the line is not a command."""
    if not line.startswith("/") or len(line) < 2 or line[1].isspace():
        return None
    word, _sep, args = line[1:].partition(" ")
    return word, args.strip()


def command_route(word: str, args: str = "") -> Route:
    """The route of ``/word args``; an unknown command gets the help with a note."""
    command = find_command(word)
    if command is None:
        return route_of(lambda s: _unknown())
    return command.route(args)


def command_action(word: str, args: str, country: str | None) -> Action:
    """The action of a command for someone in ``country`` (state-free commands; for tests)."""
    command = find_command(word)
    if command is None:
        return _unknown()
    return command.action(args, Situation(country))


def help_commands() -> str:
    """ "Lệnh: /sos số khẩn cấp · /the thẻ khẩn cấp · …", in the current locale."""
    listed = [f"/{c.words[0]} {gettext(c.help)}" for c in COMMANDS if c.help]
    return _("Lệnh: {commands}").format(commands=" · ".join(listed))


def telegram_menu() -> list[tuple[str, str]]:
    """Telegram's command menu: (command, description), in the table's order."""
    return [(c.words[0], c.menu) for c in COMMANDS if c.menu]


@dataclass(frozen=True)
class HelpAction(Action):
    """The main menu; with ``detailed`` also what the bot does and its commands."""

    detailed: bool = False
    note: str = ""  # e.g. "I do not know that command"

    def run(self, repo: ContentRepository) -> Reply:
        parts = [self.note] if self.note else []
        if self.detailed:
            parts.append(capabilities())
            parts.append(help_commands())
        else:
            parts.append(_("Bạn cần gì? Chọn bên dưới, hoặc gõ câu hỏi của bạn."))
        return Reply(kind="menu", message="\n\n".join(parts), buttons=main_menu())


# --------------------------------------------------------------------------- buttons
ButtonAction = Callable[[tuple[str, ...], Situation], Action | None]  # None: a stale button
ANSWER_PARTS: dict[Verb, AnswerPart] = {
    Verb.ANSWER: "short",
    Verb.MORE: "full",
    Verb.PHRASES: "phrases",
}


@dataclass(frozen=True)
class ButtonKind:
    """What pressing a button of one ``Verb`` does (its arguments follow the verb)."""

    verb: Verb
    action: ButtonAction
    urgent: bool = False
    reads: frozenset[str] = field(default_factory=frozenset)
    needs_database: bool = False


def _answer(args: tuple[str, ...], s: Situation, verb: Verb) -> Action | None:
    if not args or not args[0]:
        return None
    if s.country is None:
        return NoCountryAction(then_answer=args[0])
    return ShowAnswerAction(args[0], s.country, ANSWER_PARTS[verb])


def _vote(args: tuple[str, ...], s: Situation, helpful: bool) -> Action | None:
    return FeedbackAction(args[0], s.country, helpful) if args and args[0] and s.country else None


def _country(args: tuple[str, ...], s: Situation) -> Action | None:
    if not args or country_code(args[0]) != args[0]:
        return None
    then = args[1] if len(args) > 1 else None
    return ChooseCountryAction(args[0], first_time=s.country is None, then_answer=then)


def _delete(args: tuple[str, ...], s: Situation) -> Action | None:
    step = args[0] if args else None
    return DeleteDataAction(step or "ask") if step in {None, "yes", "no"} else None


def _chapter(args: tuple[str, ...], s: Situation) -> Action | None:
    if not args or not args[0]:
        return None
    return ShowChapterAction(args[0], s.country) if s.country else NoCountryAction()


def _quiz(args: tuple[str, ...], s: Situation) -> Action | None:
    if not args:
        return StartQuizAction(s.country) if s.country else NoCountryAction()
    try:
        position, option = int(args[0]), int(args[1])
    except (ValueError, IndexError):
        return None
    return AnswerQuizAction(s.quiz, position, option)


BUTTONS: dict[Verb, ButtonKind] = {
    kind.verb: kind
    for kind in (
        ButtonKind(Verb.ANSWER, lambda a, s: _answer(a, s, Verb.ANSWER)),
        ButtonKind(Verb.MORE, lambda a, s: _answer(a, s, Verb.MORE)),
        ButtonKind(Verb.PHRASES, lambda a, s: _answer(a, s, Verb.PHRASES)),
        ButtonKind(Verb.HELPFUL, lambda a, s: _vote(a, s, helpful=True)),
        ButtonKind(Verb.UNHELPFUL, lambda a, s: _vote(a, s, helpful=False)),
        ButtonKind(Verb.COUNTRY, _country),
        ButtonKind(Verb.ASK_COUNTRY, lambda a, s: ChooseCountryAction(None)),
        ButtonKind(Verb.CHAPTER, _chapter),
        ButtonKind(Verb.HANDBOOK, lambda a, s: with_country(ShowHandbookAction)(s)),
        ButtonKind(Verb.SOS, lambda a, s: ShowEmergencyAction(s.country), urgent=True),
        ButtonKind(Verb.CONSULAR, lambda a, s: consular_action(s.country)),
        ButtonKind(Verb.MENU, lambda a, s: HelpAction()),
        ButtonKind(Verb.PRIVACY, lambda a, s: PrivacyAction()),
        ButtonKind(Verb.LANGUAGE, lambda a, s: LanguageAction(a[0] if a else None, s.country)),
        ButtonKind(Verb.DELETE, _delete),
        ButtonKind(Verb.CARD, lambda a, s: with_country(EmergencyCardAction)(s)),
        ButtonKind(Verb.QUIZ, _quiz, reads=frozenset({"quiz"}), needs_database=True),
    )
}


def _pressed(data: str) -> tuple[ButtonKind, tuple[str, ...]] | None:
    """The kind of button and its arguments; None for data this version does not know."""
    callback = Callback.decode(data)
    kind = BUTTONS.get(callback.verb) if callback is not None else None
    return (kind, callback.args) if kind is not None and callback is not None else None


def button_route(data: str) -> Route:
    """The route of a pressed button; old or malformed data gets a polite note and the menu."""
    pressed = _pressed(data)
    if pressed is None:
        return route_of(lambda s: StaleButtonAction())
    kind, args = pressed

    def decide(situation: Situation, repo: ContentRepository) -> list[Reply]:
        return [(kind.action(args, situation) or StaleButtonAction()).run(repo)]

    return Route(decide, kind.urgent, kind.reads, kind.needs_database)


def button_action(data: str, country: str | None) -> Action:
    """The action of a pressed button for someone in ``country`` (for state-free buttons)."""
    pressed = _pressed(data)
    if pressed is None:
        return StaleButtonAction()
    kind, args = pressed
    return kind.action(args, Situation(country)) or StaleButtonAction()


def quiet_route(*effects: Effect) -> Route:
    """Only effects, no message (``ask`` sets the country before each question this way)."""
    return Route(lambda situation, repo: [Reply(kind="none", effects=effects)])


def typed_choice_route(choice: int) -> Route:
    """A letter or number typed while a quiz question is open answers it, as its button would;
    without an open quiz (or without the database) it decides nothing and the message is read
    as a question."""

    def decide(situation: Situation, repo: ContentRepository) -> list[Reply]:
        now = situation.quiz.current() if situation.quiz is not None else None
        if now is None:
            return []
        return [AnswerQuizAction(situation.quiz, now[0], choice, typed=True).run(repo)]

    return Route(decide, reads=frozenset({"quiz"}))


def shown(replies: Sequence[Reply]) -> list[Reply]:
    """The replies in sending order, each answer shown (its short part) counted for the
    statistics of the person's company — counted where it is really shown, once."""
    flat = [r for reply in replies for r in reply.flatten()]
    return [
        replace(r, effects=(*r.effects, CountTopicOpen(r.answer.id, r.answer.country)))
        if r.answer is not None and r.part == "short"
        else r
        for r in flat
    ]
