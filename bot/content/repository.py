"""Read access to the live content version, cached in memory, for the bot and its actions.

The whole live version is small (a few hundred rows), so it is loaded at once into immutable
views; the live version id is re-checked at most every ``refresh_seconds``, so a running bot picks
up a publish without restart. Reads are plain dictionary look-ups and safe from any thread.
"""

from __future__ import annotations

import asyncio
import logging
import math
import threading
import time
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from bot.db import Base
from bot.models.content import (
    Answer,
    Chapter,
    Contact,
    ContentVersion,
    IntentAnswers,
    LexiconTerm,
    QuizQuestion,
)
from vietnlp.text import nfc, normalise

log = logging.getLogger(__name__)

Row = Mapping[str, Any]

# How much a query word counts depending on where it is found (title > short > body).
FIELD_WEIGHTS = (("title", 3.0), ("short", 2.0), ("body", 1.0))
# Words found in more than this share of a country's answers say nothing about the question.
COMMON_WORD_SHARE = 0.5
REFRESH_WAIT_SECONDS = 0.25  # how long a reader off the event loop waits for a re-check


@dataclass(frozen=True)
class SourceView:
    """A source of facts, shown as a link."""

    url: str
    title: str


@dataclass(frozen=True)
class ContactView:
    """A phone line, office or mission as shown to workers."""

    id: str
    country: str
    name: str
    kind: str
    phones: tuple[str, ...]
    address: str | None
    hours: str | None
    languages: tuple[str, ...]
    helps_with: str | None
    source: SourceView
    verified_on: date


@dataclass(frozen=True)
class Phrase:
    """One sentence in Vietnamese and in the host country's language."""

    vi: str
    local: str


@dataclass(frozen=True)
class PhraseCard:
    """Sentences a worker shows to staff or a doctor."""

    lang: str
    items: tuple[Phrase, ...]


@dataclass(frozen=True)
class AnswerView:
    """A published answer with its contacts resolved, ready to render."""

    id: str
    country: str
    chapter_id: str
    title: str
    short: str
    body: str
    more: str | None
    related: tuple[str, ...]
    contacts: tuple[ContactView, ...]
    phrases: PhraseCard | None
    sources: tuple[SourceView, ...]
    verified_on: date
    version: int


@dataclass(frozen=True)
class ChapterView:
    """A chapter of the handbook menu with the answers published for one country."""

    id: str
    title: str
    icon: str
    answer_ids: tuple[str, ...]


def contact_view(row: Row) -> ContactView:
    """A contact row (as stored, or as built from a file by ``publish.contact_row``) → view."""
    return ContactView(
        id=row["contact_id"],
        country=row["country"],
        name=row["name"],
        kind=row["kind"],
        phones=tuple(row["phones"]),
        address=row["address"],
        hours=row["hours"],
        languages=tuple(row["languages"]),
        helps_with=row["helps_with"],
        source=SourceView(url=row["source_url"], title=row["source_title"]),
        verified_on=row["verified_on"],
    )


def answer_view(row: Row, contacts: Mapping[str, ContactView], version: int) -> AnswerView:
    """An answer row → view, with its contacts looked up in ``contacts`` (missing ones left out)."""
    phrases = row["phrases"]
    return AnswerView(
        id=row["answer_id"],
        country=row["country"],
        chapter_id=row["chapter_id"],
        title=row["title"],
        short=row["short"],
        body=row["body"],
        more=row["more"],
        related=tuple(row["related"]),
        contacts=tuple(contacts[cid] for cid in row["contact_ids"] if cid in contacts),
        phrases=PhraseCard(
            lang=phrases["lang"],
            items=tuple(Phrase(vi=p["vi"], local=p["local"]) for p in phrases["items"]),
        )
        if phrases
        else None,
        sources=tuple(SourceView(url=s["url"], title=s["title"]) for s in row["sources"]),
        verified_on=row["verified_on"],
        version=version,
    )


@dataclass(frozen=True)
class QuizStatement:
    """A quiz question from ``quiz.yml``; ``topic`` is the answer whose sources back it."""

    id: str
    topic: str
    question: str
    options: tuple[str, ...]
    correct: int


@dataclass(frozen=True)
class _Indexed:
    """An answer's words in comparable form, for search."""

    answer: AnswerView
    position: int  # menu order, to break ties
    words: dict[str, frozenset[str]]  # field name → normalised words


def _index(answer: AnswerView, position: int) -> _Indexed:
    words = {name: frozenset(normalise(getattr(answer, name)).split()) for name, _ in FIELD_WEIGHTS}
    return _Indexed(answer, position, words)


@dataclass(frozen=True)
class _Snapshot:
    """One content version, fully loaded."""

    version: int
    answers: dict[tuple[str, str], AnswerView]
    chapters: tuple[tuple[str, str, str, tuple[str, ...]], ...]
    intents: dict[str, tuple[str, ...]]
    contacts: tuple[ContactView, ...]
    lexicon: dict[str, tuple[str, ...]]
    quiz: tuple[QuizStatement, ...]
    search: dict[str, list[_Indexed]]  # country → its answers


def _as_row(obj: Base) -> dict[str, Any]:
    return {attr.key: getattr(obj, attr.key) for attr in obj.__mapper__.column_attrs}


def _load_snapshot(session: Session, version: int) -> _Snapshot:
    def rows(model: type[Any], *order: Any) -> list[Any]:
        return list(
            session.scalars(select(model).where(model.version_id == version).order_by(*order))
        )

    contacts = tuple(contact_view(_as_row(c)) for c in rows(Contact, Contact.position))
    by_id = {c.id: c for c in contacts}
    chapters = rows(Chapter, Chapter.position)
    menu_order = {aid: n for n, aid in enumerate(a for ch in chapters for a in ch.answer_ids)}
    answers = {
        (a.country, a.answer_id): answer_view(_as_row(a), by_id, version)
        for a in rows(Answer, Answer.country, Answer.answer_id)
    }
    search: dict[str, list[_Indexed]] = {}
    for (country, answer_id), view in answers.items():
        search.setdefault(country, []).append(_index(view, menu_order.get(answer_id, 0)))
    lexicon: dict[str, list[str]] = {}
    for term in rows(LexiconTerm, LexiconTerm.position):
        lexicon.setdefault(term.kind, []).append(nfc(term.term).strip().lower())
    return _Snapshot(
        version=version,
        answers=answers,
        chapters=tuple((c.chapter_id, c.title, c.icon, tuple(c.answer_ids)) for c in chapters),
        intents={i.intent: tuple(i.answer_ids) for i in rows(IntentAnswers, IntentAnswers.intent)},
        contacts=contacts,
        lexicon={kind: tuple(terms) for kind, terms in lexicon.items()},
        quiz=tuple(
            QuizStatement(q.question_id, q.topic, q.question, tuple(q.options), q.correct)
            for q in rows(QuizQuestion, QuizQuestion.position)
        ),
        search=search,
    )


class ContentRepository:
    """The live content, as the bot sees it (published items only)."""

    def __init__(
        self, session_factory: sessionmaker[Session], refresh_seconds: float = 5.0
    ) -> None:
        self._session_factory = session_factory
        self._refresh_seconds = refresh_seconds
        self._snapshot: _Snapshot | None = None
        self._checked_at = -math.inf
        self._lock = threading.Lock()  # held by the one refresh in progress
        self._refresher = ThreadPoolExecutor(1, thread_name_prefix="content-refresh")

    # --- cache ---------------------------------------------------------------------------

    def _current(self) -> _Snapshot | None:
        if time.monotonic() - self._checked_at < self._refresh_seconds:
            return self._snapshot
        if self._snapshot is None:  # nothing to answer from yet: wait for the database
            with self._lock:
                if time.monotonic() - self._checked_at >= self._refresh_seconds:
                    self._refresh()
            return self._snapshot
        # Re-checked in the background: an answer never waits for a slow or locked database
        # (emergency numbers come from here). Off the event loop the caller waits a moment,
        # so a publish shows at once when the database is well.
        if self._lock.acquire(blocking=False):
            done = threading.Event()
            self._refresher.submit(self._refresh_and_release, done)
            if not _on_event_loop():
                done.wait(REFRESH_WAIT_SECONDS)
        return self._snapshot

    def _refresh_and_release(self, done: threading.Event) -> None:
        try:
            self._refresh()
        finally:
            self._lock.release()
            done.set()

    def _refresh(self) -> None:
        try:
            with self._session_factory() as session:
                live = session.scalars(
                    select(ContentVersion.id).where(ContentVersion.is_live)
                ).first()
                if live is None:
                    if self._snapshot is not None:  # publishing never unpublishes: a lost file
                        log.error("no live content version in the database; answering from memory")
                    else:
                        self._snapshot = None
                elif self._snapshot is None or self._snapshot.version != live:
                    self._snapshot = _load_snapshot(session, live)
                    log.info("content version %s loaded", live)
        except SQLAlchemyError:
            if self._snapshot is None:
                raise
            # keep answering from the version already in memory; try again after the interval
            log.warning("could not check the live content version; answering from memory")
        self._checked_at = time.monotonic()

    # --- public API ----------------------------------------------------------------------

    def live_version(self) -> int | None:
        """Id of the live content version (``None`` before the first publish)."""
        snapshot = self._current()
        return snapshot.version if snapshot else None

    def answer(self, answer_id: str, country: str) -> AnswerView | None:
        """The published answer for a country, or ``None``."""
        snapshot = self._current()
        return snapshot.answers.get((country, answer_id)) if snapshot else None

    def chapters(self, country: str) -> list[ChapterView]:
        """Menu chapters with the answers published for ``country`` (empty chapters left out)."""
        snapshot = self._current()
        if snapshot is None:
            return []
        views = (
            ChapterView(cid, title, icon, tuple(a for a in ids if (country, a) in snapshot.answers))
            for cid, title, icon, ids in snapshot.chapters
        )
        return [view for view in views if view.answer_ids]

    def answer_ids_for_intent(self, intent: str) -> list[str]:
        """Answer ids an NLU intent leads to, best first (check ``answer()`` per country)."""
        snapshot = self._current()
        return list(snapshot.intents.get(intent, ())) if snapshot else []

    def published_for_intent(self, intent: str, country: str) -> list[str]:
        """The answer ids an NLU intent leads to that are published for ``country``, best first."""
        snapshot = self._current()
        if snapshot is None:
            return []
        return [i for i in snapshot.intents.get(intent, ()) if (country, i) in snapshot.answers]

    def search(
        self, query: str, country: str, limit: int = 5, among: Sequence[str] | None = None
    ) -> list[AnswerView]:
        """Answers whose words match the query, best first, ignoring accents and teencode."""
        snapshot = self._current()
        words = normalise(query).split()
        if snapshot is None or not words or limit <= 0:
            return []
        corpus = snapshot.search.get(country, [])
        wanted = None if among is None else set(among)
        candidates = [c for c in corpus if wanted is None or c.answer.id in wanted]
        return [c.answer for c in _rank(words, corpus, candidates)[:limit]]

    def contacts(self, country: str, kind: str | None = None) -> list[ContactView]:
        """Published contacts of a country, then Viet Nam's own lines; optionally of one kind."""
        snapshot = self._current()
        if snapshot is None:
            return []
        ordered = [c for c in snapshot.contacts if c.country == country]
        ordered += [c for c in snapshot.contacts if c.country == "vn" and country != "vn"]
        return [c for c in ordered if kind is None or c.kind == kind]

    def emergency_terms(self) -> list[str]:
        """Every emergency lexicon term in ``vietnlp.text.normalise`` form, without repeats."""
        terms = (normalise(t) for terms in self.emergency_lexicon().values() for t in terms)
        return list(dict.fromkeys(terms))

    def quiz_statements(self) -> list[QuizStatement]:
        """The statement questions of the pre-departure quiz (all countries)."""
        snapshot = self._current()
        return list(snapshot.quiz) if snapshot else []

    def emergency_lexicon(self) -> dict[str, list[str]]:
        """Emergency terms by kind (medical, police, suicide), in lower case with their accents:
        the safety net needs them to tell "tự tử" from "từ từ"."""
        snapshot = self._current()
        return {k: list(v) for k, v in snapshot.lexicon.items()} if snapshot else {}


def _rank(words: list[str], corpus: list[_Indexed], candidates: list[_Indexed]) -> list[_Indexed]:
    """Candidates with a positive score, best first; rare words count more (idf over corpus)."""
    weights = _word_weights(set(words), corpus)
    scored = []
    for candidate in candidates:
        score = sum(
            weight
            * max((w for name, w in FIELD_WEIGHTS if word in candidate.words[name]), default=0.0)
            for word, weight in weights.items()
        )
        if score > 0:
            scored.append((-score, candidate.position, candidate))
    return [candidate for *_, candidate in sorted(scored, key=lambda s: s[:2])]


def _word_weights(words: set[str], corpus: list[_Indexed]) -> dict[str, float]:
    total = len(corpus)
    weights: dict[str, float] = {}
    for word in words:
        found_in = sum(1 for c in corpus if any(word in ws for ws in c.words.values()))
        if found_in and (total < 4 or found_in / total <= COMMON_WORD_SHARE):
            weights[word] = math.log(1 + total / found_in)
    return weights


def _on_event_loop() -> bool:
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return False
    return True
