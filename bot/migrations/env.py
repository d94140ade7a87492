"""Alembic environment: migrate the database whose URL ``bot.migrate`` hands over.

The URL is passed in ``config.attributes["database_url"]`` (not the ini file) so migrations run
from any working directory and never pick up a developer's local database by accident.
"""

from __future__ import annotations

from alembic import context
from sqlalchemy.pool import NullPool

import bot.models  # noqa: F401  (registers every table on Base.metadata)
from bot.db import Base, make_engine
from bot.settings import get_settings


def _database_url() -> str:
    config = context.config
    url = config.attributes.get("database_url") or config.get_main_option("sqlalchemy.url")
    return str(url) if url else get_settings().database_url


def run_migrations_offline() -> None:
    """Emit SQL to stdout instead of running it (``alembic upgrade --sql``)."""
    context.configure(
        url=_database_url(), target_metadata=Base.metadata, literal_binds=True, render_as_batch=True
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    """Run the migrations on a live connection."""
    engine = make_engine(_database_url(), poolclass=NullPool)
    try:
        with engine.connect() as connection:
            context.configure(
                connection=connection,
                target_metadata=Base.metadata,
                render_as_batch=connection.dialect.name == "sqlite",
            )
            with context.begin_transaction():
                context.run_migrations()
    finally:
        engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
