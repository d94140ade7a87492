"""The Alembic migrations build exactly the schema the models describe, on every database."""

from __future__ import annotations

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import select, text

from bot.db import Base, make_engine
from bot.migrate import alembic_config, current_revision, head_revision, upgrade
from bot.models import content
from bot.models.telegram import TelegramUpdate

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


def test_the_inbox_moves_into_telegram_updates_and_back(database_url: str) -> None:
    """0008: updates kept and not answered keep their payload (with or without a claim);
    a downgrade puts them back in ``telegram_inbox``."""
    upgrade(database_url, "0007_inbox")
    engine = make_engine(database_url)
    at = "2026-11-22 12:00:00"
    payload = '{"update_id": %d, "message": {"text": "câu %d"}}'
    try:
        with engine.begin() as connection:
            for update_id, done in ((1, at), (2, None)):  # answered; being answered
                connection.execute(
                    text("INSERT INTO telegram_updates VALUES (:u, :at, :done)"),
                    {"u": update_id, "at": at, "done": done},
                )
            for update_id in (2, 3):  # 3: its claim freed by a restart
                connection.execute(
                    text("INSERT INTO telegram_inbox VALUES (:u, :p, :at)"),
                    {"u": update_id, "p": payload % (update_id, update_id), "at": at},
                )
        upgrade(database_url)
        with engine.connect() as connection:
            rows = connection.execute(
                select(
                    TelegramUpdate.update_id, TelegramUpdate.done_at, TelegramUpdate.payload
                ).order_by(TelegramUpdate.update_id)
            ).all()
        assert [(row.update_id, row.done_at is None) for row in rows] == [
            (1, False),
            (2, True),
            (3, True),
        ]
        assert rows[0].payload is None
        assert [row.payload["message"]["text"] for row in rows[1:]] == ["câu 2", "câu 3"]
        command.downgrade(alembic_config(database_url), "0007_inbox")
        with engine.connect() as connection:
            kept = connection.execute(
                text("SELECT update_id FROM telegram_inbox ORDER BY update_id")
            ).all()
        assert [row.update_id for row in kept] == [2, 3]
    finally:
        engine.dispose()
