"""The bot object: PTB's ``ExtBot`` with two guards on ``getUpdates``.

* **A poison update is skipped and counted.** PTB parses a whole batch at once; one update it
  cannot read (an older self-hosted Bot API server sends polls without ``persistent_id``) made
  ``getUpdates`` fail, the batch was fetched again at once, forever, and nobody was answered.
  Here every update of a batch is parsed on its own; one that fails is dropped (its id and the
  error type are logged, never its content) and confirmed to Telegram with the next poll.
* **Nothing fetched is lost in a crash.** PTB confirms a batch to Telegram with the next poll,
  long before its updates are answered. The batch is written to the inbox
  (``TelegramRecords.keep_in_inbox``) before ``getUpdates`` returns, i.e. before it can be
  confirmed; each update leaves the inbox once answered, and what is left after a crash is
  answered at the next start.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from telegram import Update
from telegram.error import TelegramError
from telegram.ext import ExtBot

from bot import metrics
from bot.i18n import gettext as _
from bot.telegram.keyboards import main_keyboard
from bot.telegram.records import TelegramRecords

logger = logging.getLogger(__name__)


class ResilientBot(ExtBot[int]):
    """See the module docstring."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # PTB freezes its objects after __init__: only "_" attributes may change later.
        self._poison_updates = 0
        self._inbox: TelegramRecords | None = None  # set once the database is open
        self._skip_to = 0  # the offset that confirms the last poison update
        self._raw: dict[int, dict[str, Any]] = {}  # the last batch, as received
        self._notes: set[asyncio.Task[None]] = set()

    @property
    def poison_updates(self) -> int:
        """Updates skipped because they could not be read."""
        return self._poison_updates

    def keep_inbox_in(self, records: TelegramRecords | None) -> None:
        """Where fetched updates are kept until answered (None: nowhere)."""
        self._inbox = records

    async def _do_post(self, endpoint: str, data: Any, **kwargs: Any) -> Any:
        if endpoint == "getUpdates" and self._skip_to > int(data.get("offset") or 0):
            data = {**data, "offset": self._skip_to}
        result = await super()._do_post(endpoint, data, **kwargs)
        if endpoint == "getUpdates" and isinstance(result, list):
            result = self._readable(result)
        return result

    def _readable(self, batch: list[Any]) -> list[dict[str, Any]]:
        good: list[dict[str, Any]] = []
        highest = 0
        poisoned = False
        for raw in batch:
            update_id = raw.get("update_id") if isinstance(raw, dict) else None
            if isinstance(update_id, int):
                highest = max(highest, update_id)
            try:
                if Update.de_json(raw, self) is None:
                    raise ValueError("empty update")
            except Exception as error:
                poisoned = True
                self.skip_poison(raw, error)
                continue
            good.append(raw)
        if poisoned:  # confirmed with the next poll even when no later update was readable
            self._skip_to = max(self._skip_to, highest + 1)
        self._raw = {raw["update_id"]: raw for raw in good}
        return good

    def skip_poison(self, raw: Any, error: Exception) -> None:
        """Count, log (id and error type only) and tell the chat about an unreadable update."""
        self._poison_updates += 1
        metrics.POISON_UPDATES.inc()
        update_id = raw.get("update_id") if isinstance(raw, dict) else None
        shown = update_id if isinstance(update_id, int) else "without an id"
        logger.error("Update %s cannot be read (%s); skipped", shown, type(error).__name__)
        self._tell(raw)

    def _tell(self, raw: Any) -> None:
        """Every input gets a reply: a private chat is told its message could not be read."""
        message = raw.get("message") if isinstance(raw, dict) else None
        chat = message.get("chat") if isinstance(message, dict) else None
        if not isinstance(chat, dict) or chat.get("type") != "private":
            return
        chat_id = chat.get("id")
        if not isinstance(chat_id, int):
            return
        text = _(
            "Mình chưa đọc được tin nhắn này. Bạn gõ câu hỏi bằng chữ nhé. "
            "Nếu khẩn cấp, bấm 🆘 Khẩn cấp hoặc gõ /sos."
        )
        task = asyncio.get_running_loop().create_task(self._send_note(chat_id, text))
        self._notes.add(task)
        task.add_done_callback(self._notes.discard)

    async def _send_note(self, chat_id: int, text: str) -> None:
        try:
            await self.send_message(chat_id, text, reply_markup=main_keyboard())
        except TelegramError as error:
            logger.info("Could not tell a chat its message was unreadable: %s", type(error))

    async def get_updates(self, *args: Any, **kwargs: Any) -> tuple[Update, ...]:
        updates = await super().get_updates(*args, **kwargs)
        if updates and self._inbox is not None:
            raws = [self._raw[u.update_id] for u in updates if u.update_id in self._raw]
            if not await self._inbox.keep_in_inbox(raws):
                logger.warning("%d updates not kept in the inbox (database unavailable)", len(raws))
        return updates
