"""The safety net: spot emergencies in every message, with or without the NLU.

A message matches a lexicon term when its words, teencode expanded, spell the term word for word
(a phrase inside a longer one counts: the net errs on the side of safety). Accents are compared
only where the person typed them: "cap cuu", "CẤP CỨU" and "cc" all match "cấp cứu", but
"từ từ" (slowly) does not match "tự tử", nor "bí danh" "bị đánh" — text without accents cannot
tell those apart, so unaccented words match any accents.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache

from vietnlp.text import fold, has_diacritics, normalise, spans

# When several kinds match, the first here wins: the suicide reply adds crisis support to the
# emergency numbers, and a medical emergency outranks a call for the police.
KIND_PRIORITY = ("suicide", "medical", "police")

# A syllable as typed: folded form, and its accented lower-case form when it was typed with accents.
Syllable = tuple[str, str | None]


@dataclass(frozen=True)
class Alert:
    """An emergency term found in a message."""

    kind: str  # medical | police | suicide
    term: str  # the term that matched, in ``normalise`` form


def syllables(text: str) -> list[Syllable]:
    """The text's syllables; teencode expansions count as typed without accents."""
    result: list[Syllable] = []
    for span in spans(text):
        word = span.text.lower()
        if span.expanded == (fold(word),) and has_diacritics(word):
            result.append((span.expanded[0], word))
        else:
            result.extend((syllable, None) for syllable in span.expanded)
    return result


def _same(typed: Syllable, wanted: Syllable) -> bool:
    return typed[0] == wanted[0] and (
        typed[1] is None or wanted[1] is None or typed[1] == wanted[1]
    )


def _contains(message: Sequence[Syllable], term: Sequence[Syllable]) -> bool:
    size = len(term)
    return any(
        all(_same(message[i + j], term[j]) for j in range(size))
        for i in range(len(message) - size + 1)
    )


@lru_cache(maxsize=8192)
def _term(term: str) -> tuple[Syllable, ...]:
    """A lexicon term's syllables, worked out once per process (the lexicon changes only with a
    publish; this was most of the bot's CPU per message)."""
    return tuple(syllables(term))


def detect(text: str, lexicon: Mapping[str, Iterable[str]]) -> Alert | None:
    """The emergency a message mentions, if any (``lexicon``: kind → terms as written)."""
    message = syllables(text)
    if not message:
        return None
    folded = {typed[0] for typed in message}
    ranked = sorted(lexicon, key=lambda k: KIND_PRIORITY.index(k) if k in KIND_PRIORITY else 99)
    for kind in ranked:
        for term in lexicon[kind]:
            wanted = _term(term)
            # A term whose first syllable is not in the message cannot match: skip the scan.
            if wanted and wanted[0][0] in folded and _contains(message, wanted):
                return Alert(kind, normalise(term))
    return None
