"""Telegram channel: the inbox is a nullable ``payload`` on ``telegram_updates``, so keeping a
fetched update and claiming it is one statement (an ``INSERT … RETURNING`` into one table) and
finishing it is one too (the upsert that sets ``done_at`` clears the payload), on SQLite and
PostgreSQL alike; two tables cost a statement each on both paths.

Revision ID: 0008_inbox_in_updates
Revises: 0007_inbox
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008_inbox_in_updates"
down_revision = "0007_inbox"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("telegram_updates") as batch:
        batch.add_column(sa.Column("payload", sa.JSON(none_as_null=True), nullable=True))
    # Updates kept and not answered yet move over: with their claim when it still exists, with
    # a claim of their own when a restart had freed it (they are replayed at the next start).
    op.execute(
        "UPDATE telegram_updates SET payload = (SELECT i.payload FROM telegram_inbox i "
        "WHERE i.update_id = telegram_updates.update_id) "
        "WHERE done_at IS NULL AND update_id IN (SELECT update_id FROM telegram_inbox)"
    )
    op.execute(
        "INSERT INTO telegram_updates (update_id, received_at, payload) "
        "SELECT update_id, received_at, payload FROM telegram_inbox i "
        "WHERE NOT EXISTS (SELECT 1 FROM telegram_updates u WHERE u.update_id = i.update_id)"
    )
    op.drop_index("ix_telegram_inbox_received_at", table_name="telegram_inbox")
    op.drop_table("telegram_inbox")


def downgrade() -> None:
    op.create_table(
        "telegram_inbox",
        sa.Column("update_id", sa.BigInteger(), primary_key=True, autoincrement=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_telegram_inbox_received_at", "telegram_inbox", ["received_at"])
    op.execute(
        "INSERT INTO telegram_inbox (update_id, payload, received_at) "
        "SELECT update_id, payload, received_at FROM telegram_updates "
        "WHERE payload IS NOT NULL AND done_at IS NULL"
    )
    with op.batch_alter_table("telegram_updates") as batch:
        batch.drop_column("payload")
