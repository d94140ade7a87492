"""Concurrent update processing that keeps each chat's updates in order and is fair to chats.

With PTB's default processor, concurrent updates from the same person may be handled out of
order (an answer to the second question arriving first, a button press overtaking the country
choice it depends on). This processor runs different chats concurrently, bounded by
``max_concurrent_updates``, and one chat's updates one after another, in arrival order.

The chat's turn is waited for *before* one of the ``max_concurrent_updates`` slots is taken:
one person sending 200 messages holds one slot, not 64 (PTB's base class takes the slot first,
so a backlog in one chat filled every slot and everyone else waited). The ordering holds within
one process; with several processes behind a webhook Telegram itself delivers one chat's
updates in order.

``on_done`` runs after an update's handlers have finished (its replies are sent, or the error
handler has apologised): that is when the update is recorded as handled.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from telegram import Update
from telegram.ext import BaseUpdateProcessor

from bot import metrics

logger = logging.getLogger(__name__)

OnDone = Callable[[Update], Awaitable[None]]
UNBOUNDED = 1 << 20


def _kind(update: object) -> str:
    if not isinstance(update, Update):
        return "other"
    for kind in ("message", "edited_message", "callback_query"):
        if getattr(update, kind, None) is not None:
            return kind
    return "other"


class PerChatUpdateProcessor(BaseUpdateProcessor):
    """Concurrent across chats, sequential within a chat; a chat waits without a slot."""

    def __init__(self, max_concurrent_updates: int) -> None:
        # PTB's (final) ``process_update`` takes its semaphore *before* our chat lock, so it is
        # made wide enough never to be the limit; ``_slots`` bounds the work instead, after it.
        super().__init__(UNBOUNDED)
        self.slots = max_concurrent_updates
        self._slots = asyncio.Semaphore(max_concurrent_updates)
        self._locks: dict[int, asyncio.Lock] = {}
        self._users: dict[int, int] = {}  # chat id -> updates holding or waiting for its lock
        self.on_done: OnDone | None = None

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        chat = update.effective_chat if isinstance(update, Update) else None
        if chat is None:
            async with self._slots:
                await self._run(update, coroutine)
            return
        lock = self._locks.setdefault(chat.id, asyncio.Lock())
        self._users[chat.id] = self._users.get(chat.id, 0) + 1
        try:
            async with lock, self._slots:
                await self._run(update, coroutine)
        finally:
            self._users[chat.id] -= 1
            if not self._users[chat.id]:  # nobody else waits: forget the chat
                del self._users[chat.id]
                del self._locks[chat.id]

    async def _run(self, update: object, coroutine: Awaitable[Any]) -> None:
        with metrics.UPDATE_SECONDS.time():
            await coroutine
        metrics.UPDATES.labels(_kind(update)).inc()
        if self.on_done is not None and isinstance(update, Update):
            try:
                await self.on_done(update)
            except Exception as error:  # recording must never stop the processing of others
                logger.error("Recording update %d failed: %s", update.update_id, type(error))

    @property
    def waiting_chats(self) -> int:
        """Chats with updates being handled or waiting (for the metrics)."""
        return len(self._users)

    async def initialize(self) -> None:
        """Nothing to allocate."""

    async def shutdown(self) -> None:
        """Nothing to free."""
