"""What the Telegram channel keeps for a short while: handled update ids and recent message ids.

``TelegramUpdate`` makes a re-delivered update (webhook retry, two processes) be answered once;
rows are purged after ``bot.telegram.records.KEEP_UPDATES``. ``TelegramRecentMessage`` lets
``/an`` delete the bot's messages (and the person's) from a phone someone else may check; Telegram
only lets bots delete messages younger than 48 hours, so rows older than that are purged. The
chat is stored as a keyed hash that differs from ``users.id``: these rows cannot be joined to a
user record, and they hold no message text.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, DateTime, String
from sqlalchemy.orm import Mapped, mapped_column

from bot.db import Base

CHAT_KEY_LENGTH = 64  # hex HMAC-SHA256


class TelegramUpdate(Base):
    """An update id already taken by a bot process."""

    __tablename__ = "telegram_updates"

    update_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    received_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)


class TelegramRecentMessage(Base):
    """A message in a private chat that ``/an`` may delete (kept at most 48 hours)."""

    __tablename__ = "telegram_recent_messages"

    chat_key: Mapped[str] = mapped_column(String(CHAT_KEY_LENGTH), primary_key=True)
    message_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    sent_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
