"""Recruitment: companies and sign-ups, topic counts, quiz sessions, alert subscriptions/deliveries.

Revision ID: 0004_recruitment
Revises: 0003_telegram
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004_recruitment"
down_revision = "0003_telegram"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "companies",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("code", sa.String(length=32), nullable=False, unique=True),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("created_on", sa.Date(), nullable=False),
    )
    op.create_table(
        "company_signups",
        sa.Column(
            "user_id",
            sa.String(length=64),
            sa.ForeignKey("users.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("company_id", sa.Integer(), sa.ForeignKey("companies.id"), nullable=False),
        sa.Column("signed_up_on", sa.Date(), nullable=False),
    )
    op.create_index("ix_company_signups_company_id", "company_signups", ["company_id"])
    op.create_table(
        "topic_open_counts",
        sa.Column("company_id", sa.Integer(), sa.ForeignKey("companies.id"), primary_key=True),
        sa.Column("week", sa.Date(), primary_key=True),
        sa.Column("country", sa.String(length=2), primary_key=True),
        sa.Column("answer_id", sa.String(length=64), primary_key=True),
        sa.Column("count", sa.Integer(), nullable=False),
    )
    op.create_table(
        "quiz_sessions",
        sa.Column(
            "user_id",
            sa.String(length=64),
            sa.ForeignKey("users.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("country", sa.String(length=2), nullable=False),
        sa.Column("questions", sa.JSON(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("score", sa.Integer(), nullable=False),
    )
    op.create_table(
        "alert_subscriptions",
        sa.Column(
            "user_id",
            sa.String(length=64),
            sa.ForeignKey("users.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("country", sa.String(length=2), nullable=False),
        sa.Column("chat_id", sa.BigInteger(), nullable=False),
        sa.Column("subscribed_on", sa.Date(), nullable=False),
    )
    op.create_index("ix_alert_subscriptions_country", "alert_subscriptions", ["country"])
    op.create_table(
        "announcements",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("country", sa.String(length=2), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "alert_deliveries",
        sa.Column(
            "announcement_id",
            sa.Integer(),
            sa.ForeignKey("announcements.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("user_id", sa.String(length=64), primary_key=True),
        sa.Column("status", sa.String(length=8), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_index("ix_alert_deliveries_status", "alert_deliveries", ["status"])


def downgrade() -> None:
    op.drop_index("ix_alert_deliveries_status", table_name="alert_deliveries")
    op.drop_table("alert_deliveries")
    op.drop_table("announcements")
    op.drop_index("ix_alert_subscriptions_country", table_name="alert_subscriptions")
    op.drop_table("alert_subscriptions")
    op.drop_table("quiz_sessions")
    op.drop_table("topic_open_counts")
    op.drop_index("ix_company_signups_company_id", table_name="company_signups")
    op.drop_table("company_signups")
    op.drop_table("companies")
