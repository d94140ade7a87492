"""The Telegram bot: building the PTB application, wiring every handler, running it.

``python -m bot telegram`` calls ``run(settings)``. Long polling by default; webhook mode when
``TELEGRAM_WEBHOOK_URL`` is set (then ``TELEGRAM_WEBHOOK_SECRET`` is required and PTB rejects
requests without Telegram's secret-token header). ``TELEGRAM_API_BASE_URL`` points the bot at a
self-hosted Bot API server, or at the fake one of the tests and the benchmark.

Everything long-lived (database engine, NLU client, conversation engine, records) is created in
``post_init`` and closed in ``post_shutdown``; no user state is kept in the process (no pickle
persistence), so several processes can serve one webhook. All handlers are registered in
``add_handlers`` — the one place to read to know what the bot reacts to.

The event loop is uvloop's (libuv, the loop of uvicorn and many asyncio servers; a drop-in for
asyncio's own on Linux): the bot's CPU per update is mostly the event loop's — sockets, timers,
callbacks for the webhook server, the Bot API and the NLU — and uvloop does that work in C.
"""

from __future__ import annotations

import asyncio
import logging
import sys
from typing import Any
from urllib.parse import urlsplit

import uvloop
from aiolimiter import AsyncLimiter
from sqlalchemy.orm import Session, sessionmaker
from telegram import BotCommand, Update
from telegram.ext import (
    ApplicationBuilder,
    BaseRateLimiter,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    TypeHandler,
    filters,
)
from telegram.request import HTTPXRequest

from actions.routes import command_words, telegram_menu
from bot import logs, metrics
from bot.conversation import Conversation
from bot.nlu.local_server import nlu_client
from bot.recruitment import alerts
from bot.settings import Settings, telegram_api_urls
from bot.store import open_store
from bot.telegram import handlers
from bot.telegram.bot import ResilientBot
from bot.telegram.context import BotData, TelegramApp
from bot.telegram.flood import FloodControl
from bot.telegram.health import start_health_server
from bot.telegram.keyboards import sos_labels
from bot.telegram.processor import PerChatUpdateProcessor
from bot.telegram.ratelimit import ChatRateLimiter
from bot.telegram.records import TelegramRecords
from bot.telegram.webhook import run_webhook
from bot.users import pseudonym_key

logger = logging.getLogger(__name__)

MAX_CONCURRENT_UPDATES = 64
PURGE_EVERY_SECONDS = 3600.0
ALERT_POLL_SECONDS = 2.0
ALLOWED_UPDATES = [Update.MESSAGE, Update.EDITED_MESSAGE, Update.CALLBACK_QUERY]

# The command menu Telegram shows next to the input field, from the route table.
MENU = tuple(telegram_menu())


class MissingToken(RuntimeError):
    """TELEGRAM_BOT_TOKEN is not set."""


def protect_logs() -> None:
    """Keep the token and message texts out of the logs, even when debug logging is on.

    httpx logs every request URL at INFO, and Bot API URLs contain the token; PTB logs whole
    updates (message texts) at DEBUG, and at CRITICAL when one cannot be parsed: every record of
    those libraries is redacted (``bot.logs``), and their chatter kept below INFO.
    """
    logs.install()
    for name in ("httpx", "httpcore"):
        logging.getLogger(name).setLevel(logging.WARNING)
    logging.getLogger("telegram").setLevel(logging.INFO)


def add_handlers(application: TelegramApp) -> None:
    """Every handler of the bot, in the order they are tried (see ``bot.telegram.handlers``)."""
    message = filters.UpdateType.MESSAGE  # edits have their own handler
    # Group -3: an update already handled (webhook retry, another process) stops here.
    application.add_handler(TypeHandler(Update, handlers.skip_duplicates), group=-3)
    # Group -2: past the per-minute limit, a note to slow down (emergencies always pass).
    application.add_handler(TypeHandler(Update, handlers.flood_control), group=-2)
    # Group -1: group chats get a pointer to the private chat, then stop.
    application.add_handler(TypeHandler(Update, handlers.outside_private_chats), group=-1)
    # Group 0: private chats; the first matching handler answers.
    application.add_handlers(
        [
            CommandHandler(command_words("start"), handlers.start, filters=message),
            CommandHandler(command_words("hide"), handlers.hide, filters=message),
            MessageHandler(message & filters.COMMAND, handlers.command),
            MessageHandler(message & filters.Text(sorted(sos_labels())), handlers.sos_button),
            MessageHandler(message & filters.TEXT, handlers.text),
            MessageHandler(filters.UpdateType.EDITED_MESSAGE, handlers.edited_message),
            CallbackQueryHandler(handlers.button),
            MessageHandler(message & ~filters.StatusUpdate.ALL, handlers.other_message),
        ]
    )
    application.add_error_handler(handlers.on_error)


def build_application(
    settings: Settings,
    *,
    rate_limiter: BaseRateLimiter[int] | None = None,
    max_concurrent_updates: int = MAX_CONCURRENT_UPDATES,
) -> TelegramApp:
    """The application with all handlers; long-lived clients are opened by ``post_init``."""
    if settings.telegram_bot_token is None:
        raise MissingToken("TELEGRAM_BOT_TOKEN is not set")
    protect_logs()
    base_url, base_file_url = telegram_api_urls(settings)
    bot = ResilientBot(
        token=settings.telegram_bot_token.get_secret_value(),
        base_url=base_url,
        base_file_url=base_file_url,
        # A small pool of kept-alive connections: httpcore looks at every pooled connection for
        # every request (PTB's default of 256 made that most of the bot's CPU under load), and
        # Telegram's own limit (~30 messages/s) needs only a few. One long poll.
        request=HTTPXRequest(connection_pool_size=settings.telegram_connections, pool_timeout=10.0),
        get_updates_request=HTTPXRequest(connection_pool_size=1),
        rate_limiter=rate_limiter or ChatRateLimiter(settings.telegram_messages_per_second),
    )
    processor = PerChatUpdateProcessor(max_concurrent_updates)
    builder = (
        ApplicationBuilder()
        .bot(bot)
        .context_types(ContextTypes(bot_data=BotData))
        .job_queue(None)
        .concurrent_updates(processor)
        .post_init(post_init)
        .post_shutdown(post_shutdown)
    )
    application: TelegramApp = builder.build()  # type: ignore[assignment]
    application.bot_data.settings = settings
    application.bot_data.processor = processor
    application.bot_data.flood = FloodControl(settings.flood_messages_per_minute)
    add_handlers(application)
    return application


async def post_init(application: TelegramApp) -> None:
    """Open the store (schema upgraded, content published on a first run), the NLU client and
    the engine; publish the command menu."""
    data = application.bot_data
    settings = data.config
    store = data.resources.enter_context(open_store(settings))
    nlu = await data.resources.enter_async_context(nlu_client(settings))
    data.repository_or_none = store.repository
    data.conversation_or_none = Conversation(store.sessions, store.repository, nlu, settings)
    records = TelegramRecords(store.sessions, pseudonym_key(settings))
    data.resources.callback(records.close)
    data.resources.callback(data.conversation.close)
    data.records_or_none = records
    processor = data.processor
    if processor is not None:  # an update is done once its replies are out

        async def finished(update: Update) -> None:
            await records.finish_update(update.update_id)

        processor.on_done = finished
    if isinstance(application.bot, ResilientBot):
        application.bot.keep_inbox_in(records)
    # What was fetched but not answered before a crash is answered first.
    left = await records.unanswered()
    for payload in left:
        update = Update.de_json(payload, application.bot)
        if update is not None:
            await application.update_queue.put(update)
    if left:
        logger.warning("Answering %d updates left unanswered by the last run", len(left))
    await application.bot.set_my_commands([BotCommand(name, text) for name, text in MENU])
    data.run_in_background(purge_regularly(data.records))
    if settings.deliver_alerts:
        data.run_in_background(deliver_alerts_regularly(application, store.sessions, records))
    conversation = data.conversation
    metrics.QUEUED_WRITES.set_function(lambda: conversation.queued_writes)
    if settings.health_port is not None:
        server = start_health_server(
            settings.health_listen, settings.health_port, lambda: readiness(application)
        )
        data.resources.callback(server.stop)
        logger.info("Health and metrics on %s:%d", settings.health_listen, settings.health_port)


async def deliver_alerts_regularly(
    application: TelegramApp, sessions: sessionmaker[Session], records: TelegramRecords
) -> None:
    """Deliver queued announcements, with any other worker, each row by exactly one of them."""
    settings = application.bot_data.config
    pace = AsyncLimiter(settings.alerts_per_second, 1)
    while True:
        try:
            with sessions() as session:
                waiting = await asyncio.to_thread(alerts.unfinished_announcements, session)
            for announcement_id in waiting:
                delivered = await alerts.deliver(
                    sessions,
                    application.bot,
                    announcement_id,
                    on_sent=records.remember_messages,
                    pace=pace,
                    close_after=alerts.INTERRUPTED_AFTER,
                )
                logger.info("Alerts: %s", delivered)
        except Exception as error:  # retried next time; it must not stop the bot
            logger.warning("Delivering alerts failed (%s)", type(error).__name__)
        await asyncio.sleep(ALERT_POLL_SECONDS)


async def readiness(application: TelegramApp) -> dict[str, bool]:
    """What ``/readyz`` reports: the engine is up and the database answers."""
    data = application.bot_data
    conversation = data.conversation_or_none
    if conversation is None:
        return {"engine": False}
    return {
        "engine": True,
        "database": await conversation.database_answers(),
        "content": data.repository.live_version() is not None,
    }


async def post_shutdown(application: TelegramApp) -> None:
    """Stop background work and close what ``post_init`` opened."""
    data = application.bot_data
    for task in list(data.background):
        task.cancel()
    await asyncio.gather(*data.background, return_exceptions=True)
    if data.records_or_none is not None:
        await data.records_or_none.flush()  # what was answered is recorded as such
    data.conversation_or_none = data.repository_or_none = data.records_or_none = None
    await data.resources.aclose()


async def purge_regularly(records: TelegramRecords) -> None:
    """Drop expired update ids and message ids at start, then every hour."""
    while True:
        try:
            updates, messages = await records.purge()
            logger.info("Purged %d update ids and %d message ids", updates, messages)
        except Exception as error:  # a failed purge is retried next time; it must not stop the bot
            # The type only: a database error's message quotes the statement and its values.
            logger.warning("Purging Telegram records failed (%s)", type(error).__name__)
        await asyncio.sleep(PURGE_EVERY_SECONDS)


def webhook_options(settings: Settings) -> dict[str, Any]:
    """Arguments of ``run_webhook`` / ``Updater.start_webhook`` for the configured webhook.

    Telegram posts to TELEGRAM_WEBHOOK_URL (usually a reverse proxy terminating TLS) and the
    proxy forwards to TELEGRAM_WEBHOOK_LISTEN:TELEGRAM_WEBHOOK_PORT with the same path; PTB
    answers 403 to any request without the secret-token header.
    """
    if not settings.telegram_webhook_url or settings.telegram_webhook_secret is None:
        raise ValueError("webhook mode needs TELEGRAM_WEBHOOK_URL and TELEGRAM_WEBHOOK_SECRET")
    return {
        "listen": settings.telegram_webhook_listen,
        "port": settings.telegram_webhook_port,
        "url_path": urlsplit(settings.telegram_webhook_url).path.lstrip("/"),
        "webhook_url": settings.telegram_webhook_url,
        "secret_token": settings.telegram_webhook_secret.get_secret_value(),
        "allowed_updates": ALLOWED_UPDATES,
    }


def run(settings: Settings) -> int:
    """Run the bot until interrupted; returns the process exit code."""
    protect_logs()
    if settings.telegram_bot_token is None:
        print(
            "TELEGRAM_BOT_TOKEN is not set: create a bot with @BotFather and put its token "
            "in the environment or in .env.",
            file=sys.stderr,
        )
        return 2
    webhook_url = settings.telegram_webhook_url
    if webhook_url and settings.telegram_webhook_secret is None:
        print(
            "TELEGRAM_WEBHOOK_URL is set but TELEGRAM_WEBHOOK_SECRET is not: without it anyone "
            "could post fake updates to the webhook.",
            file=sys.stderr,
        )
        return 2
    application = build_application(settings)
    if webhook_url:
        logger.info(
            "Starting the Telegram bot (webhook on %s:%d)",
            settings.telegram_webhook_listen,
            settings.telegram_webhook_port,
        )
        run_webhook(application, webhook_options(settings))
    else:
        logger.info("Starting the Telegram bot (long polling)")
        # PTB runs on the thread's current loop: uvloop's (see the module docstring).
        asyncio.set_event_loop(uvloop.new_event_loop())
        application.run_polling(allowed_updates=ALLOWED_UPDATES)
    return 0
