"""The one place where replies change stored state: reading what a route needs, applying effects.

Actions decide and return effects (``actions.reply.Effect``); the engine (``bot.conversation``)
calls ``situation`` before deciding and ``apply`` after, in the same transaction, and
``remembered`` when it answers from memory during a database outage. Every effect type is handled
here and nowhere else.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import date

from sqlalchemy.orm import Session

from actions.reply import (
    AnswerQuiz,
    CountTopicOpen,
    DeleteUserData,
    Effect,
    KeepQuestion,
    RecordSignup,
    Reply,
    SetCountry,
    SetLocale,
    StartQuiz,
    Subscribe,
    Unsubscribe,
    Vote,
)
from actions.routes import Route, Situation
from bot import users
from bot.models.users import User
from bot.recruitment import alerts, companies, quiz
from bot.resilience import Profile
from bot.scrub import scrub


def effects_of(replies: Iterable[Reply]) -> Iterator[Effect]:
    """Every effect of the replies, in sending order."""
    return (effect for reply in replies for effect in reply.effects)


def situation(session: Session, user: User, route: Route, chat_id: int | None) -> Situation:
    """What the route decides from: the country, and the stored state it reads."""
    return Situation(
        country=user.country,
        chat_id=chat_id,
        quiz=quiz.load(session, user.id) if "quiz" in route.reads else None,
        subscribed="alerts" in route.reads and alerts.is_subscribed(session, user.id),
    )


def apply(session: Session, user: User, replies: Iterable[Reply], today: date) -> str:
    """Carry out the replies' effects; returns the locale to render in."""
    locale = user.locale
    for effect in effects_of(replies):
        if isinstance(effect, SetCountry):
            users.set_country(session, user, effect.country, today)
            if effect.country is not None:
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
                session, scrub(effect.text), effect.intent, effect.confidence, effect.country, today
            )
        elif isinstance(effect, RecordSignup):
            _record_signup(session, user, effect.payload, today)
        elif isinstance(effect, CountTopicOpen):
            # Only someone who came with a company's link is counted, and such a person always
            # has the code in ``start_payload`` (written with the sign-up, below): everyone else
            # is not looked up in company_signups (a query for most answers shown).
            if user.start_payload is not None:
                companies.count_topic_open(
                    session, user.id, effect.country, effect.answer_id, today
                )
        else:
            _apply_recruitment(session, user, effect, today)
    return locale


def _record_signup(session: Session, user: User, payload: str, today: date) -> None:
    # Only a real company code is kept: a payload can be anything someone typed.
    company = companies.find_company(session, payload)
    if company is None:
        return
    if user.start_payload is None:  # first touch: a later link does not rewrite it
        user.start_payload = company.code
    companies.record_signup(session, user.id, company.code, today)


def _apply_recruitment(session: Session, user: User, effect: Effect, today: date) -> None:
    if isinstance(effect, StartQuiz):
        quiz.start(session, user.id, effect.country, list(effect.questions))
    elif isinstance(effect, AnswerQuiz):
        quiz.record_answer(session, user.id, effect.position, effect.right)
    elif isinstance(effect, Subscribe):
        alerts.subscribe(session, user.id, effect.country, effect.chat_id, today)
    elif isinstance(effect, Unsubscribe):
        alerts.unsubscribe(session, user.id)
    else:  # a new Effect type must be handled above
        raise TypeError(f"no way to apply {type(effect).__name__}")


def remembered(profile: Profile, replies: Iterable[Reply]) -> Profile:
    """The profile after the replies, when they are answered from memory (the database's copy
    is written later: ``unwritten``)."""
    country, locale, changed = profile.country, profile.locale, profile.unwritten
    for effect in effects_of(replies):
        if isinstance(effect, SetCountry):
            country, changed = effect.country, True
        elif isinstance(effect, SetLocale):
            locale, changed = effect.locale, True
    return Profile(country, locale, unwritten=changed)


def forgets_user(replies: Iterable[Reply]) -> bool:
    """Do the replies delete everything about the person?"""
    return any(isinstance(effect, DeleteUserData) for effect in effects_of(replies))
