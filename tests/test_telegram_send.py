"""Unit tests of the Telegram channel's pure parts: HTML splitting, keyboards, chat ordering."""

from __future__ import annotations

import asyncio
import random
from datetime import UTC, datetime

import pytest
from fake_bot_api import ApiError, parse_html
from telegram import Chat, Message, Update, User

from bot.conversation import Button
from bot.telegram.keyboards import inline_keyboard, main_keyboard, sos_labels
from bot.telegram.processor import PerChatUpdateProcessor
from bot.telegram.send import split_html, utf16_length

WORDS = (
    "xin", "chào", "bạn", "<b>đậm</b>", "&amp;", "😀", "\n", "\n\n", "&lt;thẻ&gt;",
    '<a href="https://example.org/?a=1&amp;b=2">liên kết</a>', "<i>nghiêng <b>cả hai</b></i>",
)  # fmt: skip


def squeeze(text: str) -> str:
    return "".join(text.split())


def test_short_text_is_one_part() -> None:
    assert split_html("<b>Gọi 119</b>") == ["<b>Gọi 119</b>"]
    assert split_html("   ") == []


@pytest.mark.parametrize("seed", range(40))
@pytest.mark.parametrize("limit", [4096, 300])
def test_parts_fit_parse_and_keep_every_word(seed: int, limit: int) -> None:
    rng = random.Random(seed)
    text = " ".join(rng.choice(WORDS) for _ in range(rng.randint(200, 4000)))
    if seed % 3 == 0:
        text = f"<b>{text}</b>"
    parts = split_html(text, limit)
    for part in parts:
        assert utf16_length(part) <= limit
        parse_html(part)  # raises like Telegram on a cut tag or entity
    assert squeeze("".join(parse_html(p) for p in parts)) == squeeze(parse_html(text))


def test_cuts_at_paragraphs_and_reopens_tags() -> None:
    paragraph = "Một câu dài vừa phải về bảo hiểm y tế. " * 30
    text = "<i>" + "\n\n".join([paragraph.strip()] * 8) + "</i>"
    parts = split_html(text, 4096)
    assert len(parts) > 1
    for part in parts:
        assert part.startswith("<i>") and part.endswith("</i>")
        assert part.removesuffix("</i>").rstrip().endswith(".")  # whole paragraphs only


def test_never_cuts_inside_an_entity_or_a_link() -> None:
    link = '<a href="https://example.org/a?b=1&amp;c=2">nguồn</a>'
    text = ("&amp;" * 700 + " " + link + " ") * 8
    for part in split_html(text, 1000):
        parse_html(part)
        assert part.count("<a ") == part.count("</a>")


def test_one_enormous_word_is_cut_hard() -> None:
    parts = split_html("x" * 10_000)
    assert [len(p) for p in parts] == [4096, 4096, 1808]


def test_length_is_counted_in_utf16_units() -> None:
    parts = split_html("😀" * 3000)  # 6000 UTF-16 units
    assert all(utf16_length(p) <= 4096 for p in parts) and len(parts) == 2


def test_parse_html_refuses_what_telegram_refuses() -> None:
    for bad in ("a < b", "<b>open", "<script>x</script>", "<b><i>x</b></i>"):
        with pytest.raises(ApiError):
            parse_html(bad)


def test_inline_keyboard_drops_buttons_telegram_would_refuse(
    caplog: pytest.LogCaptureFixture,
) -> None:
    rows = ((Button("Nhật Bản", "country:jp"), Button("Quá dài", "x" * 65)),)
    markup = inline_keyboard(rows)
    assert markup is not None
    assert [[b.callback_data for b in row] for row in markup.inline_keyboard] == [["country:jp"]]
    assert "longer than 64 bytes" in caplog.text
    assert inline_keyboard(()) is None


def test_main_keyboard_always_has_the_sos_button() -> None:
    keyboard = main_keyboard()
    assert keyboard.is_persistent
    assert keyboard.keyboard[0][0].text in sos_labels()
    assert "🆘 Khẩn cấp" in sos_labels()


def _update(update_id: int, chat_id: int) -> Update:
    chat = Chat(chat_id, Chat.PRIVATE)
    message = Message(update_id, datetime.now(UTC), chat, from_user=User(chat_id, "u", False))
    return Update(update_id, message=message)


async def test_updates_of_one_chat_run_in_order_other_chats_concurrently() -> None:
    processor = PerChatUpdateProcessor(16)
    log: list[tuple[str, int, int]] = []
    running = 0
    most_at_once = 0

    async def handle(update_id: int, chat_id: int) -> None:
        nonlocal running, most_at_once
        running += 1
        most_at_once = max(most_at_once, running)
        log.append(("start", chat_id, update_id))
        await asyncio.sleep(0.01 * (3 - update_id % 3))  # later updates finish faster
        log.append(("end", chat_id, update_id))
        running -= 1

    jobs = [(update_id, chat_id) for update_id in range(6) for chat_id in (1, 2, 3)]
    async with processor:
        await asyncio.gather(
            *(processor.process_update(_update(u, c), handle(u, c)) for u, c in jobs)
        )
    for chat_id in (1, 2, 3):
        events = [(kind, u) for kind, c, u in log if c == chat_id]
        assert events == [(kind, u) for u in range(6) for kind in ("start", "end")]
    assert most_at_once == 3  # one per chat
