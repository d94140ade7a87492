"""Fonts that can draw Vietnamese and the host countries' scripts on flyers and cards.

Vietnamese: DejaVu Sans, which ships inside matplotlib (already a dependency), so it is always
there. Japanese, Korean and Traditional Chinese: Noto Sans CJK from Debian's ``fonts-noto-cjk``
(``make setup`` installs it through ``scripts/install-fonts.sh``). Its ``.ttc`` files hold one face
per region with the same characters but the region's own glyph shapes (a Han character is drawn
the Japanese way on a Japanese card, the Taiwanese way on a Taiwanese one), so the face is chosen
by the phrases' language. Noto Sans CJK also has every Vietnamese letter, so a line that mixes
Vietnamese and Korean is drawn in one font. Droid Sans Fallback, used before, has no Hangul.

``font_for`` is the one place both renderers ask which font draws a line; ``missing_characters``
reads the font's character map, so tests can prove that nothing drawn comes out as empty boxes.
"""

from __future__ import annotations

import importlib.util
from dataclasses import dataclass
from functools import cache
from pathlib import Path

NOTO_CJK_DIRS = (Path("/usr/share/fonts/opentype/noto"), Path("/usr/share/fonts/noto-cjk"))
# Face order inside NotoSansCJK-{Regular,Bold}.ttc (the same in every Noto CJK release).
CJK_FACE_INDEX = {"ja": 0, "ko": 1, "zh-Hans": 2, "zh-Hant": 3, "zh-HK": 4}
DEFAULT_CJK_LANG = "ja"


class FontMissing(RuntimeError):
    """A font needed to draw the text is not installed."""


@dataclass(frozen=True)
class FontFace:
    """A font file and, for a ``.ttc`` collection, which face in it."""

    path: Path
    index: int = 0

    @property
    def key(self) -> str:
        """A name for this face (fpdf2 needs one font family per face)."""
        return f"{self.path.stem}-{self.index}".lower()  # fpdf2 keys fonts in lower case


def latin_font(bold: bool = False) -> FontFace:
    """DejaVu Sans (covers every Vietnamese letter and tone mark)."""
    name = "DejaVuSans-Bold.ttf" if bold else "DejaVuSans.ttf"
    # matplotlib's own data folder, found without importing matplotlib (slow to import)
    spec = importlib.util.find_spec("matplotlib")
    if spec is None or not spec.submodule_search_locations:
        raise FontMissing("matplotlib (which carries DejaVu Sans) is not installed")
    folder = Path(next(iter(spec.submodule_search_locations)))
    return FontFace(folder / "mpl-data" / "fonts" / "ttf" / name)


def cjk_font(lang: str | None = None, bold: bool = False) -> FontFace:
    """The Noto Sans CJK face for ``lang`` (``ja``, ``ko``, ``zh-Hant``…)."""
    name = "NotoSansCJK-Bold.ttc" if bold else "NotoSansCJK-Regular.ttc"
    index = CJK_FACE_INDEX.get(lang or DEFAULT_CJK_LANG, CJK_FACE_INDEX[DEFAULT_CJK_LANG])
    for folder in NOTO_CJK_DIRS:
        if (folder / name).exists():
            return FontFace(folder / name, index)
    raise FontMissing(
        "No font for Japanese/Korean/Chinese text: install the Debian package "
        "fonts-noto-cjk (scripts/install-fonts.sh, or apt-get install fonts-noto-cjk)"
    )


def needs_cjk(text: str) -> bool:
    """True when the text has characters DejaVu Sans cannot draw (kana, Hangul, Han)."""
    return any(
        0x1100 <= ord(ch) <= 0x11FF  # Hangul Jamo
        or 0x3000 <= ord(ch) <= 0x9FFF  # CJK punctuation, kana, Hangul compatibility, Han
        or 0xAC00 <= ord(ch) <= 0xD7AF  # Hangul syllables
        or 0xF900 <= ord(ch) <= 0xFFEF  # compatibility Han, full-width forms
        for ch in text
    )


def font_for(text: str, bold: bool, lang: str | None) -> FontFace:
    """The font a line is drawn with: DejaVu for Vietnamese, Noto CJK when the line needs it."""
    return cjk_font(lang, bold) if needs_cjk(text) else latin_font(bold)


@cache
def character_map(face: FontFace) -> frozenset[int]:
    """The code points the face has glyphs for (its ``cmap`` table)."""
    from fontTools.ttLib import TTCollection, TTFont  # only checks read character maps

    if face.path.suffix.lower() in {".ttc", ".otc"}:
        font = TTCollection(str(face.path), lazy=True).fonts[face.index]
    else:
        font = TTFont(str(face.path), lazy=True)
    cmap = font.getBestCmap()
    return frozenset(cmap) if cmap else frozenset()


def missing_characters(face: FontFace, text: str) -> set[str]:
    """Characters of ``text`` the face cannot draw (line breaks and spaces are not drawn)."""
    covered = character_map(face)
    return {ch for ch in text if not ch.isspace() and ord(ch) not in covered}
