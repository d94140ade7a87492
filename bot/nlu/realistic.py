"""The realistic test set (``tests/realistic/``) and how a reply to one of its messages is scored.

The set was written apart from the training data, by writers who never saw ``nlu_data/``, from
how workers really write (long messages, dialect, only a city named, teencode, indirect cries for
help). It is never trained on; ``overlap`` checks that by script. Every message comes in three
forms: as written (with diacritics), without diacritics (folded here, mechanically) and teencode
(re-typed by the writers).

A reply is judged as a worker would judge it, on what the engine sends, not on the NLU's label:
the first answer shown must be one of the message's topics, for the right country; emergencies
must show their number in the FIRST message; a cry for help must get a crisis line first.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from actions.reply import Callback, Verb
from bot.content.repository import ContentRepository
from bot.conversation import Conversation, Turn
from bot.settings import REPO_ROOT
from vietnlp.countries import COUNTRY_CODES
from vietnlp.text import fold, normalise

REALISTIC_DIR = REPO_ROOT / "tests" / "realistic"
FORMS = ("written", "plain", "teencode")
# Labels that are not answer topics: a correct reply opens no answer (menu, greeting…).
NO_ANSWER_LABELS = frozenset({"out_of_scope", "greet", "thanks", "goodbye", "help"})


@dataclass(frozen=True)
class Case:
    """One message of the realistic set, with what a correct reply must do."""

    id: str
    stored: str | None  # the country the user chose earlier (None: never chose)
    text: str
    teencode: str
    topics: tuple[str, ...]
    country: str | None
    emergency: str | None = None  # medical | police | suicide
    number: str | None = None
    also: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()

    def form(self, name: str) -> str:
        if name == "written":
            return self.text
        if name == "plain":
            return fold_keeping_case(self.text)
        if name == "teencode":
            return self.teencode
        raise ValueError(name)


def fold_keeping_case(text: str) -> str:
    """The message as typed without diacritics (capitals kept, which ``fold`` drops)."""
    return "".join(fold(ch).upper() if ch.isupper() else fold(ch) for ch in text)


def _tuple(value: object) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        return (value,)
    return tuple(str(v) for v in value)  # type: ignore[attr-defined]


def load_cases(folder: Path = REALISTIC_DIR) -> list[Case]:
    """Every case of every country file in ``folder``."""
    cases = []
    for path in sorted(folder.glob("*.yml")):
        for item in yaml.safe_load(path.read_text(encoding="utf-8")) or []:
            cases.append(
                Case(
                    id=str(item["id"]),
                    stored=item.get("stored"),
                    text=str(item["text"]),
                    teencode=str(item.get("teencode") or item["text"]),
                    topics=_tuple(item["topics"]),
                    country=item.get("country") or item.get("stored"),
                    emergency=item.get("emergency"),
                    number=str(item["number"]) if item.get("number") else None,
                    also=_tuple(item.get("also")),
                    tags=_tuple(item.get("tags")),
                )
            )
    return cases


# --------------------------------------------------------------------------- overlap
def shingles(text: str, size: int = 4) -> set[tuple[str, ...]]:
    words = normalise(text).split()
    if len(words) < size:
        return {tuple(words)} if words else set()
    return {tuple(words[i : i + size]) for i in range(len(words) - size + 1)}


@dataclass(frozen=True)
class Overlap:
    case_id: str
    form: str
    training: str
    similarity: float


def overlap(cases: Sequence[Case], training: Iterable[str], limit: float = 0.5) -> list[Overlap]:
    """Test messages too close to a training sentence: equal after normalisation, or sharing
    more than ``limit`` of their word 4-grams (Jaccard)."""
    train = [(sentence, normalise(sentence), shingles(sentence)) for sentence in training]
    exact = {norm: sentence for sentence, norm, _ in train}
    index: dict[tuple[str, ...], list[int]] = {}
    for i, (_s, _n, grams) in enumerate(train):
        for gram in grams:
            index.setdefault(gram, []).append(i)
    found = []
    for case in cases:
        for form in FORMS:
            text = case.form(form)
            norm = normalise(text)
            if norm in exact:
                found.append(Overlap(case.id, form, exact[norm], 1.0))
                continue
            grams = shingles(text)
            candidates = {i for gram in grams for i in index.get(gram, ())}
            for i in candidates:
                other = train[i][2]
                similarity = len(grams & other) / len(grams | other)
                if similarity > limit:
                    found.append(Overlap(case.id, form, train[i][0], similarity))
                    break
    return found


# --------------------------------------------------------------------------- scoring
def _digits(text: str) -> str:
    return re.sub(r"[^\d#]", "", text)


def _has_number(text: str, number: str) -> bool:
    """``number`` appears in ``text`` as a whole number (single separators between digits)."""
    digits = _digits(number).lstrip("+")
    if not digits:
        return False
    pattern = r"[\s\-.]?".join(re.escape(d) for d in digits)
    return re.search(rf"(?<![\d]){pattern}(?!\d)", text) is not None


@dataclass
class Score:
    """How one reply did."""

    case: Case
    form: str
    answer_id: str | None
    answer_country: str | None
    clarify: bool
    suggestions: tuple[str, ...]
    offered: tuple[str, ...]  # every answer id on a button
    topic_ok: bool
    country_ok: bool
    emergency_ok: bool | None  # None: not an emergency
    also_ok: bool | None
    first_text: str = field(repr=False, default="")
    intent: str | None = None  # the NLU's (combined) intent and confidence
    confidence: float | None = None
    margin: float | None = None  # the top score minus the second one
    crisis: float = 0.0  # the classifier's strongest sign of a crisis in any part
    alert: str | None = None  # the lexicon's kind, if a term matched

    @property
    def confidently_wrong(self) -> bool:
        return self.answer_id is not None and not self.topic_ok


def score(case: Case, form: str, turn: Turn, crisis_numbers: Sequence[str]) -> Score:
    """Judge the engine's reply to one form of a case."""
    primary = next((r for r in turn.replies if r.answer is not None), None)
    answer_id = primary.answer.id if primary and primary.answer else None
    answer_country = primary.answer.country if primary and primary.answer else None
    clarify = any(r.kind == "clarify" for r in turn.replies)
    offered = []
    for message in turn.messages:
        for row in message.buttons:
            for button in row:
                callback = Callback.decode(button.data)
                if callback and callback.verb is Verb.ANSWER and callback.args:
                    offered.append(callback.args[0])
    suggestions = tuple(offered) if clarify else ()
    if NO_ANSWER_LABELS & set(case.topics):
        topic_ok = answer_id is None and not clarify
    else:
        topic_ok = answer_id in case.topics
    country_ok = answer_id is None or case.country is None or answer_country == case.country
    first = turn.messages[0].plain if turn.messages else ""
    emergency_ok: bool | None = None
    if case.emergency == "suicide":
        emergency_ok = any(_has_number(first, n) for n in crisis_numbers)
    elif case.emergency in {"medical", "police"} and case.number:
        emergency_ok = _has_number(first, case.number)
    also_ok = None
    if case.also:
        shown = {answer_id, *offered}
        also_ok = bool(set(case.also) & shown)
    return Score(
        case,
        form,
        answer_id,
        answer_country,
        clarify,
        suggestions,
        tuple(offered),
        topic_ok,
        country_ok,
        emergency_ok,
        also_ok,
        first,
        turn.nlu.intent if turn.nlu else None,
        turn.nlu.confidence if turn.nlu else None,
        _margin(turn.nlu.confidence, turn.nlu.ranking) if turn.nlu else None,
        turn.crisis,
        turn.alert.kind if turn.alert else None,
    )


def _margin(confidence: float, ranking: Sequence[tuple[str, float]]) -> float:
    scores = sorted((p for _, p in ranking), reverse=True)
    return confidence - (scores[1] if len(scores) > 1 else 0.0)


@dataclass(frozen=True)
class Summary:
    """The figures of one form (or one country of one form)."""

    n: int
    top1: float  # right topic (and right country) shown first
    topic_only: float  # right topic, whatever the country
    confidently_wrong: float
    clarify_rate: float
    clarify_hit: float  # right topic among the suggestions, of clarify cases
    emergency_recall: float  # medical/police number in the first message
    crisis_recall: float  # a crisis line in the first message
    also_offered: float  # second question's topic shown or offered


def _ratio(hits: int, total: int) -> float:
    return hits / total if total else 1.0


def summarise(scores: Sequence[Score]) -> Summary:
    n = len(scores)
    clarify = [s for s in scores if s.clarify]
    emergencies = [s for s in scores if s.case.emergency in {"medical", "police"}]
    crises = [s for s in scores if s.case.emergency == "suicide"]
    also = [s for s in scores if s.also_ok is not None]
    return Summary(
        n=n,
        top1=_ratio(sum(s.topic_ok and s.country_ok for s in scores), n),
        topic_only=_ratio(sum(s.topic_ok for s in scores), n),
        confidently_wrong=_ratio(sum(s.confidently_wrong for s in scores), n),
        clarify_rate=_ratio(len(clarify), n),
        clarify_hit=_ratio(
            sum(bool(set(s.case.topics) & set(s.suggestions)) for s in clarify), len(clarify)
        ),
        emergency_recall=_ratio(sum(bool(s.emergency_ok) for s in emergencies), len(emergencies)),
        crisis_recall=_ratio(sum(bool(s.emergency_ok) for s in crises), len(crises)),
        also_offered=_ratio(sum(bool(s.also_ok) for s in also), len(also)),
    )


# --------------------------------------------------------------------------- running
def crisis_numbers(repo: ContentRepository, country: str | None) -> list[str]:
    """The crisis lines a reply to a cry for help must show first (the country's crisis
    contacts; before those existed, the contacts of the mental-health-crisis answer)."""
    if country is None:
        return [p for code in COUNTRY_CODES for p in crisis_numbers(repo, code)]
    phones = [p for c in repo.contacts(country, kind="crisis") for p in c.phones]
    if not phones:
        answer = repo.answer("mental-health-crisis", country)
        phones = [p for c in (answer.contacts if answer else ()) for p in c.phones]
    return phones


async def run_cases(
    conversation: Conversation,
    repo: ContentRepository,
    cases: Sequence[Case],
    forms: Sequence[str] = FORMS,
) -> list[Score]:
    """Every case in every form through the engine, as a user whose country was ``stored``."""
    scores = []
    for form in forms:
        for case in cases:
            user = f"realistic-{case.id}"
            await conversation.set_country(user, case.stored)
            turn = await conversation.turn(user, case.form(form))
            scores.append(score(case, form, turn, crisis_numbers(repo, case.country)))
    return scores
