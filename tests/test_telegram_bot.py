"""The Telegram bot end to end through python-telegram-bot, against the fake Bot API server.

The real application (``build_application``) long-polls ``tests/fake_bot_api.py`` on 127.0.0.1;
updates are queued in the fake server and the bot's replies asserted from the calls it records.
The database is a real SQLite file (PostgreSQL too when ``TEST_POSTGRES_URL`` is set) with the
test content published; the NLU is down (a closed port) unless a test starts the canned one.
"""

from __future__ import annotations

import asyncio
import dataclasses
import io
import logging
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from collections import Counter
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import httpx
import PIL.Image
import pytest
from aiohttp import web
from fake_bot_api import TOKEN, FakeBotApi, bot_messages_in, command_entities, polling, texts
from private_postgres import private_postgres
from pydantic import SecretStr
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker
from telegram import Update
from telegram.ext import ExtBot

from bot.content.publish import publish
from bot.conversation import Button, OutMessage
from bot.db import make_engine, make_session_factory
from bot.migrate import upgrade
from bot.models.telegram import TelegramRecentMessage, TelegramUpdate
from bot.models.users import User
from bot.recruitment import alerts
from bot.settings import Settings
from bot.telegram import handlers, webhook
from bot.telegram.app import MENU, build_application, webhook_options
from bot.telegram.context import TelegramApp
from bot.telegram.keyboards import main_keyboard
from bot.telegram.send import send_replies
from tests.engine_support import FakeRasa

REPO_ROOT = Path(__file__).resolve().parent.parent
TEST_DAY = date(2026, 11, 22)
USER = 5_550_001
GROUP = -100_777


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port  # nothing listens there once the socket is closed


@pytest.fixture
async def fake() -> AsyncIterator[FakeBotApi]:
    async with FakeBotApi() as server:
        yield server


@pytest.fixture
def published(
    session_factory: sessionmaker[Session], content_dir: Any, today: Any
) -> sessionmaker[Session]:
    assert publish(content_dir, session_factory, "tests", today=today).outcome == "published"
    return session_factory


@pytest.fixture
def nlu_url() -> str:
    return f"http://127.0.0.1:{closed_port()}"


@pytest.fixture
def settings(fake: FakeBotApi, database_url: str, published: Any, nlu_url: str) -> Settings:
    return Settings(
        _env_file=None,  # type: ignore[call-arg]
        telegram_bot_token=TOKEN,  # type: ignore[arg-type]
        telegram_api_base_url=fake.api_url,
        database_url=database_url,
        nlu_url=nlu_url,
        nlu_timeout_seconds=0.5,
        pseudonym_key="test-pseudonym-key-0123456789abcdef",  # type: ignore[arg-type]
    )


@pytest.fixture
async def bot(settings: Settings) -> AsyncIterator[TelegramApp]:
    application = build_application(settings)
    async with polling(application):
        yield application


@pytest.fixture
async def canned_nlu() -> AsyncIterator[str]:
    """A tiny NLU server answering Rasa's /model/parse with canned intents."""
    intents = {"bảo hiểm y tế": "health_insurance"}

    async def parse(request: web.Request) -> web.Response:
        text = (await request.json())["text"]
        name = next((i for words, i in intents.items() if words in text), "out_of_scope")
        return web.json_response(
            {"intent": {"name": name, "confidence": 0.93}, "entities": [], "text": text}
        )

    app = web.Application()
    app.router.add_post("/model/parse", parse)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    yield f"http://127.0.0.1:{port}"
    await runner.cleanup()


async def say(fake: FakeBotApi, text: str, user: int = USER, **kwargs: Any) -> list[Any]:
    return await fake.exchange(lambda: fake.queue_text(user, text, **kwargs), user)


async def choose_japan(fake: FakeBotApi, user: int = USER) -> None:
    await say(fake, "/start", user)
    await fake.exchange(lambda: fake.queue_callback(user, "c:jp"), user)


def sent(calls: list[Any]) -> list[Any]:
    return [c for c in calls if c.method == "sendMessage"]


def user_row(
    settings: Settings, session_factory: sessionmaker[Session], bot: TelegramApp, user: int = USER
) -> User | None:
    key = bot.bot_data.conversation.user_key_for(user)
    with session_factory() as session:
        return session.get(User, key)


# --------------------------------------------------------------------------- start and menus
async def test_startup_publishes_the_command_menu(fake: FakeBotApi, bot: TelegramApp) -> None:
    assert [(c["command"], c["description"]) for c in fake.commands] == list(MENU)


async def test_start_with_deep_link_payload(
    fake: FakeBotApi, bot: TelegramApp, settings: Settings, published: sessionmaker[Session]
) -> None:
    await say(fake, "/start TRAINING42")
    # Two messages; under load the greeting may come after the exchange's quiet period.
    keyboard, greeting = await fake.wait_for_calls("sendMessage", 2, USER)
    assert keyboard.reply_markup["keyboard"] == [[{"text": "🆘 Khẩn cấp"}]]
    assert keyboard.reply_markup["is_persistent"] is True
    assert "nước nào" in greeting.text
    assert {b["callback_data"] for b in greeting.inline_buttons()} >= {"c:jp", "c:kr", "c:tw"}
    row = user_row(settings, published, bot)
    assert row is not None and row.start_payload is None  # not a company's code: not kept
    assert not fake.errors()


async def test_country_button_sets_the_country(
    fake: FakeBotApi, bot: TelegramApp, settings: Settings, published: sessionmaker[Session]
) -> None:
    await say(fake, "/start")
    calls = await fake.exchange(lambda: fake.queue_callback(USER, "c:kr"), USER)
    assert len(fake.calls_to("answerCallbackQuery")) == 1
    assert "Hàn Quốc" in texts(sent(calls))
    row = user_row(settings, published, bot)
    assert row is not None and row.country == "kr"


# --------------------------------------------------------------------------- SOS
@pytest.mark.parametrize("how", ["🆘 Khẩn cấp", "/sos", "/SOS@TroLyLaoDongBot"])
async def test_sos_by_button_and_command(fake: FakeBotApi, bot: TelegramApp, how: str) -> None:
    await choose_japan(fake)
    assert "119" in texts(sent(await say(fake, how)))


async def test_sos_inline_button(fake: FakeBotApi, bot: TelegramApp) -> None:
    await choose_japan(fake)
    calls = await fake.exchange(lambda: fake.queue_callback(USER, "sos"), USER)
    assert "119" in texts(sent(calls))


async def test_emergency_words_answer_with_the_nlu_down(fake: FakeBotApi, bot: TelegramApp) -> None:
    await choose_japan(fake)
    assert "119" in texts(sent(await say(fake, "cap cuu, ban toi kho tho")))


# --------------------------------------------------------------------------- text
async def test_free_text_with_the_nlu_down_still_answers(
    fake: FakeBotApi, bot: TelegramApp
) -> None:
    await choose_japan(fake)
    calls = await say(fake, "bảo hiểm y tế đi khám trả bao nhiêu")
    assert sent(calls) and not fake.errors()


async def test_free_text_with_the_nlu_answers_the_topic(
    fake: FakeBotApi, canned_nlu: str, settings: Settings
) -> None:
    settings = settings.model_copy(update={"nlu_url": canned_nlu})
    async with polling(build_application(settings)):
        await choose_japan(fake)
        reply = texts(sent(await say(fake, "bảo hiểm y tế đi khám trả bao nhiêu")))
    assert "Bảo hiểm y tế ở Nhật" in reply and "30%" in reply


async def test_a_10000_character_message(fake: FakeBotApi, bot: TelegramApp) -> None:
    await choose_japan(fake)
    calls = await say(fake, "tôi bị đau bụng " * 625)  # 10 000 characters
    assert sent(calls) and not fake.errors()  # the fake refuses texts over 4096 characters


async def test_markup_characters_are_escaped(fake: FakeBotApi, bot: TelegramApp) -> None:
    await choose_japan(fake)
    calls = await say(fake, "<b>lương</b> & <script>*thưởng*</script> _x_ a<b")
    assert sent(calls) and not fake.errors()  # the fake parses HTML as strictly as Telegram


async def test_unknown_command_gets_the_help(fake: FakeBotApi, bot: TelegramApp) -> None:
    reply = texts(sent(await say(fake, "/khongcolenhnay")))
    assert "không biết lệnh này" in reply and "/sos" in reply


# --------------------------------------------------------------------------- other kinds
STICKER = {
    "file_id": "s",
    "file_unique_id": "s",
    "type": "regular",
    "width": 512,
    "height": 512,
    "is_animated": False,
    "is_video": False,
}
PHOTO = [{"file_id": "p", "file_unique_id": "p", "width": 90, "height": 90}]
KINDS: dict[str, dict[str, Any]] = {
    "sticker": {"sticker": STICKER},
    "photo": {"photo": PHOTO},
    "voice": {"voice": {"file_id": "v", "file_unique_id": "v", "duration": 3}},
    "location": {"location": {"latitude": 35.68, "longitude": 139.76}},
    "document": {"document": {"file_id": "d", "file_unique_id": "d", "file_name": "hd.pdf"}},
    "contact": {"contact": {"phone_number": "+81901234567", "first_name": "A"}},
    "dice": {"dice": {"emoji": "🎲", "value": 3}},
    "video": {
        "video": {"file_id": "v", "file_unique_id": "v", "width": 1, "height": 1, "duration": 1}
    },
    "video_note": {
        "video_note": {"file_id": "n", "file_unique_id": "n", "length": 1, "duration": 1}
    },
    "audio": {"audio": {"file_id": "a", "file_unique_id": "a", "duration": 1}},
    "poll": {
        "poll": {
            "id": "1",
            "question": "?",
            "options": [
                {"persistent_id": "a", "text": "a", "voter_count": 0},
                {"persistent_id": "b", "text": "b", "voter_count": 0},
            ],
            "total_voter_count": 0,
            "is_closed": False,
            "is_anonymous": True,
            "type": "regular",
            "allows_multiple_answers": False,
            "allows_revoting": False,
            "members_only": False,
        }
    },
}
EXPECTED = {
    "sticker": "chỉ hiểu tin nhắn chữ",
    "photo": "chưa xem được ảnh",
    "voice": "chưa nghe được",
    "location": "không lưu vị trí",
    "document": "chưa xem được ảnh",
    "contact": "chỉ hiểu tin nhắn chữ",
    "dice": "chỉ hiểu tin nhắn chữ",
    "video": "chưa xem được ảnh",
    "video_note": "chưa nghe được",
    "audio": "chưa nghe được",
    "poll": "chỉ hiểu tin nhắn chữ",
}


@pytest.mark.parametrize("kind", list(KINDS))
async def test_every_other_kind_of_message_gets_a_reply(
    fake: FakeBotApi, bot: TelegramApp, kind: str
) -> None:
    calls = await fake.exchange(lambda: fake.queue_message(USER, **KINDS[kind]), USER)
    assert EXPECTED[kind] in texts(sent(calls))


async def test_a_caption_is_read_as_the_question(fake: FakeBotApi, bot: TelegramApp) -> None:
    await choose_japan(fake)
    calls = await fake.exchange(
        lambda: fake.queue_message(USER, photo=PHOTO, caption="cấp cứu"), USER
    )
    assert "119" in texts(sent(calls))


async def test_edits_are_not_re_read_unless_they_are_an_emergency(
    fake: FakeBotApi, bot: TelegramApp
) -> None:
    await choose_japan(fake)
    await say(fake, "cho hỏi")
    asked = max(
        mid for (cid, mid), m in fake.messages.items() if cid == USER and m["from"]["id"] == USER
    )
    note = texts(
        sent(await fake.exchange(lambda: fake.queue_edit(USER, asked, "cho hỏi về lương"), USER))
    )
    assert "không đọc lại tin nhắn đã sửa" in note
    emergency = await fake.exchange(lambda: fake.queue_edit(USER, asked, "cấp cứu!"), USER)
    assert "119" in texts(sent(emergency))


# --------------------------------------------------------------------------- buttons
async def test_stale_button_data(fake: FakeBotApi, bot: TelegramApp) -> None:
    await choose_japan(fake)
    calls = await fake.exchange(lambda: fake.queue_callback(USER, "zz:from-an-old-version"), USER)
    assert len(fake.calls_to("answerCallbackQuery")) == 2  # the country button, then this one
    assert "nút này đã cũ" in texts(sent(calls))


async def test_button_on_a_deleted_message_still_answers(
    fake: FakeBotApi, bot: TelegramApp
) -> None:
    await say(fake, "/start")
    calls = await fake.exchange(lambda: fake.queue_callback(USER, "c:tw", message_id=999), USER)
    assert "Đài Loan" in texts(sent(calls))


# --------------------------------------------------------------------------- groups
async def test_group_chats_get_a_pointer_to_the_private_chat(
    fake: FakeBotApi, bot: TelegramApp
) -> None:
    for text in ("tôi có thai, có bị đuổi việc không?", "/start@OtherBot"):
        fake.queue_text(USER, text, chat_id=GROUP, chat_type="supergroup")
    await fake.quiet(0.3)
    assert not fake.sent(GROUP)  # personal questions in groups are never answered

    for text in ("/start", "@TroLyLaoDongBot cho hỏi", "/menu@TroLyLaoDongBot"):
        calls = await fake.exchange(
            lambda t=text: fake.queue_text(  # type: ignore[misc]
                USER, t, chat_id=GROUP, chat_type="supergroup"
            ),
            GROUP,
        )
        (pointer,) = sent(calls)
        assert "tin nhắn riêng" in pointer.text
        assert pointer.inline_buttons()[0]["url"] == "https://t.me/TroLyLaoDongBot"
    assert not fake.sent(USER)


async def test_sos_in_a_group_gives_the_numbers(fake: FakeBotApi, bot: TelegramApp) -> None:
    await choose_japan(fake)
    calls = await fake.exchange(
        lambda: fake.queue_text(USER, "/sos", chat_id=GROUP, chat_type="group"), GROUP
    )
    assert "119" in texts(sent(calls))
    assert all("callback_data" not in b for c in sent(calls) for b in c.inline_buttons())


# --------------------------------------------------------------------------- duplicates
async def test_a_duplicate_update_is_answered_once(
    fake: FakeBotApi, bot: TelegramApp, published: sessionmaker[Session]
) -> None:
    update = {"update_id": 424242, "message": fake.message(USER, text="cấp cứu")}
    fake.queue_update(update)
    fake.queue_update(update)  # delivered twice in the same batch
    await fake.wait_for_calls("sendMessage", 1, USER)
    await fake.quiet(0.3)
    count = len(fake.sent(USER))
    await bot.process_update(Update.de_json(update, bot.bot))  # as a webhook retry would
    await fake.quiet(0.3)
    assert len(fake.sent(USER)) == count
    with published() as session:
        assert (
            session.scalar(
                select(func.count())
                .select_from(TelegramUpdate)
                .where(TelegramUpdate.update_id == 424242)
            )
            == 1
        )


# --------------------------------------------------------------------------- /an
async def test_hide_deletes_recent_messages(
    fake: FakeBotApi,
    bot: TelegramApp,
    published: sessionmaker[Session],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(handlers, "HIDE_CONFIRMATION_SECONDS", 0.2)
    await choose_japan(fake)
    await say(fake, "tôi có thai, có bị đuổi việc không")
    before = bot_messages_in(fake, USER)
    assert len(before) >= 4
    calls = await say(fake, "/an")
    deleted = [
        mid for c in calls if c.method == "deleteMessages" for mid in c.params["message_ids"]
    ]
    assert set(before) <= set(deleted)
    hide_command = max(mid for (cid, mid), m in fake.messages.items() if cid == USER) - 1
    assert hide_command in deleted or (USER, hide_command) not in fake.messages
    # Only the confirmation is left, and it deletes itself.
    left = [m for (cid, _), m in fake.messages.items() if cid == USER]
    assert len(left) == 1 and "Đã xóa" in left[0]["text"]
    await fake.wait_for(lambda: not [1 for (cid, _) in fake.messages if cid == USER])
    await fake.quiet(0.3)
    with published() as session:
        assert session.scalar(select(func.count()).select_from(TelegramRecentMessage)) == 0


async def test_no_message_text_is_stored_for_hide(
    fake: FakeBotApi, bot: TelegramApp, published: sessionmaker[Session]
) -> None:
    await say(fake, "/start")
    with published() as session:
        rows = session.scalars(select(TelegramRecentMessage)).all()
    assert rows and all(r.chat_key != str(USER) and len(r.chat_key) == 64 for r in rows)
    assert bot.bot_data.conversation.user_key_for(USER) not in {r.chat_key for r in rows}


# --------------------------------------------------------------------------- errors
async def test_error_handler_tells_the_person_and_logs_no_text(
    fake: FakeBotApi, bot: TelegramApp, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    await choose_japan(fake)
    fake.fail_next("sendMessage", 400, "Bad Request: chat not found")
    calls = await say(fake, "bí mật riêng 0901234567")
    apology = sent(calls)[-1]
    assert "gặp lỗi" in apology.text
    assert apology.reply_markup["keyboard"] == [[{"text": "🆘 Khẩn cấp"}]]
    assert "BadRequest while handling an update" in caplog.text
    assert "bí mật" not in caplog.text and "0901234567" not in caplog.text
    assert TOKEN not in caplog.text  # httpx would log request URLs with the token at INFO


async def test_flood_control_is_retried(fake: FakeBotApi, bot: TelegramApp) -> None:
    fake.fail_next("sendMessage", 429, "Too Many Requests: retry after 1", retry_after=1)
    fake.queue_text(USER, "/help")
    calls = await fake.wait_for_calls("sendMessage", 2, USER)
    assert [c.error is not None for c in calls] == [True, False]
    assert calls[1].received_at - calls[0].received_at >= 1.0


@pytest.mark.parametrize("code", [500, 502])
async def test_a_server_error_on_send_is_retried_with_backoff(
    fake: FakeBotApi, bot: TelegramApp, code: int
) -> None:
    fake.fail_next("sendMessage", code, "Internal Server Error")
    fake.fail_next("sendMessage", code, "Bad Gateway")
    fake.queue_text(USER, "/sos")
    await fake.wait_for(lambda: any(c.error is None for c in fake.sent(USER)))
    calls = fake.sent(USER)
    assert [c.error is not None for c in calls[:3]] == [True, True, False]
    assert "119" in calls[2].text  # the emergency numbers got through
    assert calls[2].received_at - calls[0].received_at >= 0.25  # backed off, not hammered


async def test_a_429_for_one_chat_does_not_pause_the_others(
    fake: FakeBotApi, bot: TelegramApp
) -> None:
    other = USER + 1
    fake.fail_next("sendMessage", 429, "Too Many Requests: retry after 2", 2, chat_id=USER)
    fake.queue_text(USER, "/sos")
    await fake.wait_for_calls("sendMessage", 1, USER)
    refused = fake.sent(USER)[0]
    started = refused.received_at
    fake.queue_text(other, "/sos")
    [answer] = await fake.wait_for_calls("sendMessage", 1, other)
    assert answer.error is None and answer.received_at - started < 1.0
    calls = await fake.wait_for_calls("sendMessage", 2, USER, timeout=10)
    assert calls[1].error is None and calls[1].received_at - started >= 2.0


def counted(exposition: httpx.Response | str, sample: str) -> float:
    """A sample's value in Prometheus text format (0 when absent)."""
    text = exposition if isinstance(exposition, str) else exposition.text
    for line in text.splitlines():
        if line.startswith(sample + " "):
            return float(line.split()[-1])
    return 0.0


async def test_health_readiness_and_metrics(fake: FakeBotApi, settings: Settings) -> None:
    health = closed_port()
    settings = settings.model_copy(update={"health_port": health})
    async with (
        polling(build_application(settings)),
        httpx.AsyncClient(base_url=f"http://127.0.0.1:{health}") as probe,
    ):
        assert (await probe.get("/healthz")).text == "ok\n"
        ready = await probe.get("/readyz")
        assert ready.status_code == 200
        assert ready.json() == {"engine": True, "database": True, "content": True}
        before = counted(await probe.get("/metrics"), 'bot_updates_total{kind="message"}')
        await say(fake, "/sos")
        await say(fake, "cho hỏi")  # the NLU is down here: a fallback
        exposed = (await probe.get("/metrics")).text
    assert counted(exposed, 'bot_updates_total{kind="message"}') == before + 2
    for name in ("bot_update_seconds_count", 'bot_fallbacks_total{component="nlu"}'):
        assert name in exposed
    assert str(USER) not in exposed and "cho hỏi" not in exposed


async def test_a_poison_update_is_skipped_and_nobody_else_waits(
    fake: FakeBotApi, bot: TelegramApp, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    poll = dict(KINDS["poll"]["poll"])
    poll["question"] = "Lương của chị Hoa 0901234567?"
    # As an older self-hosted Bot API server sends it: options without ``persistent_id``.
    poll["options"] = [{"text": "a", "voter_count": 0}, {"text": "b", "voter_count": 0}]
    fake.queue_message(USER, poll=poll)
    others = [USER + 10 + n for n in range(5)]
    for person in others:
        fake.queue_text(person, "/sos")
    await fake.wait_for(lambda: all(fake.sent(p) for p in others), timeout=10)
    await fake.quiet(0.3)
    assert fake.polls < 50  # not fetched again and again in a tight loop
    resilient: Any = bot.bot
    assert resilient.poison_updates == 1
    assert "cannot be read" in caplog.text
    for private in ("Hoa", "0901234567", f"Người dùng {USER}", TOKEN):
        assert private not in caplog.text  # the libraries' log lines included
    [note] = fake.sent(USER)  # what it said cannot be read, but the person is told
    assert "chưa đọc được" in note.text and "/sos" in note.text


@pytest.fixture
def unwritable_sqlite(settings: Settings, published: sessionmaker[Session]) -> Iterator[Path]:
    """The SQLite file made immutable (``chattr +i``: even root cannot write it)."""
    if not settings.database_url.startswith("sqlite:///"):
        pytest.skip("a SQLite file")
    path = Path(settings.database_url.removeprefix("sqlite:///"))
    published.kw["bind"].dispose()
    with sqlite3.connect(path) as connection:  # the content out of the WAL, into the file
        connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    if subprocess.run(["chattr", "+i", str(path)], capture_output=True).returncode != 0:
        pytest.skip("chattr +i is not possible here")
    try:
        yield path
    finally:
        subprocess.run(["chattr", "-i", str(path)], check=True)


async def test_an_unwritable_sqlite_file_is_detected_and_every_message_answered(
    fake: FakeBotApi,
    settings: Settings,
    unwritable_sqlite: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    async with polling(build_application(settings)):
        assert "is not writable" in caplog.text  # said at start
        assert "119" in texts(sent(await say(fake, "/sos")))
        assert "119" in texts(sent(await say(fake, "cấp cứu, bạn tôi ngất")))
        assert sent(await say(fake, "/menu"))
        assert "Hàn Quốc" in texts(sent(await say(fake, "/quocgia kr")))
        assert not [c for c in fake.sent(USER) if "gặp lỗi" in c.text]  # no apology


@pytest.mark.e2e  # a private PostgreSQL server, stopped and started: ~5 s
async def test_postgresql_stopped_every_message_answered_emergencies_with_numbers(
    fake: FakeBotApi, settings: Settings, content_dir: Any, today: Any
) -> None:
    with private_postgres() as server:
        upgrade(server.url)
        engine = make_engine(server.url)
        sessions = make_session_factory(engine)
        assert publish(content_dir, sessions, "tests", today=today).outcome == "published"
        health = closed_port()
        settings = settings.model_copy(
            update={"database_url": server.url, "db_deadline_seconds": 1.5, "health_port": health}
        )
        async with (
            polling(build_application(settings)) as application,
            httpx.AsyncClient(base_url=f"http://127.0.0.1:{health}") as probe,
        ):
            await choose_japan(fake)
            assert (await probe.get("/readyz")).status_code == 200
            server.stop()
            not_ready = await probe.get("/readyz")
            assert not_ready.status_code == 503 and not_ready.json()["database"] is False
            assert (await probe.get("/healthz")).status_code == 200  # alive, answering
            for emergency in ("/sos", "🆘 Khẩn cấp", "cấp cứu, bạn tôi ngất"):
                started = time.perf_counter()
                calls = sent(await say(fake, emergency))
                assert "119" in texts(calls), emergency
                # No wait for the database's 1.5 s deadline (only the 0.25 s profile read, and
                # room for a busy machine: this once took 0.57 s beside two NLU benchmarks).
                assert calls[0].received_at - started < 1.0
            for other in ("/menu", "/help", "cho hỏi về bảo hiểm"):
                calls = sent(await say(fake, other))
                assert calls and "gặp lỗi" not in texts(calls)
            assert "Hàn Quốc" in texts(sent(await say(fake, "/quocgia kr")))
            numbers = texts(sent(await say(fake, "/sos")))  # the new country, at once
            assert "Hàn Quốc" in numbers and "Nhật Bản" not in numbers
            server.start()
            await say(fake, "/menu")  # the queued writes go first
            assert (await probe.get("/readyz")).status_code == 200
            exposed = (await probe.get("/metrics")).text
            assert 'bot_fallbacks_total{component="database"}' in exposed
            key = application.bot_data.conversation.user_key_for(USER)
            with sessions() as session:
                user = session.get(User, key)
                assert user is not None and user.country == "kr"
        engine.dispose()


async def test_two_workers_deliver_an_announcement_each_message_exactly_once(
    fake: FakeBotApi, settings: Settings, published: sessionmaker[Session]
) -> None:
    chats = [9_000_000 + n for n in range(300)]
    with published.begin() as session:
        for chat in chats:
            session.add(User(id=f"user-{chat}", locale="vi", last_active=TEST_DAY, country="jp"))
            session.flush()
            alerts.subscribe(session, f"user-{chat}", "jp", chat, TEST_DAY)
        announcement = alerts.publish_announcement(session, "jp", "Bão số 9", datetime.now(UTC))
    settings = settings.model_copy(update={"deliver_alerts": True, "alerts_per_second": 150.0})
    async with polling(build_application(settings)), polling(build_application(settings)):
        await fake.wait_for(lambda: len(fake.sent()) >= len(chats), timeout=30)
        await fake.quiet(0.5)
    received = Counter(c.chat_id for c in fake.sent() if "Bão số 9" in c.text)
    assert set(received) == set(chats) and set(received.values()) == {1}  # exactly once each
    with published() as session:
        assert alerts.report(session, announcement).sent == len(chats)


@pytest.fixture
def slow_nlu(fake_rasa: FakeRasa) -> str:
    """An NLU server that takes 150 ms per message (a loaded Rasa)."""
    fake_rasa.delay = 0.15
    return fake_rasa.url


async def test_one_chats_backlog_does_not_hold_the_others_slots(
    fake: FakeBotApi, settings: Settings, slow_nlu: str
) -> None:
    other = USER + 2
    settings = settings.model_copy(update={"nlu_url": slow_nlu, "flood_messages_per_minute": 1000})
    async with polling(build_application(settings, max_concurrent_updates=4)):
        await say(fake, "/help", other)
        for number in range(20):
            fake.queue_text(USER, f"cho hỏi về lương tháng {number}")
        await fake.wait_for_calls("sendMessage", 1, USER)
        before = len(fake.sent(other))
        asked = time.perf_counter()
        fake.queue_text(other, "cho hỏi về lương")
        calls = await fake.wait_for_calls("sendMessage", before + 1, other)
        assert calls[before].received_at - asked < 1.0  # not behind the 20 others (3 s)
        await fake.wait_for(lambda: len(fake.sent(USER)) >= 20, timeout=20)


async def test_long_messages_from_one_person_do_not_slow_the_others(
    fake: FakeBotApi, bot: TelegramApp
) -> None:
    other = USER + 4
    await say(fake, "/help", other)
    quiet_start = time.perf_counter()
    await say(fake, "/help", other)
    alone = time.perf_counter() - quiet_start
    long_text = ("tôi bị đau bụng và sốt cao ở công ty " * 120)[:4096]
    for _ in range(30):
        fake.queue_text(USER, long_text)
    await fake.wait_for_calls("sendMessage", 1, USER)
    busy_start = time.perf_counter()
    await say(fake, "/help", other)
    busy = time.perf_counter() - busy_start
    assert busy < max(10 * alone, 0.5), (alone, busy)  # not ten times slower
    await fake.wait_for(lambda: len(fake.sent(USER)) >= 1, timeout=30)


async def test_flood_control_slows_a_person_down_but_never_an_emergency(
    fake: FakeBotApi, settings: Settings
) -> None:
    settings = settings.model_copy(update={"flood_messages_per_minute": 5})
    async with polling(build_application(settings)):
        for number in range(12):
            fake.queue_text(USER, f"cho hỏi {number}")
        fake.queue_text(USER, "cấp cứu, bạn tôi ngất")
        fake.queue_text(USER, "/sos")
        fake.queue_text(USER, "🆘 Khẩn cấp")
        await fake.quiet(0.5)
        replies = fake.sent_texts(USER)
        notes = [n for n, text in enumerate(replies) if "gửi nhanh quá" in text]
        assert len(notes) == 1  # told once, politely; the rest of the minute is quiet
        assert sum("119" in text for text in replies[notes[0] :]) >= 3  # every emergency
        calls = await say(fake, "/help", USER + 3)  # nobody else is slowed down
        assert sent(calls) and "gửi nhanh quá" not in texts(sent(calls))


async def test_a_blocked_bot_is_not_an_error(
    fake: FakeBotApi, bot: TelegramApp, caplog: pytest.LogCaptureFixture
) -> None:
    fake.block(USER)
    fake.queue_text(USER, "/help")
    await fake.wait_for_calls("sendMessage", 1, USER)
    await fake.quiet(0.3)
    assert len(fake.sent(USER)) == 1  # no apology sent after the 403
    assert "ERROR" not in [r.levelname for r in caplog.records]


# --------------------------------------------------------------------------- running modes
@pytest.fixture
async def webhook_bot(fake: FakeBotApi, settings: Settings) -> AsyncIterator[Any]:
    port = closed_port()
    settings = settings.model_copy(
        update={
            "telegram_webhook_url": f"http://127.0.0.1:{port}/tg/hook",
            "telegram_webhook_secret": SecretStr("s3cret-Token_1"),
            "telegram_webhook_port": port,
        }
    )
    application = build_application(settings)
    await application.initialize()
    await application.post_init(application)  # type: ignore[misc]
    assert application.updater is not None
    await application.updater.start_webhook(**webhook_options(settings))
    await application.start()
    yield application
    await application.updater.stop()
    await application.stop()
    await application.shutdown()
    await application.post_shutdown(application)  # type: ignore[misc]


async def test_webhook_checks_the_secret_and_answers_retries_once(
    fake: FakeBotApi,
    webhook_bot: Any,
) -> None:
    assert fake.webhook == {
        "url": webhook_bot.bot_data.config.telegram_webhook_url,
        "secret_token": "s3cret-Token_1",
    }
    update = {
        "update_id": 77,
        "message": fake.message(USER, text="/help", entities=command_entities("/help")),
    }
    assert await fake.deliver_webhook(update, secret="wrong") == 403
    assert await fake.deliver_webhook(update, secret="") == 403
    await fake.quiet(0.3)
    assert not fake.sent(USER)

    assert await fake.deliver_webhook(update) == 200
    await fake.wait_for_calls("sendMessage", 1, USER)
    assert await fake.deliver_webhook(update) == 200  # Telegram retrying the same update
    await fake.quiet(0.3)
    assert len(fake.sent(USER)) == 1


@pytest.fixture
async def webhook_worker(fake: FakeBotApi, settings: Settings) -> AsyncIterator[Any]:
    """One webhook worker as ``python -m bot telegram`` runs it (``bot.telegram.webhook``)."""
    port = closed_port()
    settings = settings.model_copy(
        update={
            "telegram_webhook_url": f"http://127.0.0.1:{port}/tg/hook",
            "telegram_webhook_secret": SecretStr("s3cret-Token_2"),
            "telegram_webhook_port": port,
        }
    )
    application = build_application(settings)
    stop = asyncio.Event()
    task = asyncio.create_task(webhook.serve(application, webhook_options(settings), stop))
    await fake.wait_for(lambda: fake.webhook is not None, timeout=10)
    while not application.running:
        await asyncio.sleep(0.01)
    yield application
    stop.set()
    await task


async def test_the_webhook_worker_checks_keeps_and_answers_each_update_once(
    fake: FakeBotApi, webhook_worker: Any, published: sessionmaker[Session]
) -> None:
    sos = fake.message(USER, text="/sos", entities=command_entities("/sos"))
    update = {"update_id": 91, "message": sos}
    assert await fake.deliver_webhook(update, secret="wrong") == 403
    assert await fake.deliver_webhook(update) == 200
    await fake.wait_for_calls("sendMessage", 1, USER)
    assert await fake.deliver_webhook(update) == 200  # Telegram retrying
    await fake.quiet(0.3)
    assert len(fake.sent(USER)) == 1 and "119" in fake.sent(USER)[0].text
    with published() as session:  # answered: out of the inbox, done
        done = session.get(TelegramUpdate, 91)
        assert done is not None and done.done_at is not None and done.payload is None
    # An update it cannot read is skipped with 200 (else Telegram sends it forever).
    poll = dict(KINDS["poll"]["poll"], options=[{"text": "a", "voter_count": 0}])
    poison = {"update_id": 92, "message": fake.message(USER + 1, poll=poll)}
    assert await fake.deliver_webhook(poison) == 200
    [note] = await fake.wait_for_calls("sendMessage", 1, USER + 1)
    assert "chưa đọc được" in note.text
    assert webhook_worker.bot.poison_updates == 1


@pytest.mark.e2e  # a real process: a few seconds
async def test_a_webhook_worker_stops_on_sigterm_even_when_telegram_is_gone(
    settings: Settings,
) -> None:
    """systemd and docker stop with SIGTERM: answered updates are recorded and the worker
    exits at once, even with sends failing (no minutes of retries)."""
    port = closed_port()
    async with FakeBotApi() as fake:
        env = {
            **os.environ,
            "TELEGRAM_BOT_TOKEN": TOKEN,
            "TELEGRAM_API_BASE_URL": fake.api_url,
            "TELEGRAM_WEBHOOK_URL": f"http://127.0.0.1:{port}/tg/hook",
            "TELEGRAM_WEBHOOK_SECRET": "s3cret-Token_3",
            "TELEGRAM_WEBHOOK_PORT": str(port),
            "DATABASE_URL": settings.database_url,
            "NLU_URL": str(settings.nlu_url),
            "PSEUDONYM_KEY": "test-pseudonym-key-0123456789abcdef",
        }
        process = subprocess.Popen(
            [sys.executable, "-m", "bot", "telegram"], cwd=REPO_ROOT, env=env,
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        try:
            await fake.wait_for(lambda: fake.webhook is not None, timeout=60)
            update = {"update_id": 5, "message": fake.message(USER, text="cấp cứu")}
            while await fake.deliver_webhook(update) != 200:
                await asyncio.sleep(0.1)  # listening a moment after registering
            await fake.wait_for_calls("sendMessage", 1, USER)
            fake.fail_next("sendMessage", 502, "Bad Gateway")
            for _ in range(20):
                fake.fail_next("sendMessage", 502, "Bad Gateway")
            fake.deliver_webhook({"update_id": 6, "message": fake.message(USER, text="/help")})
            await fake.wait_for(lambda: any(c.error for c in fake.sent(USER)), timeout=10)
        finally:
            process.send_signal(signal.SIGTERM)
            started = time.perf_counter()
            await asyncio.to_thread(process.wait, 30)
    assert time.perf_counter() - started < 10
    assert process.returncode == 0


@pytest.mark.e2e  # a real process: a few seconds
async def test_python_m_bot_telegram_runs_until_stopped(
    fake: FakeBotApi,
    settings: Settings,
) -> None:
    env = {
        **os.environ,
        "TELEGRAM_BOT_TOKEN": TOKEN,
        "TELEGRAM_API_BASE_URL": fake.api_url,
        "DATABASE_URL": settings.database_url,
        "NLU_URL": str(settings.nlu_url),
        "PSEUDONYM_KEY": "test-pseudonym-key-0123456789abcdef",
    }
    env.pop("TELEGRAM_WEBHOOK_URL", None)
    process = subprocess.Popen(
        [sys.executable, "-m", "bot", "telegram"],
        cwd=REPO_ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        await fake.wait_for(lambda: bool(fake.commands) and fake.polls > 0, timeout=60)
        calls = await fake.exchange(lambda: fake.queue_text(USER, "cấp cứu"), USER)
        assert calls
    finally:
        process.send_signal(signal.SIGINT)
        output, _ = await asyncio.to_thread(process.communicate, timeout=30)
    assert process.returncode == 0
    log = output.decode(errors="replace")
    assert TOKEN not in log and "cấp cứu" not in log


def bot_process(fake: FakeBotApi, settings: Settings, nlu_url: str) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "TELEGRAM_BOT_TOKEN": TOKEN,
        "TELEGRAM_API_BASE_URL": fake.api_url,
        "DATABASE_URL": settings.database_url,
        "NLU_URL": nlu_url,
        "NLU_TIMEOUT_SECONDS": "5",
        "PSEUDONYM_KEY": "test-pseudonym-key-0123456789abcdef",
    }
    env.pop("TELEGRAM_WEBHOOK_URL", None)
    return subprocess.Popen(
        [sys.executable, "-m", "bot", "telegram"],
        cwd=REPO_ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


@pytest.fixture
def very_slow_nlu(fake_rasa: FakeRasa) -> str:
    """An NLU server that takes 2 s per message: a crash finds every update half answered."""
    fake_rasa.delay = 2.0
    return fake_rasa.url


@pytest.mark.e2e  # two real processes, one killed: ~10 s
async def test_a_crash_loses_no_message(
    fake: FakeBotApi, settings: Settings, very_slow_nlu: str
) -> None:
    """kill -9 after the updates were fetched and confirmed to Telegram, before any answer:
    the next start answers every one of them (once), emergencies included."""
    people = [USER + 100 + n for n in range(12)]
    first = bot_process(fake, settings, very_slow_nlu)
    try:
        await fake.wait_for(lambda: bool(fake.commands) and fake.polls > 0, timeout=60)
        for n, person in enumerate(people):
            fake.queue_text(person, "cấp cứu" if n % 3 == 0 else f"cho hỏi về lương {n}")
        await fake.wait_for(lambda: fake.pending_updates() == 0, timeout=10)  # confirmed
        await asyncio.sleep(0.3)
    finally:
        first.kill()
        await asyncio.to_thread(first.wait, 10)
    answered_before = {c.chat_id for c in fake.sent() if c.chat_id in people}
    second = bot_process(fake, settings, very_slow_nlu)
    try:
        await fake.wait_for(
            lambda: {c.chat_id for c in fake.sent() if c.error is None} >= set(people),
            timeout=60,
        )
        await fake.quiet(0.5, timeout=20)
    finally:
        second.send_signal(signal.SIGINT)
        await asyncio.to_thread(second.wait, 30)
    for n, person in enumerate(people):
        replies = fake.sent_texts(person)
        assert replies, f"person {n} was never answered"
        if n % 3 == 0:
            assert "119" in "\n".join(replies)
    # Answered again only if the answer was already out when the process died.
    twice = [p for p in people if len(fake.sent(p)) > 1 and p not in answered_before]
    assert not twice


# --------------------------------------------------------------------------- recruitment commands
async def test_photo_replies_carry_their_text_as_caption_when_it_fits(fake: FakeBotApi) -> None:
    image = io.BytesIO()
    PIL.Image.new("RGB", (8, 8), "red").save(image, "PNG")
    menu = ((Button("☰ Menu", "menu"),),)
    short = OutMessage(
        html="<b>Thẻ khẩn cấp</b>", plain="Thẻ khẩn cấp", buttons=menu, photo=image.getvalue()
    )
    long = dataclasses.replace(short, html="<b>Thẻ</b> " + "số cần gọi " * 200)
    async with ExtBot(TOKEN, base_url=fake.base_url) as bot:
        ids = await send_replies(bot, USER, [short, long], main_keyboard())
    calls = [c for c in fake.calls if c.chat_id == USER]
    assert [c.method for c in calls] == ["sendPhoto", "sendPhoto", "sendMessage"]
    assert calls[0].params["caption"] == "<b>Thẻ khẩn cấp</b>" and calls[0].inline_buttons()
    assert "caption" not in calls[1].params and calls[2].inline_buttons()
    assert len(ids) == 3 and not fake.errors()


async def test_refused_html_falls_back_to_the_plain_text(fake: FakeBotApi) -> None:
    broken = OutMessage(html="<b>Gọi 119 <i>ngay</b>", plain="Gọi 119 <ngay> & nhanh")
    async with ExtBot(TOKEN, base_url=fake.base_url) as bot:
        ids = await send_replies(bot, USER, [broken], main_keyboard())
    refused, plain = fake.sent(USER)
    assert refused.error is not None and "parse entities" in refused.error
    assert plain.error is None and plain.text == "Gọi 119 &lt;ngay&gt; &amp; nhanh"
    assert len(ids) == 1  # only the message that arrived


async def test_announcements_store_the_chat_only_when_turned_on(
    fake: FakeBotApi, bot: TelegramApp, published: sessionmaker[Session]
) -> None:
    from bot.models.recruitment import AlertSubscription

    await choose_japan(fake)
    await say(fake, "/thongbao")
    with published() as session:
        (subscription,) = session.scalars(select(AlertSubscription)).all()
    assert subscription.chat_id == USER
    await say(fake, "/thongbao")
    with published() as session:
        assert not session.scalars(select(AlertSubscription)).all()
