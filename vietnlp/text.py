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
from itertools import pairwise
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

    Dialect phrases (``dialect:``) are short forms of several words: central "làm răng" is
    "làm sao" (how), never teeth. They live in the same table, keyed by their words joined by
    one space; the longest phrase wins, so "làm răng sứ: [làm răng sứ]" keeps dental work as
    typed.
    """
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    table: dict[str, str] = {}
    for section in ("abbreviations", "dialect"):
        for full, variants in (data.get(section) or {}).items():
            for variant in variants:
                table[" ".join(nfc(str(variant)).lower().split())] = nfc(str(full))
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
    matches = list(TOKEN_RE.finditer(text))
    result: list[Span] = []
    i = 0
    while i < len(matches):
        for size in range(_LONGEST_PHRASE, 0, -1):
            group = matches[i : i + size]
            if len(group) < size or not _one_phrase(text, group):
                continue
            full = table.get(" ".join(m.group().lower() for m in group))
            if full is not None or size == 1:
                start, end = group[0].start(), group[-1].end()
                word = text[start:end]
                expanded = tuple(fold(full).split()) if full else (fold(word),)
                result.append(Span(start, end, word, expanded))
                i += size
                break
    return result


# Dialect phrases are at most this many words (checked when the table is validated).
_LONGEST_PHRASE = 3


def _one_phrase(text: str, group: list[re.Match[str]]) -> bool:
    """Words separated by blanks only: "làm, răng" is two sentences' worth, not one phrase."""
    return all(text[a.end() : b.start()].isspace() for a, b in pairwise(group))


def normalise(text: str, abbreviations: Mapping[str, str] | None = None) -> str:
    """The comparable form of a text: NFC, abbreviations expanded, folded, single-spaced."""
    return " ".join(syllable for span in spans(text, abbreviations) for syllable in span.expanded)
