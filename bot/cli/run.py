"""``python -m bot chat|ask|telegram`` — the ways to run the assistant."""

from __future__ import annotations

import argparse
import asyncio
import logging
from pathlib import Path

from bot.settings import get_settings
from vietnlp.countries import COUNTRY_CODES


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``chat``, ``ask`` and ``telegram`` commands."""
    chat = subparsers.add_parser("chat", help="talk to the assistant in this terminal")
    chat.add_argument("--country", choices=COUNTRY_CODES, help="skip choosing the country")
    chat.set_defaults(handler=run_chat)

    ask = subparsers.add_parser("ask", help="ask one question (or a batch) and print the reply")
    ask.add_argument("text", nargs="?", help="the question")
    ask.add_argument("--country", choices=COUNTRY_CODES, help="the asker's country")
    ask.add_argument("--json", action="store_true", help="print one JSON object")
    ask.add_argument(
        "--batch", metavar="FILE", help='JSON lines {"text": ..., "country": ...}; "-" for stdin'
    )
    ask.set_defaults(handler=run_ask)

    telegram = subparsers.add_parser("telegram", help="run the Telegram bot")
    telegram.set_defaults(handler=run_telegram)


def log_beside_a_conversation(log_file: Path) -> None:
    """Everything to ``log_file``, only warnings and errors to the screen: on the screen the
    log lines would mix with the conversation ("INFO … content version 2 loaded")."""
    root = logging.getLogger()
    for handler in root.handlers:
        handler.setLevel(logging.WARNING)
    try:
        log_file.parent.mkdir(parents=True, exist_ok=True)
        to_file = logging.FileHandler(log_file, encoding="utf-8")
    except OSError as exc:
        logging.getLogger(__name__).warning("Cannot log to %s: %s", log_file, exc.strerror)
        return
    to_file.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root.addHandler(to_file)


def run_chat(args: argparse.Namespace) -> int:
    from bot.chat import run_chat as chat

    settings = get_settings()
    log_beside_a_conversation(settings.log_file)
    return asyncio.run(chat(settings, args.country))


def run_ask(args: argparse.Namespace) -> int:
    from bot.ask import run_ask as ask

    settings = get_settings()
    log_beside_a_conversation(settings.log_file)
    return asyncio.run(ask(settings, args.text, args.country, args.json, args.batch))


def run_telegram(args: argparse.Namespace) -> int:
    from bot.telegram.app import run  # imported here: only this command needs Telegram

    return run(get_settings())
