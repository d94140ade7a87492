"""What pre-departure training hands out, through the conversation engine: company links,
the emergency card, the quiz, announcements, and the anonymous topic counts."""

from __future__ import annotations

import io
from datetime import date

from PIL import Image
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot.conversation import Conversation, OutMessage
from bot.models.recruitment import (
    AlertSubscription,
    CompanySignup,
    QuizSession,
    TopicOpenCount,
)
from bot.models.users import User
from bot.recruitment.companies import create_company

pytest_plugins = ["test_conversation_fixtures"]


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
