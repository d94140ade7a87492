"""What pre-departure training hands out, through the conversation engine: company links,
the emergency card, the quiz, announcements, and the anonymous topic counts."""

from __future__ import annotations

import io
from datetime import date

from PIL import Image
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot.chat import format_messages
from bot.conversation import Conversation, OutMessage
from bot.models.recruitment import (
    AlertSubscription,
    CompanySignup,
    QuizSession,
    TopicOpenCount,
)
from bot.models.users import User
from bot.recruitment import quiz
from bot.recruitment.companies import create_company
from tests.engine_support import FakeRasa


def buttons(messages: list[OutMessage]) -> list[str]:
    return [b.data for m in messages for row in m.buttons for b in row]


async def onboarded(conversation: Conversation, uid: int, payload: str | None = None) -> str:
    key = conversation.user_key_for(uid)
    await conversation.start(key, payload)
    await conversation.handle_button(key, "c:jp")
    return key


async def test_company_link_is_recorded_and_topics_are_counted_without_the_user(
    conversation: Conversation, core_sessions: sessionmaker[Session]
) -> None:
    with core_sessions.begin() as session:
        company = create_company(session, "Công ty A", "CTYA", date.today())
    key = await onboarded(conversation, 7, payload="ctya")
    stranger = await onboarded(conversation, 8, payload="UNKNOWN-CODE")  # no error, no record
    await conversation.handle_button(key, "a:ambulance")
    await conversation.handle_button(stranger, "a:ambulance")
    with core_sessions() as session:
        signup = session.get(CompanySignup, key)
        assert signup is not None and signup.company_id == company.id
        assert session.get(CompanySignup, stranger) is None
        # Only a real company's code is kept, as the company spells it; anything else is not.
        assert session.get(User, key).start_payload == "CTYA"  # type: ignore[union-attr]
        assert session.get(User, stranger).start_payload is None  # type: ignore[union-attr]
        [count] = session.scalars(select(TopicOpenCount)).all()
        assert (count.answer_id, count.country, count.count) == ("ambulance", "jp", 1)
        assert key not in repr(count.__dict__)


async def test_card_command_sends_a_png(conversation: Conversation) -> None:
    key = await onboarded(conversation, 9)
    [card] = await conversation.handle_command(key, "the", "")
    assert card.kind == "card" and card.photo is not None
    assert Image.open(io.BytesIO(card.photo)).format == "PNG"
    assert "card" in buttons(await conversation.handle_command(key, "menu", ""))


async def test_quiz_runs_to_a_score_and_ignores_old_buttons(
    conversation: Conversation, core_sessions: sessionmaker[Session]
) -> None:
    key = await onboarded(conversation, 10)
    first = await conversation.handle_command(key, "kiemtra", "")
    assert first[0].kind == "quiz" and "Câu 1/" in first[0].plain
    options = [d for d in buttons(first) if d.startswith("q:0:")]
    assert len(options) >= 2
    total = int(first[0].plain.split("Câu 1/")[1].split(":")[0])
    replies: list[OutMessage] = []
    for position in range(total):
        replies = await conversation.handle_button(key, f"q:{position}:0")
        assert replies[0].kind == "quiz"
        assert "Đúng rồi" in replies[0].plain or "Đáp án đúng" in replies[0].plain
    assert "Bạn trả lời đúng" in replies[-1].plain
    stale = await conversation.handle_button(key, "q:0:1")
    assert "Bạn trả lời đúng" not in stale[0].plain
    with core_sessions() as session:
        assert session.get(QuizSession, key) is None


async def test_announcements_store_the_chat_only_while_switched_on(
    conversation: Conversation, core_sessions: sessionmaker[Session]
) -> None:
    key = await onboarded(conversation, 11)
    [terminal] = await conversation.handle_command(key, "thongbao", "")
    assert "Telegram" in terminal.plain
    await conversation.handle_command(key, "thongbao", "", chat_id=555)
    with core_sessions() as session:
        row = session.get(AlertSubscription, key)
        assert row is not None and (row.chat_id, row.country) == (555, "jp")
    await conversation.handle_button(key, "c:kr")  # moving country moves the announcements
    with core_sessions() as session:
        row = session.get(AlertSubscription, key)
        assert row is not None and row.country == "kr"
    [off] = await conversation.handle_command(key, "thongbao", "", chat_id=555)
    assert "xóa" in off.plain
    with core_sessions() as session:
        assert session.get(AlertSubscription, key) is None


async def test_deleting_data_removes_attribution_quiz_and_subscription(
    conversation: Conversation, core_sessions: sessionmaker[Session]
) -> None:
    with core_sessions.begin() as session:
        create_company(session, "Công ty B", "CTYB", date.today())
    key = await onboarded(conversation, 12, payload="CTYB")
    await conversation.handle_command(key, "kiemtra", "")
    await conversation.handle_command(key, "thongbao", "", chat_id=777)
    await conversation.handle_button(key, "del:yes")
    with core_sessions() as session:
        for model in (CompanySignup, QuizSession, AlertSubscription):
            assert session.get(model, key) is None


def test_typed_choices_are_letters_or_numbers_only() -> None:
    picks = {"B": 1, "b.": 1, " c) ": 2, "2": 1, "4": 3, "đáp án A": 0, "chọn d": 3, "Dap an b": 1}
    for text, option in picks.items():
        assert quiz.typed_choice(text) == option, text
    for text in ("à", "ạ", "ba", "5", "0", "A B", "B2", "cấp cứu", "", "119"):
        assert quiz.typed_choice(text) is None, text


async def test_a_typed_letter_or_number_answers_the_open_question_without_the_nlu(
    conversation: Conversation, fake_rasa: FakeRasa, core_sessions: sessionmaker[Session]
) -> None:
    key = await onboarded(conversation, 11)
    first = await conversation.handle_command(key, "kiemtra", "")
    assert "gõ chữ (A, B" in first[0].plain  # the intro says letters can be typed
    with core_sessions() as session:
        now = quiz.current(session, key)
        total = quiz.question_count(session, key)
    assert now is not None and total >= 2
    question = now[1]
    assert len(question.options) < 4  # the core content's questions have two or three options
    # a letter the question does not have: asked again, nothing lost
    again = await conversation.handle_text(key, "D")
    assert "Câu này chỉ có" in again[0].plain and "Câu 1/" in again[0].plain

    answered = await conversation.turn(key, "b")
    assert answered.nlu is None
    outcome = answered.messages[0].plain
    assert ("Đúng rồi" in outcome) == (question.correct == 1), outcome
    assert "Câu 2/" in answered.messages[-1].plain  # and the next question follows
    for _ in range(total - 1):
        last = await conversation.handle_text(key, "1")  # a number answers too
    assert "Bạn trả lời đúng" in last[-1].plain
    assert fake_rasa.received == []  # none of it went to the NLU
    with core_sessions() as session:
        assert quiz.current(session, key) is None


async def test_a_letter_without_an_open_quiz_is_an_ordinary_message(
    conversation: Conversation, fake_rasa: FakeRasa
) -> None:
    key = await onboarded(conversation, 12)
    turn = await conversation.turn(key, "B")
    assert fake_rasa.received == ["B"] and turn.nlu is not None


async def test_the_terminal_shows_quiz_options_by_letter(conversation: Conversation) -> None:
    key = await onboarded(conversation, 13)
    first = await conversation.handle_command(key, "kiemtra", "")
    text, numbered = format_messages(first)
    assert "[A]   [B]" in text and "[1] A" not in text
    assert not any(b.label in "ABCD" for b in numbered)  # typed as letters, never by number
    menu_text, menu_buttons = format_messages(await conversation.handle_command(key, "menu", ""))
    start = next(i for i, b in enumerate(menu_buttons, 1) if b.data == "q")
    assert f"[{start}] {menu_buttons[start - 1].label}" in menu_text  # "start the quiz": numbered
