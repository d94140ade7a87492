"""Publishing: validated content becomes a new live version, in one transaction or not at all.

The visible content (published items only) is turned into plain rows once; the same rows are
hashed, so publishing unchanged content is recognised and does nothing.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any, Literal

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from bot.content.loader import ContentTree, load_content
from bot.content.repository import AnswerView, ContactView, answer_view, contact_view
from bot.content.schema import AnswerDoc, ContactDoc
from bot.content.validate import Report, validate
from bot.models.content import (
    Answer,
    Chapter,
    Contact,
    ContentVersion,
    IntentAnswers,
    LexiconTerm,
    QuizQuestion,
)
from vietnlp.countries import COUNTRY_CODES

Row = dict[str, Any]


@dataclass(frozen=True)
class Payload:
    """Everything workers can see, as column values of the content tables."""

    answers: list[Row]
    contacts: list[Row]
    chapters: list[Row]
    intents: list[Row]
    lexicon: list[Row]
    quiz: list[Row]

    def digest(self) -> str:
        """A hash of the visible content: equal hashes mean nothing a worker sees changed."""
        text = json.dumps(asdict(self), sort_keys=True, ensure_ascii=False, default=str)
        return hashlib.sha256(text.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class PublishResult:
    """What ``publish`` did: ``published`` (new live version), ``unchanged`` or ``rejected``."""

    outcome: Literal["published", "unchanged", "rejected"]
    report: Report
    version: int | None = None


class PublishConflict(RuntimeError):
    """Another publish made a version live at the same moment; publishing again is safe."""


def build_payload(tree: ContentTree) -> Payload:
    """The published part of a content tree (call only when validation found no errors)."""
    published = _published_answer_ids(tree)
    chapter_of = _chapter_ids(tree)
    return Payload(
        answers=[
            answer_row(item.model, country, chapter_of[item.model.id], published[country])
            for country in COUNTRY_CODES
            for item in tree.answers.get(country, [])
            if item.model.status == "published"
        ],
        contacts=[
            contact_row(item.model, country, position)
            for country, items in tree.contacts.items()
            for position, item in enumerate(items)
            if item.model.status == "published"
        ],
        chapters=_chapter_rows(tree),
        intents=_intent_rows(tree),
        lexicon=_lexicon_rows(tree),
        quiz=_quiz_rows(tree),
    )


def _published_answer_ids(tree: ContentTree) -> dict[str, set[str]]:
    return {
        country: {
            i.model.id for i in tree.answers.get(country, []) if i.model.status == "published"
        }
        for country in COUNTRY_CODES
    }


def _chapter_ids(tree: ContentTree) -> dict[str, str]:
    assert tree.topics is not None, "validation guarantees topics.yml was read"
    return {aid: ch.id for ch in tree.topics.model.chapters for aid in ch.answers}


def answer_row(doc: AnswerDoc, country: str, chapter_id: str, published: set[str]) -> Row:
    """Column values of an answer; ``related`` keeps only ids in ``published``."""
    return {
        "country": country,
        "answer_id": doc.id,
        "chapter_id": chapter_id,
        "status": doc.status,
        "title": doc.title,
        "short": doc.short,
        "body": doc.body,
        "more": doc.more,
        # buttons to answers that are not published yet would lead nowhere
        "related": [rid for rid in doc.related if rid in published],
        "contact_ids": list(doc.contacts),
        "phrases": doc.phrases.model_dump() if doc.phrases else None,
        "sources": [source.model_dump() for source in doc.sources],
        "verified_on": doc.verified_on,
    }


def contact_row(doc: ContactDoc, country: str, position: int) -> Row:
    """Column values of a contact."""
    return {
        "position": position,
        "country": country,
        "contact_id": doc.id,
        "name": doc.name,
        "kind": doc.kind,
        "phones": list(doc.phones),
        "address": doc.address,
        "hours": doc.hours,
        "languages": list(doc.languages),
        "helps_with": doc.helps_with,
        "status": doc.status,
        "source_url": doc.source.url,
        "source_title": doc.source.title,
        "verified_on": doc.verified_on,
    }


def preview_view(tree: ContentTree, country: str, answer_id: str) -> AnswerView:
    """An answer straight from the files (any status), the way publishing would store it."""
    doc = next(i.model for i in tree.answers[country] if i.model.id == answer_id)
    chapter = (
        next((ch.id for ch in tree.topics.model.chapters if answer_id in ch.answers), "")
        if tree.topics
        else ""
    )
    contacts: dict[str, ContactView] = {
        i.model.id: contact_view(contact_row(i.model, c, n))
        for c in (country, "vn")
        for n, i in enumerate(tree.contacts.get(c, []))
    }
    return answer_view(
        answer_row(doc, country, chapter, set(tree.answer_files[country])), contacts, version=0
    )


def _chapter_rows(tree: ContentTree) -> list[Row]:
    assert tree.topics is not None, "validation guarantees topics.yml was read"
    return [
        {
            "position": position,
            "chapter_id": ch.id,
            "title": ch.title,
            "icon": ch.icon,
            "answer_ids": list(ch.answers),
        }
        for position, ch in enumerate(tree.topics.model.chapters)
    ]


def _intent_rows(tree: ContentTree) -> list[Row]:
    assert tree.intents is not None, "validation guarantees intents.yml was read"
    return [
        {"intent": intent, "answer_ids": list(ids)}
        for intent, ids in tree.intents.model.root.items()
    ]


def _lexicon_rows(tree: ContentTree) -> list[Row]:
    assert tree.lexicon is not None, "validation guarantees emergency_lexicon.yml was read"
    terms = [(kind, term.strip()) for kind, ts in tree.lexicon.model for term in ts if term]
    return [{"position": p, "kind": kind, "term": term} for p, (kind, term) in enumerate(terms)]


def _quiz_rows(tree: ContentTree) -> list[Row]:
    questions = tree.quiz.model.questions if tree.quiz else []
    return [
        {
            "position": position,
            "question_id": q.id,
            "topic": q.topic,
            "question": q.question,
            "options": list(q.options),
            "correct": q.correct,
        }
        for position, q in enumerate(questions)
    ]


def publish(
    content_dir: Path,
    session_factory: sessionmaker[Session],
    published_by: str,
    today: date | None = None,
) -> PublishResult:
    """Load, validate and — only when there is no error — make the content the live version."""
    tree = load_content(content_dir)
    report = validate(tree, today or date.today())
    if not report.ok:
        return PublishResult("rejected", report)
    return _switch(build_payload(tree), report, session_factory, published_by)


def _switch(
    payload: Payload, report: Report, session_factory: sessionmaker[Session], published_by: str
) -> PublishResult:
    digest = payload.digest()
    try:
        with session_factory() as session, session.begin():
            live = session.scalars(select(ContentVersion).where(ContentVersion.is_live)).first()
            if live is not None and live.content_hash == digest:
                return PublishResult("unchanged", report, live.id)
            version = _new_version(payload, digest, published_by)
            session.add(version)
            session.flush()
            if live is not None:
                live.is_live = False
                session.flush()  # the unique index allows one live row at any moment
            version.is_live = True
        return PublishResult("published", report, version.id)
    except IntegrityError as exc:
        raise PublishConflict("another publish happened at the same moment; run it again") from exc


def _new_version(payload: Payload, digest: str, published_by: str) -> ContentVersion:
    return ContentVersion(
        created_at=datetime.now(UTC),
        published_by=published_by,
        is_live=False,
        content_hash=digest,
        answers=[Answer(**row) for row in payload.answers],
        contacts=[Contact(**row) for row in payload.contacts],
        chapters=[Chapter(**row) for row in payload.chapters],
        intents=[IntentAnswers(**row) for row in payload.intents],
        lexicon=[LexiconTerm(**row) for row in payload.lexicon],
        quiz=[QuizQuestion(**row) for row in payload.quiz],
    )


def roll_back(
    session_factory: sessionmaker[Session], version_id: int, published_by: str
) -> PublishResult:
    """Make an earlier version's content live again, as a new version (so history stays linear).

    The same switch as ``publish``: one transaction, and the old live version stays live if
    anything fails. Raises ``LookupError`` for an unknown version.
    """
    with session_factory() as session:
        old = session.get(ContentVersion, version_id)
        if old is None:
            raise LookupError(f"there is no content version {version_id}")
        payload = Payload(
            answers=[_row_of(r) for r in old.answers],
            contacts=[_row_of(r) for r in old.contacts],
            chapters=[_row_of(r) for r in old.chapters],
            intents=[_row_of(r) for r in old.intents],
            lexicon=[_row_of(r) for r in old.lexicon],
            quiz=[_row_of(r) for r in old.quiz],
        )
    return _switch(payload, Report(()), session_factory, published_by)


def _row_of(obj: Any) -> Row:
    """Column values of a stored content row, without its own id and version."""
    return {
        attr.key: getattr(obj, attr.key)
        for attr in obj.__mapper__.column_attrs
        if attr.key not in {"id", "version_id"}
    }
