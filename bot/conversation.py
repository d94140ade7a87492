"""The conversation engine every channel calls: Telegram, the terminal chat and ``ask``.

It only orchestrates. For each input it asks ``actions`` for the route (the route table for
commands and buttons, ``actions.decide`` for typed messages, after the safety net and the NLU),
loads the (pseudonymous) user and what the route reads, lets the route decide the replies,
applies their effects (``bot.effects``) in one transaction and renders every reply to HTML and
plain text. Channels only deliver ``OutMessage``s and send back button data; they never see the
database or the content store.
"""

from __future__ import annotations

import asyncio
import html
import logging
from collections.abc import AsyncIterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import date
from typing import Any, TextIO

from sqlalchemy import Engine, bindparam, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from actions import (
    Button,
    DatabaseDownAction,
    Reply,
    Route,
    SetCountry,
    Situation,
    UnsupportedAction,
    button_route,
    command_route,
    text_route,
    typed_choice_route,
)
from actions.decide import Understood
from actions.routes import quiet_route, route_of, shown
from bot import effects, metrics, users
from bot.content.render import Format, render_answer, render_phrase_card
from bot.content.repository import ContentRepository
from bot.i18n import use_locale
from bot.models.users import User
from bot.nlu.client import NluClient, NluRejected, NluResult, NluUnavailable
from bot.nlu.understand import MAX_MESSAGE_CHARS, Understanding, understand
from bot.recruitment import quiz
from bot.resilience import Profile, Profiles, QueuedWrite, WriteQueue
from bot.safety import Alert, detect
from bot.settings import Settings
from vietnlp.text import has_words

logger = logging.getLogger(__name__)

__all__ = ["Button", "Conversation", "OutMessage", "Turn", "open_conversation", "render_reply"]

MAX_TEXT_CHARS = 20_000  # the safety net reads this much; Telegram itself stops at 4096
MAX_NLU_CHARS = MAX_MESSAGE_CHARS  # the classifier reads a whole Telegram message
NLU_GRACE_SECONDS = 0.5  # on top of the client's own timeout, in case it hangs anyway


@dataclass(frozen=True)
class OutMessage:
    """One message to deliver. ``kind``: text, answer, emergency, menu, clarify, country,
    privacy or phrases; ``answer_id`` names the answer shown, if any."""

    html: str
    plain: str
    buttons: tuple[tuple[Button, ...], ...] = ()
    kind: str = "text"
    answer_id: str | None = None
    photo: bytes | None = None  # a PNG to send as a photo (the emergency card)


@dataclass(frozen=True)
class Turn:
    """Everything about one text message: the messages, and why (for ``ask`` and tests)."""

    messages: list[OutMessage]
    nlu: NluResult | None = None
    nlu_down: bool = False
    alert: Alert | None = None
    replies: list[Reply] = field(default_factory=list)
    crisis: float = 0.0  # the classifier's strongest sign of a crisis in any part


def _answer_text(reply: Reply, fmt: Format) -> str:
    assert reply.answer is not None
    if reply.part == "phrases":
        assert reply.answer.phrases is not None
        return render_phrase_card(reply.answer.phrases, fmt)
    return render_answer(reply.answer, fmt, full=reply.part == "full")


def render_reply(reply: Reply) -> OutMessage:
    """The one function that turns a reply (and its answer, if any) into a message."""
    html_parts, plain_parts = [], []
    if reply.message:
        html_parts.append(html.escape(reply.message, quote=False))
        plain_parts.append(reply.message)
    if reply.answer is not None:
        html_parts.append(_answer_text(reply, "html"))
        plain_parts.append(_answer_text(reply, "plain"))
    return OutMessage(
        html="\n\n".join(html_parts),
        plain="\n\n".join(plain_parts),
        buttons=reply.buttons,
        kind=reply.kind,
        answer_id=reply.answer.id if reply.answer else None,
        photo=reply.image,
    )


DB_WORKERS = 16  # threads for database work: a hung database must not starve other threads
LONG_TEXT_CHARS = 500  # longer texts are scanned for emergency words in a worker thread


_PROFILE = select(User.__table__.c.country, User.__table__.c.locale).where(
    User.__table__.c.id == bindparam("id")
)


def _consume(future: asyncio.Future[Any]) -> None:
    """Retrieve a late result so an abandoned future does not log "never retrieved"."""
    if not future.cancelled() and future.exception() is not None:
        logger.error("Database work failed late: %s", type(future.exception()).__name__)


class Conversation:
    """The engine; one instance serves every user of a process (it keeps no per-user state)."""

    def __init__(
        self,
        session_factory: sessionmaker[Session],
        repository: ContentRepository,
        nlu: NluClient | None,
        settings: Settings,
    ) -> None:
        self._sessions = session_factory
        self._repo = repository
        self._nlu = nlu
        self._settings = settings
        self._key: bytes | None = None
        self._purged_on: date | None = None
        self._nlu_was_down = False
        self._db_was_down = False
        self._profiles = Profiles()
        self._writes = WriteQueue()
        self._db = ThreadPoolExecutor(DB_WORKERS, thread_name_prefix="db")

    def user_key_for(self, telegram_user_id: int) -> str:
        """The pseudonymous key for a Telegram user (keyed hash; the id itself is never stored)."""
        if self._key is None:
            self._key = users.pseudonym_key(self._settings)
        return users.user_key(self._key, telegram_user_id)

    async def start(self, user_key: str, payload: str | None) -> list[OutMessage]:
        """``/start [payload]``: greet, and ask for the country if we do not know it yet."""
        return await self.handle_command(user_key, "start", payload or "")

    async def handle_text(self, user_key: str, text: str) -> list[OutMessage]:
        """A typed message."""
        return (await self.turn(user_key, text)).messages

    async def handle_button(self, user_key: str, data: str) -> list[OutMessage]:
        """A pressed button (old or unknown data gets a polite note and the menu)."""
        return await self._run(user_key, button_route(data))

    async def handle_command(
        self, user_key: str, command: str, args: str, chat_id: int | None = None
    ) -> list[OutMessage]:
        """A slash command (``start``, ``sos``, ``quocgia``…); unknown ones get the help.

        ``chat_id`` is only needed (and only stored) when the person turns on announcements.
        """
        return await self._run(user_key, command_route(command, args), chat_id)

    async def handle_unsupported(self, user_key: str, kind: str) -> list[OutMessage]:
        """Stickers, photos, voice, locations…"""
        return await self._run(user_key, route_of(lambda _s: UnsupportedAction(kind)))

    async def set_country(self, user_key: str, country: str | None) -> None:
        """Set (or clear) a user's country without a reply — for ``ask`` and tests."""
        await self._run(user_key, quiet_route(SetCountry(country)))

    async def turn(self, user_key: str, text: str) -> Turn:
        """Answer a typed message and say how the answer was reached."""
        text = (text or "")[:MAX_TEXT_CHARS]
        choice = quiz.typed_choice(text)
        if choice is not None:  # a quiz answer, if a quiz question is open
            replies, messages = await self._exchange(user_key, typed_choice_route(choice))
            if replies:
                return Turn(messages, replies=replies)
        question = text[:MAX_NLU_CHARS]
        lexicon = self._repo.emergency_lexicon()
        if len(text) > LONG_TEXT_CHARS:  # long texts take milliseconds: not on the event loop
            alert = await asyncio.to_thread(detect, text, lexicon)
        else:
            alert = detect(text, lexicon)
        understanding, nlu_down = (
            await self._understand(question) if has_words(question) else (None, False)
        )
        understood = Understood(
            nlu=understanding.result if understanding else None,
            text=question,
            nlu_down=nlu_down,
            alert_kind=alert.kind if alert else None,
            alert_lookalike=alert.lookalike if alert else False,
            crisis=understanding.crisis if understanding else 0.0,
            emergency=understanding.emergency if understanding else None,
            second=understanding.second if understanding else None,
        )
        threshold = self._settings.nlu_confidence_threshold
        route = text_route(understood, threshold, urgent=alert is not None)
        replies, messages = await self._exchange(user_key, route)
        return Turn(messages, understood.nlu, nlu_down, alert, replies, understood.crisis)

    async def _understand(self, text: str) -> tuple[Understanding | None, bool]:
        """What the NLU understood, or ``(None, True)`` when it is down, slow or broken."""
        if self._nlu is None:
            return None, True
        try:
            # Long messages are read in parts too, so the grace grows with their number.
            timeout = self._settings.nlu_timeout_seconds * 2 + NLU_GRACE_SECONDS
            async with asyncio.timeout(timeout):
                result = await understand(self._nlu, text)
        except NluRejected as exc:  # the server is up; this message broke it: not an outage
            metrics.NLU_ERRORS.labels("rejected").inc()
            logger.info("The NLU could not read a message (%s); answering from search", exc)
            return None, False
        except (NluUnavailable, TimeoutError) as exc:
            # Logged when it goes down, not for every message while it stays down.
            level = logging.DEBUG if self._nlu_was_down else logging.WARNING
            logger.log(level, "NLU unavailable (%s); answering with the safety net", exc)
            metrics.NLU_ERRORS.labels(type(exc).__name__).inc()
            metrics.FALLBACKS.labels("nlu").inc()
            self._nlu_was_down = True
            return None, True
        if self._nlu_was_down:
            logger.warning("NLU available again")
            self._nlu_was_down = False
        return result, False

    async def _run(
        self, user_key: str, route: Route, chat_id: int | None = None
    ) -> list[OutMessage]:
        return (await self._exchange(user_key, route, chat_id))[1]

    async def _exchange(
        self, user_key: str, route: Route, chat_id: int | None = None
    ) -> tuple[list[Reply], list[OutMessage]]:
        """Decide and render the replies; the database is used within a deadline, or not at all.

        An ``urgent`` route (emergency numbers, crisis lines) is decided from memory at once and
        written in the background. Any other runs in one transaction in a worker thread (a slow
        database never stalls the event loop); when the database fails or misses the deadline,
        the answer is decided from memory and the writes are queued.
        """
        if route.urgent:
            return await self._urgent(user_key, route, chat_id)
        today = date.today()
        future = self._db.submit(self._exchange_sync, user_key, route, chat_id, today)
        waiter = asyncio.wrap_future(future)
        done, _pending = await asyncio.wait({waiter}, timeout=self._settings.db_deadline_seconds)
        if done:
            return waiter.result()
        waiter.add_done_callback(_consume)
        self._database_failed("it did not answer in time")
        # Not started yet (every worker busy): it never will be, so its writes are queued here;
        # already running, it queues them itself if it fails.
        queue = future.cancel()
        return self._in_memory(user_key, route, chat_id, today, queue=queue)

    async def _urgent(
        self, user_key: str, route: Route, chat_id: int | None
    ) -> tuple[list[Reply], list[OutMessage]]:
        today = date.today()
        # A quick read of the person's country, bounded by ``db_read_seconds``: another worker
        # may have changed it. When the database is down or slow, the remembered one is used.
        future = self._db.submit(self._load_profile, user_key)
        waiter = asyncio.wrap_future(future)
        done, _pending = await asyncio.wait({waiter}, timeout=self._settings.db_read_seconds)
        if not done:
            future.cancel()
            waiter.add_done_callback(_consume)
            self._database_failed("a profile read was too slow")
        replies, messages = self._in_memory(user_key, route, chat_id, today, queue=False)
        self._db.submit(self._record, QueuedWrite(user_key, tuple(replies), today))
        return replies, messages

    def _load_profile(self, user_key: str) -> None:
        try:
            # Two columns in a Core statement on the engine's connection: an ORM session and a
            # loaded ``User`` cost about twice the CPU for what is only read.
            bind = self._sessions.kw.get("bind")
            with bind.begin() if isinstance(bind, Engine) else self._sessions.begin() as db:
                row = db.execute(_PROFILE, {"id": user_key}).first()
            known = self._profiles.get(user_key)
            if row is not None and not (known is not None and known.unwritten):
                self._profiles.put(user_key, Profile(row.country, row.locale))
        except SQLAlchemyError:
            self._database_failed("reading a profile failed")

    def _exchange_sync(
        self, user_key: str, route: Route, chat_id: int | None, today: date
    ) -> tuple[list[Reply], list[OutMessage]]:
        """Load the user, decide in their language, apply the effects, render — one transaction."""
        try:
            self._writes.replay(self._apply_queued)
            known = self._profiles.get(user_key)
            if known is not None and known.unwritten:
                # This person's last change is not written yet (a write failed or is still
                # waiting for a lock, while reads may succeed): the database would answer for
                # the country they had before, so decide from memory; what this exchange changes
                # is queued behind it.
                return self._in_memory(user_key, route, chat_id, today, queue=None)
            self._purge_if_due(today)
            with self._sessions.begin() as session:
                user = self._user(session, user_key, today)
                situation = effects.situation(session, user, route, chat_id)
                with use_locale(user.locale):
                    replies = shown(route.decide(situation, self._repo))
                locale = effects.apply(session, user, replies, today)
                profile = Profile(user.country, locale)
            self._remember(user_key, profile, replies)
            with use_locale(locale):
                return replies, [render_reply(reply) for reply in replies]
        except SQLAlchemyError as exc:
            self._database_failed(type(exc).__name__)
            return self._in_memory(user_key, route, chat_id, today, queue=True)

    def _in_memory(
        self, user_key: str, route: Route, chat_id: int | None, today: date, *, queue: bool | None
    ) -> tuple[list[Reply], list[OutMessage]]:
        """The replies decided without the database, from the remembered profile; their writes
        are queued when ``queue`` (None: only if they change something)."""
        profile = self._profiles.get(user_key) or Profile(None, self._settings.default_locale)
        with use_locale(profile.locale):
            if route.needs_database:  # the quiz, announcements: stored state is the point
                replies = shown([DatabaseDownAction().run(self._repo)])
            else:
                replies = shown(route.decide(Situation(profile.country, chat_id), self._repo))
        after = effects.remembered(profile, replies)
        self._remember(user_key, after, replies)
        if queue or (queue is None and any(effects.effects_of(replies))):
            self._writes.put(QueuedWrite(user_key, tuple(replies), today))
        with use_locale(after.locale):
            return replies, [render_reply(reply) for reply in replies]

    def _record(self, write: QueuedWrite) -> None:
        """The database side of an exchange answered from memory (queued when it fails)."""
        try:
            self._writes.replay(self._apply_queued)
            self._apply_queued(write)
        except SQLAlchemyError as exc:
            self._database_failed(type(exc).__name__)
            self._writes.put(write)

    def _apply_queued(self, write: QueuedWrite) -> None:
        with self._sessions.begin() as session:
            user = self._user(session, write.user_key, write.today)
            locale = effects.apply(session, user, write.replies, write.today)
            written = Profile(user.country, locale)
        known = self._profiles.get(write.user_key)
        if known is not None and (known.country, known.locale) == (written.country, locale):
            self._profiles.put(write.user_key, written)  # what it says is now in the database
        self._database_back()

    def _user(self, session: Session, user_key: str, today: date) -> User:
        """The user, created on first contact and marked active today."""
        return users.get_or_create(session, user_key, today, locale=self._settings.default_locale)

    def _remember(self, user_key: str, profile: Profile, replies: list[Reply]) -> None:
        if effects.forgets_user(replies):
            self._profiles.forget(user_key)
        else:
            self._profiles.put(user_key, profile)

    def _database_failed(self, why: str) -> None:
        metrics.FALLBACKS.labels("database").inc()
        # Logged when it goes down, not for every message while it stays down.
        level = logging.DEBUG if self._db_was_down else logging.WARNING
        logger.log(level, "Database unavailable (%s); answering from memory, writes queued", why)
        self._db_was_down = True

    def _database_back(self) -> None:
        if self._db_was_down:
            self._db_was_down = False
            logger.warning("Database available again (%d writes still queued)", len(self._writes))

    async def database_answers(self, timeout: float = 1.0) -> bool:
        """Does the database answer a trivial query in time (for readiness checks)?"""

        def ping() -> bool:
            with self._sessions() as session:
                session.execute(select(1))
            return True

        future = self._db.submit(ping)
        waiter = asyncio.wrap_future(future)
        done, _pending = await asyncio.wait({waiter}, timeout=timeout)
        if not done:
            future.cancel()
            waiter.add_done_callback(_consume)
            return False
        return waiter.exception() is None

    @property
    def queued_writes(self) -> int:
        """Writes waiting for the database (0 when it is up)."""
        return len(self._writes)

    def close(self) -> None:
        """Finish the database work still running (queued writes stay unwritten)."""
        self._db.shutdown(wait=True, cancel_futures=False)

    def purge_expired(self, today: date | None = None) -> int:
        """Delete kept questions older than the retention period; returns how many went.

        Runs by itself with the first message of every day; call it at startup too.
        """
        today = today or date.today()
        with self._sessions.begin() as session:
            removed = users.purge_kept_questions(session, today)
        self._purged_on = today
        if removed:
            logger.info(
                "Purged %d kept questions older than %d days", removed, users.KEEP_QUESTIONS_DAYS
            )
        return removed

    def _purge_if_due(self, today: date) -> None:
        if self._purged_on != today:
            self.purge_expired(today)


@asynccontextmanager
async def open_conversation(
    settings: Settings, progress: TextIO | None = None
) -> AsyncIterator[Conversation]:
    """A ready engine for a local run (chat, ask): schema upgraded, content published if none
    is live yet, NLU from ``NLU_URL``, the running ``nlu serve`` or a local server (or none — the
    safety net still works); notes on a slow start go to ``progress``."""
    from bot.nlu.local_server import nlu_client
    from bot.store import open_store

    with open_store(settings) as store:
        async with nlu_client(settings, progress) as nlu:
            conversation = Conversation(store.sessions, store.repository, nlu, settings)
            try:
                await asyncio.to_thread(conversation.purge_expired)
                yield conversation
            finally:
                await asyncio.to_thread(conversation.close)
