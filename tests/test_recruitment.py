"""Recruitment features against a real database with the shipped content published.

Expectations are read from the published content (not hard-coded numbers), so an editor's fix to
a phone number does not break these tests — it shows up in the flyer and card, which is the point.
"""

from __future__ import annotations

import io
import random
import shutil
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from fake_bot_api import TOKEN, FakeBotApi
from PIL import Image
from pypdf import PdfReader
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot.content.publish import publish
from bot.content.repository import ContentRepository
from bot.models.recruitment import AlertDelivery, CompanySignup
from bot.models.users import User
from bot.recruitment import alerts, quiz
from bot.recruitment.card import emergency_card
from bot.recruitment.companies import (
    CompanyError,
    count_topic_open,
    create_company,
    deep_link,
    find_company,
    record_signup,
    week_of,
)
from bot.recruitment.flyer import build_flyer
from bot.recruitment.sheet import emergency_sheet
from bot.recruitment.stats import company_stats, stats_csv, write_stats
from bot.settings import REPO_ROOT, Settings
from bot.telegram.records import TelegramRecords

SHIPPED_CONTENT = REPO_ROOT / "content"
TODAY = date(2026, 11, 22)


@pytest.fixture
def repo(session_factory: sessionmaker[Session]) -> ContentRepository:
    result = publish(SHIPPED_CONTENT, session_factory, published_by="test", today=TODAY)
    assert result.outcome == "published", result.report
    return ContentRepository(session_factory, refresh_seconds=0)


def add_user(sessions: sessionmaker[Session], user_id: str, country: str = "jp") -> None:
    with sessions.begin() as session:
        session.add(User(id=user_id, country=country, locale="vi", last_active=TODAY))


# --- companies and attribution ------------------------------------------------------------------


def test_company_codes_must_fit_a_telegram_deep_link(
    session_factory: sessionmaker[Session],
) -> None:
    with session_factory.begin() as session:
        for bad in ("ab", "có dấu", "a b c", "x" * 33, "HP/NL"):
            with pytest.raises(CompanyError):
                create_company(session, "Công ty A", bad, TODAY)
        create_company(session, "Công ty A", "HP-NL_1", TODAY)
        with pytest.raises(CompanyError, match="already used"):
            create_company(session, "Công ty B", "hp-nl_1", TODAY)
    assert deep_link("@TroLyBot", "HP-NL_1") == "https://t.me/TroLyBot?start=HP-NL_1"


def test_start_payload_records_the_first_company_only(
    session_factory: sessionmaker[Session],
) -> None:
    add_user(session_factory, "u1")
    with session_factory.begin() as session:
        first = create_company(session, "Công ty A", "AAA", TODAY)
        create_company(session, "Công ty B", "BBB", TODAY)
        assert not record_signup(session, "u1", "NOPE", TODAY)  # unknown: ignored, no error
        assert not record_signup(session, "u1", None, TODAY)
        for wildcard in ("___", "A_A", "%", "A%"):  # ``_`` and ``%`` match nothing but themselves
            assert find_company(session, wildcard) is None
            assert not record_signup(session, "u1", wildcard, TODAY)
        assert record_signup(session, "u1", "aaa", TODAY)  # codes are case-insensitive
    with session_factory.begin() as session:
        assert not record_signup(session, "u1", "BBB", TODAY)
        signup = session.get(CompanySignup, "u1")
        assert signup is not None and signup.company_id == first.id


# --- flyer and card -----------------------------------------------------------------------------


def test_flyer_pdf_and_png_carry_the_link_and_the_published_numbers(
    repo: ContentRepository, session_factory: sessionmaker[Session], tmp_path: Path
) -> None:
    with session_factory.begin() as session:
        company = create_company(session, "Công ty Nhân lực Hải Phòng", "HPNL", TODAY)
    files = build_flyer(repo, company, "jp", "TroLyLaoDongBot", tmp_path)

    text = "".join(page.extract_text() for page in PdfReader(files.pdf).pages)
    flat = " ".join(text.split())
    assert "https://t.me/TroLyLaoDongBot?start=HPNL" in flat
    assert "Số khẩn cấp ở Nhật Bản" in flat  # Vietnamese diacritics survive the embedded font
    assert "Công ty Nhân lực Hải Phòng" in flat
    sheet = emergency_sheet(repo, "jp")
    for contact in (*sheet.emergency, *sheet.help_lines):
        assert contact.phones[0] in flat
    image = Image.open(files.png)
    assert image.format == "PNG" and image.width == 1240


def test_card_is_an_image_that_follows_a_content_fix(
    session_factory: sessionmaker[Session], tmp_path: Path
) -> None:
    content = tmp_path / "content"
    shutil.copytree(SHIPPED_CONTENT, content)
    publish(content, session_factory, published_by="test", today=TODAY)
    repo = ContentRepository(session_factory, refresh_seconds=0)
    before = emergency_card(repo, "tw")
    assert Image.open(io.BytesIO(before)).format == "PNG"
    assert emergency_card(repo, "tw") is before  # cached for the same version
    emergency_card(repo, "jp")
    assert emergency_card(repo, "tw") is before  # …even after another country's card

    # An editor corrects a number everywhere it is written (the check insists on that).
    for path in content.rglob("*.yml"):
        text = path.read_text(encoding="utf-8")
        path.write_text(text.replace("933 262 836", "933 262 837"), encoding="utf-8")
    assert publish(content, session_factory, published_by="test", today=TODAY).outcome == (
        "published"
    )
    after = emergency_card(repo, "tw")
    assert after != before
    phones = [p for c in emergency_sheet(repo, "tw").help_lines for p in c.phones]
    assert "+886 933 262 837" in phones


# --- quiz ---------------------------------------------------------------------------------------


def test_quiz_has_five_questions_built_from_the_country_content(repo: ContentRepository) -> None:
    assert repo.quiz_statements()  # content/quiz.yml is published with the content
    for country in ("jp", "kr", "tw"):
        questions = quiz.build_quiz(repo, country, random.Random(1))
        assert len(questions) == quiz.QUESTIONS_PER_QUIZ
        ambulance = next(q for q in questions if q.topic == "ambulance")
        expected = next(c for c in repo.contacts(country) if c.id == f"{country}-ambulance")
        assert ambulance.options[ambulance.correct] == expected.phones[0]
        assert all(repo.answer(q.topic, country) is not None for q in questions)
        assert len({q.text for q in questions}) == len(questions)


def test_quiz_flow_scores_and_ignores_stale_buttons(
    repo: ContentRepository, session_factory: sessionmaker[Session]
) -> None:
    add_user(session_factory, "u1")
    questions = quiz.build_quiz(repo, "jp", random.Random(2))
    with session_factory.begin() as session:
        quiz.start(session, "u1", "jp", questions)
    outcomes = []
    for position, question in enumerate(questions):
        choice = question.correct if position % 2 == 0 else (question.correct + 1) % 2
        with session_factory.begin() as session:
            assert quiz.answer(session, "u1", position + 1, 0) is None  # not asked yet
            outcome = quiz.answer(session, "u1", position, choice)
            assert outcome is not None
            outcomes.append(outcome)
        with session_factory.begin() as session:
            assert quiz.answer(session, "u1", position, choice) is None  # pressed twice
    assert [o.right for o in outcomes] == [True, False, True, False, True]
    assert outcomes[-1].finished and outcomes[-1].score == 3 and outcomes[-1].total == 5
    with session_factory() as session:
        assert quiz.current(session, "u1") is None


# --- alerts -------------------------------------------------------------------------------------


async def test_alerts_count_blocked_users_and_never_send_twice_after_a_restart(
    session_factory: sessionmaker[Session],
) -> None:
    chats = {f"u{i}": 1000 + i for i in range(6)}
    for user_id, chat_id in chats.items():
        add_user(session_factory, user_id, "kr" if user_id != "u5" else "jp")
        with session_factory.begin() as session:
            alerts.subscribe(session, user_id, "kr" if user_id != "u5" else "jp", chat_id, TODAY)
    with session_factory.begin() as session:
        announcement = alerts.publish_announcement(
            session, "kr", "Nắng nóng <38°C> & mưa", datetime.now(UTC)
        )
    with session_factory.begin() as session:
        # A crash after u0's delivery was claimed: we cannot know whether it went out.
        row = session.get(AlertDelivery, (announcement, "u0"))
        assert row is not None
        row.status = "sending"

    async with FakeBotApi() as fake:
        fake.block(chats["u1"])
        settings = Settings(telegram_bot_token=TOKEN, telegram_api_base_url=fake.api_url)
        records = TelegramRecords(session_factory, b"test-key")
        async with alerts.alert_bot(settings) as bot:
            first = await alerts.deliver(
                session_factory, bot, announcement, on_sent=records.remember_messages
            )
            again = await alerts.deliver(session_factory, bot, announcement)
        delivered = [call for call in fake.sent() if call.error is None]
        refused = [call.chat_id for call in fake.sent() if call.error is not None]

    assert (first.sent, first.blocked, first.failed, first.pending) == (3, 1, 1, 0)
    assert again == first
    # once each; never u0 (maybe sent before the crash) nor u5 (another country)
    assert sorted(c.chat_id for c in delivered) == [chats["u2"], chats["u3"], chats["u4"]]
    assert refused == [chats["u1"]]
    assert "&lt;38°C&gt; &amp; mưa" in delivered[0].text
    assert len(await records.recent_messages(chats["u2"])) == 1  # /an can delete it
    with session_factory() as session:
        assert not alerts.is_subscribed(session, "u1")  # blocked: subscription removed
        assert alerts.unfinished_announcements(session) == []


# --- statistics ---------------------------------------------------------------------------------


def test_stats_hide_small_counts_and_hold_no_user_ids(
    session_factory: sessionmaker[Session], tmp_path: Path
) -> None:
    with session_factory.begin() as session:
        company = create_company(session, "Công ty A", "AAA", TODAY)
    monday = week_of(TODAY)
    users = [(f"jp{i}", "jp", monday) for i in range(7)] + [
        (f"kr{i}", "kr", monday - timedelta(days=7)) for i in range(2)
    ]
    for user_id, country, day in users:
        add_user(session_factory, user_id, country)
        with session_factory.begin() as session:
            record_signup(session, user_id, "AAA", day)
            for _ in range(3):
                count_topic_open(session, user_id, country, "ambulance", day)
            count_topic_open(session, user_id, country, "pregnancy-rights", day)

    with session_factory() as session:
        stats = company_stats(session, company)
    assert stats.onboarded == 9 and stats.by_country == {"jp": 7, "kr": 2}
    csv_text = stats_csv(stats)
    assert "country,jp,7" in csv_text and "country,kr,<5" in csv_text
    assert f"week,{monday - timedelta(days=7)},<5" in csv_text
    assert "topic,ambulance,27" in csv_text and "topic,pregnancy-rights,9" in csv_text
    assert not any(user_id in csv_text for user_id, _, _ in users)
    csv_path, png_path = write_stats(stats, tmp_path, "AAA")
    assert csv_path.read_text(encoding="utf-8") == csv_text
    assert Image.open(png_path).format == "PNG"
    with session_factory() as session:
        assert session.scalars(select(CompanySignup)).all()  # the link itself is kept
