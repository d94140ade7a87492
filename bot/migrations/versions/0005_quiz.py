"""Content: the statement questions of the pre-departure quiz, published with each version.

Revision ID: 0005_quiz
Revises: 0004_recruitment
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005_quiz"
down_revision = "0004_recruitment"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "content_quiz_question",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column(
            "version_id",
            sa.Integer(),
            sa.ForeignKey("content_version.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("question_id", sa.String(length=100), nullable=False),
        sa.Column("topic", sa.String(length=100), nullable=False),
        sa.Column("question", sa.Text(), nullable=False),
        sa.Column("options", sa.JSON(), nullable=False),
        sa.Column("correct", sa.Integer(), nullable=False),
    )
    op.create_index("ix_content_quiz_question_version_id", "content_quiz_question", ["version_id"])


def downgrade() -> None:
    op.drop_index("ix_content_quiz_question_version_id", table_name="content_quiz_question")
    op.drop_table("content_quiz_question")
