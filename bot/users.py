"""User records and the few things the bot stores: pseudonymous keys, feedback, kept questions.

Every function takes an open ``Session`` so the caller decides the transaction; none of them
logs personal data. The pseudonym key turns a Telegram id into a stable id that cannot be
reversed without the key (which lives in the environment or in ``var/pseudonym.key``).
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import os
import secrets
from datetime import date, timedelta
from pathlib import Path

from sqlalchemy import bindparam, delete, select
from sqlalchemy.orm import Session, make_transient_to_detached
from sqlalchemy.orm.util import identity_key

from bot.models.users import (
    START_PAYLOAD_LENGTH,
    FeedbackCount,
    FeedbackWeek,
    KeptQuestion,
    User,
)
from bot.recruitment.companies import week_of
from bot.settings import MIN_PSEUDONYM_KEY_CHARS, VAR_DIR, Settings

logger = logging.getLogger(__name__)

KEY_FILE = VAR_DIR / "pseudonym.key"
KEEP_QUESTIONS_DAYS = 90
MAX_KEPT_QUESTION_CHARS = 1000


def load_or_create_key(path: Path = KEY_FILE) -> bytes:
    """The local pseudonym key, created (random, readable only by us) on first use."""
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        # O_EXCL: two processes starting together must not both write a different key.
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_text(encoding="ascii").strip().encode("ascii")
    key = secrets.token_hex(32)
    with os.fdopen(fd, "w", encoding="ascii") as handle:
        handle.write(key + "\n")
    return key.encode("ascii")


def pseudonym_key(settings: Settings, key_file: Path = KEY_FILE) -> bytes:
    """PSEUDONYM_KEY from the environment, else the generated local key (checked)."""
    if settings.pseudonym_key is not None:
        return settings.pseudonym_key.get_secret_value().encode("utf-8")
    key = load_or_create_key(key_file)
    if len(key) < MIN_PSEUDONYM_KEY_CHARS:
        raise KeyFileError(f"{key_file} holds a key shorter than {MIN_PSEUDONYM_KEY_CHARS} chars")
    if key_file.stat().st_mode & 0o077:
        raise KeyFileError(f"{key_file} is readable by other users: chmod 600 it")
    if beside_database(key_file, settings.database_url):
        logger.warning(
            "The pseudonym key file is in the database's directory: whoever copies both (a "
            "backup) can turn every pseudonymous id back into a Telegram id. In production set "
            "PSEUDONYM_KEY in the environment, or keep the file out of the database's backups."
        )
    return key


class KeyFileError(RuntimeError):
    """The local pseudonym key file is unsafe to use."""


def beside_database(key_file: Path, database_url: str) -> bool:
    """Does the key file sit in the directory of a SQLite database file?"""
    if not database_url.startswith("sqlite:///"):
        return False
    database = Path(database_url.removeprefix("sqlite:///").split("?")[0])
    return database.resolve().parent == key_file.resolve().parent


def user_key(key: bytes, telegram_user_id: int) -> str:
    """HMAC-SHA256 of the Telegram user id, hex: the only id the database ever sees."""
    return hmac.new(key, str(telegram_user_id).encode("ascii"), hashlib.sha256).hexdigest()


def get_or_create(
    session: Session, key: str, today: date, *, locale: str = "vi", payload: str | None = None
) -> User:
    """The user with this key, created on first contact; marks them active today.

    The deep-link payload is recorded once (first touch), so a later ``/start`` with another
    link does not rewrite where the person came from.
    """
    user = _load(session, key)
    if user is None:
        user = User(id=key, locale=locale, last_active=today, country=None)
        session.add(user)
    elif user.last_active != today:
        user.last_active = today
    if payload and user.start_payload is None:
        user.start_payload = payload[:START_PAYLOAD_LENGTH]
    return user


_USER_BY_ID = select(*User.__table__.c).where(User.__table__.c.id == bindparam("id"))


def _load(session: Session, key: str) -> User | None:
    """The user with this key, as ``Session.get`` would return it: a Core ``SELECT`` whose row
    is made into a persistent ``User`` (changes to it are written by the session as usual).
    The ORM's own load cost more CPU than the statement, on every exchange."""
    if session.new:
        session.flush()  # one added in this session, not written yet, is found too
    known = session.identity_map.get(identity_key(User, key))
    if known is not None:
        return known
    row = session.connection().execute(_USER_BY_ID, {"id": key}).first()
    if row is None:
        return None
    user = User(**row._mapping)
    make_transient_to_detached(user)  # as if loaded: no attribute counts as changed
    session.add(user)
    return user


def set_country(session: Session, user: User, country: str | None, today: date) -> bool:
    """Remember the user's country; returns True when this completes onboarding."""
    user.country = country
    if country is not None and user.onboarded_at is None:
        user.onboarded_at = today
        return True
    return False


def set_locale(session: Session, user: User, locale: str) -> None:
    """Remember the interface language."""
    user.locale = locale


def delete_user_data(session: Session, key: str) -> bool:
    """Delete everything stored about this user (feedback and kept questions have no link)."""
    user = session.get(User, key)
    if user is None:
        return False
    session.delete(user)
    return True


def record_feedback(
    session: Session, answer_id: str, country: str, helpful: bool, today: date | None = None
) -> None:
    """Count one 👍 or 👎 for an answer in a country, in the totals and in this week's count."""
    day = today or date.today()
    total = session.get(FeedbackCount, (answer_id, country))
    if total is None:
        total = FeedbackCount(answer_id=answer_id, country=country, up=0, down=0)
        session.add(total)
    week = session.get(FeedbackWeek, (answer_id, country, week_of(day)))
    if week is None:
        week = FeedbackWeek(answer_id=answer_id, country=country, week=week_of(day), up=0, down=0)
        session.add(week)
    for row in (total, week):
        if helpful:
            row.up += 1
        else:
            row.down += 1


def keep_question(
    session: Session,
    scrubbed_text: str,
    intent: str | None,
    confidence: float | None,
    country: str | None,
    today: date,
) -> None:
    """Keep an already-scrubbed question for editors (no user link)."""
    session.add(
        KeptQuestion(
            text=scrubbed_text[:MAX_KEPT_QUESTION_CHARS],
            intent=intent,
            confidence=confidence,
            country=country,
            created_at=today,
        )
    )


def purge_kept_questions(session: Session, today: date) -> int:
    """Delete kept questions older than ``KEEP_QUESTIONS_DAYS``; returns how many went."""
    cutoff = today - timedelta(days=KEEP_QUESTIONS_DAYS)
    result = session.execute(delete(KeptQuestion).where(KeptQuestion.created_at < cutoff))
    return int(result.rowcount)  # type: ignore[attr-defined]


def kept_questions(session: Session) -> list[KeptQuestion]:
    """All kept questions, newest first (for editors' review)."""
    return list(
        session.scalars(
            select(KeptQuestion).order_by(KeptQuestion.created_at.desc(), KeptQuestion.id.desc())
        )
    )
