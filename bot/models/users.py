"""What the bot remembers about people: pseudonymous users, anonymous feedback, kept questions.

Nothing here can be joined back to a Telegram account without the pseudonym key, and feedback
counts and kept questions carry no user reference at all. Dates are stored without a time of
day on purpose: a timestamp could be matched against message times to re-identify someone.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import Date, Float, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from bot.db import Base

USER_KEY_LENGTH = 64  # hex HMAC-SHA256
START_PAYLOAD_LENGTH = 64  # Telegram's limit for deep-link payloads


class User(Base):
    """A person talking to the bot, known only by a keyed hash of their Telegram id."""

    __tablename__ = "users"

    id: Mapped[str] = mapped_column(String(USER_KEY_LENGTH), primary_key=True)
    country: Mapped[str | None] = mapped_column(String(2))  # jp | kr | tw, None until chosen
    locale: Mapped[str] = mapped_column(String(8), default="vi")
    # Deep-link code the person arrived with (which recruiter or training), kept as given.
    start_payload: Mapped[str | None] = mapped_column(String(START_PAYLOAD_LENGTH))
    onboarded_at: Mapped[date | None] = mapped_column(Date)
    last_active: Mapped[date] = mapped_column(Date)


class FeedbackCount(Base):
    """👍/👎 totals for one answer in one country — counts only, never who voted."""

    __tablename__ = "feedback_counts"

    answer_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    country: Mapped[str] = mapped_column(String(2), primary_key=True)
    up: Mapped[int] = mapped_column(Integer, default=0)
    down: Mapped[int] = mapped_column(Integer, default=0)


class FeedbackWeek(Base):
    """👍/👎 for one answer in one country in one ISO week (its Monday), for trends over time.

    A week, like the totals, is a bare count: no vote can be told apart from another.
    """

    __tablename__ = "feedback_weeks"

    answer_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    country: Mapped[str] = mapped_column(String(2), primary_key=True)
    week: Mapped[date] = mapped_column(Date, primary_key=True)
    up: Mapped[int] = mapped_column(Integer, default=0)
    down: Mapped[int] = mapped_column(Integer, default=0)


class KeptQuestion(Base):
    """A question the NLU was unsure about, scrubbed of personal data, for editors to learn from.

    Deliberately has no user column; rows are purged after ``bot.users.KEEP_QUESTIONS_DAYS``.
    """

    __tablename__ = "kept_questions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    text: Mapped[str] = mapped_column(Text)
    intent: Mapped[str | None] = mapped_column(String(64))
    confidence: Mapped[float | None] = mapped_column(Float)
    country: Mapped[str | None] = mapped_column(String(2))
    created_at: Mapped[date] = mapped_column(Date, index=True)
