"""Sending to Telegram within its limits, per chat, and through its passing failures.

PTB's ``AIORateLimiter`` pauses *every* request when one gets a 429 ("retry after"), so one
chat over its limit held up emergency answers to everybody else; and it does not retry a 500 or
502 at all, so such an answer was lost. This limiter

* keeps Telegram's overall pace (``aiolimiter``, as PTB's own limiter does) and the 20 messages
  a minute of a group chat;
* on a 429 pauses only the chat it was about (``chat_id`` of the request), then retries;
* retries transient failures — 5xx, timeouts, dropped connections — with exponential backoff and
  jitter (``tenacity``) until a deadline, after which the error goes to the caller (the error
  handler logs it). Errors that will not change (400 Bad Request, 403 Forbidden) are not retried.

A retried ``sendMessage`` whose first answer was lost on the way may arrive twice; for an
emergency number that is the right side to err on.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Coroutine
from typing import Any

from aiolimiter import AsyncLimiter
from telegram.error import BadRequest, NetworkError, RetryAfter
from telegram.ext import BaseRateLimiter
from tenacity import (
    AsyncRetrying,
    RetryCallState,
    retry_if_exception,
    stop_after_delay,
    wait_exponential_jitter,
)

from bot import metrics

logger = logging.getLogger(__name__)

JSON = bool | dict[str, Any] | list[dict[str, Any]]

OVERALL_PER_SECOND = 30  # Telegram's broadcast limit for bots
GROUP_PER_MINUTE = 20
SEND_DEADLINE_SECONDS = 30.0  # past this a send is given up (the person has waited too long)


def transient(error: BaseException) -> bool:
    """An error that may pass: a 429, a 5xx, a timeout or a dropped connection."""
    if isinstance(error, RetryAfter):
        return True
    return isinstance(error, NetworkError) and not isinstance(error, BadRequest)


def retry_after_seconds(error: RetryAfter) -> float:
    after = error.retry_after
    return float(after if isinstance(after, int | float) else after.total_seconds())


class ChatRateLimiter(BaseRateLimiter[int]):
    """See the module docstring. The per-call argument is a deadline in seconds."""

    def __init__(
        self,
        overall_per_second: float = OVERALL_PER_SECOND,
        group_per_minute: float = GROUP_PER_MINUTE,
        deadline: float = SEND_DEADLINE_SECONDS,
        backoff: tuple[float, float] = (0.25, 4.0),
    ) -> None:
        self._overall = AsyncLimiter(overall_per_second, 1)
        self._group_rate = group_per_minute
        self._groups: dict[object, AsyncLimiter] = {}
        self._paused_until: dict[object, float] = {}  # chat id -> event loop time
        self._deadline = deadline
        self._backoff = wait_exponential_jitter(multiplier=backoff[0], max=backoff[1])
        self._first_backoff = backoff[0]
        self._retrying = True
        self.retried = 0  # transient failures retried (for the metrics)
        self.given_up = 0  # sends that failed past the deadline

    def stop_retrying(self) -> None:
        """Shutting down: fail at once instead of retrying (a stop must not take minutes)."""
        self._retrying = False

    async def initialize(self) -> None:
        """Nothing to set up."""

    async def shutdown(self) -> None:
        """Nothing to free."""

    def _wait(self, state: RetryCallState) -> float:
        error = state.outcome.exception() if state.outcome else None
        if isinstance(error, RetryAfter):
            return 0.0  # the chat's own pause is waited in ``_send``
        return float(self._backoff(state))

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, JSON]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: int | None,
    ) -> JSON:
        chat = data.get("chat_id")
        with contextlib.suppress(TypeError, ValueError):
            chat = int(chat)  # type: ignore[arg-type]
        deadline = float(rate_limit_args or self._deadline)
        loop = asyncio.get_running_loop()
        give_up_at = loop.time() + deadline
        try:  # the usual case, without building a retry loop
            return await self._send(chat, give_up_at, callback, args, kwargs)
        except Exception as error:
            if not transient(error) or not self._retrying:
                raise
            self.retried += 1
            metrics.SEND_RETRIES.inc()
            logger.info("%s failed (%s); retrying", endpoint, type(error).__name__)
            if not isinstance(error, RetryAfter):
                await asyncio.sleep(self._first_backoff)

        def before_sleep(state: RetryCallState) -> None:
            self.retried += 1
            metrics.SEND_RETRIES.inc()
            error = state.outcome.exception() if state.outcome else None
            logger.info("%s failed (%s); retrying", endpoint, type(error).__name__)

        retrying = AsyncRetrying(
            stop=stop_after_delay(max(give_up_at - loop.time(), 0.0)),
            wait=self._wait,
            retry=retry_if_exception(lambda error: self._retrying and transient(error)),
            before_sleep=before_sleep,
            reraise=True,
        )
        try:
            async for attempt in retrying:
                with attempt:
                    return await self._send(chat, give_up_at, callback, args, kwargs)
        except Exception as error:
            if transient(error):
                self.given_up += 1
                logger.warning("%s given up after %.0f s (%s)", endpoint, deadline, type(error))
            raise
        raise AssertionError("unreachable: tenacity re-raises the last error")

    async def _send(
        self,
        chat: object,
        give_up_at: float,
        callback: Callable[..., Coroutine[Any, Any, JSON]],
        args: Any,
        kwargs: dict[str, Any],
    ) -> JSON:
        loop = asyncio.get_running_loop()
        paused = self._paused_until.get(chat, 0.0) - loop.time()
        if paused > 0:
            if loop.time() + paused > give_up_at:
                raise RetryAfter(int(paused) + 1)
            await asyncio.sleep(paused)
        if chat is None:  # not about a chat (getMe, setMyCommands…): only the overall pace
            async with self._overall:
                return await callback(*args, **kwargs)
        group = self._group(chat)
        async with contextlib.AsyncExitStack() as stack:
            if group is not None:
                await stack.enter_async_context(group)
            await stack.enter_async_context(self._overall)
            try:
                return await callback(*args, **kwargs)
            except RetryAfter as error:
                until = loop.time() + retry_after_seconds(error) + 0.1
                self._paused_until[chat] = max(self._paused_until.get(chat, 0.0), until)
                logger.info("A chat is over its limit; only that chat waits")
                raise
            finally:
                self._forget_old_pauses(loop.time())

    def _group(self, chat: object) -> AsyncLimiter | None:
        """The limiter of a group chat (negative ids, or a channel's @name), else None."""
        if (isinstance(chat, int) and chat < 0) or isinstance(chat, str):
            if chat not in self._groups:
                if len(self._groups) > 10_000:
                    self._groups.clear()  # idle limiters hold no debt worth keeping
                self._groups[chat] = AsyncLimiter(self._group_rate, 60)
            return self._groups[chat]
        return None

    def _forget_old_pauses(self, now: float) -> None:
        if len(self._paused_until) > 1000:
            for chat in [c for c, until in self._paused_until.items() if until < now]:
                del self._paused_until[chat]
