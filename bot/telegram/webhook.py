"""Webhook mode: the HTTP endpoint Telegram posts updates to, one per bot worker process.

PTB's own webhook server answers 200 before the update is stored anywhere (a crash then loses
it) and 400 to an update it cannot parse, which Telegram delivers again and again. This server,
for each POST:

1. checks Telegram's secret-token header (403 without it: anyone could post fake updates);
2. parses the update; one that cannot be read is skipped and counted, its chat told, and
   answered 200 so Telegram moves on;
3. keeps it in the inbox (``TelegramRecords.keep_in_inbox``) before answering 200, so a worker
   killed after the answer still answers it at its next start (at least once; duplicates are
   suppressed by update id, in the database, across workers);
4. hands it to the application, whose processor keeps each chat's order within the worker.

Several workers behind a reverse proxy (``deploy/nginx.conf``) share one webhook URL; all state
is in the database. Health, readiness and metrics have their own port (``bot.telegram.health``).
"""

from __future__ import annotations

import asyncio
import hmac
import json
import logging
import signal
from typing import Any

import uvloop
from telegram import Update
from tornado.httpserver import HTTPServer
from tornado.web import Application, RequestHandler

from bot import metrics
from bot.settings import Settings
from bot.telegram.bot import ResilientBot
from bot.telegram.context import TelegramApp
from bot.telegram.ratelimit import ChatRateLimiter

logger = logging.getLogger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
MAX_BODY_BYTES = 1024 * 1024  # an update is a few kilobytes


class _UpdateHandler(RequestHandler):
    def initialize(self, bot_app: TelegramApp, secret: str) -> None:
        self._app = bot_app
        self._secret = secret.encode()

    def check_xsrf_cookie(self) -> None:
        """Telegram posts JSON with a secret header, not a form with a cookie."""

    async def post(self) -> None:
        given = self.request.headers.get(SECRET_HEADER, "").encode()
        if not hmac.compare_digest(given, self._secret):
            self.set_status(403)
            return
        try:
            data = json.loads(self.request.body)
            if not isinstance(data, dict):
                raise ValueError("not an object")
        except ValueError:
            self.set_status(400)
            return
        bot = self._app.bot
        try:
            update = Update.de_json(data, bot)
            if update is None:
                raise ValueError("empty update")
        except Exception as error:
            if isinstance(bot, ResilientBot):
                bot.skip_poison(data, error)
            else:
                metrics.POISON_UPDATES.inc()
            self.set_status(200)  # Telegram would deliver it again, forever
            return
        records = self._app.bot_data.records_or_none
        if records is not None and not await records.keep_in_inbox([data]):
            logger.warning(
                "Update %d not kept in the inbox (database unavailable)", update.update_id
            )
        await self._app.update_queue.put(update)
        self.set_status(200)


def webhook_server(application: TelegramApp, settings: Settings, path: str) -> HTTPServer:
    """The HTTP server of one worker (not listening yet)."""
    assert settings.telegram_webhook_secret is not None
    app = Application(
        [
            (
                f"/{path.lstrip('/')}",
                _UpdateHandler,
                {
                    "bot_app": application,
                    "secret": settings.telegram_webhook_secret.get_secret_value(),
                },
            )
        ],
        log_function=lambda _handler: None,  # access logs would only say "POST 200"
    )
    # No ``xheaders``: nothing here reads the client's address (there is no access log), and
    # tornado would validate an X-Real-Ip / X-Forwarded-For address with getaddrinfo on every
    # request.
    return HTTPServer(app, max_body_size=MAX_BODY_BYTES)


async def serve(application: TelegramApp, options: dict[str, Any], stop: asyncio.Event) -> None:
    """Run a webhook worker until ``stop`` is set: start, register the webhook, serve, stop."""
    settings = application.bot_data.config
    await application.initialize()
    if application.post_init:
        await application.post_init(application)
    server = webhook_server(application, settings, options["url_path"])
    server.listen(options["port"], address=options["listen"])
    try:
        if settings.telegram_webhook_register:
            await application.bot.set_webhook(
                options["webhook_url"],
                secret_token=options["secret_token"],
                allowed_updates=options["allowed_updates"],
                max_connections=settings.telegram_webhook_max_connections,
            )
        await application.start()
        logger.info("Webhook worker listening on %s:%d", options["listen"], options["port"])
        await stop.wait()
    finally:
        server.stop()
        limiter = application.bot.rate_limiter
        if isinstance(limiter, ChatRateLimiter):
            limiter.stop_retrying()
        if application.running:
            await application.stop()
        await application.shutdown()
        if application.post_shutdown:
            await application.post_shutdown(application)


def run_webhook(application: TelegramApp, options: dict[str, Any]) -> None:
    """Serve until SIGINT or SIGTERM (what systemd and docker send), on uvloop (see
    ``bot.telegram.app.run``)."""

    async def main() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(signum, stop.set)
        await serve(application, options, stop)

    uvloop.run(main())
