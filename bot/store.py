"""Opening the database for a process: schema upgraded, content published on a first run.

Every entry point (chat, ask, the Telegram bot, the recruitment commands) needs the same three
things — an up-to-date schema, a session factory and the content repository — and a newcomer's
first run should find the shipped content live without a separate publish step.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from sqlalchemy.orm import Session, sessionmaker

from bot.content.publish import publish
from bot.content.repository import ContentRepository
from bot.db import (
    make_engine,
    make_session_factory,
    read_only_url,
    sqlite_path,
    sqlite_unwritable,
)
from bot.migrate import upgrade
from bot.settings import Settings

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Store:
    sessions: sessionmaker[Session]
    repository: ContentRepository


@contextmanager
def open_store(settings: Settings) -> Iterator[Store]:
    url = settings.database_url
    path = sqlite_path(url)
    why = sqlite_unwritable(path) if path is not None else None
    if path is not None and why is not None:
        logger.error(
            "The database file %s is not writable (%s): answering from what it holds, storing "
            "nothing (country choices, feedback, counts are lost) until it is fixed and the "
            "bot restarted",
            path,
            why,
        )
        url = read_only_url(path)
    else:
        upgrade(url)
    engine = make_engine(url)
    try:
        sessions = make_session_factory(engine)
        if why is None and ContentRepository(sessions).live_version() is None:
            result = publish(settings.content_dir, sessions, published_by="first run")
            if result.outcome == "rejected":
                logger.error(
                    "The shipped content does not validate; run: python -m bot content check"
                )
        # A fresh repository: the one above remembers "nothing live" for a few seconds. Loaded
        # now, so the content (emergency numbers first) is in memory before the first message.
        repository = ContentRepository(sessions)
        repository.live_version()
        yield Store(sessions, repository)
    finally:
        engine.dispose()
