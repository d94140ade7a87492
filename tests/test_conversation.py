"""The conversation engine end to end: real database, real content, real HTTP to a canned Rasa."""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import Callable
from datetime import date, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot import users
from bot.conversation import Conversation, OutMessage
from bot.models.users import FeedbackCount, KeptQuestion, User
from bot.nlu.client import NluClient
from bot.scrub import NAME, PHONE
from tests.engine_support import (
    FakeRasa,
    button_data,
    button_labels,
    closed_port_url,
    plain,
)

MakeConversation = Callable[[NluClient | None], Conversation]


def stored_user(sessions: sessionmaker[Session], key: str) -> User | None:
    with sessions() as session:
        return session.get(User, key)


async def onboarded(conversation: Conversation, country: str = "jp", uid: int = 1) -> str:
    key = conversation.user_key_for(uid)
    await conversation.handle_button(key, f"c:{country}")
    return key


# --- onboarding and country ------------------------------------------------------------------


async def test_onboarding(conversation: Conversation, core_sessions: sessionmaker[Session]) -> None:
    key = conversation.user_key_for(1001)
    first = await conversation.start(key, "Nguyen Van A 090 1234 5678")
    assert first[0].kind == "country"
    assert button_data(first)[:3] == ["c:jp", "c:kr", "c:tw"]
    welcome = await conversation.handle_button(key, "c:jp")
    text = plain(welcome)
    assert "Nhật Bản" in text
    assert "số khẩn cấp" in text  # what the bot can do
    assert "mã ẩn danh" in text and "/privacy" in text  # what it stores
    assert {"sos", "book", "cons", "cty", "priv"} <= set(button_data(welcome))
    user = stored_user(core_sessions, key)
    assert user is not None
    # Not a company's code: what was typed after /start is not kept (it may be a name, a phone).
    assert (user.country, user.start_payload, user.locale) == ("jp", None, "vi")
    assert user.onboarded_at == user.last_active == date.today()
    again = await conversation.handle_command(key, "start", "")
    assert again[0].kind == "menu" and "sos" in button_data(again)


async def test_country_by_command_and_by_text(
    conversation: Conversation, fake_rasa: FakeRasa, core_sessions: sessionmaker[Session]
) -> None:
    key = await onboarded(conversation, "jp")
    changed = await conversation.handle_command(key, "quocgia", "tw")
    assert "Đài Loan" in plain(changed)
    assert stored_user(core_sessions, key).country == "tw"  # type: ignore[union-attr]
    asked = await conversation.handle_command(key, "quocgia", "")
    assert button_data(asked) == ["c:jp", "c:kr", "c:tw"]
    fake_rasa.says("tôi đang ở Hàn", "choose_country", entities=(("country", "korea", "Hàn"),))
    await conversation.handle_text(key, "tôi đang ở Hàn")
    assert stored_user(core_sessions, key).country == "kr"  # type: ignore[union-attr]


async def test_answer_requested_before_the_country_follows_the_choice(
    conversation: Conversation, fake_rasa: FakeRasa
) -> None:
    key = conversation.user_key_for(7)
    fake_rasa.says("bảo hiểm y tế", "health_insurance")
    asked = await conversation.handle_text(key, "bảo hiểm y tế")
    assert asked[0].kind == "country"
    assert button_data(asked) == [f"c:{c}:health-insurance" for c in ("jp", "kr", "tw")]
    answered = await conversation.handle_button(key, "c:kr:health-insurance")
    assert [m.kind for m in answered] == ["country", "answer"]
    assert answered[1].answer_id == "health-insurance"
    assert "1345" in answered[1].plain  # the Korean contact of the answer


# --- SOS and the safety net ----------------------------------------------------------------


async def test_sos(conversation: Conversation) -> None:
    anonymous = await conversation.handle_command(conversation.user_key_for(5), "sos", "")
    assert anonymous[0].kind == "emergency"
    for numbers in ("Cảnh sát 110", "Cảnh sát 112"):
        assert numbers in anonymous[0].plain
    key = await onboarded(conversation, "kr", uid=6)
    sos = await conversation.handle_button(key, "sos")
    assert sos[0].kind == "emergency" and sos[0].answer_id == "emergency-numbers"
    assert "112" in sos[0].plain and "Cập nhật ngày" in sos[0].plain


async def test_lexicon_with_nlu_up_sends_numbers_then_the_topic(
    conversation: Conversation, fake_rasa: FakeRasa
) -> None:
    key = await onboarded(conversation, "jp")
    text = "bạn tôi khó thở, bảo hiểm có trả không"
    fake_rasa.says(text, "health_insurance")
    turn = await conversation.turn(key, text)
    assert turn.alert is not None and turn.alert.kind == "medical"
    assert not turn.nlu_down
    # One message: the numbers on top, then the answer ("có trả không": the costs answer).
    assert [(m.kind, m.answer_id) for m in turn.messages] == [("emergency", "medical-costs")]
    assert turn.messages[0].plain.startswith("Nếu có người ốm nặng")
    assert "119" in turn.messages[0].plain.split("\n\n")[0]


@pytest.mark.parametrize("nlu_up", [True, False])
async def test_unaccented_emergency_question_gets_one_answer_numbers_first(
    make_conversation: MakeConversation, fake_rasa: FakeRasa, nlu_up: bool
) -> None:
    """ "so cap cuu o nhat" once produced the emergency answer and then a second full answer
    (17 buttons): now it is one message, the number on top, the rest behind "Xem thêm"."""
    text = "so cap cuu o nhat"
    fake_rasa.says(text, "emergency_medical", 0.93, entities=(("country", "japan", "nhat"),))
    client = NluClient(fake_rasa.url, None, 0.5) if nlu_up else None
    try:
        conversation = make_conversation(client)
        key = await onboarded(conversation, "jp")
        turn = await conversation.turn(key, text)
    finally:
        if client is not None:
            await client.aclose()
    assert turn.alert is not None and turn.alert.kind == "medical"  # read without accents
    assert turn.nlu_down is not nlu_up
    [message] = turn.messages
    assert message.kind == "emergency"
    first_lines = "\n".join(message.plain.splitlines()[:6])
    assert "119" in first_lines  # the number to call comes first
    labels = [b.label for row in message.buttons for b in row]
    assert "📄 Xem thêm" in labels
    assert len(labels) <= 9 and len(set(labels)) == len(labels)


async def test_lexicon_alone_when_the_nlu_finds_nothing_else(
    conversation: Conversation, fake_rasa: FakeRasa
) -> None:
    key = await onboarded(conversation, "tw")
    fake_rasa.says("tôi muốn chết", "mental_health", 0.3)
    messages = await conversation.handle_text(key, "tôi muốn chết")
    assert [(m.kind, m.answer_id) for m in messages] == [("emergency", "mental-health-crisis")]
    assert "a:emergency-numbers" in button_data(messages)


async def test_an_emergency_word_and_an_unsure_nlu_get_the_numbers_not_a_question(
    conversation: Conversation, fake_rasa: FakeRasa, core_sessions: sessionmaker[Session]
) -> None:
    key = await onboarded(conversation, "kr")
    text = "anh cùng phòng khó thở quá, bên Nhật này gọi số nào"
    ranking = (("emergency_numbers", 0.3), ("infectious_disease", 0.2))
    fake_rasa.says(
        text, "emergency_numbers", 0.3, entities=(("country", "japan", "Nhật"),), ranking=ranking
    )
    messages = await conversation.handle_text(key, text)
    # One reply: Japan's numbers, the switch said on top; no "Ý bạn là…?" after them.
    assert [m.kind for m in messages] == ["emergency"]
    assert messages[0].plain.startswith("Đã chuyển sang 🇯🇵 Nhật Bản.")
    assert "119" in messages[0].plain and "Ý bạn là" not in messages[0].plain
    # Written in the background (an urgent reply never waits for the database).
    for _ in range(100):
        user = stored_user(core_sessions, key)
        if user is not None and user.country == "jp":
            break
        await asyncio.sleep(0.02)
    assert user is not None and user.country == "jp"


@pytest.mark.parametrize("down", ["closed-port", "no-client"])
async def test_nlu_down_still_answers(make_conversation: MakeConversation, down: str) -> None:
    client = NluClient(closed_port_url(), None, 0.5) if down == "closed-port" else None
    conversation = make_conversation(client)
    try:
        key = await onboarded(conversation, "jp")
        turn = await conversation.turn(key, "bảo hiểm y tế")
        assert turn.nlu_down and turn.alert is None
        assert [(m.kind, m.answer_id) for m in turn.messages] == [
            ("emergency", "emergency-numbers"),
            ("answer", "health-insurance"),  # found by search
        ]
        assert "trục trặc" in turn.messages[0].plain
        alert = await conversation.turn(key, "tôi muốn chết, bảo hiểm")
        assert alert.alert is not None and alert.alert.kind == "suicide"
        assert [m.kind for m in alert.messages] == ["emergency"]  # no search guess after an alarm
        assert alert.messages[0].answer_id == "mental-health-crisis"
        assert "a:health-insurance" not in button_data(alert.messages)
        menu = await conversation.handle_command(key, "menu", "")
        assert "book" in button_data(menu)
        chapter = await conversation.handle_button(key, "ch:khan-cap")
        assert button_data(chapter)[0] == "a:emergency-numbers"
    finally:
        if client is not None:
            await client.aclose()


async def test_nlu_down_without_country_shows_all_three_countries(
    make_conversation: MakeConversation,
) -> None:
    conversation = make_conversation(None)
    messages = await conversation.handle_text(conversation.user_key_for(3), "giúp tôi với")
    assert [m.kind for m in messages] == ["emergency"]
    text = messages[0].plain
    assert "Nhật Bản" in text and "Hàn Quốc" in text and "Đài Loan" in text


async def test_slow_nlu_is_treated_as_down(conversation: Conversation, fake_rasa: FakeRasa) -> None:
    key = await onboarded(conversation, "jp")
    fake_rasa.delay = 1.5
    started = time.monotonic()
    turn = await conversation.turn(key, "bảo hiểm")
    assert time.monotonic() - started < 1.4
    assert turn.nlu_down and turn.messages[0].kind == "emergency"


# --- understanding, clarifying and keeping questions ---------------------------------------


async def test_topic_answer(conversation: Conversation, fake_rasa: FakeRasa) -> None:
    key = await onboarded(conversation, "jp")
    fake_rasa.says("làm ngoài trời bị say nắng", "work_safety")
    messages = await conversation.handle_text(key, "làm ngoài trời bị say nắng")
    assert [(m.kind, m.answer_id) for m in messages] == [("answer", "heat-illness")]
    answer = messages[0]
    assert answer.html.startswith("<b>Say nắng, say nóng</b>")
    assert "Nguồn:" in answer.plain and "Cập nhật ngày" in answer.plain
    assert button_data(messages)[:2] == ["m:heat-illness", "a:work-accident"]
    assert button_labels(messages)[-3:] == ["👍", "👎", "☰ Menu"]


async def test_low_confidence_clarifies_and_keeps_the_question_scrubbed(
    conversation: Conversation, fake_rasa: FakeRasa, core_sessions: sessionmaker[Session]
) -> None:
    key = await onboarded(conversation, "jp")
    text = "Tôi tên là Nguyễn Lan, sđt 090-123-4567, cái vụ đó sao ta"
    ranking = (("health_insurance", 0.3), ("work_safety", 0.2))
    fake_rasa.says(text, "health_insurance", 0.3, ranking=ranking)
    messages = await conversation.handle_text(key, text)
    assert messages[0].kind == "clarify"
    assert messages[0].plain.startswith("Ý bạn là…?")
    assert "119" in messages[0].plain
    assert button_data(messages)[:2] == ["a:health-insurance", "a:work-accident"]
    fake_rasa.says("bảo hiểm y tế", "health_insurance", 0.97)
    await conversation.handle_text(key, "bảo hiểm y tế")  # confident: not kept
    with core_sessions() as session:
        kept = session.scalars(select(KeptQuestion)).all()
    assert len(kept) == 1
    question = kept[0]
    assert NAME in question.text and PHONE in question.text
    assert "Lan" not in question.text and "090" not in question.text
    assert question.text.endswith("cái vụ đó sao ta")
    # The combined confidence the engine was unsure of (the whole and the parts,
    # bot.nlu.understand), not the fake's 0.3 for the whole alone.
    assert (question.intent, question.country) == ("health_insurance", "jp")
    assert question.confidence == pytest.approx(0.27)
    assert question.created_at == date.today()


async def test_expired_questions_are_purged_on_the_first_message_of_the_day(
    conversation: Conversation, core_sessions: sessionmaker[Session]
) -> None:
    with core_sessions.begin() as session:
        users.keep_question(session, "old", None, 0.1, "jp", date.today() - timedelta(days=91))
        users.keep_question(session, "recent", None, 0.1, "jp", date.today() - timedelta(days=5))
    await conversation.handle_command(conversation.user_key_for(9), "menu", "")
    with core_sessions() as session:
        assert [q.text for q in session.scalars(select(KeptQuestion))] == ["recent"]


async def test_very_long_text_is_truncated_before_the_nlu(
    conversation: Conversation, fake_rasa: FakeRasa
) -> None:
    key = await onboarded(conversation, "jp")
    messages = await conversation.handle_text(key, "bảo hiểm " * 1200)  # ~10 800 characters
    assert messages and max(len(t) for t in fake_rasa.received) <= 4096


async def test_markup_is_escaped(conversation: Conversation, fake_rasa: FakeRasa) -> None:
    key = await onboarded(conversation, "jp")
    for text in ("<b>bảo hiểm</b> & <script>alert(1)</script>", "a < b > c &amp;"):
        fake_rasa.says(text, "health_insurance", 0.2)
        messages = await conversation.handle_text(key, text)
        for message in messages:
            assert "<script" not in message.html
            assert set(re.findall(r"</?(\w+)", message.html)) <= {"b", "a"}


async def test_empty_text_gets_help(conversation: Conversation, fake_rasa: FakeRasa) -> None:
    key = await onboarded(conversation, "jp")
    messages = await conversation.handle_text(key, "   ")
    assert messages[0].kind == "menu" and "/sos" in messages[0].plain
    assert fake_rasa.received == []


# --- buttons, menus, feedback, privacy -------------------------------------------------------


async def test_handbook_navigation(conversation: Conversation) -> None:
    key = await onboarded(conversation, "jp")
    book = await conversation.handle_button(key, "book")
    assert button_data(book)[:2] == ["ch:khan-cap", "ch:kham-benh"]
    chapter = await conversation.handle_button(key, "ch:kham-benh")
    assert button_data(chapter)[:2] == ["a:health-insurance", "a:medical-costs"]
    short = await conversation.handle_button(key, "a:health-insurance")
    full = await conversation.handle_button(key, "m:health-insurance")
    body = "Hỏi công ty xem bạn đã có thẻ bảo hiểm chưa."
    assert body not in short[0].plain and body in full[0].plain
    card = await conversation.handle_button(key, "p:ambulance")
    assert card[0].kind == "phrases" and "救急車をお願いします。" in card[0].plain
    consular = await conversation.handle_button(key, "cons")
    assert consular[0].answer_id == "consular-contacts"


async def test_feedback_is_counted(
    conversation: Conversation, core_sessions: sessionmaker[Session]
) -> None:
    key = await onboarded(conversation, "kr")
    for data in ("fu:ambulance", "fu:ambulance", "fd:ambulance"):
        thanks = await conversation.handle_button(key, data)
        assert thanks[0].plain.startswith("Cảm ơn")
    with core_sessions() as session:
        row = session.get(FeedbackCount, ("ambulance", "kr"))
    assert row is not None and (row.up, row.down) == (2, 1)


async def test_privacy_and_deleting_data(
    conversation: Conversation, core_sessions: sessionmaker[Session]
) -> None:
    key = conversation.user_key_for(77)
    await conversation.start(key, "flyer-1")
    await conversation.handle_button(key, "c:tw")
    privacy = await conversation.handle_command(key, "privacy", "")
    for stored in ("mã ẩn danh", "Nước và ngôn ngữ", "đường link", "👍/👎", "90 ngày"):
        assert stored in privacy[0].plain
    confirm = await conversation.handle_command(key, "xoadulieu", "")
    assert button_data(confirm) == ["del:yes", "del:no"]
    await conversation.handle_button(key, "del:no")
    assert stored_user(core_sessions, key) is not None
    done = await conversation.handle_button(key, "del:yes")
    assert "Đã xóa" in done[0].plain
    assert stored_user(core_sessions, key) is None
    fresh = await conversation.start(key, None)
    assert fresh[0].kind == "country"
    user = stored_user(core_sessions, key)
    assert user is not None and user.start_payload is None and user.country is None


@pytest.mark.parametrize("data", ["a:removed-topic", "xyz", "c:fr", "ch:old-chapter", ""])
async def test_stale_buttons(conversation: Conversation, data: str) -> None:
    key = await onboarded(conversation, "jp")
    messages = await conversation.handle_button(key, data)
    assert "nút này đã cũ" in messages[0].plain and "sos" in button_data(messages)


@pytest.mark.parametrize("kind", ["sticker", "photo", "voice", "location", "document", "video"])
async def test_unsupported_messages(conversation: Conversation, kind: str) -> None:
    messages = await conversation.handle_unsupported(conversation.user_key_for(4), kind)
    assert messages[0].plain and "sos" in button_data(messages)


async def test_unknown_command_gets_help(conversation: Conversation) -> None:
    messages = await conversation.handle_command(conversation.user_key_for(4), "blah", "x")
    assert "Mình không biết lệnh này." in messages[0].plain and "/xoadulieu" in messages[0].plain


def test_user_key_is_the_keyed_hash(conversation: Conversation) -> None:
    key = conversation.user_key_for(123456)
    assert key == users.user_key(b"test-pseudonym-key-0123456789abcdef", 123456)
    assert key != conversation.user_key_for(123457)


async def test_every_button_fits_telegrams_limit(
    conversation: Conversation, fake_rasa: FakeRasa
) -> None:
    key = await onboarded(conversation, "tw")
    outputs: list[OutMessage] = []
    for data in ("book", "ch:khan-cap", "a:emergency-numbers", "cons", "priv", "lang", "cty"):
        outputs += await conversation.handle_button(key, data)
    outputs += await conversation.handle_text(key, "cấp cứu")
    assert all(len(d.encode()) <= 64 for d in button_data(outputs))


# --- languages -------------------------------------------------------------------------------


@pytest.mark.usefixtures("compiled_catalogs")
async def test_english_and_vietnamese_users_side_by_side(conversation: Conversation) -> None:
    english = await onboarded(conversation, "jp", uid=1)
    vietnamese = await onboarded(conversation, "jp", uid=2)
    changed = await conversation.handle_button(english, "lang:en")
    assert changed[0].plain.startswith("Language changed.")
    assert "only in Vietnamese" in changed[0].plain  # said once, when English is chosen
    en_menu, vi_menu = await asyncio.gather(
        conversation.handle_command(english, "menu", ""),
        conversation.handle_command(vietnamese, "menu", ""),
    )
    assert en_menu[0].plain.startswith("What do you need?")
    assert "🆘 Emergency numbers" in button_labels(en_menu)
    assert vi_menu[0].plain.startswith("Bạn cần gì?")
    answer = await conversation.handle_button(english, "a:ambulance")
    assert "Gọi xe cấp cứu" in answer[0].plain  # content stays Vietnamese
    assert "Updated on" in answer[0].plain and "👍" in button_labels(answer)
    assert "This content is only in Vietnamese." in answer[0].plain  # and under every answer
    sos = await conversation.handle_command(english, "sos", "")
    assert sos[0].plain.rstrip().endswith("This content is only in Vietnamese.")
    vi_answer = await conversation.handle_button(vietnamese, "a:ambulance")
    assert "tiếng Việt." not in vi_answer[0].plain.splitlines()[-1]  # no note in Vietnamese
    back = await conversation.handle_button(english, "lang:vi")
    assert back[0].plain == "Đã đổi ngôn ngữ."


@pytest.mark.usefixtures("no_catalogs")
async def test_without_compiled_catalogs_everything_is_vietnamese(
    conversation: Conversation,
) -> None:
    key = await onboarded(conversation, "jp")
    await conversation.handle_button(key, "lang:en")
    menu = await conversation.handle_command(key, "menu", "")
    assert menu[0].plain.startswith("Bạn cần gì?")


async def test_a_message_the_nlu_cannot_read_is_not_an_outage(
    conversation: Conversation, fake_rasa: FakeRasa, caplog: pytest.LogCaptureFixture
) -> None:
    key = await onboarded(conversation, "jp", uid=77)
    fake_rasa.fails_on.add("bảo hiểm ??? 🙏")
    turn = await conversation.turn(key, "bảo hiểm ??? 🙏")
    assert not turn.nlu_down and turn.messages  # answered (from search), not "the NLU is down"
    assert "NLU unavailable" not in caplog.text
    fake_rasa.says("bảo hiểm y tế", "health_insurance")
    assert (await conversation.turn(key, "bảo hiểm y tế")).nlu is not None
    # Emoji and symbols only never reach the NLU at all.
    before = len(fake_rasa.received)
    for text in ("🙏🙏🙏", "???!!!", "🆘"):
        assert (await conversation.turn(key, text)).messages
    assert len(fake_rasa.received) == before
