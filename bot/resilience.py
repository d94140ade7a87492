"""Answering through a database outage: what the engine remembers in memory, and queued writes.

The database is needed to *remember* things (a person's country, feedback, counts), never to
*answer*: the content is cached in memory by ``ContentRepository``, the person's country and
language are remembered here after every exchange, and writes that could not be made are queued
and replayed, in order, as soon as the database answers again. A process restart during an outage
loses the queue (it is bounded, the oldest write goes first): the answer already went out, and
what is lost is a country choice or a count, never a reply.
"""

from __future__ import annotations

import logging
import threading
from collections import OrderedDict, deque
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

logger = logging.getLogger(__name__)

MAX_PROFILES = 200_000  # about 30 MB at most; the least recently seen person is forgotten first
MAX_QUEUED_WRITES = 50_000


@dataclass(frozen=True)
class Profile:
    """What the engine needs to answer someone without the database."""

    country: str | None
    locale: str
    # Changed here and not yet written: the database's older value must not replace it.
    unwritten: bool = False


class Profiles:
    """A bounded, thread-safe LRU map of user key → ``Profile``."""

    def __init__(self, size: int = MAX_PROFILES) -> None:
        self._size = size
        self._items: OrderedDict[str, Profile] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: str) -> Profile | None:
        with self._lock:
            profile = self._items.get(key)
            if profile is not None:
                self._items.move_to_end(key)
            return profile

    def put(self, key: str, profile: Profile) -> None:
        with self._lock:
            self._items[key] = profile
            self._items.move_to_end(key)
            while len(self._items) > self._size:
                self._items.popitem(last=False)

    def forget(self, key: str) -> None:
        with self._lock:
            self._items.pop(key, None)


@dataclass(frozen=True)
class QueuedWrite:
    """The database side of one exchange that was answered without the database."""

    user_key: str
    replies: tuple[Any, ...]  # ``actions.Reply``: their effects are what is replayed
    today: date


class WriteQueue:
    """Writes waiting for the database, replayed oldest first (thread-safe, bounded)."""

    def __init__(self, size: int = MAX_QUEUED_WRITES) -> None:
        self._items: deque[QueuedWrite] = deque()
        self._size = size
        self._lock = threading.Lock()  # guards the deque
        self._replaying = threading.Lock()  # one replay at a time keeps the order
        self.dropped = 0

    def __len__(self) -> int:
        return len(self._items)

    def put(self, write: QueuedWrite) -> None:
        with self._lock:
            if len(self._items) >= self._size:
                self._items.popleft()
                self.dropped += 1
                if self.dropped == 1 or self.dropped % 1000 == 0:
                    logger.error("Write queue full: %d queued writes dropped", self.dropped)
            self._items.append(write)

    def replay(self, apply: Callable[[QueuedWrite], None]) -> int:
        """Apply queued writes in order until one fails (it stays first); returns how many went.

        ``apply`` raises when the database is still unavailable. Another thread replaying at the
        same time is left to it (returns 0).
        """
        if not self._items or not self._replaying.acquire(blocking=False):
            return 0
        done = 0
        try:
            while True:
                with self._lock:
                    if not self._items:
                        break
                    write = self._items[0]
                apply(write)  # raises: the write stays queued
                with self._lock:
                    if self._items and self._items[0] is write:
                        self._items.popleft()
                done += 1
        finally:
            self._replaying.release()
        if done:
            logger.warning("Database available again: %d queued writes applied", done)
        return done
