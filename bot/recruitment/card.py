"""The offline emergency card (``/the``): an image to keep in the phone's photo gallery.

Numbers, the Vietnamese missions and three phrases in the local language, drawn from the live
content; cached per content version, country and language, so an editor's fix shows up on the
next request after a publish and nothing is redrawn in between. A card is drawn by one thread at
a time: the engine's database threads asking for the same card together (the first minutes after
a start or a publish, under load) wait for that one drawing instead of each drawing it (some
50 ms of CPU each).
"""

from __future__ import annotations

import threading
import weakref

from bot.content.repository import ContentRepository
from bot.i18n import _, current_locale, format_date
from bot.recruitment.layout import DARK, GREY, RED, Block, Heading, Paragraph, Spacer, render_png
from bot.recruitment.sheet import EmergencySheet, emergency_sheet

CARD_WIDTH = 1080  # a phone screen's width in pixels
MAX_HELP_LINES = 6

# Per repository: version numbers are a database's own, so two databases in one process (the
# tests; a tool beside the bot) would share "version 2" in a process-wide cache and show each
# other's cards. Weak keys: a repository's cards go with it.
_caches: weakref.WeakKeyDictionary[ContentRepository, dict[tuple[int, str, str], bytes]] = (
    weakref.WeakKeyDictionary()
)
_drawing = threading.Lock()


def phrase_blocks(sheet: EmergencySheet, size: int = 22) -> list[Block]:
    """The phrases in the local language, to show to people nearby (card and flyer alike)."""
    if not sheet.phrases:
        return []
    heading = Heading(_("Đưa cho người xung quanh xem"), size - 1, DARK)
    blocks: list[Block] = [Spacer(6), heading]
    for phrase in sheet.phrases:
        blocks += [
            Paragraph(phrase.local, size, bold=True),
            Paragraph(phrase.vi, size * 2 // 3, color=GREY),
        ]
    return blocks


def card_blocks(sheet: EmergencySheet) -> list[Block]:
    blocks: list[Block] = [
        Heading(_("THẺ KHẨN CẤP") + f" — {sheet.country_name.upper()}", 30),
        Spacer(4),
    ]
    for contact in sheet.emergency:
        blocks += [
            Paragraph(" / ".join(contact.phones), 40, bold=True, color=RED),
            Paragraph(contact.name, 17),
            Spacer(4),
        ]
    if sheet.help_lines:
        blocks += [Spacer(6), Heading(_("Cơ quan Việt Nam và đường dây hỗ trợ"), 21, DARK)]
        for contact in sheet.help_lines[:MAX_HELP_LINES]:
            blocks += [
                Paragraph(contact.name, 15, bold=True),
                Paragraph(" · ".join(contact.phones), 19),
                Spacer(3),
            ]
    blocks += phrase_blocks(sheet)
    note = _("Cập nhật ngày {date}. Nguồn và chi tiết: gõ /sos trong bot.")
    blocks += [
        Spacer(8),
        Paragraph(note.format(date=format_date(sheet.verified_on)), 12, color=GREY),
    ]
    return blocks


def emergency_card(repo: ContentRepository, country: str) -> bytes:
    """PNG bytes of the card for ``country`` in the current locale."""
    version = repo.live_version() or 0
    key = (version, country, current_locale())
    cached = _caches.get(repo, {}).get(key)
    if cached is not None:
        return cached
    with _drawing:
        _cache = _caches.setdefault(repo, {})
        if key not in _cache:  # not drawn by another thread while this one waited
            if any(drawn[0] != version for drawn in _cache):
                _cache.clear()  # only the live version is ever asked for again
            # (Clearing on any new key redrew the card for every other country or language: a
            # tenth of the bot's CPU under load went into drawing the same few images.)
            sheet = emergency_sheet(repo, country)
            _cache[key] = render_png(card_blocks(sheet), CARD_WIDTH, lang=sheet.phrase_lang)
        return _cache[key]
