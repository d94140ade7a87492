"""Which action answers a message, a button or a command — the bot's decision table.

Actions themselves only decide replies; this module only picks the action. Nothing here
touches the database or the network, so the whole table is testable with published content.
"""

from __future__ import annotations

from actions.base import Action
from actions.clarify import ClarifyAction
from actions.countries import country_code
from actions.country import ChooseCountryAction, NoCountryAction
from actions.emergency import ShowEmergencyAction
from actions.menu import (
    DeleteDataAction,
    HelpAction,
    LanguageAction,
    PrivacyAction,
    ShowChapterAction,
    ShowHandbookAction,
    StaleButtonAction,
)
from actions.recruitment import EmergencyCardAction
from actions.reply import AnswerPart, Callback, Reply, Verb
from actions.smalltalk import FeedbackAction, GoodbyeAction, GreetAction, ThanksAction
from actions.topic import AnswerTopicAction, OutOfScopeAction, SearchAction, ShowAnswerAction
from bot.content.repository import ContentRepository
from bot.i18n import _
from bot.nlu.client import NluResult
from bot.settings import get_settings

EMERGENCY_INTENT_KINDS = {"emergency_medical": "medical", "emergency_police": "police"}
CONSULAR_INTENT = "consular_help"
ANSWER_PARTS: dict[Verb, AnswerPart] = {
    Verb.ANSWER: "short",
    Verb.MORE: "full",
    Verb.PHRASES: "phrases",
}


def named_country(nlu: NluResult | None) -> str | None:
    """The country the message names ("ở Hàn…"), from the NLU's country entity."""
    entity = nlu.entity("country") if nlu else None
    return country_code(entity.value) if entity else None


def choose_action(
    nlu: NluResult | None,
    text: str,
    country: str | None,
    repo: ContentRepository,
    *,
    threshold: float,
) -> Action:
    """The action for a text message (``nlu`` is None when the NLU is unavailable)."""
    if not text.strip():
        return HelpAction(detailed=True)
    if nlu is None:
        return SearchAction(text, country) if country else NoCountryAction()
    if nlu.confidence < threshold:
        if country is None:
            return NoCountryAction()
        return ClarifyAction(text, country, nlu.ranking, nlu.intent, nlu.confidence)
    intent = nlu.intent
    if intent == "choose_country":
        return ChooseCountryAction(named_country(nlu), first_time=country is None)
    if intent == "greet":
        return GreetAction(country)
    if intent == "help":
        return HelpAction(detailed=True)
    if intent == "thanks":
        return ThanksAction()
    if intent == "goodbye":
        return GoodbyeAction()
    if intent == "feedback":
        return FeedbackAction()
    answer_ids = repo.answer_ids_for_intent(intent)
    if not answer_ids:  # out_of_scope, or an intent the content does not cover yet
        return OutOfScopeAction(text, country)
    answer_country = named_country(nlu) or country
    if answer_country is None:
        if intent in EMERGENCY_INTENT_KINDS:
            return ShowEmergencyAction(None, kind=EMERGENCY_INTENT_KINDS[intent])
        return NoCountryAction(then_answer=answer_ids[0])
    return AnswerTopicAction(intent, text, answer_country, nlu.confidence)


def decide(
    nlu: NluResult | None,
    text: str,
    country: str | None,
    repo: ContentRepository,
    *,
    threshold: float | None = None,
) -> Reply:
    """The reply to a text message, given what the NLU understood (None: NLU unavailable)."""
    if threshold is None:
        threshold = get_settings().nlu_confidence_threshold
    return choose_action(nlu, text, country, repo, threshold=threshold).run(repo)


def button_action(data: str, country: str | None) -> Action:
    """The action for a pressed button; anything unknown or malformed is a stale button."""
    callback = Callback.decode(data)
    if callback is None:
        return StaleButtonAction()
    verb, args = callback.verb, callback.args
    arg = args[0] if args else None
    if verb in ANSWER_PARTS and arg:
        if country is None:
            return NoCountryAction(then_answer=arg)
        return ShowAnswerAction(arg, country, ANSWER_PARTS[verb])
    if verb in {Verb.HELPFUL, Verb.UNHELPFUL} and arg and country:
        return FeedbackAction(arg, country, helpful=verb is Verb.HELPFUL)
    if verb is Verb.COUNTRY and country_code(arg) == arg and arg is not None:
        then = args[1] if len(args) > 1 else None
        return ChooseCountryAction(arg, first_time=country is None, then_answer=then)
    simple = _simple_button_action(verb, arg, country)
    return simple if simple is not None else StaleButtonAction()


def _simple_button_action(verb: Verb, arg: str | None, country: str | None) -> Action | None:
    if verb is Verb.ASK_COUNTRY:
        return ChooseCountryAction(None)
    if verb is Verb.SOS:
        return ShowEmergencyAction(country)
    if verb is Verb.MENU:
        return HelpAction()
    if verb is Verb.PRIVACY:
        return PrivacyAction()
    if verb is Verb.LANGUAGE:
        return LanguageAction(arg, country)
    if verb is Verb.DELETE:
        return DeleteDataAction(arg or "ask") if arg in {None, "yes", "no"} else None
    if verb is Verb.HANDBOOK:
        return ShowHandbookAction(country) if country else NoCountryAction()
    if verb is Verb.CHAPTER and arg:
        return ShowChapterAction(arg, country) if country else NoCountryAction()
    if verb is Verb.CONSULAR:
        return consular_action(country)
    if verb is Verb.CARD:
        return EmergencyCardAction(country) if country else NoCountryAction()
    return None


def consular_action(country: str | None) -> Action:
    """Consular help from the menu or /lanhsu: the consular_help intent's answers."""
    if country is None:
        return NoCountryAction()
    return AnswerTopicAction(CONSULAR_INTENT, "", country)


COMMAND_ALIASES = {
    "help": "help", "trogiup": "help", "huongdan": "help",
    "menu": "menu",
    "sos": "sos", "khancap": "sos", "capcuu": "sos",
    "quocgia": "country", "country": "country", "nuoc": "country",
    "ngonngu": "language", "language": "language", "lang": "language",
    "privacy": "privacy", "baomat": "privacy", "riengtu": "privacy", "about": "privacy",
    "xoadulieu": "delete", "delete": "delete",
    "sotay": "handbook", "handbook": "handbook",
    "lanhsu": "consular", "baoho": "consular", "consular": "consular",
    "the": "card", "thekhancap": "card", "card": "card",
    "kiemtra": "quiz", "quiz": "quiz",
    "thongbao": "alerts", "alerts": "alerts",
}  # fmt: skip


def command_name(command: str) -> str | None:
    """What a slash command means (its canonical name), or None for an unknown command."""
    return COMMAND_ALIASES.get(command.lower().lstrip("/").split("@")[0])


def command_action(command: str, args: str, country: str | None) -> Action:
    """The action for a slash command (``/start`` is handled by the conversation itself)."""
    name = command_name(command)
    if name == "help":
        return HelpAction(detailed=True)
    if name == "menu":
        return HelpAction()
    if name == "sos":
        return ShowEmergencyAction(country)
    if name == "country":
        return ChooseCountryAction(country_code(args.strip()), first_time=country is None)
    if name == "language":
        return LanguageAction(args.strip().lower() or None, country)
    if name == "privacy":
        return PrivacyAction()
    if name == "delete":
        return DeleteDataAction()
    if name == "handbook":
        return ShowHandbookAction(country) if country else NoCountryAction()
    if name == "consular":
        return consular_action(country)
    if name == "card":
        return EmergencyCardAction(country) if country else NoCountryAction()
    return HelpAction(detailed=True, note=_("Mình không biết lệnh này."))
