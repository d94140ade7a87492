"""The conversation engine every channel calls: Telegram, the terminal chat and ``ask``.

For each input it loads the (pseudonymous) user, runs the safety net, asks the NLU, lets
``actions`` decide the replies, applies their effects (country, language, feedback, deletion)
in one transaction and renders every reply to HTML and plain text. Channels only deliver
``OutMessage``s and send back button data; they never see the database or the content store.
"""

from __future__ import annotations

import asyncio
import html
import logging
import random
from collections.abc import AsyncIterator, Callable
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import date
from typing import Any, TextIO

from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from actions import (
    Button,
    Callback,
    DatabaseDownAction,
    DeleteUserData,
    GreetAction,
    KeepQuestion,
    NoCountryAction,
    Reply,
    SetCountry,
    SetLocale,
    StaleButtonAction,
    UnsupportedAction,
    Verb,
    Vote,
    button_action,
    command_action,
)
from actions.decide import Understood, command_name, respond
from actions.recruitment import AlertsAction, QuizOutcomeAction, QuizQuestionAction
from bot import metrics, users
from bot.content.render import Format, render_answer, render_phrase_card
from bot.content.repository import ContentRepository
from bot.i18n import use_locale
from bot.models.users import User
from bot.nlu.client import NluClient, NluRejected, NluResult, NluUnavailable
from bot.nlu.understand import MAX_MESSAGE_CHARS, Understanding, understand
from bot.recruitment import alerts, companies, quiz
from bot.resilience import Profile, Profiles, QueuedWrite, WriteQueue
from bot.safety import Alert, detect
from bot.scrub import scrub
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


# Decides the replies; gets no session (None) when the database is unavailable.
Choose = Callable[[Session | None, User], list[Reply]]
DB_WORKERS = 16  # threads for database work: a hung database must not starve other threads
LONG_TEXT_CHARS = 500  # longer texts are scanned for emergency words in a worker thread


class DatabaseNeeded(Exception):
    """This exchange cannot be answered without the database (quiz, announcements)."""


def _needs(session: Session | None) -> Session:
    if session is None:
        raise DatabaseNeeded
    return session


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
        return await self._run(
            user_key, lambda _s, user: [GreetAction(user.country).run(self._repo)], payload
        )

    async def handle_text(self, user_key: str, text: str) -> list[OutMessage]:
        """A typed message."""
        return (await self.turn(user_key, text)).messages

    async def handle_button(
        self, user_key: str, data: str, chat_id: int | None = None
    ) -> list[OutMessage]:
        """A pressed button (old or unknown data gets a polite note and the menu)."""
        callback = Callback.decode(data)
        if callback is not None and callback.verb is Verb.QUIZ:
            return await self._run(
                user_key, lambda session, user: self._quiz(_needs(session), user, callback.args)
            )
        return await self._run(
            user_key,
            lambda _s, user: [button_action(data, user.country).run(self._repo)],
            urgent=callback is not None and callback.verb is Verb.SOS,
        )

    async def handle_command(
        self, user_key: str, command: str, args: str, chat_id: int | None = None
    ) -> list[OutMessage]:
        """A slash command; unknown commands get the help text.

        ``chat_id`` is only needed (and only stored) when the person turns on announcements.
        """
        if command.lower().lstrip("/").split("@")[0] == "start":
            return await self.start(user_key, args.strip() or None)
        name = command_name(command)
        if name == "quiz":
            return await self._run(
                user_key, lambda session, user: self._quiz(_needs(session), user, ())
            )
        if name == "alerts":
            return await self._run(
                user_key,
                lambda session, user: self._toggle_alerts(_needs(session), user, chat_id),
            )
        return await self._run(
            user_key,
            lambda _s, user: [command_action(command, args, user.country).run(self._repo)],
            urgent=name == "sos",
        )

    def _quiz(self, session: Session, user: User, args: tuple[str, ...]) -> list[Reply]:
        """Start the quiz (no args) or take the answer ``position, option`` to a question."""
        if not args:
            if user.country is None:
                return [NoCountryAction().run(self._repo)]
            questions = quiz.build_quiz(self._repo, user.country, random.Random())
            if not questions:
                return [StaleButtonAction().run(self._repo)]
            quiz.start(session, user.id, user.country, questions)
            first = QuizQuestionAction(0, len(questions), questions[0], intro=True)
            return [first.run(self._repo)]
        try:
            position, option = int(args[0]), int(args[1])
        except (ValueError, IndexError):
            return [StaleButtonAction().run(self._repo)]
        outcome = quiz.answer(session, user.id, position, option)
        if outcome is None:  # pressed twice, or a quiz that was restarted or finished
            return [StaleButtonAction().run(self._repo)]
        following = None if outcome.finished else quiz.current(session, user.id)
        return [QuizOutcomeAction(outcome, following).run(self._repo)]

    def _toggle_alerts(self, session: Session, user: User, chat_id: int | None) -> list[Reply]:
        if user.country is None:
            return [NoCountryAction().run(self._repo)]
        if chat_id is None:
            return [AlertsAction(user.country, None).run(self._repo)]
        subscribed = not alerts.unsubscribe(session, user.id)
        if subscribed:
            alerts.subscribe(session, user.id, user.country, chat_id, date.today())
        return [AlertsAction(user.country, subscribed).run(self._repo)]

    async def handle_unsupported(self, user_key: str, kind: str) -> list[OutMessage]:
        """Stickers, photos, voice, locations…"""
        return await self._run(user_key, lambda _s, _u: [UnsupportedAction(kind).run(self._repo)])

    async def set_country(self, user_key: str, country: str | None) -> None:
        """Set (or clear) a user's country without a reply — for ``ask`` and tests."""
        await self._run(
            user_key, lambda session, user: self._quietly_set(_needs(session), user, country)
        )

    @staticmethod
    def _quietly_set(session: Session, user: User, country: str | None) -> list[Reply]:
        users.set_country(session, user, country, date.today())
        return []

    async def turn(self, user_key: str, text: str) -> Turn:
        """Answer a typed message and say how the answer was reached."""
        text = (text or "")[:MAX_TEXT_CHARS]
        if (answered := await self._typed_quiz_answer(user_key, text)) is not None:
            return answered
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
            crisis=understanding.crisis if understanding else 0.0,
            emergency=understanding.emergency if understanding else None,
            second=understanding.second if understanding else None,
        )
        threshold = self._settings.nlu_confidence_threshold

        def choose(_session: Session | None, user: User) -> list[Reply]:
            return respond(understood, user.country, self._repo, threshold=threshold)

        replies, messages = await self._exchange(user_key, choose, urgent=alert is not None)
        return Turn(messages, understood.nlu, nlu_down, alert, replies, understood.crisis)

    async def _typed_quiz_answer(self, user_key: str, text: str) -> Turn | None:
        """A letter or number typed while a quiz question is open answers it, as its button
        would; ``None`` (and the message goes on to the safety net and the NLU) otherwise."""
        choice = quiz.typed_choice(text)
        if choice is None:
            return None

        def choose(session: Session | None, user: User) -> list[Reply]:
            if session is None:  # the database is unavailable: no quiz is open for us
                return []
            now = quiz.current(session, user.id)
            if now is None:
                return []
            position, question = now
            if choice >= len(question.options):
                total = quiz.question_count(session, user.id)
                return [QuizQuestionAction(position, total, question, again=True).run(self._repo)]
            return self._quiz(session, user, (str(position), str(choice)))

        replies, messages = await self._exchange(user_key, choose)
        return Turn(messages, replies=replies) if replies else None

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
        self._db_was_down = False
        self._profiles = Profiles()
        self._writes = WriteQueue()
        self._db = ThreadPoolExecutor(DB_WORKERS, thread_name_prefix="db")
        return result, False

    async def _run(
        self,
        user_key: str,
        choose: Choose,
        payload: str | None = None,
        *,
        urgent: bool = False,
    ) -> list[OutMessage]:
        return (await self._exchange(user_key, choose, payload, urgent=urgent))[1]

    async def _exchange(
        self, user_key: str, choose: Choose, payload: str | None = None, *, urgent: bool = False
    ) -> tuple[list[Reply], list[OutMessage]]:
        """Decide and render the replies; the database is used within a deadline, or not at all.

        An ``urgent`` exchange (emergency numbers, crisis lines) is decided from memory at once
        and written in the background. Any other exchange runs in one transaction in a worker
        thread (a slow database never stalls the event loop); when the database fails or misses
        the deadline, the answer is decided from memory and the writes are queued.
        """
        if urgent:
            return await self._urgent(user_key, choose, payload)
        today = date.today()
        future = self._db.submit(self._exchange_sync, user_key, choose, payload, today)
        waiter = asyncio.wrap_future(future)
        done, _pending = await asyncio.wait({waiter}, timeout=self._settings.db_deadline_seconds)
        if done:
            return waiter.result()
        waiter.add_done_callback(_consume)
        self._database_failed("it did not answer in time")
        # Not started yet (every worker busy): it never will be, so its writes are queued here;
        # already running, it queues them itself if it fails.
        queue = future.cancel()
        return self._in_memory(user_key, choose, payload, today, queue=queue)

    async def _urgent(
        self, user_key: str, choose: Choose, payload: str | None
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
        replies, messages = self._in_memory(user_key, choose, payload, today, queue=False)
        self._db.submit(self._record, QueuedWrite(user_key, payload, tuple(replies), today))
        return replies, messages

    def _load_profile(self, user_key: str) -> None:
        try:
            with self._sessions() as session:
                user = session.get(User, user_key)
                known = self._profiles.get(user_key)
                if user is not None and not (known is not None and known.unwritten):
                    self._profiles.put(user_key, Profile(user.country, user.locale))
        except SQLAlchemyError:
            self._database_failed("reading a profile failed")

    def _exchange_sync(
        self, user_key: str, choose: Choose, payload: str | None, today: date
    ) -> tuple[list[Reply], list[OutMessage]]:
        """Load the user, decide in their language, apply the effects, render — one transaction."""
        try:
            self._writes.replay(self._apply_queued)
            self._purge_if_due(today)
            with self._sessions.begin() as session:
                user = self._user(session, user_key, payload, today)
                with use_locale(user.locale):
                    replies = [r for reply in choose(session, user) for r in reply.flatten()]
                locale = self._apply(session, user, replies, today)
                profile = Profile(user.country, locale)
            self._remember(user_key, profile, replies)
            with use_locale(locale):
                return replies, [render_reply(reply) for reply in replies]
        except SQLAlchemyError as exc:
            self._database_failed(type(exc).__name__)
            return self._in_memory(user_key, choose, payload, today, queue=True)

    def _in_memory(
        self, user_key: str, choose: Choose, payload: str | None, today: date, *, queue: bool
    ) -> tuple[list[Reply], list[OutMessage]]:
        """The replies decided without the database, from the remembered profile."""
        profile = self._profiles.get(user_key) or Profile(None, self._settings.default_locale)
        # A stand-in that is never added to a session: only read by the actions.
        user = User(id=user_key, country=profile.country, locale=profile.locale)
        with use_locale(user.locale):
            try:
                chosen = choose(None, user)
            except DatabaseNeeded:
                chosen = [DatabaseDownAction().run(self._repo)]
            replies = [r for reply in chosen for r in reply.flatten()]
        locale = profile.locale
        country = profile.country
        changed = profile.unwritten
        for effect in (e for reply in replies for e in reply.effects):
            if isinstance(effect, SetCountry):
                country, changed = effect.country, True
            elif isinstance(effect, SetLocale):
                locale, changed = effect.locale, True
        self._remember(user_key, Profile(country, locale, unwritten=changed), replies)
        if queue:
            self._writes.put(QueuedWrite(user_key, payload, tuple(replies), today))
        with use_locale(locale):
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
            user = self._user(session, write.user_key, write.payload, write.today)
            locale = self._apply(session, user, list(write.replies), write.today)
            written = Profile(user.country, locale)
        known = self._profiles.get(write.user_key)
        if known is not None and (known.country, known.locale) == (written.country, locale):
            self._profiles.put(write.user_key, written)  # what it says is now in the database
        self._database_back()

    def _user(self, session: Session, user_key: str, payload: str | None, today: date) -> User:
        """The user, created on first contact; a deep link's company is counted, if it is one."""
        company = companies.find_company(session, payload) if payload else None
        user = users.get_or_create(
            session,
            user_key,
            today,
            locale=self._settings.default_locale,
            # Only a real company code is kept: a payload can be anything someone typed.
            payload=company.code if company is not None else None,
        )
        if company is not None:  # a recruitment company's link: for its anonymous statistics
            companies.record_signup(session, user.id, company.code, today)
        return user

    def _remember(self, user_key: str, profile: Profile, replies: list[Reply]) -> None:
        if any(isinstance(e, DeleteUserData) for reply in replies for e in reply.effects):
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

    def _apply(self, session: Session, user: User, replies: list[Reply], today: date) -> str:
        """Carry out the replies' effects; returns the locale to render in."""
        locale = user.locale
        for effect in (e for reply in replies for e in reply.effects):
            if isinstance(effect, SetCountry):
                users.set_country(session, user, effect.country, today)
                alerts.follow_country(session, user.id, effect.country)
            elif isinstance(effect, SetLocale):
                users.set_locale(session, user, effect.locale)
                locale = effect.locale
            elif isinstance(effect, Vote):
                users.record_feedback(session, effect.answer_id, effect.country, effect.helpful)
            elif isinstance(effect, DeleteUserData):
                users.delete_user_data(session, user.id)
            elif isinstance(effect, KeepQuestion):
                users.keep_question(
                    session,
                    scrub(effect.text),
                    effect.intent,
                    effect.confidence,
                    effect.country,
                    today,
                )
        for reply in replies:
            if reply.answer is not None and reply.part == "short":
                companies.count_topic_open(
                    session, user.id, reply.answer.country, reply.answer.id, today
                )
        return locale

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
