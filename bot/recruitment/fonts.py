"""Fonts that can draw Vietnamese and the host countries' scripts on flyers and cards.

Vietnamese: DejaVu Sans, which ships inside matplotlib (already a dependency), so it is always
there. Japanese/Korean/Chinese phrases: Droid Sans Fallback from Debian's ``fonts-droid-fallback``
(a plain TTF with kana, Hangul and Han characters; ``make setup`` installs it). It is looked up, not
bundled, to keep the repository small.
"""

from __future__ import annotations

from pathlib import Path

import matplotlib

CJK_FONT_CANDIDATES = (
    Path("/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf"),
    Path("/usr/share/fonts-droid-fallback/truetype/DroidSansFallback.ttf"),
)


class FontMissing(RuntimeError):
    """A font needed to draw the text is not installed."""


def latin_font(bold: bool = False) -> Path:
    """DejaVu Sans (covers every Vietnamese letter and tone mark)."""
    name = "DejaVuSans-Bold.ttf" if bold else "DejaVuSans.ttf"
    return Path(matplotlib.get_data_path()) / "fonts" / "ttf" / name


def cjk_font() -> Path:
    """A font for Japanese, Korean and Traditional Chinese text."""
    for path in CJK_FONT_CANDIDATES:
        if path.exists():
            return path
    raise FontMissing(
        "No font for Japanese/Korean/Chinese text: install the Debian package "
        "fonts-droid-fallback (apt-get install fonts-droid-fallback)"
    )


def needs_cjk(text: str) -> bool:
    """True when the text has characters DejaVu Sans cannot draw (kana, Hangul, Han)."""
    return any(
        0x3000 <= ord(ch) <= 0x9FFF or 0xAC00 <= ord(ch) <= 0xD7AF or 0xF900 <= ord(ch) <= 0xFFEF
        for ch in text
    )
