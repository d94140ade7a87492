"""Telegram channel: an update is done only once answered (``done_at``), and an inbox of updates
received but not yet answered, replayed after a crash.

Revision ID: 0007_inbox
Revises: 0006_editor
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007_inbox"
down_revision = "0006_editor"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("telegram_updates") as batch:
        batch.add_column(sa.Column("done_at", sa.DateTime(timezone=True), nullable=True))
    # Rows from before this revision were claimed when handling began: count them as done.
    op.execute("UPDATE telegram_updates SET done_at = received_at WHERE done_at IS NULL")
    op.create_table(
        "telegram_inbox",
        sa.Column("update_id", sa.BigInteger(), primary_key=True, autoincrement=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_telegram_inbox_received_at", "telegram_inbox", ["received_at"])


def downgrade() -> None:
    op.drop_index("ix_telegram_inbox_received_at", table_name="telegram_inbox")
    op.drop_table("telegram_inbox")
    with op.batch_alter_table("telegram_updates") as batch:
        batch.drop_column("done_at")
