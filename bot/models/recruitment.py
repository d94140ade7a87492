"""What recruitment companies, the quiz and alerts need — and nothing a company could trace back.

A company sees counts only: ``CompanySignup`` links a pseudonymous user to the company whose link
they opened (deleted with the user), ``TopicOpenCount`` counts topics opened per company and week
with no user at all. ``AlertSubscription`` is the one place a Telegram chat id is stored, because a
broadcast needs it; it exists only while the person has opted in (``/thongbao``).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Date, DateTime, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from bot.db import Base

COMPANY_CODE_LENGTH = 32


class Company(Base):
    """A recruitment company or training centre that hands out the bot."""

    __tablename__ = "companies"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    code: Mapped[str] = mapped_column(String(COMPANY_CODE_LENGTH), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    created_on: Mapped[date] = mapped_column(Date)


class CompanySignup(Base):
    """The company whose link a user arrived with (one per user; removed with the user)."""

    __tablename__ = "company_signups"

    user_id: Mapped[str] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    company_id: Mapped[int] = mapped_column(ForeignKey("companies.id"), index=True)
    signed_up_on: Mapped[date] = mapped_column(Date)


class TopicOpenCount(Base):
    """How often workers of a company opened a topic in a week — a bare count."""

    __tablename__ = "topic_open_counts"

    company_id: Mapped[int] = mapped_column(ForeignKey("companies.id"), primary_key=True)
    week: Mapped[date] = mapped_column(Date, primary_key=True)  # Monday of the ISO week
    country: Mapped[str] = mapped_column(String(2), primary_key=True)
    answer_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    count: Mapped[int] = mapped_column(Integer, default=0)


class QuizSession(Base):
    """A pre-departure quiz in progress (the questions are frozen when it starts)."""

    __tablename__ = "quiz_sessions"

    user_id: Mapped[str] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    country: Mapped[str] = mapped_column(String(2))
    questions: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    position: Mapped[int] = mapped_column(Integer, default=0)
    score: Mapped[int] = mapped_column(Integer, default=0)


class AlertSubscription(Base):
    """A user who asked for announcements for their country, with the chat to send them to."""

    __tablename__ = "alert_subscriptions"

    user_id: Mapped[str] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    country: Mapped[str] = mapped_column(String(2), index=True)
    chat_id: Mapped[int] = mapped_column(BigInteger)
    subscribed_on: Mapped[date] = mapped_column(Date)


class Announcement(Base):
    """An editor's message to the opted-in users of one country."""

    __tablename__ = "announcements"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    country: Mapped[str] = mapped_column(String(2))
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class AlertDelivery(Base):
    """One announcement to one subscriber: pending → sending → sent | blocked | failed.

    A row is claimed (``sending``) and committed before the message goes out, so a restart never
    sends it again: a row found in ``sending`` after a crash is closed as ``failed``.
    """

    __tablename__ = "alert_deliveries"

    announcement_id: Mapped[int] = mapped_column(
        ForeignKey("announcements.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    status: Mapped[str] = mapped_column(String(8), default="pending", index=True)
    updated_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
