"""Announcements to the opted-in users of one country, delivered at most once each.

An editor publishes an announcement; one delivery row per subscriber is queued in the database.
The sender claims a row (``sending``) and commits *before* calling Telegram, then records the
outcome: ``sent``, ``blocked`` (the person blocked the bot — their subscription is removed) or
``failed``. After a crash or restart, rows still ``sending`` are closed as ``failed`` rather than
sent again: a duplicate alert is worse than a missed one the report shows. Pacing and Telegram's
"retry after" answers are handled by PTB's ``AIORateLimiter`` (kept under Telegram's broadcast
limit of about 30 messages per second).
"""

from __future__ import annotations

import asyncio
import html
import logging
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from aiolimiter import AsyncLimiter
from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session, sessionmaker
from telegram import Bot
from telegram.constants import ParseMode
from telegram.error import BadRequest, Forbidden, TelegramError
from telegram.ext import AIORateLimiter, ExtBot

from bot import metrics
from bot.i18n import _, country_name
from bot.models.recruitment import AlertDelivery, AlertSubscription, Announcement
from bot.settings import Settings, telegram_api_urls

logger = logging.getLogger(__name__)

MESSAGES_PER_SECOND = 25
INTERRUPTED_AFTER = timedelta(minutes=1)  # a send takes seconds; a claim this old was cut off


class AlertsUnavailable(RuntimeError):
    """Alerts cannot be sent from this process (no Telegram token)."""


@dataclass(frozen=True)
class DeliveryReport:
    announcement_id: int
    sent: int
    blocked: int
    failed: int
    pending: int

    def __str__(self) -> str:
        return (
            f"announcement {self.announcement_id}: delivered {self.sent}, blocked {self.blocked}, "
            f"failed {self.failed}, pending {self.pending}"
        )


def subscribe(session: Session, user_id: str, country: str, chat_id: int, today: date) -> None:
    row = session.get(AlertSubscription, user_id)
    if row is None:
        session.add(
            AlertSubscription(
                user_id=user_id, country=country, chat_id=chat_id, subscribed_on=today
            )
        )
    else:
        row.country, row.chat_id = country, chat_id


def unsubscribe(session: Session, user_id: str) -> bool:
    row = session.get(AlertSubscription, user_id)
    if row is None:
        return False
    session.delete(row)
    return True


def follow_country(session: Session, user_id: str, country: str) -> None:
    """A subscriber who moves to another country gets that country's announcements."""
    row = session.get(AlertSubscription, user_id)
    if row is not None:
        row.country = country


def is_subscribed(session: Session, user_id: str) -> bool:
    return session.get(AlertSubscription, user_id) is not None


def alert_bot(settings: Settings) -> ExtBot[int]:
    """A bot paced under Telegram's broadcast limit, retrying when Telegram says "retry after"."""
    if settings.telegram_bot_token is None:
        raise AlertsUnavailable("TELEGRAM_BOT_TOKEN is not set: alerts are sent through Telegram")
    base_url, base_file_url = telegram_api_urls(settings)
    return ExtBot(
        settings.telegram_bot_token.get_secret_value(),
        base_url=base_url,
        base_file_url=base_file_url,
        rate_limiter=AIORateLimiter(
            overall_max_rate=MESSAGES_PER_SECOND, overall_time_period=1, max_retries=3
        ),
    )


def publish_announcement(session: Session, country: str, text: str, now: datetime) -> int:
    """Queue ``text`` for every current subscriber of ``country``; returns the announcement id."""
    if not text.strip():
        raise ValueError("the announcement is empty")
    announcement = Announcement(country=country, text=text.strip(), created_at=now)
    session.add(announcement)
    session.flush()
    subscribers = session.scalars(
        select(AlertSubscription.user_id).where(AlertSubscription.country == country)
    )
    session.add_all(
        AlertDelivery(announcement_id=announcement.id, user_id=user_id, status="pending")
        for user_id in subscribers
    )
    return announcement.id


def alert_html(announcement: Announcement) -> str:
    header = _("📢 Thông báo cho người lao động tại {country}").format(
        country=country_name(announcement.country)
    )
    footer = _("Không muốn nhận nữa: gõ /thongbao")
    return f"<b>{html.escape(header)}</b>\n\n{html.escape(announcement.text)}\n\n<i>{footer}</i>"


def report(session: Session, announcement_id: int) -> DeliveryReport:
    counts = Counter(
        session.scalars(
            select(AlertDelivery.status).where(AlertDelivery.announcement_id == announcement_id)
        )
    )
    return DeliveryReport(
        announcement_id,
        sent=counts["sent"],
        blocked=counts["blocked"],
        failed=counts["failed"],
        pending=counts["pending"] + counts["sending"],
    )


def close_interrupted(session: Session, older_than: timedelta = INTERRUPTED_AFTER) -> int:
    """Rows left ``sending`` by a crash may or may not have gone out: never send them again.

    Only rows claimed longer ago than ``older_than``: several workers deliver at once, and a
    row another live worker is sending right now is not interrupted.
    """
    result = session.execute(
        update(AlertDelivery)
        .where(
            AlertDelivery.status == "sending",
            or_(
                AlertDelivery.updated_at.is_(None),
                AlertDelivery.updated_at < datetime.now(UTC) - older_than,
            ),
        )
        .values(status="failed", updated_at=datetime.now(UTC))
    )
    return int(result.rowcount)  # type: ignore[attr-defined]


def _claim_next(
    session_factory: sessionmaker[Session], announcement_id: int
) -> tuple[str, int | None] | None:
    """Claim one pending delivery; returns the user and their chat (None when they opted out
    meanwhile), or None when nothing is left.

    PostgreSQL skips rows other workers hold (``FOR UPDATE SKIP LOCKED``) instead of waiting
    for them; the update only from ``pending`` makes the claim exclusive on any database
    (SQLite has no row locks: two workers may pick the same row, one of them gets it).
    """
    while True:
        with session_factory.begin() as session:
            user_id = session.scalars(
                select(AlertDelivery.user_id)
                .where(
                    AlertDelivery.announcement_id == announcement_id,
                    AlertDelivery.status == "pending",
                )
                .limit(1)
                .with_for_update(skip_locked=True)
            ).first()
            if user_id is None:
                return None
            taken: Any = session.execute(
                update(AlertDelivery)
                .where(
                    AlertDelivery.announcement_id == announcement_id,
                    AlertDelivery.user_id == user_id,
                    AlertDelivery.status == "pending",
                )
                .values(status="sending", updated_at=datetime.now(UTC))
            )
            if taken.rowcount != 1:
                continue  # another worker was first: the next one
            subscription = session.get(AlertSubscription, user_id)
            return user_id, subscription.chat_id if subscription is not None else None


def _finish(
    session_factory: sessionmaker[Session], announcement_id: int, user_id: str, status: str
) -> None:
    with session_factory.begin() as session:
        row = session.get(AlertDelivery, (announcement_id, user_id))
        if row is not None:
            row.status, row.updated_at = status, datetime.now(UTC)
        if status == "blocked":
            unsubscribe(session, user_id)
    metrics.ALERTS.labels(status).inc()


SentHook = Callable[[int, list[int]], Awaitable[None]]


async def deliver(
    session_factory: sessionmaker[Session],
    bot: Bot,
    announcement_id: int,
    on_sent: SentHook | None = None,
    pace: AsyncLimiter | None = None,
    close_after: timedelta = timedelta(0),
) -> DeliveryReport:
    """Send every pending delivery of the announcement; safe to call again after a restart.

    ``on_sent(chat_id, [message_id])`` lets the Telegram records remember the message, so
    ``/an`` can delete an announcement from a phone like any other message of the bot.
    """
    with session_factory.begin() as session:
        close_interrupted(session, close_after)
        announcement = session.get(Announcement, announcement_id)
        if announcement is None:
            raise LookupError(f"no announcement {announcement_id}")
        text = alert_html(announcement)
    # The database work runs in a worker thread: in a bot worker the event loop serves chats.
    while True:
        if pace is not None:  # several workers share Telegram's broadcast limit
            await pace.acquire()
        claimed = await asyncio.to_thread(_claim_next, session_factory, announcement_id)
        if claimed is None:
            break
        user_id, chat_id = claimed
        if chat_id is None:  # opted out after the announcement was queued
            await asyncio.to_thread(_finish, session_factory, announcement_id, user_id, "failed")
            continue
        status = "sent"
        try:
            sent = await bot.send_message(chat_id, text, parse_mode=ParseMode.HTML)
            if on_sent is not None:
                await on_sent(chat_id, [sent.message_id])
        except Forbidden:
            status = "blocked"
        except BadRequest as exc:  # chat gone, deactivated account…
            logger.info("alert %s not delivered: %s", announcement_id, exc.message)
            status = "blocked" if "chat not found" in exc.message.lower() else "failed"
        except TelegramError as exc:
            logger.warning("alert %s failed: %s", announcement_id, type(exc).__name__)
            status = "failed"
        await asyncio.to_thread(_finish, session_factory, announcement_id, user_id, status)
    with session_factory() as session:
        return report(session, announcement_id)


def unfinished_announcements(session: Session) -> list[int]:
    """Announcements that still have deliveries to make (e.g. after a restart)."""
    return list(
        session.scalars(
            select(AlertDelivery.announcement_id)
            .where(AlertDelivery.status.in_(("pending", "sending")))
            .distinct()
        )
    )
