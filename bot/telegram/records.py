"""The Telegram channel's short-lived records: update ids already handled, recent message ids.

Both live in the database (not in process memory) so several bot processes behind one webhook
agree on them. Chats are stored as a keyed hash (``chat_key``) derived with a sub-key of the
pseudonym key, so these rows can neither be reversed to a Telegram id nor joined to ``users``.
The database work is synchronous SQLAlchemy run in a worker thread: a commit waits for the disk
(fsync, several milliseconds on a busy machine) and must not stall every other chat meanwhile.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import delete, insert, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from bot.models.telegram import TelegramRecentMessage, TelegramUpdate
from bot.users import user_key

KEEP_UPDATES = timedelta(days=2)  # Telegram gives up re-delivering an update well before this
DELETABLE_FOR = timedelta(hours=48)  # bots cannot delete messages older than 48 hours


def now_utc() -> datetime:
    return datetime.now(UTC)


def _insert_ignoring_duplicates(session: Session, model: type[Any]) -> Any:
    """``INSERT … ON CONFLICT DO NOTHING`` in the session's dialect (SQLite or PostgreSQL)."""
    if session.get_bind().dialect.name == "postgresql":
        return postgresql.insert(model).on_conflict_do_nothing()
    return sqlite.insert(model).on_conflict_do_nothing()


class TelegramRecords:
    """Read and write the channel's records (see the module docstring)."""

    def __init__(self, session_factory: sessionmaker[Session], pseudonym_key: bytes) -> None:
        self._sessions = session_factory
        self._chat_secret = hmac.new(
            pseudonym_key, b"telegram-recent-messages", hashlib.sha256
        ).digest()

    def chat_key(self, chat_id: int) -> str:
        return user_key(self._chat_secret, chat_id)

    async def claim_update(self, update_id: int, now: datetime | None = None) -> bool:
        """True the first time an update id is seen (by any process), False for a re-delivery."""
        return await asyncio.to_thread(self._claim_update, update_id, now or now_utc())

    def _claim_update(self, update_id: int, now: datetime) -> bool:
        try:
            with self._sessions.begin() as session:
                session.execute(insert(TelegramUpdate).values(update_id=update_id, received_at=now))
        except IntegrityError:  # the primary key: someone took this update first
            return False
        return True

    async def remember_messages(
        self, chat_id: int, message_ids: Iterable[int], now: datetime | None = None
    ) -> None:
        """Note messages of a private chat that ``/an`` may delete later."""
        ids = sorted(set(message_ids))
        if ids:
            await asyncio.to_thread(self._remember, self.chat_key(chat_id), ids, now or now_utc())

    def _remember(self, chat_key: str, message_ids: list[int], now: datetime) -> None:
        rows = [{"chat_key": chat_key, "message_id": m, "sent_at": now} for m in message_ids]
        with self._sessions.begin() as session:
            # Core insert, skipping ids already noted: one statement, no ORM bookkeeping.
            statement = _insert_ignoring_duplicates(session, TelegramRecentMessage)
            session.execute(statement, rows)

    async def recent_messages(self, chat_id: int, now: datetime | None = None) -> list[int]:
        """Ids of the chat's recorded messages that Telegram still lets the bot delete."""
        return await asyncio.to_thread(self._recent, self.chat_key(chat_id), now or now_utc())

    def _recent(self, chat_key: str, now: datetime) -> list[int]:
        with self._sessions() as session:
            rows = session.scalars(
                select(TelegramRecentMessage.message_id)
                .where(
                    TelegramRecentMessage.chat_key == chat_key,
                    TelegramRecentMessage.sent_at > now - DELETABLE_FOR,
                )
                .order_by(TelegramRecentMessage.message_id)
            )
            return list(rows)

    async def forget_messages(self, chat_id: int, message_ids: Iterable[int]) -> None:
        """Drop the records of messages that were deleted (or could not be)."""
        ids = sorted(set(message_ids))
        if ids:
            await asyncio.to_thread(self._forget, self.chat_key(chat_id), ids)

    def _forget(self, chat_key: str, message_ids: list[int]) -> None:
        with self._sessions() as session, session.begin():
            session.execute(
                delete(TelegramRecentMessage).where(
                    TelegramRecentMessage.chat_key == chat_key,
                    TelegramRecentMessage.message_id.in_(message_ids),
                )
            )

    async def purge(self, now: datetime | None = None) -> tuple[int, int]:
        """Delete expired rows; returns (update ids, message ids) removed."""
        return await asyncio.to_thread(self._purge, now or now_utc())

    def _purge(self, now: datetime) -> tuple[int, int]:
        with self._sessions() as session, session.begin():
            updates: Any = session.execute(
                delete(TelegramUpdate).where(TelegramUpdate.received_at < now - KEEP_UPDATES)
            )
            messages: Any = session.execute(
                delete(TelegramRecentMessage).where(
                    TelegramRecentMessage.sent_at < now - DELETABLE_FOR
                )
            )
            return int(updates.rowcount), int(messages.rowcount)
