"""What the Telegram channel keeps for a short while: handled update ids, updates not yet answered,
and recent message ids.

``TelegramUpdate`` makes a re-delivered update (webhook retry, two processes) be answered once:
claimed when handling starts, ``done_at`` set once its replies are out; rows are purged after
``bot.telegram.records.KEEP_UPDATES``. Its ``payload`` is the inbox: the update from the moment
it is fetched until it is answered (seconds), so a crash in between means "answered after the
restart", not "lost": it has the message text (names removed) and is cleared (NULL) once
answered, and one older than ``bot.telegram.records.KEEP_INBOX`` is cleared unanswered. (The
inbox was a table of its own until migration 0008: keeping and claiming an update, and finishing
it, were then two statements each.)
``TelegramRecentMessage`` lets ``/an`` delete the bot's messages (and the person's) from a phone
someone else may check; Telegram only lets bots delete messages younger than 48 hours, so rows
older than that are purged. The chat is stored as a keyed hash that differs from ``users.id``:
these rows cannot be joined to a user record, and they hold no message text.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, DateTime, String
from sqlalchemy.orm import Mapped, mapped_column

from bot.db import Base

CHAT_KEY_LENGTH = 64  # hex HMAC-SHA256


class TelegramUpdate(Base):
    """An update id already taken by a bot process, and the update itself until it is answered
    (see the module docstring)."""

    __tablename__ = "telegram_updates"

    update_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    received_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    done_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # ``none_as_null``: Python's None is SQL NULL (not the JSON value ``null``), so
    # ``payload IS NULL`` means "not in the inbox".
    payload: Mapped[dict[str, Any] | None] = mapped_column(JSON(none_as_null=True))


class TelegramRecentMessage(Base):
    """A message in a private chat that ``/an`` may delete (kept at most 48 hours)."""

    __tablename__ = "telegram_recent_messages"

    chat_key: Mapped[str] = mapped_column(String(CHAT_KEY_LENGTH), primary_key=True)
    message_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    sent_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
