"""Command line: ``python -m bot <command>`` (telegram, chat, ask, content, …).

Each command group lives in its own module under ``bot/cli`` and registers its sub-commands here,
so this file stays the one place that lists what the program can do.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import sys

COMMAND_MODULES = (
    "bot.cli.run",
    "bot.cli.content",
    "bot.cli.nlu",
    "bot.cli.db",
    "bot.cli.recruitment",
    "bot.cli.editor",
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m bot", description=__doc__)
    subparsers = parser.add_subparsers(dest="command", required=True)
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(subparsers)
    return parser


NOT_SET_UP = (
    "python -m bot: the library {name!r} is missing, so this Python is not the project's own.\n"
    "From the project folder run `make content-check` (or `make setup`) once; it creates .venv "
    "with everything installed. Then run the command with .venv/bin/python, e.g.\n"
    "  .venv/bin/python -m bot content check"
)


def main(argv: list[str] | None = None) -> int:
    try:
        parser = build_parser()
    except ModuleNotFoundError as exc:
        # The commonest first-day mistake: a system `python` without the project's libraries.
        print(NOT_SET_UP.format(name=exc.name), file=sys.stderr)
        return 2
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    # httpx logs every request URL at INFO; the Telegram URLs contain the bot token.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    result: int = args.handler(args)
    return result


if __name__ == "__main__":
    sys.exit(main())
