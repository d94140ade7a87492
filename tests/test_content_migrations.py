"""The Alembic migrations build exactly the schema the models describe, on every database."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

from bot.db import Base, make_engine
from bot.migrate import alembic_config, current_revision, head_revision, upgrade
from bot.models import content

CONTENT_TABLES = {
    model.__tablename__
    for model in (
        content.ContentVersion,
        content.Answer,
        content.Contact,
        content.Chapter,
        content.IntentAnswers,
        content.LexiconTerm,
    )
}


def test_upgrade_empty_database_to_head(database_url: str) -> None:
    assert current_revision(database_url) is None
    upgrade(database_url)
    assert current_revision(database_url) == head_revision()
    upgrade(database_url)  # a second run changes nothing
    engine = make_engine(database_url)
    try:
        with engine.connect() as connection:
            diffs = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    finally:
        engine.dispose()
    # other helpers' tables are their tests' business; ours must match the models exactly
    assert [d for d in diffs if any(table in repr(d) for table in CONTENT_TABLES)] == []


def test_first_revision_is_content() -> None:
    script = ScriptDirectory.from_config(alembic_config(""))
    assert script.get_revision("0001_content").down_revision is None
