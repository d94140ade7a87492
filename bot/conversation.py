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
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import date
from typing import TextIO

from sqlalchemy.orm import Session, sessionmaker

from actions import (
    Button,
    Callback,
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
from bot import users
from bot.content.render import Format, render_answer, render_phrase_card
from bot.content.repository import ContentRepository
from bot.i18n import use_locale
from bot.models.users import User
from bot.nlu.client import NluClient, NluResult, NluUnavailable
from bot.nlu.understand import MAX_MESSAGE_CHARS, Understanding, understand
from bot.recruitment import alerts, companies, quiz
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


Choose = Callable[[Session, User], list[Reply]]


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
                user_key, lambda session, user: self._quiz(session, user, callback.args)
            )
        return await self._run(
            user_key, lambda _s, user: [button_action(data, user.country).run(self._repo)]
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
            return await self._run(user_key, lambda session, user: self._quiz(session, user, ()))
        if name == "alerts":
            return await self._run(
                user_key, lambda session, user: self._toggle_alerts(session, user, chat_id)
            )
        return await self._run(
            user_key,
            lambda _s, user: [command_action(command, args, user.country).run(self._repo)],
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
        await self._run(user_key, lambda session, user: self._quietly_set(session, user, country))

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
        alert = detect(text, self._repo.emergency_lexicon())
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

        def choose(_session: Session, user: User) -> list[Reply]:
            return respond(understood, user.country, self._repo, threshold=threshold)

        replies, messages = await self._exchange(user_key, choose)
        return Turn(messages, understood.nlu, nlu_down, alert, replies)

    async def _typed_quiz_answer(self, user_key: str, text: str) -> Turn | None:
        """A letter or number typed while a quiz question is open answers it, as its button
        would; ``None`` (and the message goes on to the safety net and the NLU) otherwise."""
        choice = quiz.typed_choice(text)
        if choice is None:
            return None

        def choose(session: Session, user: User) -> list[Reply]:
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
        except (NluUnavailable, TimeoutError) as exc:
            # Logged when it goes down, not for every message while it stays down.
            level = logging.DEBUG if self._nlu_was_down else logging.WARNING
            logger.log(level, "NLU unavailable (%s); answering with the safety net", exc)
            self._nlu_was_down = True
            return None, True
        if self._nlu_was_down:
            logger.warning("NLU available again")
            self._nlu_was_down = False
        return result, False

    async def _run(
        self, user_key: str, choose: Choose, payload: str | None = None
    ) -> list[OutMessage]:
        return (await self._exchange(user_key, choose, payload))[1]

    async def _exchange(
        self, user_key: str, choose: Choose, payload: str | None = None
    ) -> tuple[list[Reply], list[OutMessage]]:
        # The database work runs in a worker thread so a slow database never stalls the event
        # loop that serves every other chat (the locale context travels with it).
        return await asyncio.to_thread(self._exchange_sync, user_key, choose, payload)

    def _exchange_sync(
        self, user_key: str, choose: Choose, payload: str | None = None
    ) -> tuple[list[Reply], list[OutMessage]]:
        """Load the user, decide in their language, apply the effects, render — one transaction."""
        today = date.today()
        self._purge_if_due(today)
        with self._sessions.begin() as session:
            user = users.get_or_create(
                session, user_key, today, locale=self._settings.default_locale, payload=payload
            )
            if payload:  # a recruitment company's link: counted for its anonymous statistics
                companies.record_signup(session, user.id, payload, today)
            with use_locale(user.locale):
                replies = [r for reply in choose(session, user) for r in reply.flatten()]
            locale = self._apply(session, user, replies, today)
            with use_locale(locale):
                return replies, [render_reply(reply) for reply in replies]

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
            await asyncio.to_thread(conversation.purge_expired)
            yield conversation
