"""Users (pseudonymous), anonymous feedback counts and kept low-confidence questions.

Revision ID: 0002_users
Revises: 0001_content
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002_users"
down_revision = "0001_content"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "users",
        sa.Column("id", sa.String(length=64), primary_key=True),
        sa.Column("country", sa.String(length=2), nullable=True),
        sa.Column("locale", sa.String(length=8), nullable=False),
        sa.Column("start_payload", sa.String(length=64), nullable=True),
        sa.Column("onboarded_at", sa.Date(), nullable=True),
        sa.Column("last_active", sa.Date(), nullable=False),
    )
    op.create_table(
        "feedback_counts",
        sa.Column("answer_id", sa.String(length=64), primary_key=True),
        sa.Column("country", sa.String(length=2), primary_key=True),
        sa.Column("up", sa.Integer(), nullable=False),
        sa.Column("down", sa.Integer(), nullable=False),
    )
    op.create_table(
        "kept_questions",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("intent", sa.String(length=64), nullable=True),
        sa.Column("confidence", sa.Float(), nullable=True),
        sa.Column("country", sa.String(length=2), nullable=True),
        sa.Column("created_at", sa.Date(), nullable=False),
    )
    op.create_index("ix_kept_questions_created_at", "kept_questions", ["created_at"])


def downgrade() -> None:
    op.drop_index("ix_kept_questions_created_at", table_name="kept_questions")
    op.drop_table("kept_questions")
    op.drop_table("feedback_counts")
    op.drop_table("users")
