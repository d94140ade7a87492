"""``python -m bot db upgrade|current`` — create or update the database schema."""

from __future__ import annotations

import argparse

from sqlalchemy.engine import make_url

from bot.migrate import current_revision, head_revision, upgrade
from bot.settings import get_settings


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``db`` command group."""
    parser = subparsers.add_parser("db", help="database schema (Alembic migrations)")
    commands = parser.add_subparsers(dest="db_command", required=True)
    upgrade_cmd = commands.add_parser("upgrade", help="bring the database to the newest schema")
    upgrade_cmd.set_defaults(handler=run_upgrade)
    current = commands.add_parser("current", help="show the schema revision of the database")
    current.set_defaults(handler=run_current)
    for command in (upgrade_cmd, current):
        command.add_argument("--database-url", default=None, help="default: from the settings")


def _url(args: argparse.Namespace) -> str:
    return str(args.database_url or get_settings().database_url)


def _shown(url: str) -> str:
    """The URL without its password, safe to print."""
    return make_url(url).render_as_string(hide_password=True)


def run_upgrade(args: argparse.Namespace) -> int:
    """Apply all migrations."""
    url = _url(args)
    upgrade(url)
    print(f"{_shown(url)} is at revision {current_revision(url)} (newest).")
    return 0


def run_current(args: argparse.Namespace) -> int:
    """Print the database's revision; exit code 1 when it is behind the code."""
    url = _url(args)
    current, head = current_revision(url), head_revision()
    print(f"{_shown(url)} is at revision {current or '(empty)'}; the newest is {head}.")
    return 0 if current == head else 1
