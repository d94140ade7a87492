"""The route table (``actions.routes``): one declaration of every command and button kind, which
the help, Telegram's command menu, the terminal chat and ``ask`` all follow."""

from __future__ import annotations

import ast
import io

import pytest

from actions import COMMANDS, HelpAction, Verb, find_command, parse_command
from actions.routes import BUTTONS, button_route, command_route, telegram_menu
from bot.ask import ask_one
from bot.chat import chat_loop
from bot.content.repository import ContentRepository
from bot.conversation import Conversation, open_conversation
from bot.settings import REPO_ROOT, Settings
from bot.telegram.app import MENU, add_handlers
from tests.engine_support import plain


def test_every_word_names_one_command_and_every_verb_has_a_button_kind() -> None:
    words = [word for command in COMMANDS for word in command.words]
    assert len(words) == len(set(words)), "a word used by two commands"
    assert {c.name for c in COMMANDS} >= {"start", "sos", "quiz", "alerts", "hide", "help"}
    assert set(BUTTONS) == set(Verb)
    for command in COMMANDS:
        for word in command.words:
            assert find_command(word) is command
            assert find_command(f"/{word.upper()}@TroLyBot") is command
    assert find_command("khongco") is None


def test_the_help_lists_exactly_the_commands_with_help(repo: ContentRepository) -> None:
    text = HelpAction(detailed=True).run(repo).message
    listed = {word for word in text.replace("·", " ").split() if word.startswith("/")}
    expected = {f"/{c.words[0]}" for c in COMMANDS if c.help}
    assert expected <= listed
    assert "/an xóa tin nhắn của bot" in text and "/sos số khẩn cấp" in text


def test_telegram_menu_and_handlers_come_from_the_table() -> None:
    assert list(MENU) == telegram_menu()
    assert [word for word, _description in MENU] == [c.words[0] for c in COMMANDS if c.menu]
    assert all(len(description) <= 256 for _w, description in MENU)  # Telegram's limit

    class Recorder:
        def __init__(self) -> None:
            self.commands: set[str] = set()

        def add_handler(self, handler: object, group: int = 0) -> None:
            self.commands |= set(getattr(handler, "commands", ()))

        def add_handlers(self, handlers: list[object]) -> None:
            for handler in handlers:
                self.add_handler(handler)

        def add_error_handler(self, callback: object) -> None:
            pass

    recorder = Recorder()
    add_handlers(recorder)  # type: ignore[arg-type]
    # The commands Telegram answers itself are the table's channel commands and /start.
    channel = {w for c in COMMANDS if c.channel or c.name == "start" for w in c.words}
    assert recorder.commands == channel


@pytest.mark.parametrize(
    ("line", "parsed"),
    [
        ("/quocgia nhat", ("quocgia", "nhat")),
        ("/sos", ("sos", "")),
        ("/ an", None),
        ("/", None),
        ("cấp cứu", None),
    ],
)
def test_parse_command(line: str, parsed: tuple[str, str] | None) -> None:
    assert parse_command(line) == parsed


def test_routes_say_what_is_urgent_and_what_needs_the_database() -> None:
    assert command_route("sos").urgent and command_route("capcuu").urgent
    assert button_route("sos").urgent
    assert not button_route("menu").urgent and not button_route("nonsense").urgent
    assert command_route("kiemtra").needs_database and command_route("thongbao").needs_database
    assert command_route("thongbao").reads == {"alerts"}
    assert button_route("q:0:1").reads == {"quiz"}
    assert not command_route("menu").needs_database


async def test_every_command_of_the_table_works_in_the_terminal_chat(
    cli_settings: Settings,
) -> None:
    lines = "".join(f"/{c.words[0]}\n" for c in COMMANDS if c.name not in {"delete"})
    stdout = io.StringIO()
    async with open_conversation(cli_settings) as conversation:
        await chat_loop(conversation, io.StringIO(lines + "/khongco\n"), stdout, country="jp")
    out = stdout.getvalue()
    assert "Đã xóa màn hình." in out  # /an: the terminal clears its screen
    assert "Lệnh /an chỉ có trên Telegram." not in out
    assert "Số điện thoại khẩn cấp" in out  # /sos
    assert "Kiểm tra nhanh trước khi đi" in out  # /kiemtra
    assert "Thông báo chỉ gửi được qua Telegram." in out  # /thongbao without a chat
    assert out.count("Mình không biết lệnh này.") == 1  # only /khongco


async def test_ask_takes_commands_as_the_chat_does(conversation: Conversation) -> None:
    turn = await ask_one(conversation, "/sos", "kr")
    assert "112" in plain(turn.messages) and turn.nlu is None
    hide = await ask_one(conversation, "/an", "kr")
    assert "Lệnh /an chỉ có trên Telegram." in plain(hide.messages)


# Functions that change stored state; only ``bot.effects`` (and the modules defining them) call
# them, so that every change a reply makes goes through an effect.
WRITES = {
    "users": {"set_country", "set_locale", "record_feedback", "delete_user_data", "keep_question"},
    "quiz": {"start", "record_answer", "answer"},
    "alerts": {"subscribe", "unsubscribe", "follow_country"},
    "companies": {"record_signup", "count_topic_open"},
}
ENGINE = [
    "bot/conversation.py",
    "bot/chat.py",
    "bot/ask.py",
    *(str(p.relative_to(REPO_ROOT)) for p in sorted((REPO_ROOT / "bot/telegram").glob("*.py"))),
]


@pytest.mark.parametrize("module", ENGINE)
def test_the_engine_and_channels_change_state_only_through_effects(module: str) -> None:
    tree = ast.parse((REPO_ROOT / module).read_text(encoding="utf-8"))
    calls = {
        (node.func.value.id, node.func.attr)
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and isinstance(node.func.value, ast.Name)
    }
    direct = {(owner, name) for owner, name in calls if name in WRITES.get(owner, set())}
    assert direct == set(), f"{module} writes without an effect: {direct}"
