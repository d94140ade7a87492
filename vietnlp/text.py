"""Normalisation of Vietnamese as workers type it: NFC, accent folding and teencode expansion.

One implementation serves the NLU pipeline (features), the bot's emergency lexicon and the
accent-insensitive content search, so "cấp cứu", "cap cuu" and "CẤP CỨU" mean the same everywhere.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import yaml

ABBREVIATIONS_FILE = Path(__file__).resolve().parent.parent / "nlu_data" / "abbreviations.yml"

# Characters phones insert invisibly (zero-width joiners, BOM) that would split words.
_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff"), None)
# A "word" for our purposes: letters/digits incl. Vietnamese letters, plus in-word # and + (#8891).
TOKEN_RE = re.compile(r"[#+]?\w+(?:[.\-/]\w+)*", re.UNICODE)


def nfc(text: str) -> str:
    """Canonical composition: decomposed input (common from some keyboards) becomes NFC."""
    return unicodedata.normalize("NFC", text).translate(_INVISIBLE)


def fold(text: str) -> str:
    """Lower-case and strip diacritics: "Cấp Cứu Đà Nẵng" → "cap cuu da nang"."""
    decomposed = unicodedata.normalize("NFD", text.lower())
    stripped = "".join(ch for ch in decomposed if unicodedata.category(ch) != "Mn")
    return stripped.replace("đ", "d")


def has_words(text: str) -> bool:
    """True when the text has a letter or digit: emoji, symbols and blanks have nothing to read."""
    return TOKEN_RE.search(nfc(text)) is not None


def has_diacritics(text: str) -> bool:
    """True when the text carries any Vietnamese tone or vowel mark (or đ)."""
    return fold(text) != text.lower()


@dataclass(frozen=True)
class Span:
    """A word of the original text: where it is, what it says, and its expanded folded form."""

    start: int
    end: int
    text: str
    expanded: tuple[str, ...]  # folded syllables after abbreviation expansion (may be several)


def load_abbreviations(path: Path = ABBREVIATIONS_FILE) -> dict[str, str]:
    """Read the editor-maintained abbreviation file: short form (lower case) → full Vietnamese.

    Short forms are compared with their accents: folding them would make "nhá" (nhé) swallow
    "nhà", or "hông" (không) swallow "họng".
    """
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    table: dict[str, str] = {}
    for full, variants in data.get("abbreviations", {}).items():
        for variant in variants:
            table[nfc(str(variant)).lower()] = nfc(str(full))
    return table


@cache
def default_abbreviations() -> Mapping[str, str]:
    """The shipped abbreviation table, read once per process."""
    return load_abbreviations()


def spans(text: str, abbreviations: Mapping[str, str] | None = None) -> list[Span]:
    """Split text into word spans; each whole word that is an abbreviation is expanded.

    Expansion is whole-token only ("ko" → "không", but "kong" stays), so it never mangles words.
    """
    table = default_abbreviations() if abbreviations is None else abbreviations
    text = nfc(text)
    result: list[Span] = []
    for match in TOKEN_RE.finditer(text):
        word = match.group()
        full = table.get(word.lower())
        expanded = tuple(fold(full).split()) if full else (fold(word),)
        result.append(Span(match.start(), match.end(), word, expanded))
    return result


def normalise(text: str, abbreviations: Mapping[str, str] | None = None) -> str:
    """The comparable form of a text: NFC, abbreviations expanded, folded, single-spaced."""
    return " ".join(syllable for span in spans(text, abbreviations) for syllable in span.expanded)
