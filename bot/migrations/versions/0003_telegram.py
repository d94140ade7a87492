"""Telegram channel: handled update ids (answer each update once) and recent message ids (/an).

Revision ID: 0003_telegram
Revises: 0002_users
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003_telegram"
down_revision = "0002_users"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "telegram_updates",
        sa.Column("update_id", sa.BigInteger(), primary_key=True, autoincrement=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_telegram_updates_received_at", "telegram_updates", ["received_at"])
    op.create_table(
        "telegram_recent_messages",
        sa.Column("chat_key", sa.String(length=64), primary_key=True),
        sa.Column("message_id", sa.BigInteger(), primary_key=True, autoincrement=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_telegram_recent_messages_sent_at", "telegram_recent_messages", ["sent_at"])


def downgrade() -> None:
    op.drop_index("ix_telegram_recent_messages_sent_at", table_name="telegram_recent_messages")
    op.drop_table("telegram_recent_messages")
    op.drop_index("ix_telegram_updates_received_at", table_name="telegram_updates")
    op.drop_table("telegram_updates")
