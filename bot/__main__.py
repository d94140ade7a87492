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


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    # httpx logs every request URL at INFO; the Telegram URLs contain the bot token.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    result: int = args.handler(args)
    return result


if __name__ == "__main__":
    sys.exit(main())
