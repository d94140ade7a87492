"""Content versions with their answers, contacts, chapters, intents and emergency lexicon.

Revision ID: 0001_content
Revises:
Create Date: 2026-11-22

"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001_content"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _version_id() -> sa.Column:
    return sa.Column("version_id", sa.Integer(),
                     sa.ForeignKey("content_version.id", ondelete="CASCADE"), nullable=False)


def _id() -> sa.Column:
    return sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True)


def upgrade() -> None:
    op.create_table(
        "content_version",
        _id(),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("published_by", sa.String(100), nullable=False),
        sa.Column("is_live", sa.Boolean(), nullable=False),
        sa.Column("content_hash", sa.String(64), nullable=False),
    )
    op.create_index("uq_content_version_live", "content_version", ["is_live"], unique=True,
                    sqlite_where=sa.text("is_live"), postgresql_where=sa.text("is_live"))
    op.create_table(
        "content_answer",
        _id(),
        _version_id(),
        sa.Column("country", sa.String(2), nullable=False),
        sa.Column("answer_id", sa.String(100), nullable=False),
        sa.Column("chapter_id", sa.String(100), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("short", sa.Text(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("more", sa.Text(), nullable=True),
        sa.Column("related", sa.JSON(), nullable=False),
        sa.Column("contact_ids", sa.JSON(), nullable=False),
        sa.Column("phrases", sa.JSON(), nullable=True),
        sa.Column("sources", sa.JSON(), nullable=False),
        sa.Column("verified_on", sa.Date(), nullable=False),
        sa.UniqueConstraint("version_id", "country", "answer_id",
                            name="uq_content_answer_version_country_id"),
    )
    op.create_table(
        "content_contact",
        _id(),
        _version_id(),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("country", sa.String(2), nullable=False),
        sa.Column("contact_id", sa.String(100), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("phones", sa.JSON(), nullable=False),
        sa.Column("address", sa.Text(), nullable=True),
        sa.Column("hours", sa.Text(), nullable=True),
        sa.Column("languages", sa.JSON(), nullable=False),
        sa.Column("helps_with", sa.Text(), nullable=True),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("source_url", sa.Text(), nullable=False),
        sa.Column("source_title", sa.Text(), nullable=False),
        sa.Column("verified_on", sa.Date(), nullable=False),
        sa.UniqueConstraint("version_id", "contact_id", name="uq_content_contact_version_id"),
    )
    op.create_table(
        "content_chapter",
        _id(),
        _version_id(),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("chapter_id", sa.String(100), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("icon", sa.String(20), nullable=False),
        sa.Column("answer_ids", sa.JSON(), nullable=False),
        sa.UniqueConstraint("version_id", "chapter_id", name="uq_content_chapter_version_id"),
    )
    op.create_table(
        "content_intent",
        _id(),
        _version_id(),
        sa.Column("intent", sa.String(100), nullable=False),
        sa.Column("answer_ids", sa.JSON(), nullable=False),
        sa.UniqueConstraint("version_id", "intent", name="uq_content_intent_version_intent"),
    )
    op.create_table(
        "content_lexicon_term",
        _id(),
        _version_id(),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("term", sa.Text(), nullable=False),
    )
    for table in ("content_answer", "content_contact", "content_chapter", "content_intent",
                  "content_lexicon_term"):
        op.create_index(f"ix_{table}_version_id", table, ["version_id"])


def downgrade() -> None:
    for table in ("content_lexicon_term", "content_intent", "content_chapter", "content_contact",
                  "content_answer"):
        op.drop_index(f"ix_{table}_version_id", table_name=table)
        op.drop_table(table)
    op.drop_index("uq_content_version_live", table_name="content_version")
    op.drop_table("content_version")
