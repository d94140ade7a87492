"""Bring a database to the newest schema with Alembic, from any working directory.

The migration scripts live inside the package (``bot/migrations``), so an installed bot can
upgrade its database without a checkout or an ``alembic.ini`` in the current directory.
"""

from __future__ import annotations

import logging
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

from bot.db import make_engine

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"


def alembic_config(url: str) -> Config:
    """An Alembic configuration for the database at ``url`` (no ini file needed)."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.attributes["database_url"] = url
    return config


def upgrade(url: str, revision: str = "head", quiet: bool = False) -> None:
    """Apply every migration up to ``revision`` (idempotent).

    ``quiet`` hides Alembic's progress lines when the upgrade is a side step of another command
    (``content publish``), where they would only confuse editors.
    """
    alembic_log = logging.getLogger("alembic")
    level = alembic_log.level
    if quiet:
        alembic_log.setLevel(logging.WARNING)
    try:
        command.upgrade(alembic_config(url), revision)
    finally:
        alembic_log.setLevel(level)


def current_revision(url: str) -> str | None:
    """The revision the database is at (``None`` for an empty database)."""
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            return MigrationContext.configure(connection).get_current_revision()
    finally:
        engine.dispose()


def head_revision() -> str | None:
    """The newest revision the code knows."""
    return ScriptDirectory.from_config(alembic_config("")).get_current_head()
