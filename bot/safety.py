"""The safety net: spot emergencies in every message, with or without the NLU.

The message is put in ``vietnlp.text.normalise`` form (accents, case and teencode do not matter)
and searched for the editors' emergency lexicon terms as whole words or phrases, so "cap cuu",
"CẤP CỨU" and "cc" all match "cấp cứu" while "cứu" alone inside another word does not.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from vietnlp.text import normalise

# When several kinds match, the first here wins: the suicide reply adds crisis support to the
# emergency numbers, and a medical emergency outranks a call for the police.
KIND_PRIORITY = ("suicide", "medical", "police")


@dataclass(frozen=True)
class Alert:
    """An emergency term found in a message."""

    kind: str  # medical | police | suicide
    term: str  # the normalised term that matched


def detect(text: str, lexicon: Mapping[str, Iterable[str]]) -> Alert | None:
    """The emergency a message mentions, if any (``lexicon``: kind → normalised terms)."""
    padded = f" {normalise(text)} "
    if not padded.strip():
        return None
    ranked = sorted(lexicon, key=lambda k: KIND_PRIORITY.index(k) if k in KIND_PRIORITY else 99)
    for kind in ranked:
        for term in lexicon[kind]:
            if term.strip() and f" {term.strip()} " in padded:
                return Alert(kind, term)
    return None
