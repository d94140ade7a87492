"""Checks that content is safe to publish; every problem names the file and line to fix.

Errors block publishing (a wrong or unsourced number must never reach a worker); warnings are for
editors to look at; "pending" lists items that are not published yet and wait for an editor.
"""

from __future__ import annotations

import calendar
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from typing import TypeVar

from ruamel.yaml.scalarstring import LiteralScalarString

from bot.content.loader import SHORT_CODES_DIR, ContentTree, Item
from bot.content.phones import phone_problem, short_code, unknown_mentions
from bot.content.problems import Problem, Severity, by_severity
from bot.content.schema import MAX_SHORT_CHARS, AnswerDoc, ContactDoc, ShortCodeDoc
from vietnlp.countries import COUNTRY_CODES, COUNTRY_NAMES, PHRASE_LANGUAGE
from vietnlp.text import normalise

TEXT_FIELDS = ("short", "body", "more")
STALE_AFTER_MONTHS = 12

Doc = TypeVar("Doc", AnswerDoc, ContactDoc)
Dated = Item[AnswerDoc] | Item[ContactDoc] | Item[ShortCodeDoc]


@dataclass(frozen=True)
class Report:
    """The outcome of a content check."""

    problems: tuple[Problem, ...]

    @property
    def errors(self) -> list[Problem]:
        return by_severity(self.problems, "error")

    @property
    def warnings(self) -> list[Problem]:
        return by_severity(self.problems, "warning")

    @property
    def pending(self) -> list[Problem]:
        return by_severity(self.problems, "pending")

    @property
    def ok(self) -> bool:
        """True when nothing blocks publishing."""
        return not self.errors

    def root_errors(self) -> list[tuple[Problem, list[Problem]]]:
        """Errors that do not follow from another one, each with those that follow from it.

        The causes with the most consequences come first: fixing them clears the most lines.
        """
        errors = self.errors
        dependents: dict[Problem, list[Problem]] = {}
        for problem in errors:
            if problem.cause is not None:
                dependents.setdefault(problem.cause, []).append(problem)
        roots = [p for p in errors if p.cause is None]
        roots += [cause for cause in dependents if cause not in roots]  # a cause never lost
        roots.sort(key=lambda p: (-len(dependents.get(p, [])), p))
        return [(root, dependents.get(root, [])) for root in roots]

    def format(self) -> str:
        """The report as editors read it in a terminal; follow-on errors folded under causes."""
        lines: list[str] = []
        roots = self.root_errors()
        if roots:
            lines.append(
                "ERRORS — fix these; nothing can be published until they are fixed "
                f"({len(roots)} to fix):"
            )
            for root, follow in roots:
                lines.append(f"  {root}")
                if follow:
                    lines.append("    " + _folded(follow))
            lines.append("")
        sections = (
            ("WARNINGS — publishing works, but please look at these", self.warnings),
            ("NOT PUBLISHED, waiting for an editor", self.pending),
        )
        for title, problems in sections:
            if problems:
                lines += [f"{title} ({len(problems)}):", *(f"  {p}" for p in problems), ""]
        errors, warnings = len(self.errors), len(self.warnings) + len(self.pending)
        lines.append(f"{errors} error(s), {warnings} warning(s).")
        return "\n".join(lines)


def _folded(follow: list[Problem], shown: int = 8) -> str:
    where = ", ".join(p.where for p in follow[:shown])
    more = f" and {len(follow) - shown} more" if len(follow) > shown else ""
    return (
        f"↳ {len(follow)} more error(s) follow from this one and go away when it is fixed: "
        f"{where}{more}"
    )


@dataclass
class _Index:
    """Who is where: contacts by id, and answer ids by country (including broken files)."""

    contacts: dict[str, tuple[str, Item[ContactDoc]]] = field(default_factory=dict)
    broken_contacts: set[str] = field(default_factory=set)  # ids of entries with own errors
    phone_problems: dict[str, list[Problem]] = field(default_factory=dict)
    # contact id → the first error of that contact: errors in answers that use it follow from it
    contact_roots: dict[str, Problem] = field(default_factory=dict)
    answer_ids: dict[str, set[str]] = field(default_factory=dict)

    def all_answer_ids(self) -> set[str]:
        return set().union(*self.answer_ids.values()) if self.answer_ids else set()


def validate(tree: ContentTree, today: date) -> Report:
    """Check everything loaded in ``tree`` (parse and schema problems included)."""
    index = _build_index(tree)
    problems = [
        *tree.problems,
        *_check_short_codes(tree, today),
        *_check_contacts(tree, index, today),
        *_check_answers(tree, index, today),
        *_check_topics(tree, index),
        *_check_intents(tree, index),
        *_check_lexicon(tree),
        *_check_quiz(tree, index),
    ]
    return Report(tuple(problems))


def _build_index(tree: ContentTree) -> _Index:
    index = _Index()
    for country, items in tree.contacts.items():
        for item in items:
            index.contacts.setdefault(item.model.id, (country, item))
    index.broken_contacts = tree.contact_ids_seen - set(index.contacts)
    for contact_id, own in tree.contact_problems.items():
        if own and contact_id in index.broken_contacts:
            index.contact_roots.setdefault(contact_id, own[0])
    for contact_id, (country, item) in index.contacts.items():
        found = list(_check_phones(item, country, tree))
        index.phone_problems[contact_id] = found
        errors = [p for p in found if p.severity == "error"]
        if errors:
            index.contact_roots.setdefault(contact_id, errors[0])
    for country in COUNTRY_CODES:
        ids = set(tree.answer_files.get(country, {}))
        ids |= {item.model.id for item in tree.answers.get(country, [])}
        index.answer_ids[country] = ids
    return index


# --- dates and status (shared by answers and contacts) -------------------------------------


def _months_before(day: date, months: int) -> date:
    """The same day ``months`` earlier (the month's last day when it is shorter: 31 → 30)."""
    year, month0 = divmod(day.year * 12 + day.month - 1 - months, 12)
    last_day = calendar.monthrange(year, month0 + 1)[1]
    return date(year, month0 + 1, min(day.day, last_day))


def stale_before(today: date) -> date:
    """Facts verified before this day are due for a new check."""
    return _months_before(today, STALE_AFTER_MONTHS)


def _check_dates(item: Dated, what: str, today: date, shown: bool) -> Iterator[Problem]:
    """``verified_on`` not in the future, and (for what workers see) not older than a year."""
    doc = item.model
    line = item.line("verified_on")
    if doc.verified_on > today:
        yield Problem(
            item.path,
            line,
            f"`verified_on` {doc.verified_on} is in the future; write "
            "the day the facts were actually checked",
        )
    elif shown and doc.verified_on < stale_before(today):
        yield Problem(
            item.path,
            line,
            f"{what} was last checked on {doc.verified_on}, more than "
            f"{STALE_AFTER_MONTHS} months ago; check the facts against "
            "the source again and update `verified_on`",
            "warning",
        )


def _check_dates_and_status(
    item: Item[AnswerDoc] | Item[ContactDoc], what: str, today: date
) -> Iterator[Problem]:
    doc = item.model
    yield from _check_dates(item, what, today, shown=doc.status == "published")
    if doc.status != "published":
        yield Problem(
            item.path,
            item.line("status"),
            f"{what} is not published "
            f"(status: {doc.status}); workers do not see it until an editor checks the "
            "facts and sets status: published",
            "pending",
        )


# --- contacts ------------------------------------------------------------------------------


def _check_contacts(tree: ContentTree, index: _Index, today: date) -> Iterator[Problem]:
    first_seen: dict[str, Item[ContactDoc]] = {}
    for country, items in tree.contacts.items():
        for item in items:
            what = f"contact {item.model.id}"
            yield from _duplicate(
                item,
                first_seen,
                "contact id",
                "contact ids must be unique across all contacts files",
            )
            if index.contacts.get(item.model.id, (None, None))[1] is item:
                yield from index.phone_problems.get(item.model.id, [])
            else:  # a duplicate id: its phones were not checked with the first entry's
                yield from _check_phones(item, country, tree)
            yield from _check_reachable(item)
            yield from _check_dates_and_status(item, what, today)


def _duplicate(
    item: Item[Doc], first_seen: dict[str, Item[Doc]], label: str, rule: str
) -> Iterator[Problem]:
    key = item.model.id
    earlier = first_seen.get(key)
    if earlier is None:
        first_seen[key] = item
        return
    yield Problem(
        item.path,
        item.line("id"),
        f"duplicate {label} `{key}` (already used at {earlier.path}:{earlier.line('id')}); {rule}",
    )


def _check_phones(item: Item[ContactDoc], country: str, tree: ContentTree) -> Iterator[Problem]:
    for position, phone in enumerate(item.model.phones):
        line = item.line("phones", position)
        message = phone_problem(phone, country)
        if message is not None:
            yield Problem(item.path, line, message)
        elif (unlisted := _unlisted_short_code(phone, country, tree)) is not None:
            # A number workers see must be right; one not shown yet is for editors to look at.
            severity: Severity = "error" if item.model.status == "published" else "warning"
            yield Problem(item.path, line, unlisted, severity)


def _check_reachable(item: Item[ContactDoc]) -> Iterator[Problem]:
    """A published emergency or crisis line needs a phone; a mission a phone or an address.

    A mission listed without a verified way to reach it is no help to someone in trouble and
    crowds out the lines that are (issue 9: the Fukuoka consulate had no number).
    """
    doc = item.model
    if doc.status != "published" or doc.phones:
        return
    if doc.kind in ("emergency", "crisis"):
        yield Problem(
            item.path,
            item.line("phones"),
            f"the {doc.kind} line `{doc.id}` is published without a phone number; add the "
            "verified number or set status: unverified",
        )
    elif doc.kind == "mission" and not doc.address:
        yield Problem(
            item.path,
            item.line("phones"),
            f"the mission `{doc.id}` is published without a phone or an address, so workers "
            "would see it with no way to reach it; add a verified phone or address, or set "
            "status: unverified (answers then list only missions that can be reached)",
        )


def _unlisted_short_code(phone: str, country: str, tree: ContentTree) -> str | None:
    """Why a (valid-looking) short number may not be used: it is not in the sourced list."""
    code = short_code(phone, country)
    if code is None:
        return None
    rel = f"{SHORT_CODES_DIR}/{country}.yml"
    if country not in tree.short_codes_seen:
        return (
            f'"{phone}" is a short number, and there is no {rel} to check it against; '
            f"create {rel} and add {code} with `what`, `source` and `verified_on` "
            "(see content/README.md)"
        )
    listed = {short_code(seen, country) or seen for seen in tree.short_codes_seen[country]}
    if code in listed:
        return None
    return (
        f'the short number "{phone}" is not in {rel}; a short number of the right length '
        "passes every other check, so check the digits against the source: if they are "
        f"right, add {code} to {rel} with `what`, `source` and `verified_on`, otherwise "
        "correct the number"
    )


# --- short codes ---------------------------------------------------------------------------


def _check_short_codes(tree: ContentTree, today: date) -> Iterator[Problem]:
    for country, items in tree.short_codes.items():
        first_line: dict[str, int] = {}
        for position, item in enumerate(items):
            code = item.model.code
            line = item.line("code")
            message = phone_problem(code, country)
            if message is not None:
                yield Problem(item.path, line, message)
            key = short_code(code, country) or code
            if key in first_line:
                yield Problem(
                    item.path,
                    line,
                    f"the short number {code} is listed twice (first on line "
                    f"{first_line[key]}); keep one entry",
                )
            else:
                first_line[key] = line
            yield from _check_dates(item, f"short code {code} (entry {position + 1})", today, True)


# --- answers -------------------------------------------------------------------------------


def _check_answers(tree: ContentTree, index: _Index, today: date) -> Iterator[Problem]:
    chapters = _chapter_of(tree)
    for country in COUNTRY_CODES:
        first_seen: dict[str, Item[AnswerDoc]] = {}
        for item in tree.answers.get(country, []):
            yield from _check_file_name(item)
            yield from _duplicate(
                item, first_seen, "answer id", "each answer of a country needs its own id"
            )
            yield from _check_related(item, country, index)
            yield from _check_answer_contacts(item, country, index)
            yield from _check_text(item, country, index)
            yield from _check_phrases(item, country)
            yield from _check_dates_and_status(item, f"answer {item.model.id}", today)
            if chapters is not None and item.model.id not in chapters:
                yield Problem(
                    item.path,
                    item.line("id"),
                    f"answer `{item.model.id}` is in no "
                    "chapter of topics.yml; add its id to a chapter's `answers`",
                )


def _chapter_of(tree: ContentTree) -> dict[str, str] | None:
    """answer id → chapter id, from topics.yml (``None`` when topics.yml could not be read)."""
    if tree.topics is None:
        return None
    return {aid: ch.id for ch in tree.topics.model.chapters for aid in ch.answers}


def _check_file_name(item: Item[AnswerDoc]) -> Iterator[Problem]:
    stem = item.path.rsplit("/", 1)[-1].removesuffix(".yml")
    if item.model.id != stem:
        yield Problem(
            item.path,
            item.line("id"),
            f"`id` is {item.model.id} but the file is "
            f"named {stem}.yml; the id and the file name must be the same",
        )


def _check_related(item: Item[AnswerDoc], country: str, index: _Index) -> Iterator[Problem]:
    for position, related in enumerate(item.model.related):
        if related not in index.answer_ids[country]:
            yield Problem(
                item.path,
                item.line("related", position),
                f"`related` lists "
                f"`{related}`, but there is no answers/{country}/{related}.yml; "
                "correct the id or remove it",
            )


def _check_answer_contacts(item: Item[AnswerDoc], country: str, index: _Index) -> Iterator[Problem]:
    for position, contact_id in enumerate(item.model.contacts):
        line = item.line("contacts", position)
        found = index.contacts.get(contact_id)
        if contact_id in index.broken_contacts:
            continue  # the contact's own errors are reported in its file
        if found is None:
            yield Problem(
                item.path,
                line,
                f"`contacts` lists `{contact_id}`, which is in no "
                f"contacts file; correct the id or add the contact to "
                f"contacts/{country}.yml",
            )
        elif found[0] not in (country, "vn"):
            yield Problem(
                item.path,
                line,
                f"`contacts` lists `{contact_id}` from "
                f"{found[1].path}; a {COUNTRY_NAMES[country]} answer can only use "
                f"contacts/{country}.yml and contacts/vn.yml",
            )
        elif item.model.status == "published" and found[1].model.status != "published":
            yield _unverified_contact(item, line, found[1])


def _unverified_contact(item: Item[AnswerDoc], line: int, contact: Item[ContactDoc]) -> Problem:
    where = f"{contact.path}:{contact.line('status')}"
    return Problem(
        item.path,
        line,
        f"this published answer lists the contact "
        f"`{contact.model.id}`, which is not verified (status: {contact.model.status} "
        f"at {where}), so its number would be hidden from workers; verify the contact "
        "and publish it, remove it from `contacts`, or set this answer to unverified",
    )


def _check_text(item: Item[AnswerDoc], country: str, index: _Index) -> Iterator[Problem]:
    doc = item.model
    if len(doc.short) > MAX_SHORT_CHARS:
        yield Problem(
            item.path,
            item.line("short"),
            f"`short` has {len(doc.short)} characters; "
            f"keep it to {MAX_SHORT_CHARS} so it fits one phone screen (move details "
            "to `body`)",
        )
    phones = [
        phone
        for contact_id in doc.contacts
        if (found := index.contacts.get(contact_id)) is not None
        for phone in found[1].model.phones
    ]
    # A listed contact with errors of its own (a bad phone, a missing source) hides its numbers:
    # the numbers of this text then fail because of it, and are reported as following from it.
    cause = next((index.contact_roots[c] for c in doc.contacts if c in index.contact_roots), None)
    for name in TEXT_FIELDS:
        text = getattr(doc, name)
        if text:
            yield from _unknown_numbers(item, name, text, phones, country, cause)


def _unknown_numbers(
    item: Item[AnswerDoc],
    name: str,
    text: str,
    phones: list[str],
    country: str,
    cause: Problem | None,
) -> Iterator[Problem]:
    raw = item.node.get(name)
    for mention in unknown_mentions(text, phones, country):
        line = item.line(name)
        if isinstance(raw, LiteralScalarString):  # a "|" block starts on the next line
            line += 1 + str(raw).count("\n", 0, mention.start)
        yield Problem(
            item.path,
            line,
            f'the number "{mention.text}" in `{name}` is not a phone '
            "of any contact listed in `contacts`; add the contact with its source to "
            f"contacts/{country}.yml and list its id in `contacts`, or remove the number",
            cause=cause,
        )


def _check_phrases(item: Item[AnswerDoc], country: str) -> Iterator[Problem]:
    phrases = item.model.phrases
    expected = PHRASE_LANGUAGE[country]
    if phrases is not None and phrases.lang != expected:
        yield Problem(
            item.path,
            item.line("phrases", "lang"),
            f"`phrases.lang` is "
            f"{phrases.lang}, but this is a {COUNTRY_NAMES[country]} answer; use "
            f"{expected}",
        )


# --- topics, intents, lexicon --------------------------------------------------------------


def _check_topics(tree: ContentTree, index: _Index) -> Iterator[Problem]:
    if tree.topics is None:
        return
    topics = tree.topics
    seen_chapters: set[str] = set()
    seen_answers: set[str] = set()
    for c, chapter in enumerate(topics.model.chapters):
        if chapter.id in seen_chapters:
            yield Problem(
                topics.path,
                topics.line("chapters", c, "id"),
                f"duplicate chapter id `{chapter.id}`; give each chapter its own id",
            )
        seen_chapters.add(chapter.id)
        for a, answer_id in enumerate(chapter.answers):
            line = topics.line("chapters", c, "answers", a)
            if answer_id in seen_answers:
                yield Problem(
                    topics.path,
                    line,
                    f"`{answer_id}` is listed in two chapters; an answer belongs to one chapter",
                )
            seen_answers.add(answer_id)
            yield from _check_variants(topics.path, line, answer_id, index)


def _check_variants(path: str, line: int, answer_id: str, index: _Index) -> Iterator[Problem]:
    missing = [c for c in COUNTRY_CODES if answer_id not in index.answer_ids[c]]
    if len(missing) == len(COUNTRY_CODES):
        yield Problem(
            path,
            line,
            f"unknown answer id `{answer_id}`: there is no "
            f"answers/<country>/{answer_id}.yml; correct the id or write "
            "the answer",
        )
    for country in missing if len(missing) < len(COUNTRY_CODES) else []:
        yield Problem(
            path,
            line,
            f"`{answer_id}` has no {COUNTRY_NAMES[country]} version "
            f"(answers/{country}/{answer_id}.yml); workers there will not "
            "see it",
            "warning",
        )


def _check_intents(tree: ContentTree, index: _Index) -> Iterator[Problem]:
    if tree.intents is None:
        return
    intents = tree.intents
    known = index.all_answer_ids()
    for intent, answer_ids in intents.model.root.items():
        for position, answer_id in enumerate(answer_ids):
            if answer_id not in known:
                yield Problem(
                    intents.path,
                    intents.line(intent, position),
                    f"intent `{intent}` lists the unknown answer id `{answer_id}`; "
                    "correct the id (see topics.yml)",
                )


def _check_lexicon(tree: ContentTree) -> Iterator[Problem]:
    if tree.lexicon is None:
        return
    lexicon = tree.lexicon
    first_line: dict[str, int] = {}
    for kind, terms in lexicon.model:
        for position, term in enumerate(terms):
            line = lexicon.line(kind, position)
            key = normalise(term or "")
            if not key:
                yield Problem(lexicon.path, line, "empty term; write a word or remove the line")
            elif key in first_line:
                yield Problem(
                    lexicon.path,
                    line,
                    f"`{term}` is the same as the term on line "
                    f"{first_line[key]} once accents and "
                    "abbreviations are ignored; remove one",
                    "error",
                )
            else:
                first_line[key] = line


def _check_quiz(tree: ContentTree, index: _Index) -> Iterator[Problem]:
    if tree.quiz is None:
        return
    quiz = tree.quiz
    seen: set[str] = set()
    known = index.all_answer_ids()
    for position, question in enumerate(quiz.model.questions):
        if question.id in seen:
            yield Problem(
                quiz.path,
                quiz.line("questions", position, "id"),
                f"question id `{question.id}` is used twice; give each question its own id",
            )
        seen.add(question.id)
        if question.topic not in known:
            yield Problem(
                quiz.path,
                quiz.line("questions", position, "topic"),
                f"unknown topic `{question.topic}`; use an answer id from topics.yml",
            )
        if question.correct >= len(question.options):
            yield Problem(
                quiz.path,
                quiz.line("questions", position, "correct"),
                f"`correct` is {question.correct} but there are {len(question.options)} options "
                f"(counted from 0, so use 0 to {len(question.options) - 1})",
            )
