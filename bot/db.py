"""Database engine and session factory (SQLite by default, PostgreSQL in production).

An unwritable SQLite file (permissions, a read-only or full disk) is detected before use and
opened read-only and *immutable* instead: SQLite then maps no shared-memory file (which is
what brought the process down with SIGBUS) and the bot answers from what it can read, with
nothing stored, saying so in the log.
"""

from __future__ import annotations

import logging
import shutil
import sqlite3
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import DeclarativeBase, sessionmaker

logger = logging.getLogger(__name__)

MIN_FREE_BYTES = 16 * 1024 * 1024  # below this a SQLite write may fail half-way


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
    if url.startswith("postgresql"):
        # A restarted server leaves dead pooled connections: test each before use; and a
        # server that does not answer must fail fast, not hang a worker thread.
        kwargs.setdefault("pool_pre_ping", True)
        kwargs.setdefault("connect_args", {"connect_timeout": 3})
    engine = create_engine(url, **kwargs)
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


def make_session_factory(engine: Engine) -> sessionmaker[Any]:
    """Sessions that keep loaded objects usable after commit (we hand them to renderers)."""
    return sessionmaker(engine, expire_on_commit=False)
