"""Users, pseudonymous keys, feedback counts and kept questions on a real database."""

from __future__ import annotations

import stat
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError
from sqlalchemy import event, select
from sqlalchemy.orm import Session, sessionmaker

from bot import users
from bot.models.users import FeedbackCount, KeptQuestion, User
from bot.settings import Settings

DAY = date(2026, 11, 22)


def test_key_file_is_created_private_and_reused(tmp_path: Path) -> None:
    path = tmp_path / "var" / "pseudonym.key"
    first = users.load_or_create_key(path)
    assert len(first) == 64
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert users.load_or_create_key(path) == first


def test_environment_key_wins_over_the_file(tmp_path: Path) -> None:
    key_file = tmp_path / "pseudonym.key"
    settings = Settings(pseudonym_key="from-env-0123456789abcdef-0123456789")
    assert users.pseudonym_key(settings, key_file) == b"from-env-0123456789abcdef-0123456789"
    assert not key_file.exists()
    generated = users.pseudonym_key(Settings(pseudonym_key=None), key_file)
    assert generated == key_file.read_text().strip().encode()


def test_a_short_or_exposed_key_is_refused(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    with pytest.raises(ValidationError, match="at least 32 characters"):
        Settings(pseudonym_key="short-key")
    key_file = tmp_path / "pseudonym.key"
    key_file.write_text("0123456789\n")
    key_file.chmod(0o600)
    with pytest.raises(users.KeyFileError, match="shorter"):
        users.pseudonym_key(Settings(pseudonym_key=None), key_file)
    key_file.write_text("ab" * 32 + "\n")
    key_file.chmod(0o644)
    with pytest.raises(users.KeyFileError, match="chmod 600"):
        users.pseudonym_key(Settings(pseudonym_key=None), key_file)
    key_file.chmod(0o600)
    beside = Settings(pseudonym_key=None, database_url=f"sqlite:///{tmp_path / 'bot.db'}")
    assert users.pseudonym_key(beside, key_file) == b"ab" * 32
    assert "database's directory" in caplog.text  # documented, and said at start
    caplog.clear()
    apart = Settings(pseudonym_key=None, database_url=f"sqlite:///{tmp_path / 'db' / 'bot.db'}")
    users.pseudonym_key(apart, key_file)
    assert "database's directory" not in caplog.text


def test_user_key_is_a_stable_keyed_hash() -> None:
    key = users.user_key(b"k1", 123456789)
    assert key == users.user_key(b"k1", 123456789)
    assert key != users.user_key(b"k2", 123456789)
    assert key != users.user_key(b"k1", 123456780)
    assert len(key) == 64 and "123456789" not in key


def test_get_or_create_records_first_payload_only(session_factory: sessionmaker[Session]) -> None:
    with session_factory.begin() as session:
        user = users.get_or_create(session, "u1", DAY, payload="x" * 80)
        assert user.start_payload == "x" * 64
        assert user.last_active == DAY and user.country is None and user.locale == "vi"
    with session_factory.begin() as session:
        later = DAY + timedelta(days=3)
        user = users.get_or_create(session, "u1", later, payload="other-link")
        assert user.start_payload == "x" * 64
        assert user.last_active == later


def test_get_or_create_reads_one_row_and_writes_only_what_changed(
    session_factory: sessionmaker[Session],
) -> None:
    with session_factory.begin() as session:
        added = users.get_or_create(session, "u1", DAY)
        assert users.get_or_create(session, "u1", DAY) is added  # not written yet: found too
    statements: list[str] = []
    engine = session_factory.kw["bind"]

    @event.listens_for(engine, "before_cursor_execute")
    def _seen(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        statements.append(statement.lstrip().split()[0].upper())

    with session_factory.begin() as session:  # the same day: read, nothing written
        user = users.get_or_create(session, "u1", DAY)
        assert users.get_or_create(session, "u1", DAY) is user
        assert (user.country, user.locale, user.last_active) == (None, "vi", DAY)
    assert statements == ["SELECT"]
    statements.clear()
    with session_factory.begin() as session:  # a later day, and a change: one UPDATE
        user = users.get_or_create(session, "u1", DAY + timedelta(days=1))
        users.set_country(session, user, "tw", DAY + timedelta(days=1))
    assert statements == ["SELECT", "UPDATE"]
    with session_factory() as session:
        stored = session.get(User, "u1")
        assert stored is not None and stored.country == "tw"
        assert stored.last_active == DAY + timedelta(days=1)
        assert stored.onboarded_at == DAY + timedelta(days=1)


def test_first_country_completes_onboarding(session_factory: sessionmaker[Session]) -> None:
    with session_factory.begin() as session:
        user = users.get_or_create(session, "u1", DAY)
        assert users.set_country(session, user, "jp", DAY) is True
        assert users.set_country(session, user, "kr", DAY + timedelta(days=1)) is False
        users.set_locale(session, user, "en")
    with session_factory() as session:
        stored = session.get(User, "u1")
        assert stored is not None
        assert (stored.country, stored.locale, stored.onboarded_at) == ("kr", "en", DAY)


def test_delete_user_data(session_factory: sessionmaker[Session]) -> None:
    with session_factory.begin() as session:
        users.get_or_create(session, "u1", DAY, payload="rec")
        users.get_or_create(session, "u2", DAY)
    with session_factory.begin() as session:
        assert users.delete_user_data(session, "u1") is True
        assert users.delete_user_data(session, "nobody") is False
    with session_factory() as session:
        assert session.scalars(select(User.id)).all() == ["u2"]


def test_feedback_is_counted_per_answer_and_country(
    session_factory: sessionmaker[Session],
) -> None:
    with session_factory.begin() as session:
        users.record_feedback(session, "ambulance", "jp", helpful=True)
        users.record_feedback(session, "ambulance", "jp", helpful=True)
        users.record_feedback(session, "ambulance", "jp", helpful=False)
        users.record_feedback(session, "ambulance", "kr", helpful=False)
    with session_factory() as session:
        rows = {
            (r.answer_id, r.country): (r.up, r.down) for r in session.scalars(select(FeedbackCount))
        }
    assert rows == {("ambulance", "jp"): (2, 1), ("ambulance", "kr"): (0, 1)}


def test_kept_questions_are_purged_after_90_days(session_factory: sessionmaker[Session]) -> None:
    with session_factory.begin() as session:
        for age in (0, 89, 90, 91, 400):
            users.keep_question(session, f"age {age}", "greet", 0.2, "jp", DAY - timedelta(age))
    with session_factory.begin() as session:
        assert users.purge_kept_questions(session, DAY) == 2
    with session_factory() as session:
        left = sorted(q.text for q in users.kept_questions(session))
    assert left == ["age 0", "age 89", "age 90"]


def test_kept_question_has_no_user_column() -> None:
    columns = set(KeptQuestion.__table__.columns.keys())
    assert columns == {"id", "text", "intent", "confidence", "country", "created_at"}


def test_feedback_is_also_counted_per_week(session_factory: sessionmaker[Session]) -> None:
    from bot.models.users import FeedbackWeek

    with session_factory.begin() as session:
        users.record_feedback(session, "police", "jp", True, today=date(2026, 11, 23))  # Monday
        users.record_feedback(session, "police", "jp", False, today=date(2026, 11, 29))  # Sunday
        users.record_feedback(session, "police", "jp", False, today=date(2026, 11, 30))
    with session_factory() as session:
        weeks = {r.week: (r.up, r.down) for r in session.scalars(select(FeedbackWeek))}
    assert weeks == {date(2026, 11, 23): (1, 1), date(2026, 11, 30): (0, 1)}
