"""The engine through a database outage: a real SQLite file locked by another process's
connection, and (e2e) a real PostgreSQL server stopped and started again.

Emergency numbers, crisis lines and the SOS answer never wait for the database; every other
answer waits at most ``db_deadline_seconds``; what could not be written is queued and written,
once, when the database is back.
"""

from __future__ import annotations

import asyncio
import shutil
import sqlite3
import time
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy.orm import Session, sessionmaker

from bot.content.repository import ContentRepository
from bot.conversation import Conversation, OutMessage
from bot.db import make_engine, make_session_factory
from bot.models.users import User
from bot.nlu.client import NluClient
from bot.settings import Settings
from tests.engine_support import FakeRasa, plain

DEADLINE = 0.5  # the engine's database deadline in these tests
FAST = 0.35  # an emergency answer comes faster than any database timeout


@contextmanager
def locked(database_url: str) -> Iterator[None]:
    """Another process's connection holds the write lock (as an editor's long ``publish`` or a
    backup would): every write waits for SQLite's busy timeout, then fails."""
    path = database_url.removeprefix("sqlite:///")
    connection = sqlite3.connect(path, isolation_level=None, timeout=5.0)
    try:
        connection.execute("BEGIN EXCLUSIVE")
        connection.execute("UPDATE users SET locale = locale")  # takes the write lock
        yield
        connection.execute("ROLLBACK")
    finally:
        connection.close()


@pytest.fixture
def outage_settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"db_deadline_seconds": DEADLINE})


@pytest.fixture
def engine(
    core_sessions: sessionmaker[Session],
    repo: ContentRepository,
    outage_settings: Settings,
    nlu: NluClient,
) -> Iterator[Conversation]:
    conversation = Conversation(core_sessions, repo, nlu, outage_settings)
    yield conversation
    conversation.close()


async def timed(work: Awaitable[list[OutMessage]]) -> tuple[float, list[OutMessage]]:
    started = time.perf_counter()
    messages = await work
    return time.perf_counter() - started, messages


def stored(sessions: sessionmaker[Session], key: str) -> User | None:
    with sessions() as session:
        return session.get(User, key)


async def test_emergencies_are_answered_at_once_while_the_database_is_locked(
    engine: Conversation,
    fake_rasa: FakeRasa,
    core_sessions: sessionmaker[Session],
    core_database_url: str,
) -> None:
    key = engine.user_key_for(41)
    await engine.handle_button(key, "c:kr")
    emergencies: list[Callable[[], Awaitable[list[OutMessage]]]] = [
        lambda: engine.handle_command(key, "sos", ""),
        lambda: engine.handle_button(key, "sos"),
        lambda: engine.handle_text(key, "cứu tôi với"),
        lambda: engine.handle_text(key, "cap cuu ban toi ngat xiu"),
    ]
    with locked(core_database_url):
        for ask in emergencies:
            took, messages = await timed(ask())
            assert took < FAST, took
            assert "112" in plain(messages)  # Korea's police: the person's own country
        took, crisis = await timed(engine.handle_text(key, "tôi muốn tự tử"))
        assert took < FAST and (crisis[0].kind, crisis[0].answer_id) == (
            "emergency",
            "mental-health-crisis",
        )
        # A stranger the engine has never seen: every country's numbers.
        took, messages = await timed(engine.handle_command(engine.user_key_for(42), "sos", ""))
        assert took < FAST and "112" in plain(messages) and "110" in plain(messages)
    assert stored(core_sessions, key) is not None


async def test_every_answer_survives_the_outage_and_the_writes_follow(
    engine: Conversation,
    fake_rasa: FakeRasa,
    core_sessions: sessionmaker[Session],
    core_database_url: str,
) -> None:
    key = engine.user_key_for(43)
    await engine.handle_button(key, "c:jp")
    newcomer = engine.user_key_for(44)
    with locked(core_database_url):
        took, menu = await timed(engine.handle_command(key, "menu", ""))
        assert took < DEADLINE + 0.3 and menu and menu[0].kind == "menu"
        took, changed = await timed(engine.handle_command(key, "quocgia", "tw"))
        assert took < DEADLINE + 0.3 and "Đài Loan" in plain(changed)
        # The choice made during the outage is used at once…
        took, numbers = await timed(engine.handle_command(key, "sos", ""))
        assert took < FAST and "excusemetaiwan.com" in plain(numbers)  # Taiwan's answer
        took, first = await timed(engine.start(newcomer, None))
        assert took < DEADLINE + 0.3 and first[0].kind == "country"
        # …needs-the-database features say so, with the SOS button, instead of failing.
        took, quiz = await timed(engine.handle_command(key, "kiemtra", ""))
        assert took < DEADLINE + 0.3 and "thử lại sau" in plain(quiz)
        assert stored(core_sessions, newcomer) is None
    # …and written when the database is back (the writes that waited for the lock go through).
    await engine.handle_command(key, "menu", "")
    await eventually(lambda: getattr(stored(core_sessions, key), "country", None) == "tw")
    await eventually(lambda: stored(core_sessions, newcomer) is not None)
    assert engine.queued_writes == 0


async def eventually(condition: Callable[[], bool], timeout: float = 10.0) -> None:
    deadline = time.perf_counter() + timeout
    while not condition():
        assert time.perf_counter() < deadline, "not written in time"
        await asyncio.sleep(0.05)


async def test_a_missing_database_file_degrades_and_the_writes_are_replayed(
    fake_rasa: FakeRasa,
    nlu: NluClient,
    core_template: Path,
    outage_settings: Settings,
    tmp_path: Path,
) -> None:
    folder = tmp_path / "data"
    folder.mkdir()
    shutil.copyfile(core_template, folder / "bot.db")
    engine = make_engine(f"sqlite:///{folder / 'bot.db'}")
    sessions = make_session_factory(engine)
    conversation = Conversation(
        sessions, ContentRepository(sessions, refresh_seconds=0.0), nlu, outage_settings
    )
    try:
        key = conversation.user_key_for(45)
        await conversation.handle_button(key, "c:jp")
        await conversation.handle_command(key, "sos", "")  # the content in memory, as at start
        # The database's directory taken away at once (an unmounted volume): nothing opens,
        # and SQLite cannot create an empty file in its place either.
        folder.rename(tmp_path / "gone")
        engine.dispose()  # the pool's open connections went with it
        took, messages = await timed(conversation.handle_command(key, "sos", ""))
        assert took < FAST and "119" in plain(messages)
        took, changed = await timed(conversation.handle_command(key, "quocgia", "kr"))
        assert took < DEADLINE + 0.3 and "Hàn Quốc" in plain(changed)
        took, numbers = await timed(conversation.handle_command(key, "sos", ""))
        assert took < FAST and "112" in plain(numbers)
        await eventually(lambda: conversation.queued_writes >= 3)
        # It comes back: the next exchange writes what was queued, in order, once.
        (tmp_path / "gone").rename(folder)
        await conversation.handle_command(key, "menu", "")
        await eventually(lambda: conversation.queued_writes == 0)
        user = stored(sessions, key)
        assert user is not None and user.country == "kr"
    finally:
        conversation.close()
        engine.dispose()


async def test_an_emergency_answer_follows_a_country_changed_by_another_worker(
    core_sessions: sessionmaker[Session],
    repo: ContentRepository,
    outage_settings: Settings,
    nlu: NluClient,
    fake_rasa: FakeRasa,
) -> None:
    first, second = (Conversation(core_sessions, repo, nlu, outage_settings) for _ in range(2))
    try:
        key = first.user_key_for(46)
        await first.handle_button(key, "c:jp")
        assert "jp.usembassy.gov" in plain(await second.handle_command(key, "sos", ""))
        await first.handle_command(key, "quocgia", "kr")  # through the other worker
        numbers = plain(await second.handle_command(key, "sos", ""))
        assert "112" in numbers and "jp.usembassy.gov" not in numbers
    finally:
        first.close()
        second.close()


async def test_an_answer_from_the_nlu_keeps_what_the_outage_remembered_and_queued(
    engine: Conversation,
    fake_rasa: FakeRasa,
    core_sessions: sessionmaker[Session],
    core_database_url: str,
) -> None:
    """While a change cannot be written (another connection holds the write lock), answers go on
    following it: neither the NLU answering nor a read-only exchange that the database allows
    brings back the country stored before."""
    fake_rasa.says("bảo hiểm y tế", "health_insurance")
    key = engine.user_key_for(47)
    await engine.handle_button(key, "c:jp")
    with locked(core_database_url):
        await engine.handle_command(key, "quocgia", "tw")
        _took, answer = await timed(engine.handle_text(key, "bảo hiểm y tế"))
        # Taiwan's answer: the country chosen during the outage is still remembered.
        assert answer[-1].answer_id is not None and "nước nào" not in plain(answer)
        assert "excusemetaiwan.com" in plain(await engine.handle_command(key, "sos", ""))
    await engine.handle_command(key, "menu", "")
    await eventually(lambda: getattr(stored(core_sessions, key), "country", None) == "tw")


async def test_a_question_answered_by_the_nlu_keeps_what_the_outage_queued(
    engine: Conversation,
    fake_rasa: FakeRasa,
    core_sessions: sessionmaker[Session],
    core_database_url: str,
) -> None:
    """An understood message used to reset the engine's memory: the queued writes and the
    remembered countries were dropped (and a new thread pool started) on every NLU answer."""
    key = engine.user_key_for(48)
    await engine.handle_button(key, "c:jp")
    fake_rasa.says("cho hỏi về bảo hiểm", "health_insurance")
    with locked(core_database_url):
        await engine.handle_command(key, "quocgia", "tw")  # answered from memory…
        await eventually(lambda: engine.queued_writes >= 1)  # …queued once SQLite gives up
        threads = engine._db
        await engine.handle_text(key, "cho hỏi về bảo hiểm")  # the NLU answers
        assert engine._db is threads
        took, numbers = await timed(engine.handle_command(key, "sos", ""))
        assert took < FAST and "excusemetaiwan.com" in plain(numbers)  # still Taiwan's,
        assert "112" not in plain(numbers)  # not every country's
    # …and the queued change of country is written when the database is back.
    await engine.handle_command(key, "menu", "")
    await eventually(lambda: getattr(stored(core_sessions, key), "country", None) == "tw")
