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
    assert await records.claim_update(1, now)  # forgotten after two days
    await records.forget_messages(PERSON, [3])
    assert await records.recent_messages(PERSON, now) == [4]
    assert await records.recent_messages(PERSON + 1, now) == [5]
    assert records.chat_key(PERSON) != records.chat_key(PERSON + 1)
