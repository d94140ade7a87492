"""Database engine and session factory (SQLite by default, PostgreSQL in production).

An unwritable SQLite file (permissions, a read-only or full disk) is detected before use and
opened read-only and *immutable* instead: SQLite then maps no shared-memory file (which is
what brought the process down with SIGBUS) and the bot answers from what it can read, with
nothing stored, saying so in the log.
"""

from __future__ import annotations

import logging
import select
import shutil
import sqlite3
import time
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, exc
from sqlalchemy.orm import DeclarativeBase, sessionmaker

logger = logging.getLogger(__name__)

MIN_FREE_BYTES = 16 * 1024 * 1024  # below this a SQLite write may fail half-way
# PostgreSQL connections kept per process: the bot's worker threads (conversation and Telegram
# records) each hold one while they work; fewer pooled ones meant a new connection (a server
# process forked) every few updates under load. A few more may be opened at peaks.
PG_POOL_SIZE = 12
PG_MAX_OVERFLOW = 12
# A pooled connection idle for longer than this is tested (``SELECT 1``) before it is used.
PING_IDLE_SECONDS = 10.0


class Base(DeclarativeBase):
    """Declarative base for every ORM model of the project."""


def sqlite_path(url: str) -> Path | None:
    """The file of a SQLite URL (None for other databases and in-memory ones)."""
    if not url.startswith("sqlite:///"):
        return None
    path = url.removeprefix("sqlite:///").split("?")[0]
    return Path(path) if path and path != ":memory:" else None


def sqlite_unwritable(path: Path) -> str | None:
    """Why the SQLite file at ``path`` cannot be written, or None when it can.

    A real (rolled back) write tells what permission bits do not: an immutable file, a
    read-only mount, root's view of a file other users cannot write.
    """
    if not path.exists():
        return None  # created on first use: the directory's problem, found then
    try:
        free = shutil.disk_usage(path.parent).free
    except OSError as error:
        return f"its directory cannot be read ({type(error).__name__})"
    if free < MIN_FREE_BYTES:
        return f"the disk is full ({free // 1024} KiB free)"
    try:
        connection = sqlite3.connect(path, timeout=1.0, isolation_level=None)
    except sqlite3.Error as error:
        return f"it cannot be opened ({error})"
    try:
        version = connection.execute("PRAGMA user_version").fetchone()[0]
        connection.execute("BEGIN IMMEDIATE")
        connection.execute(f"PRAGMA user_version = {int(version)}")
        connection.execute("ROLLBACK")
    except sqlite3.OperationalError as error:
        if "locked" in str(error) or "busy" in str(error):
            return None  # someone is writing: it is writable
        return str(error)
    finally:
        connection.close()
    return None


def read_only_url(path: Path) -> str:
    """A SQLite URL that reads ``path`` without locks or shared memory (see the docstring)."""
    return f"sqlite:///file:{path}?mode=ro&immutable=1&uri=true"


def make_engine(url: str, **kwargs: Any) -> Engine:
    """Create an engine; SQLite gets foreign keys and WAL so the bot and editors can share it."""
    db_file = sqlite_path(url)
    if db_file is not None and not db_file.name.startswith("file:"):
        db_file.parent.mkdir(parents=True, exist_ok=True)
    read_only = "immutable=1" in url
    postgres = url.startswith("postgresql")
    if postgres:
        # A server that does not answer must fail fast, not hang a worker thread.
        kwargs.setdefault("connect_args", {"connect_timeout": 3})
        if kwargs.get("poolclass") is None:
            kwargs.setdefault("pool_size", PG_POOL_SIZE)
            kwargs.setdefault("max_overflow", PG_MAX_OVERFLOW)
    engine = create_engine(url, **kwargs)
    if postgres and not kwargs.get("pool_pre_ping"):
        test_before_use(engine)
    if engine.dialect.name == "sqlite":

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
            cursor = dbapi_conn.cursor()
            if read_only:
                cursor.execute("PRAGMA query_only=ON")
                cursor.close()
                return
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")  # durable enough with WAL, much faster
            cursor.execute("PRAGMA busy_timeout=5000")
            cursor.close()

    return engine


def test_before_use(engine: Engine, idle_seconds: float = PING_IDLE_SECONDS) -> None:
    """A restarted server leaves dead pooled connections: each is tested before use when it
    could be dead — its socket has something to read while idle (the server said goodbye, or
    closed it) or it sat idle for ``idle_seconds`` — and replaced when the test fails.

    SQLAlchemy's ``pool_pre_ping`` tests every checkout: a round trip to the server for each
    of the several transactions of every update, most of them a few milliseconds after the
    connection's last use.
    """

    @event.listens_for(engine, "checkin")
    def _checked_in(_dbapi_conn: Any, record: Any) -> None:
        record.info["idle_since"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _checked_out(dbapi_conn: Any, record: Any, _proxy: Any) -> None:
        idle_since = record.info.pop("idle_since", None)
        if idle_since is None:  # a new connection: just opened
            return
        if time.monotonic() - idle_since < idle_seconds and not _readable(dbapi_conn):
            return
        try:
            cursor = dbapi_conn.cursor()
            try:
                cursor.execute("SELECT 1")
            finally:
                cursor.close()
        except Exception as error:  # the pool replaces it with a new connection
            raise exc.DisconnectionError(type(error).__name__) from error


def _readable(dbapi_conn: Any) -> bool:
    """Is there something to read on an idle connection (a closed socket is readable)?"""
    try:
        fileno = dbapi_conn.fileno()
    except Exception:  # closed, or no socket to look at: test it
        return True
    poller = select.poll()
    poller.register(fileno, select.POLLIN | select.POLLERR | select.POLLHUP)
    return bool(poller.poll(0))


def make_session_factory(engine: Engine) -> sessionmaker[Any]:
    """Sessions that keep loaded objects usable after commit (we hand them to renderers)."""
    return sessionmaker(engine, expire_on_commit=False)
