"""The typed ``bot_data`` of the Telegram application and the matching context/application types.

``BotData`` holds the long-lived objects of one bot process (database engine, engine, records),
created in ``post_init`` and closed in ``post_shutdown``. It holds no per-user state: that lives in
the database, so several processes can serve the same bot.
"""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from contextlib import AsyncExitStack
from typing import Any

from telegram.ext import Application, CallbackContext, ExtBot

from bot.content.repository import ContentRepository
from bot.conversation import Conversation
from bot.settings import Settings
from bot.telegram.flood import FloodControl
from bot.telegram.processor import PerChatUpdateProcessor
from bot.telegram.records import TelegramRecords


class NotReady(RuntimeError):
    """A handler ran before ``post_init`` finished (or after ``post_shutdown``)."""


class BotData:
    """Per-process services shared by all handlers (``context.bot_data``)."""

    def __init__(self) -> None:
        self.settings: Settings | None = None
        self.conversation_or_none: Conversation | None = None
        self.repository_or_none: ContentRepository | None = None
        self.records_or_none: TelegramRecords | None = None
        self.resources = AsyncExitStack()  # closed in post_shutdown, in reverse order
        self.background: set[asyncio.Task[None]] = set()
        self.flood: FloodControl | None = None
        self.processor: PerChatUpdateProcessor | None = None

    def run_in_background(self, work: Coroutine[Any, Any, None]) -> None:
        """Start a task that ``post_shutdown`` cancels (a reference is kept until it ends)."""
        task = asyncio.create_task(work)
        self.background.add(task)
        task.add_done_callback(self.background.discard)

    @property
    def conversation(self) -> Conversation:
        if self.conversation_or_none is None:
            raise NotReady("the conversation engine is not started")
        return self.conversation_or_none

    @property
    def repository(self) -> ContentRepository:
        if self.repository_or_none is None:
            raise NotReady("the content repository is not opened")
        return self.repository_or_none

    @property
    def records(self) -> TelegramRecords:
        if self.records_or_none is None:
            raise NotReady("the Telegram records are not opened")
        return self.records_or_none

    @property
    def config(self) -> Settings:
        if self.settings is None:
            raise NotReady("no settings")
        return self.settings


Context = CallbackContext[ExtBot[Any], dict[Any, Any], dict[Any, Any], BotData]
# ExtBot[int]: AIORateLimiter's per-call argument is ``max_retries``.
TelegramApp = Application[ExtBot[int], Context, dict[Any, Any], dict[Any, Any], BotData, None]
