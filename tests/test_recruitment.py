"""Recruitment features against a real database with the shipped content published.

Expectations are read from the published content (not hard-coded numbers), so an editor's fix to
a phone number does not break these tests — it shows up in the flyer and card, which is the point.
"""

from __future__ import annotations

import io
import random
import shutil
import time
import weakref
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from fake_bot_api import TOKEN, FakeBotApi
from PIL import Image
from pypdf import PdfReader
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from actions.recruitment import EmergencyCardAction
from bot.content.publish import publish
from bot.content.repository import ContentRepository
from bot.db import make_engine, make_session_factory
from bot.i18n import use_locale
from bot.migrate import upgrade
from bot.models.recruitment import AlertDelivery, CompanySignup
from bot.models.users import User
from bot.recruitment import alerts, card, fonts, quiz
from bot.recruitment.card import card_blocks, emergency_card
from bot.recruitment.companies import (
    CompanyError,
    count_topic_open,
    create_company,
    deep_link,
    find_company,
    record_signup,
    week_of,
)
from bot.recruitment.flyer import build_flyer, flyer_blocks
from bot.recruitment.fonts import CJK_FACE_INDEX, cjk_font, font_for, latin_font, missing_characters
from bot.recruitment.layout import drawn_text
from bot.recruitment.sheet import emergency_sheet
from bot.recruitment.stats import (
    company_stats,
    no_signups_note,
    stats_csv,
    topic_titles,
    write_stats,
)
from bot.settings import REPO_ROOT, Settings
from bot.telegram.records import TelegramRecords

SHIPPED_CONTENT = REPO_ROOT / "content"
TODAY = date(2026, 11, 22)
CONTENT_DAY = date(2026, 12, 1)  # the shipped content's latest verified_on (issue 9 check)


@pytest.fixture
def repo(session_factory: sessionmaker[Session]) -> ContentRepository:
    result = publish(SHIPPED_CONTENT, session_factory, published_by="test", today=CONTENT_DAY)
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


@pytest.mark.parametrize("locale", ["vi", "en"])
@pytest.mark.parametrize("country", ["jp", "kr", "tw"])
def test_every_character_on_the_card_and_flyer_is_in_the_font_that_draws_it(
    repo: ContentRepository, session_factory: sessionmaker[Session], country: str, locale: str
) -> None:
    with session_factory.begin() as session:
        company = create_company(session, "Công ty Nhân lực Hải Phòng", "HPNL", TODAY)
    sheet = emergency_sheet(repo, country)
    assert sheet.phrase_lang in CJK_FACE_INDEX and len(sheet.phrases) == 3
    with use_locale(locale):
        card = list(drawn_text(card_blocks(sheet)))
        flyer = list(drawn_text(flyer_blocks(repo, company, country, "TroLyLaoDongBot")))
    for page in (card, flyer):
        texts = [text for text, _bold in page]
        for phrase in sheet.phrases:  # the phrases to show people nearby are on both
            assert phrase.local in texts and phrase.vi in texts
        for text, bold in page:
            face = font_for(text, bold, sheet.phrase_lang)
            assert not missing_characters(face, text), (face.path.name, face.index, text)
        local_faces = {font_for(p.local, True, sheet.phrase_lang) for p in sheet.phrases}
        assert local_faces == {cjk_font(sheet.phrase_lang, bold=True)}  # the country's own face


def test_the_character_map_check_sees_what_a_font_lacks() -> None:
    assert missing_characters(latin_font(), "Cứu tôi với! 119") == set()
    # DejaVu Sans has no Hangul
    assert missing_characters(latin_font(), "도와주세요!") == set("도와주세요")
    assert missing_characters(cjk_font("ko"), "도와주세요! Cứu tôi với") == set()


def test_flyer_pdf_carries_the_local_phrases(
    repo: ContentRepository, session_factory: sessionmaker[Session], tmp_path: Path
) -> None:
    with session_factory.begin() as session:
        company = create_company(session, "Công ty A", "AAA", TODAY)
    files = build_flyer(repo, company, "kr", "TroLyLaoDongBot", tmp_path)
    text = "".join(page.extract_text() for page in PdfReader(files.pdf).pages)
    # pypdf reads the CJK font's two-byte codes as NUL + character (poppler reads them whole)
    unspaced = "".join(text.replace("\x00", "").split())
    for phrase in emergency_sheet(repo, "kr").phrases:
        assert "".join(phrase.local.split()) in unspaced


def test_without_the_cjk_font_the_card_command_still_gives_the_numbers(
    repo: ContentRepository, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(fonts, "NOTO_CJK_DIRS", (tmp_path / "no-fonts",))  # not installed
    monkeypatch.setattr(card, "_caches", weakref.WeakKeyDictionary())
    reply = EmergencyCardAction("kr").run(repo)
    assert reply.image is None and reply.kind == "emergency"
    assert reply.answer is not None and reply.answer.id == "emergency-numbers"


def test_card_is_an_image_that_follows_a_content_fix(
    session_factory: sessionmaker[Session], tmp_path: Path
) -> None:
    content = tmp_path / "content"
    shutil.copytree(SHIPPED_CONTENT, content)
    publish(content, session_factory, published_by="test", today=CONTENT_DAY)
    repo = ContentRepository(session_factory, refresh_seconds=0)
    before = emergency_card(repo, "tw")
    assert Image.open(io.BytesIO(before)).format == "PNG"
    assert emergency_card(repo, "tw") is before  # cached for the same version
    emergency_card(repo, "jp")
    assert emergency_card(repo, "tw") is before  # …even after another country's card

    # An editor corrects a number everywhere it is written (the check insists on that).
    for path in content.rglob("*.yml"):
        text = path.read_text(encoding="utf-8")
        path.write_text(text.replace("981 84 84 84", "981 84 84 85"), encoding="utf-8")
    version = repo.live_version()
    assert publish(content, session_factory, published_by="test", today=CONTENT_DAY).outcome == (
        "published"
    )
    # The repository re-reads in the background and waits only a quarter of a second for it; on
    # a busy machine the first request after a publish may still see the old version.
    deadline = time.monotonic() + 10
    while repo.live_version() == version and time.monotonic() < deadline:
        time.sleep(0.05)
    after = emergency_card(repo, "tw")
    assert after != before
    phones = [p for c in emergency_sheet(repo, "tw").help_lines for p in c.phones]
    assert "+84 981 84 84 85" in phones  # the MOFA switchboard, on the tw card (issue 9)


def test_two_databases_at_the_same_version_keep_their_own_cards(tmp_path: Path) -> None:
    # Version numbers are each database's own: a process-wide cache keyed by the version showed
    # one database's card for another's (found as a test that failed only after other tests).
    cards = []
    for name, phone in (("a", "981 84 84 84"), ("b", "981 84 84 85")):
        content = tmp_path / name / "content"
        shutil.copytree(SHIPPED_CONTENT, content)
        for path in content.rglob("*.yml"):
            text = path.read_text(encoding="utf-8")
            path.write_text(text.replace("981 84 84 84", phone), encoding="utf-8")
        url = f"sqlite:///{tmp_path / name / 'bot.db'}"
        upgrade(url)
        engine = make_engine(url)
        factory = make_session_factory(engine)
        publish(content, factory, published_by="test", today=CONTENT_DAY)
        repo = ContentRepository(factory, refresh_seconds=0)
        assert repo.live_version() == 1
        cards.append(emergency_card(repo, "tw"))
        engine.dispose()
    assert cards[0] != cards[1]


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
    session_factory: sessionmaker[Session], repo: ContentRepository, tmp_path: Path
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
    titles = topic_titles(stats, repo)
    pregnancy = repo.answer("pregnancy-rights", "jp")
    assert pregnancy is not None and titles["pregnancy-rights"] == pregnancy.title
    csv_text = stats_csv(stats, titles)
    assert "country,jp,7,Nhật Bản" in csv_text and "country,kr,<5,Hàn Quốc" in csv_text
    assert f"week,{monday - timedelta(days=7)},<5" in csv_text
    assert "topic,ambulance,27" in csv_text
    assert f"topic,pregnancy-rights,9,{pregnancy.title}" in csv_text  # named, not only the id
    assert not any(user_id in csv_text for user_id, _, _ in users)
    csv_path, png_path = write_stats(stats, tmp_path, "AAA", repo)
    assert csv_path.read_text(encoding="utf-8") == csv_text
    assert Image.open(png_path).format == "PNG"
    with session_factory() as session:
        assert session.scalars(select(CompanySignup)).all()  # the link itself is kept


def test_stats_without_signups_say_so_instead_of_drawing_empty_charts(
    session_factory: sessionmaker[Session], repo: ContentRepository, tmp_path: Path
) -> None:
    with session_factory.begin() as session:
        company = create_company(session, "Công ty B", "BBB", TODAY)
    with session_factory() as session:
        stats = company_stats(session, company)
    assert stats.onboarded == 0 and not stats.topics
    _csv, png_path = write_stats(stats, tmp_path, "BBB", repo)
    with_data = Image.open(png_path)
    assert with_data.height < with_data.width  # one short page with the note, no axes
    assert "Chưa có ai đăng ký qua mã BBB" in no_signups_note("BBB")
