"""Rendering answers for Telegram (HTML) and for the terminal (plain text)."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

from bot.content.render import render_answer, render_contact, render_phrase_card
from bot.content.repository import AnswerView, ContactView, Phrase, PhraseCard, SourceView
from bot.i18n import format_date, use_locale

SOURCE = SourceView("https://example.org/a?x=1&y=<2>", "Help & <support>")
CONTACT = ContactView(
    id="jp-x",
    country="jp",
    name="Line <A> & B",
    kind="hotline",
    phones=("0120-250-168",),
    address="1-6-1 Yotsuya <13F>",
    hours="9–17",
    languages=("ja", "vi"),
    helps_with=None,
    source=SourceView("https://example.org/contact", "Contact source"),
    verified_on=date(2026, 11, 1),
)
ANSWER = AnswerView(
    id="x",
    country="jp",
    chapter_id="c",
    title="Tiêu đề <b>sai</b> & đúng",
    short="Gọi **119** ngay. 1 < 2 & 3 > 2.",
    body="Thân **bài** <i>x</i>.",
    more="Thêm <a>.",
    related=(),
    contacts=(CONTACT,),
    phrases=None,
    sources=(SOURCE,),
    verified_on=date(2026, 11, 22),
    version=3,
)


@pytest.fixture(autouse=True)
def vietnamese() -> object:
    with use_locale("vi"):
        yield


def test_html_escapes_everything_and_keeps_bold() -> None:
    text = render_answer(ANSWER, "html")
    assert text.startswith("<b>Tiêu đề &lt;b&gt;sai&lt;/b&gt; &amp; đúng</b>\n\n")
    assert "Gọi <b>119</b> ngay. 1 &lt; 2 &amp; 3 &gt; 2." in text
    assert "Line &lt;A&gt; &amp; B" in text and "0120-250-168" in text
    assert "📍 1-6-1 Yotsuya &lt;13F&gt;" in text
    assert (
        'Nguồn: <a href="https://example.org/a?x=1&amp;y=&lt;2&gt;">Help &amp; &lt;support&gt;</a>'
    ) in text
    assert "Thân" not in text and "Tìm hiểu thêm" not in text  # short form only
    assert text.endswith(f"Cập nhật ngày {format_date(date(2026, 11, 22))}")
    tags = {t for t in ("<i>", "<a>", "<A>") if t in text}
    assert tags == set()


def test_html_full_adds_body_more_and_contact_sources() -> None:
    text = render_answer(ANSWER, "html", full=True)
    assert "Thân <b>bài</b> &lt;i&gt;x&lt;/i&gt;." in text
    assert "<b>Tìm hiểu thêm</b>\nThêm &lt;a&gt;." in text
    assert '<a href="https://example.org/contact">Contact source</a>' in text
    assert (
        text.index("Thân") < text.index("Line") < text.index("Tìm hiểu thêm") < text.index("Nguồn")
    )


def test_plain_has_the_same_content_without_markup() -> None:
    text = render_answer(ANSWER, "plain", full=True)
    assert text.startswith("Tiêu đề <b>sai</b> & đúng\n\nGọi 119 ngay. 1 < 2 & 3 > 2.")
    assert "**" not in text and "&amp;" not in text
    assert "Help & <support> (https://example.org/a?x=1&y=<2>)" in text
    assert "Thân bài <i>x</i>." in text


def test_contact_lines_say_whether_vietnamese_is_spoken() -> None:
    assert render_contact(CONTACT, "plain") == (
        "☎️ Line <A> & B: 0120-250-168\n   9–17 · có tiếng Việt\n   📍 1-6-1 Yotsuya <13F>"
    )
    no_vi = replace(CONTACT, languages=("ja",), hours=None, address=None, phones=())
    assert render_contact(no_vi, "plain") == "☎️ Line <A> & B\n   không có tiếng Việt"


def test_phrase_card() -> None:
    card = PhraseCard("ja", (Phrase("Tôi đau <ngực>.", "胸が痛いです。"),))
    assert render_phrase_card(card, "html") == (
        "<b>Đưa cho nhân viên / bác sĩ xem</b>\n\n<b>胸が痛いです。</b>\n(Tôi đau &lt;ngực&gt;.)"
    )
    assert render_phrase_card(card, "plain") == (
        "Đưa cho nhân viên / bác sĩ xem\n\n胸が痛いです。\n(Tôi đau <ngực>.)"
    )


def test_answer_without_contacts_or_more() -> None:
    bare = replace(ANSWER, contacts=(), more=None)
    text = render_answer(bare, "plain", full=True)
    assert "☎️" not in text and "Tìm hiểu thêm" not in text


def test_emergency_numbers_never_say_nobody_speaks_vietnamese() -> None:
    ambulance = replace(CONTACT, kind="emergency", languages=("ja",), hours=None, address=None)
    hotline = replace(CONTACT, languages=("ja",))
    crisis = replace(CONTACT, kind="crisis", languages=("ja",))
    assert "tiếng Việt" not in render_contact(ambulance, "plain")
    assert "tiếng Việt" not in render_contact(crisis, "plain")
    assert "không có tiếng Việt" in render_contact(hotline, "plain")


def test_short_answer_names_its_main_source_and_counts_the_others() -> None:
    second = SourceView("https://example.org/b", "Second source")
    answer = replace(ANSWER, sources=(SOURCE, second))
    with use_locale("vi"):
        short = render_answer(answer, "plain")
        full = render_answer(answer, "plain", full=True)
    assert "Help & <support>" in short and "Second source" not in short
    assert "1 nguồn khác" in short
    assert "Second source" in full
