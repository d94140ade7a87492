"""Personal data is removed from questions before they are kept."""

from __future__ import annotations

import pytest

from bot.scrub import EMAIL, HANDLE, LINK, NAME, NUMBER, PHONE, scrub


@pytest.mark.parametrize(
    "text",
    [
        "số em 090-123-4567",
        "gọi +81 80 1234 5678 giúp em",
        "sdt 0901234567",
        "(03) 5285 8088",
        "+84.981.84.84.84",
    ],
)
def test_phone_numbers(text: str) -> None:
    result = scrub(text)
    assert PHONE in result
    assert not any(ch.isdigit() for ch in result)


def test_short_emergency_numbers_stay() -> None:
    assert scrub("gọi 119 hay 110?") == "gọi 119 hay 110?"


def test_email_handle_and_links() -> None:
    result = scrub("mail lan.nguyen+1@gmail.com, tele @lan_ng, https://t.me/lan_ng, t.me/abc")
    assert result == f"mail {EMAIL}, tele {HANDLE}, {LINK} {LINK}"
    assert scrub("facebook.com/lan.nguyen.123 nhé") == f"{LINK} nhé"


def test_id_numbers() -> None:
    assert scrub("hộ chiếu C1234567 bị giữ") == f"hộ chiếu {NUMBER} bị giữ"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Tôi tên là Nguyễn Thị Lan, bị đau bụng", f"Tôi tên là {NAME}, bị đau bụng"),
        ("tên tôi là minh bị sốt", f"tên tôi là {NAME} bị sốt"),
        ("toi ten la hoa dang o osaka", f"toi ten la {NAME} dang o osaka"),
        ("Em là Hoa, em bị đau", f"Em là {NAME}, em bị đau"),
        ("chị Mai bảo em hỏi", f"chị {NAME} bảo em hỏi"),
        ("my name is John Smith", f"my name is {NAME}"),
        ("Tên em là Trần Văn Nam ạ", f"Tên em là {NAME} ạ"),
    ],
)
def test_names_after_cues(text: str, expected: str) -> None:
    assert scrub(text) == expected


@pytest.mark.parametrize(
    "text",
    ["em là thực tập sinh ở Nhật", "anh ở Nhật Bản", "Chị ơi em bị sốt", "bảo hiểm y tế là gì"],
)
def test_ordinary_questions_are_left_alone(text: str) -> None:
    assert scrub(text) == text


def test_everything_at_once() -> None:
    text = "Tôi tên là Lan, sđt 090 123 4567, email lan@x.vn, @lan99 — công ty giữ hộ chiếu"
    result = scrub(text)
    for private in ("Lan,", "090", "lan@x.vn", "@lan99"):
        assert private not in result
    assert result.endswith("công ty giữ hộ chiếu")
