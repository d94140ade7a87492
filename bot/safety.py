"""The safety net: spot emergencies in every message, with or without the NLU.

A message matches a lexicon term when its words, teencode expanded, spell the term word for word
(a phrase inside a longer one counts: the net errs on the side of safety). Accents are compared
only where the person typed them: "cap cuu", "CẤP CỨU" and "cc" all match "cấp cứu", but
"từ từ" (slowly) does not match "tự tử", nor "bí danh" "bị đánh", nor "trẹo cổ" (a sprain) "treo
cổ" — text without accents cannot tell those apart, so unaccented words match any accents.

One term typed without accents is far more often an everyday word: "tu van" is nearly always
"tư vấn" (advice: "trung tâm tu van", "muon duoc tu van") and rarely "tự vẫn"; "treo co chan" is
"trẹo cổ chân" (a sprained ankle). Such a match still
raises the alarm, marked ``lookalike`` so that the engine can weigh it with the classifier (the
crisis lines then come first, above the answer to what was asked, instead of replacing it).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache

from vietnlp.text import Span, fold, has_diacritics, normalise, spans

# When several kinds match, the first here wins: the suicide reply adds crisis support to the
# emergency numbers, and a medical emergency outranks a call for the police.
KIND_PRIORITY = ("suicide", "medical", "police")

# A syllable as typed: folded form, and its accented lower-case form when it was typed with accents.
Syllable = tuple[str, str | None]


@dataclass(frozen=True)
class Lookalike:
    """The everyday word a term typed without accents nearly always is, and the syllables that
    must follow it for that reading (none: always)."""

    word: str
    followed_by: frozenset[str] = frozenset()


# Terms (folded) whose unaccented spelling is, nearly always, an everyday word. Kept short on
# purpose: "tu tu" may be "từ từ" (slowly) but a missed "tự tử" costs more, so it stays a full
# alarm; "treo co" is a sprain only before "chân"/"tay" ("trẹo cổ chân": ankle, "cổ tay": wrist).
LOOKALIKES: dict[str, Lookalike] = {
    "tu van": Lookalike("tư vấn"),
    "treo co": Lookalike("trẹo cổ chân", frozenset({"chan", "tay"})),
}


@dataclass(frozen=True)
class Alert:
    """An emergency term found in a message."""

    kind: str  # medical | police | suicide
    term: str  # the term that matched, in ``normalise`` form
    lookalike: bool = False  # only typed without accents, as a word of LOOKALIKES ("tu van")


def _span_syllables(span: Span) -> list[Syllable]:
    word = span.text.lower()
    if span.expanded == (fold(word),) and has_diacritics(word):
        return [(span.expanded[0], word)]
    return [(syllable, None) for syllable in span.expanded]


def syllables(text: str) -> list[Syllable]:
    """The text's syllables; teencode expansions count as typed without accents."""
    return [syllable for span in spans(text) for syllable in _span_syllables(span)]


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


def _breaks(text: str) -> set[int]:
    """Indices (in ``syllables(text)``) of the syllables that follow a mark, not only a space."""
    result: set[int] = set()
    index, previous_end = 0, None
    for span in spans(text):
        if previous_end is not None and text[previous_end : span.start].strip():
            result.add(index)
        index += len(_span_syllables(span))
        previous_end = span.end
    return result


def _looks_alike(
    message: Sequence[Syllable], text: str, start: int, size: int, like: Lookalike
) -> bool:
    """The match at ``start`` was typed without accents and reads as the everyday word (with
    the syllable it needs right after it, in the same clause)."""
    if any(message[start + j][1] is not None for j in range(size)):
        return False
    if not like.followed_by:
        return True
    after = start + size
    return (
        after < len(message)
        and message[after][0] in like.followed_by
        and after not in _breaks(text)
    )


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
            like = LOOKALIKES.get(key)
            if like is None or not all(
                _looks_alike(message, text, i, len(wanted), like) for i in starts
            ):
                return Alert(kind, key)
            # Only the everyday word, perhaps: any other term found still wins.
            lookalike = lookalike or Alert(kind, key, lookalike=True)
    return lookalike
