"""Telegram bot configuration checks and the channel's short-lived records (update ids, message
ids for /an) on a real database."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fake_bot_api import TOKEN
from pydantic import SecretStr
from sqlalchemy import event
from sqlalchemy.orm import Session, sessionmaker

from bot.models.telegram import TelegramUpdate
from bot.settings import Settings
from bot.telegram.app import run
from bot.telegram.records import TelegramRecords

PERSON = 5_550_001


def test_refuses_to_start_without_a_token(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(Settings(_env_file=None)) == 2  # type: ignore[call-arg]
    assert "TELEGRAM_BOT_TOKEN is not set" in capsys.readouterr().err


def test_webhook_mode_needs_a_secret(capsys: pytest.CaptureFixture[str]) -> None:
    without_secret = Settings(
        _env_file=None,  # type: ignore[call-arg]
        telegram_bot_token=SecretStr(TOKEN),
        telegram_webhook_url="https://bot.example.org/tg",
    )
    assert run(without_secret) == 2
    err = capsys.readouterr().err
    assert "TELEGRAM_WEBHOOK_SECRET" in err and TOKEN not in err


async def test_records_expire(session_factory: sessionmaker[Session]) -> None:
    records = TelegramRecords(session_factory, b"key")
    now = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)
    assert await records.claim_update(1, now - timedelta(days=3))
    assert await records.claim_update(2, now - timedelta(hours=1))
    assert not await records.claim_update(2, now)
    await records.remember_messages(PERSON, [1, 2], now - timedelta(hours=49))
    await records.remember_messages(PERSON, [3, 4], now - timedelta(hours=47))
    await records.remember_messages(PERSON + 1, [5], now)
    assert await records.recent_messages(PERSON, now) == [3, 4]
    assert await records.purge(now) == (1, 2)
    another_process = TelegramRecords(session_factory, b"key")
    assert await another_process.claim_update(1, now)  # forgotten after two days
    await records.forget_messages(PERSON, [3])
    assert await records.recent_messages(PERSON, now) == [4]
    assert await records.recent_messages(PERSON + 1, now) == [5]
    assert records.chat_key(PERSON) != records.chat_key(PERSON + 1)


async def test_an_update_is_done_once_answered_and_a_dead_claim_is_taken_over(
    session_factory: sessionmaker[Session],
) -> None:
    first, second = (TelegramRecords(session_factory, b"key") for _ in range(2))
    now = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)
    assert await first.claim_update(7, now)
    assert not await first.claim_update(7, now)  # the same update twice in one batch
    assert not await second.claim_update(7, now + timedelta(seconds=30))  # being answered
    # The first process died before answering: after a while another one answers it.
    assert await second.claim_update(7, now + timedelta(minutes=3))
    await second.finish_update(7, now + timedelta(minutes=3))
    await second.flush()
    third = TelegramRecords(session_factory, b"key")
    assert not await third.claim_update(7, now + timedelta(hours=1))  # done: never again


async def test_the_inbox_keeps_what_was_fetched_until_it_is_answered(
    session_factory: sessionmaker[Session],
) -> None:
    records = TelegramRecords(session_factory, b"key")
    person = {"id": PERSON, "is_bot": False, "first_name": "Lan", "last_name": "Nguyễn"}
    chat = {"id": PERSON, "type": "private", "first_name": "Lan", "username": "lan90"}
    fetched = [
        {"update_id": n, "message": {"message_id": n, "date": 0, "chat": chat, "from": person,
                                     "text": f"câu {n}"}}
        for n in (11, 12, 13)
    ]  # fmt: skip
    assert await records.keep_in_inbox(fetched)
    assert await records.claim_update(11)
    await records.finish_update(11)
    await records.flush()
    assert await records.claim_update(12)  # being answered when the process dies
    after_crash = TelegramRecords(session_factory, b"key")
    left = await after_crash.unanswered()
    assert [u["update_id"] for u in left] == [12, 13]
    assert left[0]["message"]["text"] == "câu 12"
    assert "Lan" not in repr(left) and "lan90" not in repr(left)  # names are not kept
    assert await after_crash.claim_update(12)  # its old claim was this process's, before
    assert await after_crash.claim_update(13)


def statements_of(session_factory: sessionmaker[Session]) -> list[str]:
    """The SQL statements the factory's engine runs from now on (BEGIN/COMMIT are not)."""
    seen: list[str] = []
    engine = session_factory.kw["bind"]

    @event.listens_for(engine, "before_cursor_execute")
    def _seen(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        seen.append(statement)

    return seen


def fetched_update(update_id: int, text: str) -> dict[str, Any]:
    chat = {"id": PERSON, "type": "private", "first_name": "Lan"}
    person = {"id": PERSON, "is_bot": False, "first_name": "Lan"}
    message = {"message_id": update_id, "date": 0, "chat": chat, "from": person, "text": text}
    return {"update_id": update_id, "message": message}


def aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)  # SQLite keeps no zone


def stored(session_factory: sessionmaker[Session], update_id: int) -> TelegramUpdate | None:
    with session_factory() as session:
        return session.get(TelegramUpdate, update_id)


async def test_keeping_and_claiming_is_one_statement_and_a_re_delivery_changes_nothing(
    session_factory: sessionmaker[Session],
) -> None:
    first, second = (TelegramRecords(session_factory, b"key") for _ in range(2))
    now = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)
    statements = statements_of(session_factory)
    assert await first.keep_in_inbox([fetched_update(21, "câu một")], now)
    assert len(statements) == 1 and statements[0].lstrip().upper().startswith("INSERT")
    # Delivered again, to another process, while the first one answers it: not claimed, and
    # the kept update stays as it was.
    assert await second.keep_in_inbox([fetched_update(21, "đổi")], now + timedelta(seconds=5))
    assert not await second.claim_update(21, now + timedelta(seconds=5))
    assert await first.claim_update(21, now)  # claimed with its batch
    row = stored(session_factory, 21)
    assert row is not None and row.payload is not None and row.done_at is None
    assert row.payload["message"]["text"] == "câu một" and aware(row.received_at) == now
    # Answered: done and out of the inbox, in one statement.
    await first.finish_update(21, now + timedelta(seconds=1))
    statements.clear()
    await first.flush()
    assert len(statements) == 1
    row = stored(session_factory, 21)
    assert row is not None and row.payload is None and row.done_at is not None
    # Delivered again once answered: nothing is claimed, kept or answered again.
    third = TelegramRecords(session_factory, b"key")
    assert await third.keep_in_inbox([fetched_update(21, "lại")], now + timedelta(minutes=5))
    assert not await third.claim_update(21, now + timedelta(minutes=5))
    assert await third.unanswered(now + timedelta(minutes=5)) == []
    row = stored(session_factory, 21)
    assert row is not None and row.payload is None


async def test_a_batch_with_re_deliveries_claims_and_keeps_only_the_new_ones(
    session_factory: sessionmaker[Session],
) -> None:
    records = TelegramRecords(session_factory, b"key")
    now = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)
    assert await records.keep_in_inbox([fetched_update(31, "a"), fetched_update(32, "b")], now)
    assert await records.claim_update(31, now)
    await records.finish_update(31, now)
    await records.flush()
    other = TelegramRecords(session_factory, b"key")
    batch = [fetched_update(n, f"lần hai {n}") for n in (31, 32, 33)]
    assert await other.keep_in_inbox(batch, now + timedelta(seconds=10))
    assert [await other.claim_update(n, now + timedelta(seconds=10)) for n in (31, 32, 33)] == [
        False,  # done
        False,  # being answered by the first process
        True,
    ]
    kept = {n: stored(session_factory, n) for n in (31, 32, 33)}
    assert kept[31] is not None and kept[31].payload is None
    assert kept[32] is not None and kept[32].payload is not None
    assert kept[32].payload["message"]["text"] == "b"
    assert kept[33] is not None and kept[33].payload is not None


async def test_an_update_unanswered_for_an_hour_leaves_the_inbox(
    session_factory: sessionmaker[Session],
) -> None:
    records = TelegramRecords(session_factory, b"key")
    now = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)
    assert await records.keep_in_inbox([fetched_update(41, "cũ")], now - timedelta(hours=2))
    assert await records.keep_in_inbox([fetched_update(42, "mới")], now - timedelta(minutes=5))
    after_crash = TelegramRecords(session_factory, b"key")
    left = await after_crash.unanswered(now)
    assert [u["update_id"] for u in left] == [42]
    old = stored(session_factory, 41)
    assert old is not None and old.payload is None  # its text is not kept either
    assert await after_crash.claim_update(42, now)  # this process's to answer now
    # It crashes the bot again and again: answered after each restart, until an hour after
    # it came (not after the last restart).
    again = TelegramRecords(session_factory, b"key")
    assert [u["update_id"] for u in await again.unanswered(now + timedelta(minutes=50))] == [42]
    gone = TelegramRecords(session_factory, b"key")
    assert await gone.unanswered(now + timedelta(minutes=56)) == []
    await records.keep_in_inbox([fetched_update(43, "x")], now - timedelta(hours=3))
    await records.purge(now)
    expired = stored(session_factory, 43)
    assert expired is not None and expired.payload is None


async def test_a_reader_finds_what_a_flush_under_way_is_writing(
    session_factory: sessionmaker[Session],
) -> None:
    records = TelegramRecords(session_factory, b"key")
    await records.remember_messages(PERSON, [1, 2, 3])
    under_way = asyncio.ensure_future(records.flush())
    await asyncio.sleep(0)  # it has taken the ids and is writing them
    assert await records.recent_messages(PERSON) == [1, 2, 3]  # /an right after a reply
    await under_way
