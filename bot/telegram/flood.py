"""Flood control per person: a polite "slow down" past N messages a minute, emergencies always
through.

A person (or a script with their account) sending hundreds of messages must not use up the
bot's time for everyone else. Past ``limit`` updates in a sliding minute the next one gets one
short note, and the rest of that minute is dropped quietly — except anything that asks for
help (emergency words, ``/sos``, the 🆘 button), which is always answered. The count is per
process and in memory: it is only a brake, nothing is stored.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from enum import Enum

WINDOW_SECONDS = 60.0


class Verdict(Enum):
    OK = "ok"  # within the limit
    WARN = "warn"  # the first one over the limit: say "slow down"
    DROP = "drop"  # over the limit, already told


class FloodControl:
    """Sliding-window counts of updates per user id."""

    def __init__(self, limit: int, window: float = WINDOW_SECONDS) -> None:
        self._limit = limit
        self._window = window
        self._seen: dict[int, deque[float]] = {}
        self._warned: dict[int, float] = {}  # user id -> when they were told to slow down
        self._lock = threading.Lock()
        self.dropped = 0

    def check(self, user_id: int, now: float | None = None) -> Verdict:
        """Count one update of ``user_id`` and say what to do with it."""
        now = time.monotonic() if now is None else now
        with self._lock:
            times = self._seen.setdefault(user_id, deque())
            while times and times[0] <= now - self._window:
                times.popleft()
            if len(times) < self._limit:
                times.append(now)
                self._warned.pop(user_id, None)
                return Verdict.OK
            if self._warned.get(user_id, -self._window) <= now - self._window:
                self._warned[user_id] = now
                return Verdict.WARN
            self.dropped += 1
            return Verdict.DROP

    def forget_idle(self, now: float | None = None) -> None:
        """Drop the counts of people who have been quiet for a window (bounded memory)."""
        now = time.monotonic() if now is None else now
        with self._lock:
            idle = [u for u, t in self._seen.items() if not t or t[-1] <= now - self._window]
            for user_id in idle:
                del self._seen[user_id]
                self._warned.pop(user_id, None)
