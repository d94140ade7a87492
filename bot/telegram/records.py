"""The Telegram channel's short-lived records: update ids handled, updates not answered yet (the
inbox), recent message ids.

They live in the database (not in process memory) so several bot processes behind one webhook
agree on them. An update is *claimed* when handling starts (another process seeing the claim
leaves it alone), and *done* only once its replies are out; it sits in the inbox (its row's
``payload``) from the moment it is fetched until then, so a crash means "answered once more after
the restart", never "lost". Keeping and claiming a fetched update is one statement, and so is
finishing it, each compiled once (see ``_CLAIM``): they are work done for every update.
None of this may stop an answer: every call has a deadline, and while the database is down the
records are kept in memory (claims, done ids) or written later (done ids, message ids). Chats
are stored as a keyed hash (``chat_key``) derived with a sub-key of the pseudonym key, so these
rows can neither be reversed to a Telegram id nor joined to ``users``. The database work is
synchronous SQLAlchemy run in a worker thread: a commit waits for the disk (fsync, several
milliseconds on a busy machine) and must not stall every other chat meanwhile.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import logging
from collections import OrderedDict
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from contextlib import AbstractContextManager
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

from sqlalchemy import Connection, Engine, bindparam, delete, null, select, text, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from bot.models.telegram import TelegramRecentMessage, TelegramUpdate
from bot.users import user_key

logger = logging.getLogger(__name__)

KEEP_UPDATES = timedelta(days=2)  # Telegram gives up re-delivering an update well before this
DELETABLE_FOR = timedelta(hours=48)  # bots cannot delete messages older than 48 hours
KEEP_INBOX = timedelta(hours=1)  # an update not answered in an hour is not worth answering
CLAIM_EXPIRES = timedelta(minutes=2)  # a claim older than this (its process died) is taken over
DEADLINE_SECONDS = 1.0  # the longest an answer waits for these records
MAX_REMEMBERED = 100_000  # update ids kept in memory (for a database outage)
FLUSH_DELAY_SECONDS = 0.05  # done ids and message ids are written together, this often at most

T = TypeVar("T")


def now_utc() -> datetime:
    return datetime.now(UTC)


def _insert(session: Session | Connection, model: type[Any]) -> Any:
    """A Core ``INSERT`` into the model's table in the dialect of the session or connection
    (SQLite or PostgreSQL): these rows need none of the ORM's bookkeeping, which cost more CPU
    than the round trip itself."""
    table = model.__table__
    bind = session if isinstance(session, Connection) else session.get_bind()
    if bind.dialect.name == "postgresql":
        return postgresql.insert(table)
    return sqlite.insert(table)


def _insert_ignoring_duplicates(session: Session | Connection, model: type[Any]) -> Any:
    """``INSERT … ON CONFLICT DO NOTHING`` (see ``_insert``)."""
    return _insert(session, model).on_conflict_do_nothing()


# The statements of every update, as SQL text valid on SQLite (3.35 and later) and PostgreSQL.
# SQLAlchemy caches no compiled form of its dialects' ``insert(…).on_conflict_…()`` (they have
# no cache key: "[no key]" in its log), so each one was compiled again on every execution,
# which cost more CPU than running it; a text statement is compiled once. The bound values
# get the columns' own types (JSON, time zones on SQLite), as the ORM would give them.
_UPDATES = TelegramUpdate.__table__
_MESSAGES = TelegramRecentMessage.__table__
_UPDATE_TYPES = (
    bindparam("received_at", type_=_UPDATES.c.received_at.type),
    bindparam("payload", type_=_UPDATES.c.payload.type),
)
# Claim an update and keep it (``payload``; None when it is only claimed): one statement.
_CLAIM = (
    text(
        f"INSERT INTO {TelegramUpdate.__tablename__} (update_id, received_at, payload) "
        "VALUES (:update_id, :received_at, :payload) "
        "ON CONFLICT (update_id) DO NOTHING RETURNING update_id"
    )
    .bindparams(*_UPDATE_TYPES)
    .columns(_UPDATES.c.update_id)
)
# Done: a claimed row gets its done time and leaves the inbox; one not claimed here is inserted
# done (a done row is left as it was).
_FINISH = text(
    f"INSERT INTO {TelegramUpdate.__tablename__} (update_id, received_at, done_at) "
    "VALUES (:update_id, :received_at, :done_at) "
    "ON CONFLICT (update_id) DO UPDATE SET done_at = excluded.done_at, payload = NULL "
    f"WHERE {TelegramUpdate.__tablename__}.done_at IS NULL"
).bindparams(
    bindparam("received_at", type_=_UPDATES.c.received_at.type),
    bindparam("done_at", type_=_UPDATES.c.done_at.type),
)
_REMEMBER = text(
    f"INSERT INTO {TelegramRecentMessage.__tablename__} (chat_key, message_id, sent_at) "
    "VALUES (:chat_key, :message_id, :sent_at) ON CONFLICT DO NOTHING"
).bindparams(bindparam("sent_at", type_=_MESSAGES.c.sent_at.type))


class TelegramRecords:
    """Read and write the channel's records (see the module docstring)."""

    def __init__(
        self,
        session_factory: sessionmaker[Session],
        pseudonym_key: bytes,
        deadline: float = DEADLINE_SECONDS,
    ) -> None:
        self._sessions = session_factory
        self._chat_secret = hmac.new(
            pseudonym_key, b"telegram-recent-messages", hashlib.sha256
        ).digest()
        self._deadline = deadline
        self._db = ThreadPoolExecutor(8, thread_name_prefix="telegram-records")
        self._active: set[int] = set()  # update ids being handled by this process
        self._claimed_early: set[int] = set()  # claimed with their batch, not yet taken up
        self._done: OrderedDict[int, None] = OrderedDict()  # handled here (bounded)
        self._unwritten_done: dict[int, datetime] = {}  # done, not yet in the database
        self._unwritten_messages: list[tuple[str, list[int], datetime]] = []
        self.failures = 0  # database calls that failed or missed the deadline
        self._flush_task: asyncio.Task[None] | None = None
        # One flush at a time: a reader (``recent_messages``) that flushes first must not find
        # the rows of a flush still being written missing.
        self._flush_lock = asyncio.Lock()

    def _begin(self) -> AbstractContextManager[Session | Connection]:
        """A transaction for Core statements: on the engine's connection when the session
        factory has one (no ORM session to set up and tear down), else in a session."""
        bind = self._sessions.kw.get("bind")
        if isinstance(bind, Engine):
            return bind.begin()
        return self._sessions.begin()

    def chat_key(self, chat_id: int) -> str:
        return user_key(self._chat_secret, chat_id)

    async def _call(self, work: Callable[..., T], *args: Any, default: T) -> T:
        """Run database work in a worker thread; ``default`` when it fails or is late."""
        future = self._db.submit(work, *args)
        waiter = asyncio.wrap_future(future)
        done, _pending = await asyncio.wait({waiter}, timeout=self._deadline)
        if not done:
            future.cancel()
            waiter.add_done_callback(_consume)
            self._failed("too slow")
            return default
        error = waiter.exception()
        if isinstance(error, SQLAlchemyError):
            self._failed(type(error).__name__)
            return default
        if error is not None:
            raise error
        return waiter.result()

    def _failed(self, why: str) -> None:
        self.failures += 1
        level = logging.WARNING if self.failures == 1 or self.failures % 100 == 0 else logging.DEBUG
        logger.log(level, "Telegram records unavailable (%s); kept in memory", why)

    # ----------------------------------------------------------------------- updates
    async def claim_update(self, update_id: int, now: datetime | None = None) -> bool:
        """True when this process should handle the update; False when it is handled already
        (or is being handled by another process)."""
        if update_id in self._claimed_early:  # with its batch, when it was fetched
            self._claimed_early.discard(update_id)
            return True
        if update_id in self._active or update_id in self._done:
            return False
        self._active.add(update_id)
        claimed = await self._call(self._claim, update_id, now or now_utc(), default=True)
        if not claimed:
            self._active.discard(update_id)
        return claimed

    def _claim(self, update_id: int, now: datetime) -> bool:
        with self._sessions.begin() as session:
            inserted = session.execute(
                _CLAIM, {"update_id": update_id, "received_at": now, "payload": None}
            ).first()
            if inserted is not None:
                return True
            # Taken before: by a process that died before answering, if the claim is stale.
            taken = session.execute(
                update(TelegramUpdate)
                .where(
                    TelegramUpdate.update_id == update_id,
                    TelegramUpdate.done_at.is_(None),
                    TelegramUpdate.received_at < now - CLAIM_EXPIRES,
                )
                .values(received_at=now)
            )
            return bool(getattr(taken, "rowcount", 0))

    async def finish_update(self, update_id: int, now: datetime | None = None) -> None:
        """The update's replies are out: done (its payload cleared). Only updates this process
        claimed: one left alone as a duplicate is someone else's to finish.

        Written behind, with whatever else finished meanwhile, in one transaction a few
        milliseconds later (``flush``): one commit per update was the bot's biggest cost. A
        crash in between means those few are answered once more after the restart.
        """
        if update_id not in self._active:
            return
        self._active.discard(update_id)
        self._done[update_id] = None
        while len(self._done) > MAX_REMEMBERED:
            self._done.popitem(last=False)
        self._unwritten_done[update_id] = now or now_utc()
        while len(self._unwritten_done) > MAX_REMEMBERED:
            self._unwritten_done.pop(next(iter(self._unwritten_done)))
        self._flush_soon()

    def _flush_soon(self) -> None:
        if self._flush_task is None or self._flush_task.done():
            self._flush_task = asyncio.get_running_loop().create_task(self._flush_later())

    async def _flush_later(self) -> None:
        await asyncio.sleep(FLUSH_DELAY_SECONDS)
        await self.flush()

    async def flush(self) -> None:
        """Write the done ids and message ids noted since the last flush (kept on failure);
        returns once they, and those of a flush already under way, are written."""
        async with self._flush_lock:
            done = dict(self._unwritten_done)
            messages, self._unwritten_messages = self._unwritten_messages, []
            if not done and not messages:
                return
            if await self._call(self._write, done, messages, default=False):
                for update_id in done:
                    self._unwritten_done.pop(update_id, None)
            else:  # kept for the next time (bounded: /an is a convenience, an answer is not)
                self._unwritten_messages = (messages + self._unwritten_messages)[-10_000:]

    def _write(
        self, done: dict[int, datetime], messages: list[tuple[str, list[int], datetime]]
    ) -> bool:
        with self._begin() as session:
            if done:
                session.execute(
                    _FINISH,
                    [{"update_id": u, "received_at": at, "done_at": at} for u, at in done.items()],
                )
            rows = [
                {"chat_key": chat_key, "message_id": m, "sent_at": at}
                for chat_key, message_ids, at in messages
                for m in message_ids
            ]
            if rows:  # skipping ids already noted
                session.execute(_REMEMBER, rows)
        return True

    async def keep_in_inbox(
        self, payloads: list[dict[str, Any]], now: datetime | None = None
    ) -> bool:
        """Keep fetched updates until they are answered, and claim them, in one transaction
        for the whole batch (a claim per update was a commit per update); False when that
        could not be done (then each update is claimed on its own, later)."""
        now = now or now_utc()
        rows = [
            {"update_id": p["update_id"], "payload": without_names(p), "received_at": now}
            for p in payloads
            if isinstance(p.get("update_id"), int) and p["update_id"] not in self._done
        ]
        if not rows:
            return True
        claimed = await self._call(self._keep, rows, default=None)
        if claimed is None:
            return False
        self._claimed_early |= claimed
        self._active |= claimed
        return True

    def _keep(self, rows: list[dict[str, Any]]) -> set[int]:
        # One statement claims and keeps: a re-delivery (done, or being answered elsewhere)
        # conflicts and is neither claimed nor kept again, its row left as it was.
        with self._begin() as session:
            if len(rows) == 1:  # a webhook's update, and most polls: the compiled-once text
                return set(session.scalars(_CLAIM, rows[0]))
            # A batch: one statement for all its rows (compiled for it; see ``_CLAIM``).
            return set(
                session.scalars(
                    _insert_ignoring_duplicates(session, TelegramUpdate).returning(
                        _UPDATES.c.update_id
                    ),
                    rows,
                )
            )

    async def unanswered(self, now: datetime | None = None) -> list[dict[str, Any]]:
        """Updates fetched but not answered (a crash), oldest first; older ones are dropped.
        They are claimed for this process, in memory: their claims were its own, before the
        crash, and their rows keep the time they came, so one that crashes the bot again and
        again leaves the inbox ``KEEP_INBOX`` after it came, not after the last restart."""
        left: list[dict[str, Any]] = await self._call(
            self._unanswered, now or now_utc(), default=[]
        )
        ids = {payload["update_id"] for payload in left}
        self._claimed_early |= ids
        self._active |= ids
        return left

    def _unanswered(self, now: datetime) -> list[dict[str, Any]]:
        table = TelegramUpdate.__table__.c
        with self._begin() as session:
            _clear_expired_payloads(session, now)
            waiting = table.done_at.is_(None) & table.payload.is_not(None)
            rows = session.execute(
                select(table.update_id, table.payload).where(waiting).order_by(table.update_id)
            ).all()
            return [row.payload for row in rows]

    # ----------------------------------------------------------------------- messages (/an)
    async def remember_messages(
        self, chat_id: int, message_ids: Iterable[int], now: datetime | None = None
    ) -> None:
        """Note messages of a private chat that ``/an`` may delete later (written behind)."""
        ids = sorted(set(message_ids))
        if ids:
            self._unwritten_messages.append((self.chat_key(chat_id), ids, now or now_utc()))
            self._flush_soon()

    async def recent_messages(self, chat_id: int, now: datetime | None = None) -> list[int]:
        """Ids of the chat's recorded messages that Telegram still lets the bot delete."""
        await self.flush()
        return await self._call(self._recent, self.chat_key(chat_id), now or now_utc(), default=[])

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
            await self.flush()
            await self._call(self._forget, self.chat_key(chat_id), ids, default=None)

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
        await self.flush()
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
            _clear_expired_payloads(session, now)
            return int(updates.rowcount), int(messages.rowcount)

    def close(self) -> None:
        self._db.shutdown(wait=True)


def _clear_expired_payloads(session: Session | Connection, now: datetime) -> None:
    """An update not answered within ``KEEP_INBOX`` leaves the inbox unanswered (its text is
    not kept longer than an answer is worth giving)."""
    table = TelegramUpdate.__table__.c
    session.execute(
        update(TelegramUpdate)
        .where(table.payload.is_not(None), table.received_at < now - KEEP_INBOX)
        .values(payload=null())
    )


def without_names(payload: dict[str, Any]) -> dict[str, Any]:
    """An update as kept in the inbox: people's and chats' names and usernames removed (an
    answer needs the text and the ids, not who the person is)."""

    def clean(value: Any) -> Any:
        if isinstance(value, dict):
            cleaned = {k: clean(v) for k, v in value.items() if k not in DROPPED_FIELDS}
            if "first_name" in value:
                cleaned["first_name"] = "-"  # required by the Bot API types
            return cleaned
        if isinstance(value, list):
            return [clean(v) for v in value]
        return value

    result: dict[str, Any] = clean(payload)
    return result


DROPPED_FIELDS = frozenset({"first_name", "last_name", "username", "title"})


def _consume(future: asyncio.Future[Any]) -> None:
    if not future.cancelled():
        future.exception()
