"""Phone numbers: valid per country, and found in prose (but not amounts or dates)."""

from __future__ import annotations

import pytest

from bot.content.phones import phone_mentions, phone_problem, unknown_mentions


@pytest.mark.parametrize(
    ("phone", "country"),
    [
        ("119", "jp"),
        ("110", "jp"),
        ("0120-250-168", "jp"),
        ("03-5285-8088", "jp"),
        ("#8891", "jp"),
        ("+81-3-3466-3311", "jp"),
        ("1345", "kr"),
        ("+82-1345", "kr"),
        ("1577-1366", "kr"),
        ("+82 10-6315-6618", "kr"),
        ("113", "tw"),
        ("1955", "tw"),
        ("1990", "tw"),
        ("02-2338-1600", "tw"),
        ("02-2338-1600 ext. 4223", "tw"),
        ("+886 933 262 836", "tw"),
        ("+84 981 84 84 84", "vn"),
        ("111", "vn"),
        ("+84 981 84 84 84", "jp"),
    ],
)
def test_valid_numbers(phone: str, country: str) -> None:
    assert phone_problem(phone, country) is None


@pytest.mark.parametrize(
    ("phone", "country"),
    [
        ("12345678", "jp"),
        ("03-5285-808", "jp"),
        ("#8891", "kr"),
        ("19555", "tw"),
        ("1234", "vn"),
        ("+84 981", "vn"),
        ("call us", "jp"),
        ("0120-250-16899", "jp"),
    ],
)
def test_invalid_numbers(phone: str, country: str) -> None:
    message = phone_problem(phone, country)
    assert message is not None and phone in message


def test_mentions_in_prose() -> None:
    text = (
        "Gọi **119** hoặc 0120-250-168 24 giờ; từ nước ngoài +84 981 84 84 84. "
        "Số #8891, (03) 5285-8088, 1577-1366."
    )
    assert [m.text for m in phone_mentions(text)] == [
        "119",
        "0120-250-168",
        "+84 981 84 84 84",
        "#8891",
        "(03) 5285-8088",
        "1577-1366",
    ]


@pytest.mark.parametrize(
    "text",
    [
        "30%",
        "5.000.000 won",
        "80.000 yên",
        "6 tuần",
        "14 ngày",
        "9-17 giờ",
        "năm 2022",
        "ngày 18/7/2022",
        "Điều 65",
        "Nghị định 162/2025",
        "2026-11-22",
        "1-6-1 Yotsuya",
        "https://a.jp/x/1234567",
        "COVID-19",
        "H5N1",
        "24/7",
        "36,5 độ",
        "5,000,000 yên",
    ],
)
def test_amounts_and_dates_are_not_mentions(text: str) -> None:
    assert list(phone_mentions(text)) == []


def test_unknown_mentions_compares_national_and_international_forms() -> None:
    known = ["+81-3-3466-3311", "119"]
    text = (
        "Gọi 03-3466-3311 hoặc +81 3 3466 3311, khẩn cấp 119, sai: 03-3466-3312, +84 981 84 84 85"
    )
    assert [m.text for m in unknown_mentions(text, known, "jp")] == [
        "03-3466-3312",
        "+84 981 84 84 85",
    ]
