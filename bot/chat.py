"""``python -m bot chat``: talk to the bot in a terminal, through the same engine as Telegram.

Each message is printed as plain text with its buttons numbered; typing a number presses that
button, ``/sos`` and the other commands of the route table work as in Telegram (``/an`` clears
the screen), ``/quit`` or Ctrl-D leaves. A quiz
question's options are shown by their letters (``[A] [B] [C]``), not numbered: the person types
the letter, which the engine takes as the answer, as on Telegram.
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Sequence
from typing import TextIO

from actions import Callback, Verb, find_command, parse_command
from bot.conversation import Button, Conversation, OutMessage, open_conversation
from bot.i18n import _
from bot.settings import VAR_DIR, Settings

TERMINAL_USER = "terminal"  # one local user; not a Telegram id, so no keyed hash is needed
QUIT_COMMANDS = {"/quit", "/exit", "/q"}


def format_messages(messages: Sequence[OutMessage]) -> tuple[str, list[Button]]:
    """The messages as terminal text with numbered buttons, and the buttons in that order."""
    buttons: list[Button] = []
    blocks = []
    for message in messages:
        lines = [message.plain]
        if message.photo is not None:
            lines.append(_save_photo(message.photo))
        for row in message.buttons:
            labels = []
            for button in row:
                if _is_quiz_option(button):
                    labels.append(f"[{button.label}]")  # typed as the letter
                    continue
                buttons.append(button)
                labels.append(f"[{len(buttons)}] {button.label}")
            lines.append("   ".join(labels))
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks), buttons


def _is_quiz_option(button: Button) -> bool:
    """An option of a quiz question (position and option), not the menu's "start the quiz"."""
    callback = Callback.decode(button.data)
    return callback is not None and callback.verb is Verb.QUIZ and len(callback.args) == 2


def _save_photo(photo: bytes) -> str:
    """A terminal cannot show the emergency card: save it and say where."""
    path = VAR_DIR / "the-khan-cap.png"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(photo)
    return f"[ảnh: {path}]"


async def respond(
    conversation: Conversation, user_key: str, line: str, buttons: Sequence[Button]
) -> list[OutMessage]:
    """What a line typed in the terminal means: a button number, a command, or a question."""
    if line.isdigit() and 1 <= int(line) <= len(buttons):
        return await conversation.handle_button(user_key, buttons[int(line) - 1].data)
    if (command := parse_command(line)) is not None:
        return await conversation.handle_command(user_key, *command)
    return await conversation.handle_text(user_key, line)


def hides(line: str) -> bool:
    """Is the line ``/an``, which the terminal answers itself by clearing the screen?"""
    command = parse_command(line)
    found = find_command(command[0]) if command is not None else None
    return found is not None and found.name == "hide"


def hide(stdout: TextIO) -> list[OutMessage]:
    """``/an`` in a terminal: clear the screen (and its scroll-back), as Telegram deletes the
    chat's recent messages."""
    if stdout.isatty():
        print("\033[3J\033[H\033[2J", end="", file=stdout, flush=True)
    done = _("Đã xóa màn hình.")
    return [OutMessage(html=done, plain=done)]


async def chat_loop(
    conversation: Conversation, stdin: TextIO, stdout: TextIO, country: str | None = None
) -> None:
    """Read lines until EOF or /quit, printing every reply."""
    if country:
        messages = await conversation.handle_command(TERMINAL_USER, "quocgia", country)
    else:
        messages = await conversation.start(TERMINAL_USER, None)
    print(_("(Gõ câu hỏi, hoặc số để bấm nút; /sos, /menu; /quit để thoát.)"), file=stdout)
    interactive = stdin.isatty()
    while True:
        text, buttons = format_messages(messages)
        print(text + "\n", file=stdout, flush=True)
        if interactive:
            print("> ", end="", file=stdout, flush=True)
        line = await asyncio.to_thread(stdin.readline)
        if not line:  # Ctrl-D / end of input
            break
        line = line.strip()
        if line in QUIT_COMMANDS:
            break
        if hides(line):
            messages = hide(stdout)
            continue
        messages = await respond(conversation, TERMINAL_USER, line, buttons) if line else []


async def run_chat(settings: Settings, country: str | None) -> int:
    async with open_conversation(settings, progress=sys.stderr) as conversation:
        await chat_loop(conversation, sys.stdin, sys.stdout, country)
    return 0
