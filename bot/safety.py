"""The safety net: spot emergencies in every message, with or without the NLU.

A message matches a lexicon term when its words, teencode expanded, spell the term word for word
(a phrase inside a longer one counts: the net errs on the side of safety). Accents are compared
only where the person typed them: "cap cuu", "CẤP CỨU" and "cc" all match "cấp cứu", but
"từ từ" (slowly) does not match "tự tử", nor "bí danh" "bị đánh", nor "trẹo cổ" (a sprain) "treo
cổ" — text without accents cannot tell those apart, so unaccented words match any accents.

One term typed without accents is far more often an everyday word: "tu van" is nearly always
"tư vấn" (advice: "trung tâm tu van", "muon duoc tu van") and rarely "tự vẫn". Such a match still
raises the alarm, marked ``lookalike`` so that the engine can weigh it with the classifier (the
crisis lines then come first, above the answer to what was asked, instead of replacing it).
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

# Terms (folded) whose unaccented spelling is, nearly always, an everyday word: folded → that word.
# Kept short on purpose: "tu tu" may be "từ từ" (slowly) but a missed "tự tử" costs more, so it
# stays a full alarm.
LOOKALIKES: dict[str, str] = {"tu van": "tư vấn"}


@dataclass(frozen=True)
class Alert:
    """An emergency term found in a message."""

    kind: str  # medical | police | suicide
    term: str  # the term that matched, in ``normalise`` form
    lookalike: bool = False  # only typed without accents, as a word of LOOKALIKES ("tu van")


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


def _matches(message: Sequence[Syllable], term: Sequence[Syllable]) -> list[int]:
    """Where the term starts in the message."""
    size = len(term)
    return [
        i
        for i in range(len(message) - size + 1)
        if all(_same(message[i + j], term[j]) for j in range(size))
    ]


def _typed_plain(message: Sequence[Syllable], start: int, size: int) -> bool:
    return all(message[start + j][1] is None for j in range(size))


@lru_cache(maxsize=8192)
def _term(term: str) -> tuple[Syllable, ...]:
    """A lexicon term's syllables, worked out once per process (the lexicon changes only with a
    publish; this was most of the bot's CPU per message).

    In a term written with accents, a syllable that has none is that syllable exactly: "treo" of
    "treo cổ" (hanging) must not match an accented "trẹo" ("trẹo cổ chân", a sprained ankle). A
    term written wholly without accents ("tu tu") still matches any accents, and so does every
    word a person types without them.
    """
    if not has_diacritics(term):
        return tuple(syllables(term))
    result: list[Syllable] = []
    for span in spans(term):
        word = span.text.lower()
        if span.expanded == (fold(word),):
            result.append((span.expanded[0], word))
        else:  # a teencode word of the term ("ko") stands for whatever it expands to
            result.extend((syllable, None) for syllable in span.expanded)
    return tuple(result)


def detect(text: str, lexicon: Mapping[str, Iterable[str]]) -> Alert | None:
    """The emergency a message mentions, if any (``lexicon``: kind → terms as written)."""
    message = syllables(text)
    if not message:
        return None
    folded = {typed[0] for typed in message}
    ranked = sorted(lexicon, key=lambda k: KIND_PRIORITY.index(k) if k in KIND_PRIORITY else 99)
    lookalike: Alert | None = None
    for kind in ranked:
        for term in lexicon[kind]:
            wanted = _term(term)
            # A term whose first syllable is not in the message cannot match: skip the scan.
            if not wanted or wanted[0][0] not in folded:
                continue
            starts = _matches(message, wanted)
            if not starts:
                continue
            key = normalise(term)
            if key not in LOOKALIKES or not all(
                _typed_plain(message, i, len(wanted)) for i in starts
            ):
                return Alert(kind, key)
            # Only the everyday word, perhaps: any other term found still wins.
            lookalike = lookalike or Alert(kind, key, lookalike=True)
    return lookalike
