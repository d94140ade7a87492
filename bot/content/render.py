"""An answer as a worker reads it: Telegram HTML, or plain text for the terminal and ``ask``.

Both formats come from the same parts, so what an editor previews in a terminal is what a
worker gets on Telegram. Content text may only use ``**bold**``; everything else is escaped.
Phone numbers stay plain text: Telegram turns them into tappable links by itself.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable
from typing import Literal

from bot.content.repository import AnswerView, ContactView, PhraseCard, SourceView
from bot.i18n import DEFAULT_LOCALE, _, current_locale, format_date

Format = Literal["html", "plain"]

_BOLD = re.compile(r"\*\*(.+?)\*\*", re.DOTALL)
# Lines nobody should hesitate to call: emergency numbers and suicide / crisis lines.
DO_NOT_DISCOURAGE = frozenset({"emergency", "crisis"})


def render_answer(answer: AnswerView, fmt: Format, full: bool = False) -> str:
    """Title, short text (and body when ``full``), contacts, "find out more", sources, date."""
    parts = [_bold(answer.title, fmt), _text(answer.short, fmt)]
    if full:
        parts.append(_text(answer.body, fmt))
    if answer.contacts:
        parts.append("\n".join(render_contact(c, fmt) for c in answer.contacts))
    if full and answer.more:
        more_label = _("Tìm hiểu thêm")  # outside f-strings, so Babel extracts the msgid
        parts.append(f"{_bold(more_label, fmt)}\n{_text(answer.more, fmt)}")
    parts.append(_footer(answer, fmt, full))
    return "\n\n".join(parts)


def render_contact(contact: ContactView, fmt: Format) -> str:
    """One contact: name and phones, then hours and Vietnamese, then the address."""
    lines = [
        f"☎️ {_bold(contact.name, fmt)}: {_escape(', '.join(contact.phones), fmt)}"
        if contact.phones
        else f"☎️ {_bold(contact.name, fmt)}"
    ]
    details = [contact.hours] if contact.hours else []
    if "vi" in contact.languages:
        details.append(_("có tiếng Việt"))
    elif contact.kind not in DO_NOT_DISCOURAGE:
        # Never put anyone off calling 119/110 or a crisis line by saying nobody speaks
        # Vietnamese there (a crisis line's hours text says which languages it speaks).
        details.append(_("không có tiếng Việt"))
    if details:
        lines.append("   " + _escape(" · ".join(details), fmt))
    if contact.address:
        lines.append("   📍 " + _escape(contact.address, fmt))
    return "\n".join(lines)


def render_phrase_card(card: PhraseCard, fmt: Format) -> str:
    """The "show this to staff / the doctor" block: local sentence first, Vietnamese below."""
    lines = [_bold(_("Đưa cho nhân viên / bác sĩ xem"), fmt)]
    for phrase in card.items:
        lines += ["", _bold(phrase.local, fmt), f"({_escape(phrase.vi, fmt)})"]
    return "\n".join(lines)


def _footer(answer: AnswerView, fmt: Format, full: bool) -> str:
    sources = list(answer.sources)
    if full:
        sources += [contact.source for contact in answer.contacts]
    unique = _unique(sources)
    # The short answer must fit a phone screen: its main source, and how many more "Xem thêm" has.
    shown = unique if full else unique[:1]
    links = ", ".join(_link(source, fmt) for source in shown)
    if len(unique) > len(shown):
        more = _("và {n} nguồn khác (Xem thêm)").format(n=len(unique) - len(shown))
        links = f"{links} {_escape(more, fmt)}"
    sources_label = _("Nguồn:")
    updated = _("Cập nhật ngày {date}").format(date=format_date(answer.verified_on))
    footer = f"{_escape(sources_label, fmt)} {links}\n{_escape(updated, fmt)}"
    if current_locale() != DEFAULT_LOCALE:
        # Menus follow the chosen language, the content does not (yet): say so, or a reader
        # of the English interface (NGO staff) meets Vietnamese text with no word of warning.
        footer += "\n" + _escape(vietnamese_only_note(), fmt)
    return footer


def vietnamese_only_note() -> str:
    """Said under every answer shown in another interface language."""
    return _("Nội dung này chỉ có bằng tiếng Việt.")


def _unique(sources: Iterable[SourceView]) -> list[SourceView]:
    """Each source once (by URL), in order of first mention."""
    first: dict[str, SourceView] = {}
    for source in sources:
        first.setdefault(source.url, source)
    return list(first.values())


def _link(source: SourceView, fmt: Format) -> str:
    if fmt == "html":
        return f'<a href="{html.escape(source.url)}">{html.escape(source.title)}</a>'
    return f"{source.title} ({source.url})"


def _escape(text: str, fmt: Format) -> str:
    return html.escape(text) if fmt == "html" else text


def _bold(text: str, fmt: Format) -> str:
    return f"<b>{html.escape(text)}</b>" if fmt == "html" else text


def _text(text: str, fmt: Format) -> str:
    """Content text: ``**bold**`` becomes <b> in HTML and disappears in plain text."""
    text = text.strip()
    if fmt == "html":
        return _BOLD.sub(r"<b>\1</b>", html.escape(text))
    return _BOLD.sub(r"\1", text)
