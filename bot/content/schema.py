"""The shape of every content file, as pydantic models (the single definition of the format).

``content/README.md`` explains these fields to editors; the loader feeds parsed YAML into these
models and turns pydantic's errors into ``file:line`` messages for them.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, RootModel, StringConstraints

MAX_SHORT_CHARS = 700

Status = Literal["published", "unverified", "draft"]
# crisis: suicide prevention and emotional-crisis lines (shown first for a suicide alert).
ContactKind = Literal["emergency", "crisis", "hotline", "mission", "office"]
LexiconKind = Literal["medical", "police", "suicide"]

Id = Annotated[str, StringConstraints(pattern=r"^[a-z0-9]+(-[a-z0-9]+)*$")]
# A short number as dialled: 3–6 digits ("119", "1955") or "#" and digits (Japan's "#9110").
ShortCode = Annotated[
    str, StringConstraints(strip_whitespace=True, pattern=r"^(#\d{3,5}|\d{3,6})$")
]
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]


class _Strict(BaseModel):
    """Unknown keys are mistakes (usually typos), so they are rejected, not ignored."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class SourceDoc(_Strict):
    """Where a fact comes from."""

    url: Annotated[str, StringConstraints(pattern=r"^https?://\S+$")]
    title: Text


class PhraseDoc(_Strict):
    """One sentence in Vietnamese and in the host country's language."""

    vi: Text
    local: Text


class PhraseCardDoc(_Strict):
    """The block a worker shows to staff or a doctor."""

    lang: Literal["ja", "ko", "zh-Hant"]
    items: Annotated[list[PhraseDoc], Field(min_length=1)]


class AnswerDoc(_Strict):
    """One answer file: ``answers/<country>/<id>.yml``."""

    id: Id
    status: Status
    verified_on: date
    title: Text
    short: Text
    body: Text
    more: Text | None = None
    related: list[Id] = Field(default_factory=list)
    contacts: list[Id] = Field(default_factory=list)
    phrases: PhraseCardDoc | None = None
    sources: Annotated[list[SourceDoc], Field(min_length=1)]


class ContactDoc(_Strict):
    """One entry of ``contacts/<country>.yml``."""

    id: Id
    name: Text
    kind: ContactKind
    phones: list[Text] = Field(default_factory=list)
    address: Text | None = None
    hours: Text | None = None
    languages: list[Text] = Field(default_factory=list)
    helps_with: Text | None = None
    status: Status
    source: SourceDoc
    verified_on: date


class ShortCodeDoc(_Strict):
    """One entry of ``short_codes/<country>.yml``: a short number the content may use."""

    code: ShortCode
    what: Text
    source: SourceDoc
    verified_on: date


class ChapterDoc(_Strict):
    """A chapter of the handbook menu."""

    id: Id
    title: Text
    icon: Text
    answers: Annotated[list[Id], Field(min_length=1)]


class TopicsDoc(_Strict):
    """``topics.yml``: the chapters in menu order."""

    chapters: Annotated[list[ChapterDoc], Field(min_length=1)]


class IntentsDoc(RootModel[dict[Annotated[str, StringConstraints(pattern=r"^\w+$")], list[Id]]]):
    """``intents.yml``: NLU intent → answer ids, best first."""


class QuizQuestionDoc(_Strict):
    """A statement question of the pre-departure quiz, backed by its topic's sources."""

    id: Id
    topic: Id
    question: Text
    options: Annotated[list[Text], Field(min_length=2, max_length=4)]
    correct: Annotated[int, Field(ge=0)]


class QuizDoc(_Strict):
    """``quiz.yml``: questions of ``/kiemtra`` besides those built from the contacts."""

    questions: Annotated[list[QuizQuestionDoc], Field(min_length=1)]


class LexiconDoc(_Strict):
    """``emergency_lexicon.yml``: words that always bring up the emergency numbers."""

    # ``None`` items (a bare "-") are accepted here so the check can name their line as empty.
    medical: Annotated[list[str | None], Field(min_length=1)]
    police: Annotated[list[str | None], Field(min_length=1)]
    suicide: Annotated[list[str | None], Field(min_length=1)]
