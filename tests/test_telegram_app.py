"""Telegram bot configuration checks and the channel's short-lived records (update ids, message
ids for /an) on a real database."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from fake_bot_api import TOKEN
from pydantic import SecretStr
from sqlalchemy.orm import Session, sessionmaker

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
