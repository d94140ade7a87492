"""The questions the bot could not answer, grouped by similarity, for editors.

Kept questions are already scrubbed of personal data (``bot.scrub``) and carry no user link.
They are compared in the project's one comparable form (``vietnlp.text.normalise``: accents,
teencode and spacing folded), then grouped with rapidfuzz's token-set similarity, which is fast,
well kept and insensitive to word order and extra words ("so cap cuu o nhat" ≈ "cap cuu nhat").
Used by the console page and by ``python -m bot content unanswered``.
"""

from __future__ import annotations

import csv
import io
from collections import Counter
from dataclasses import dataclass, field
from datetime import date

from rapidfuzz import fuzz
from sqlalchemy.orm import Session

from bot.users import kept_questions
from vietnlp.text import normalise

SIMILARITY = 72  # token-set ratio (0-100) above which two questions are "the same question"


@dataclass
class QuestionGroup:
    """Similar kept questions: how often, what the NLU guessed, and each wording once."""

    key: str  # normalised text of the first (newest) question: identifies the group in forms
    texts: list[str] = field(default_factory=list)  # distinct wordings, newest first
    count: int = 0
    guesses: Counter[str] = field(default_factory=Counter)
    confidences: list[float] = field(default_factory=list)
    countries: Counter[str] = field(default_factory=Counter)
    last_seen: date | None = None

    @property
    def example(self) -> str:
        return self.texts[0]

    @property
    def top_guesses(self) -> list[tuple[str, int]]:
        return self.guesses.most_common(3)

    @property
    def mean_confidence(self) -> float | None:
        return sum(self.confidences) / len(self.confidences) if self.confidences else None


def group_questions(session: Session, similarity: int = SIMILARITY) -> list[QuestionGroup]:
    """Every kept question in a group; the biggest groups first."""
    groups: list[QuestionGroup] = []
    for question in kept_questions(session):
        key = normalise(question.text)
        if not key:
            continue
        group = next((g for g in groups if fuzz.token_set_ratio(key, g.key) >= similarity), None)
        if group is None:
            group = QuestionGroup(key=key)
            groups.append(group)
        group.count += 1
        if question.text not in group.texts:
            group.texts.append(question.text)
        group.guesses[question.intent or "?"] += 1
        if question.confidence is not None:
            group.confidences.append(question.confidence)
        group.countries[question.country or "?"] += 1
        if group.last_seen is None or question.created_at > group.last_seen:
            group.last_seen = question.created_at
    groups.sort(key=lambda g: (-g.count, g.key))
    return groups


def format_text(groups: list[QuestionGroup]) -> str:
    """The report for a terminal."""
    if not groups:
        return "No unanswered questions are kept (they are deleted after 90 days)."
    total = sum(g.count for g in groups)
    lines = [f"{total} unanswered question(s) in {len(groups)} group(s), most asked first:", ""]
    for number, group in enumerate(groups, start=1):
        guesses = ", ".join(f"{intent} ×{n}" for intent, n in group.top_guesses)
        confidence = (
            f", mean confidence {group.mean_confidence:.2f}" if group.mean_confidence else ""
        )
        lines.append(f"{number:>3}. ×{group.count}  {group.example}")
        lines.append(f"      NLU guessed: {guesses}{confidence}")
        lines += [f"      also: {text}" for text in group.texts[1:4]]
        if len(group.texts) > 4:
            lines.append(f"      … and {len(group.texts) - 4} more wording(s)")
    return "\n".join(lines)


def format_csv(groups: list[QuestionGroup]) -> str:
    """One row per group, for a spreadsheet."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(
        ["group", "count", "example", "other_wordings", "nlu_guesses", "mean_confidence",
         "countries", "last_seen"]
    )  # fmt: skip
    for number, g in enumerate(groups, start=1):
        writer.writerow(
            [
                number,
                g.count,
                g.example,
                " | ".join(g.texts[1:]),
                "; ".join(f"{intent}:{n}" for intent, n in g.top_guesses),
                f"{g.mean_confidence:.3f}" if g.mean_confidence is not None else "",
                "; ".join(f"{c}:{n}" for c, n in g.countries.most_common()),
                g.last_seen.isoformat() if g.last_seen else "",
            ]
        )
    return out.getvalue()
