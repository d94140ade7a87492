"""Editors' console: accounts with roles and login lockout, the audit log, weekly 👍/👎.

Revision ID: 0006_editor
Revises: 0005_quiz
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006_editor"
down_revision = "0005_quiz"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "editor_account",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("username", sa.String(length=64), nullable=False, unique=True),
        sa.Column("password_hash", sa.String(length=255), nullable=False),
        sa.Column("role", sa.String(length=20), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("failed_logins", sa.Integer(), nullable=False),
        sa.Column("locked_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("session_epoch", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "editor_audit",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("username", sa.String(length=64), nullable=False),
        sa.Column("action", sa.String(length=40), nullable=False),
        sa.Column("target", sa.String(length=200), nullable=False),
        sa.Column("detail", sa.Text(), nullable=False),
    )
    op.create_index("ix_editor_audit_at", "editor_audit", ["at"])
    op.create_table(
        "feedback_weeks",
        sa.Column("answer_id", sa.String(length=64), primary_key=True),
        sa.Column("country", sa.String(length=2), primary_key=True),
        sa.Column("week", sa.Date(), primary_key=True),
        sa.Column("up", sa.Integer(), nullable=False),
        sa.Column("down", sa.Integer(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("feedback_weeks")
    op.drop_index("ix_editor_audit_at", table_name="editor_audit")
    op.drop_table("editor_audit")
    op.drop_table("editor_account")
