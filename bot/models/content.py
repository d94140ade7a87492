"""Published content in the database: one ``ContentVersion`` row per publish, with its rows.

A version is written once and never changed; publishing a new one flips ``is_live`` in the same
transaction, so readers always see one complete version. Only items with ``status: published``
are stored, so nothing unverified can reach a worker through the database. Lists and small
nested structures (phones, sources, phrase cards) are JSON: they are always read whole.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from bot.db import Base


def _version_fk() -> ForeignKey:
    return ForeignKey("content_version.id", ondelete="CASCADE")


class ContentVersion(Base):
    """One publish: who, when, a hash of what, and whether it is the live one."""

    __tablename__ = "content_version"
    __table_args__ = (
        # At most one live version, enforced by the database even if two editors publish at once.
        Index(
            "uq_content_version_live",
            "is_live",
            unique=True,
            sqlite_where=text("is_live"),
            postgresql_where=text("is_live"),
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    published_by: Mapped[str] = mapped_column(String(100))
    is_live: Mapped[bool] = mapped_column(Boolean, default=False)
    content_hash: Mapped[str] = mapped_column(String(64))

    answers: Mapped[list[Answer]] = relationship(cascade="all, delete-orphan")
    contacts: Mapped[list[Contact]] = relationship(cascade="all, delete-orphan")
    chapters: Mapped[list[Chapter]] = relationship(cascade="all, delete-orphan")
    intents: Mapped[list[IntentAnswers]] = relationship(cascade="all, delete-orphan")
    lexicon: Mapped[list[LexiconTerm]] = relationship(cascade="all, delete-orphan")
    quiz: Mapped[list[QuizQuestion]] = relationship(cascade="all, delete-orphan")


class Answer(Base):
    """One published answer of one country."""

    __tablename__ = "content_answer"
    __table_args__ = (
        UniqueConstraint(
            "version_id", "country", "answer_id", name="uq_content_answer_version_country_id"
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    version_id: Mapped[int] = mapped_column(_version_fk(), index=True)
    country: Mapped[str] = mapped_column(String(2))
    answer_id: Mapped[str] = mapped_column(String(100))
    chapter_id: Mapped[str] = mapped_column(String(100))
    status: Mapped[str] = mapped_column(String(20))
    title: Mapped[str] = mapped_column(Text)
    short: Mapped[str] = mapped_column(Text)
    body: Mapped[str] = mapped_column(Text)
    more: Mapped[str | None] = mapped_column(Text)
    related: Mapped[list[str]] = mapped_column(JSON)
    contact_ids: Mapped[list[str]] = mapped_column(JSON)
    phrases: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    sources: Mapped[list[dict[str, str]]] = mapped_column(JSON)
    verified_on: Mapped[date] = mapped_column(Date)


class Contact(Base):
    """One published contact (country ``vn`` = Viet Nam's own lines, shown in every country)."""

    __tablename__ = "content_contact"
    __table_args__ = (
        UniqueConstraint("version_id", "contact_id", name="uq_content_contact_version_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    version_id: Mapped[int] = mapped_column(_version_fk(), index=True)
    position: Mapped[int] = mapped_column(Integer)  # order in its file (emergency lines first)
    country: Mapped[str] = mapped_column(String(2))
    contact_id: Mapped[str] = mapped_column(String(100))
    name: Mapped[str] = mapped_column(Text)
    kind: Mapped[str] = mapped_column(String(20))
    phones: Mapped[list[str]] = mapped_column(JSON)
    address: Mapped[str | None] = mapped_column(Text)
    hours: Mapped[str | None] = mapped_column(Text)
    languages: Mapped[list[str]] = mapped_column(JSON)
    helps_with: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(20))
    source_url: Mapped[str] = mapped_column(Text)
    source_title: Mapped[str] = mapped_column(Text)
    verified_on: Mapped[date] = mapped_column(Date)


class Chapter(Base):
    """A handbook chapter (menu entry) and its answer ids in menu order."""

    __tablename__ = "content_chapter"
    __table_args__ = (
        UniqueConstraint("version_id", "chapter_id", name="uq_content_chapter_version_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    version_id: Mapped[int] = mapped_column(_version_fk(), index=True)
    position: Mapped[int] = mapped_column(Integer)
    chapter_id: Mapped[str] = mapped_column(String(100))
    title: Mapped[str] = mapped_column(Text)
    icon: Mapped[str] = mapped_column(String(20))
    answer_ids: Mapped[list[str]] = mapped_column(JSON)


class IntentAnswers(Base):
    """Which answers an NLU intent leads to, best first."""

    __tablename__ = "content_intent"
    __table_args__ = (
        UniqueConstraint("version_id", "intent", name="uq_content_intent_version_intent"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    version_id: Mapped[int] = mapped_column(_version_fk(), index=True)
    intent: Mapped[str] = mapped_column(String(100))
    answer_ids: Mapped[list[str]] = mapped_column(JSON)


class LexiconTerm(Base):
    """A word of the emergency lexicon as the editor wrote it (normalised when read)."""

    __tablename__ = "content_lexicon_term"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    version_id: Mapped[int] = mapped_column(_version_fk(), index=True)
    position: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(20))
    term: Mapped[str] = mapped_column(Text)


class QuizQuestion(Base):
    """A statement question of the pre-departure quiz (``quiz.yml``)."""

    __tablename__ = "content_quiz_question"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    version_id: Mapped[int] = mapped_column(_version_fk(), index=True)
    position: Mapped[int] = mapped_column(Integer)
    question_id: Mapped[str] = mapped_column(String(100))
    topic: Mapped[str] = mapped_column(String(100))
    question: Mapped[str] = mapped_column(Text)
    options: Mapped[list[str]] = mapped_column(JSON)
    correct: Mapped[int] = mapped_column(Integer)
