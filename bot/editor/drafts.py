"""Answer files as forms: read a file into form fields, write edited fields back, check a draft.

Edits go back into the same YAML file with ruamel.yaml's round-trip mode, changing only the fields
whose value changed, so comments, key order and the layout of everything else stay as the editor
left them (the files remain the record reviewed in git). A draft is checked by writing it into a
private copy of the content folder and running the *same* ``load_content`` + ``validate`` as
``content check``; each problem is then pinned to the form field whose lines it names.
"""

from __future__ import annotations

import difflib
import hashlib
import io
import os
import re
import shutil
import tempfile
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.scalarstring import LiteralScalarString

from bot.content.loader import ContentTree, load_content
from bot.content.problems import Problem, line_of
from bot.content.validate import Report, validate
from vietnlp.countries import PHRASE_LANGUAGE

# Form fields of an answer, in the order of the file format (content/README.md).
ANSWER_FIELDS = (
    "title",
    "status",
    "verified_on",
    "short",
    "body",
    "more",
    "contacts",
    "related",
    "phrases",
    "sources",
)
LIST_FIELDS = ("contacts", "related")
_save_lock = threading.Lock()


class EditConflict(RuntimeError):
    """The file changed on disk after the form was opened (someone else saved it)."""


def _yaml(indent: tuple[int, int, int] = (2, 4, 2)) -> YAML:
    yaml = YAML(typ="rt")
    yaml.preserve_quotes = True
    yaml.width = 4096  # never re-wrap an editor's long lines
    yaml.indent(mapping=indent[0], sequence=indent[1], offset=indent[2])
    return yaml


def answer_rel(country: str, answer_id: str) -> str:
    return f"answers/{country}/{answer_id}.yml"


def text_digest(text: str) -> str:
    """Identifies the file version a form was opened on (to detect concurrent saves)."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def read_text(content_dir: Path, rel: str) -> str:
    path = content_dir / rel
    return path.read_text(encoding="utf-8") if path.is_file() else ""


def new_answer_text(country: str, answer_id: str, today: date) -> str:
    """The skeleton of an answer that does not exist yet for this country (a draft)."""
    return (
        f"id: {answer_id}\nstatus: draft\nverified_on: {today.isoformat()}\ntitle: \nshort: \n"
        f"body: \nrelated: []\ncontacts: []\nsources: []\n"
    )


# --- file → form ------------------------------------------------------------------------------


def parse(text: str) -> Any:
    """The round-trip node of a file's text, or ``None`` when it does not parse."""
    try:
        return _yaml().load(text) if text else None
    except Exception:  # a file that does not parse: the form starts empty, the check says why
        return None


def form_values(text: str, node: Any = None) -> dict[str, str]:
    """The text of each form field for an answer file (``node``: its already parsed text)."""
    node = parse(text) if node is None else node
    node = node if isinstance(node, dict) else {}
    values = {name: "" for name in ANSWER_FIELDS}
    for name in ("title", "status", "short", "body", "more"):
        value = node.get(name)
        values[name] = "" if value is None else str(value).rstrip("\n")
    values["verified_on"] = str(node.get("verified_on") or "")
    for name in LIST_FIELDS:
        items = node.get(name) or []
        values[name] = ", ".join(str(i) for i in items) if isinstance(items, list) else str(items)
    values["sources"] = "\n".join(
        f"{s.get('url', '')} {s.get('title', '')}".strip()
        for s in node.get("sources") or []
        if isinstance(s, dict)
    )
    phrases = node.get("phrases")
    if isinstance(phrases, dict):
        values["phrases"] = "\n".join(
            f"{p.get('vi', '')} | {p.get('local', '')}"
            for p in phrases.get("items") or []
            if isinstance(p, dict)
        )
    return values


# --- form → file ------------------------------------------------------------------------------


def apply_form(text: str, values: dict[str, str], country: str) -> str:
    """The file's text with the form's values written in; unchanged fields keep their layout."""
    yaml = _yaml()
    node = yaml.load(text)
    if not isinstance(node, CommentedMap):
        raise ValueError("an answer file must be a set of fields")
    old = form_values(text)
    changed = False
    for name in ANSWER_FIELDS:
        new = values.get(name, "").replace("\r\n", "\n").strip()
        if new == old[name].strip():
            continue
        changed = True
        if name in LIST_FIELDS:
            _set(node, name, _flow_list(re.split(r"[,\s]+", new)))
        elif name == "sources":
            _set(node, name, _sources(new))
        elif name == "phrases":
            if new:
                _set(node, name, _phrases(new, PHRASE_LANGUAGE.get(country, "")))
            elif name in node:
                del node[name]
        elif name == "more" and not new:
            if name in node:
                del node[name]
        else:
            _set(node, name, _scalar(new, node.get(name)))
    if not changed:
        return text  # byte for byte: nothing to write back
    out = io.StringIO()
    yaml.dump(node, out)
    return out.getvalue()


def _set(node: CommentedMap, name: str, value: Any) -> None:
    if name in node:
        node[name] = value
        return
    # A new field goes where the file format puts it (after the nearest earlier field present).
    position = len(node)
    for earlier in reversed(ANSWER_FIELDS[: ANSWER_FIELDS.index(name)]):
        if earlier in node:
            position = list(node).index(earlier) + 1
            break
    node.insert(position, name, value)


def _scalar(text: str, previous: Any) -> Any:
    """Multi-line text as a ``|`` block (as editors write it); one line stays one line."""
    if "\n" in text or isinstance(previous, LiteralScalarString):
        return LiteralScalarString(text + "\n")
    return text


def _flow_list(items: list[str]) -> CommentedSeq:
    seq = CommentedSeq([i for i in items if i])
    seq.fa.set_flow_style()  # related: [a, b] — as written in every answer file
    return seq


def _sources(text: str) -> CommentedSeq:
    """One source per line: the web address, a space, then the title."""
    seq = CommentedSeq()
    for line in text.splitlines():
        if line.strip():
            url, _, title = line.strip().partition(" ")
            seq.append(CommentedMap([("url", url), ("title", title.strip())]))
    return seq


def _phrases(text: str, lang: str) -> CommentedMap:
    """One sentence per line: Vietnamese | the local language."""
    items = CommentedSeq()
    for line in text.splitlines():
        if line.strip():
            vi, _, local = line.partition("|")
            items.append(CommentedMap([("vi", vi.strip()), ("local", local.strip())]))
    return CommentedMap([("lang", lang), ("items", items)])


# --- checking a draft ---------------------------------------------------------------------------


@dataclass(frozen=True)
class DraftCheck:
    """What ``content check`` says about a draft: its tree, the report, problems per field."""

    tree: ContentTree
    report: Report
    by_field: dict[str, list[Problem]]  # "" = the file as a whole
    problems: list[Problem]  # the draft file's own, errors first
    # errors in other files that the draft would cause (e.g. an answer using a removed contact)
    elsewhere: list[Problem]

    @property
    def ok(self) -> bool:
        return not self.elsewhere and not any(p.severity == "error" for p in self.problems)


def check_draft(
    content_dir: Path, rel: str, text: str, today: date, before: Report | None = None
) -> DraftCheck:
    """Validate the content as it would be with ``text`` saved at ``rel`` (nothing is written).

    ``before`` is the check of the content as it is: errors elsewhere that it already has are
    not blamed on the draft.
    """
    with tempfile.TemporaryDirectory(prefix="editor-check-") as tmp:
        copy = Path(tmp) / "content"
        shutil.copytree(content_dir, copy)
        (copy / rel).parent.mkdir(parents=True, exist_ok=True)
        (copy / rel).write_text(text, encoding="utf-8")
        tree = load_content(copy)
    report = validate(tree, today)
    own = [p for p in report.problems if p.path == rel]
    own.sort(key=lambda p: ({"error": 0, "warning": 1, "pending": 2}[p.severity], p.line))
    known = {(p.path, p.message) for p in before.errors} if before is not None else set()
    elsewhere = [p for p in report.errors if p.path != rel and (p.path, p.message) not in known]
    return DraftCheck(tree, report, fields_of(text, own), own, elsewhere)


def fields_of(text: str, problems: list[Problem], node: Any = None) -> dict[str, list[Problem]]:
    """Which form field each problem belongs to, by the line it names."""
    node = parse(text) if node is None else node
    starts = sorted(
        (line_of(node, (name,)), name)
        for name in ANSWER_FIELDS
        if isinstance(node, dict) and name in node
    )
    by_field: dict[str, list[Problem]] = {}
    for problem in problems:
        field = next((name for line, name in reversed(starts) if line <= problem.line), "")
        # a missing field is reported on the line of the mapping: find it by name in the message
        named = next((n for n in ANSWER_FIELDS if f"`{n}`" in problem.message), None)
        if named is not None and (field == "" or named not in (node or {})):
            field = named
        by_field.setdefault(field, []).append(problem)
    return by_field


def save(content_dir: Path, rel: str, text: str, base_digest: str) -> None:
    """Write ``text`` to the file atomically, unless it changed since the form was opened."""
    path = content_dir / rel
    with _save_lock:
        current = read_text(content_dir, rel)
        if text_digest(current) != base_digest:
            raise EditConflict(rel)
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.replace(tmp, path)  # readers see the old file or the new one, never half of it


# --- diff against the live version ------------------------------------------------------------


@dataclass(frozen=True)
class FieldDiff:
    name: str
    lines: list[tuple[str, str]]  # (kind: "+", "-", " ", text)


def diff_rows(live: dict[str, Any] | None, draft: dict[str, Any] | None) -> list[FieldDiff]:
    """Field-by-field line diff of the live answer and the draft (both as publish rows)."""
    diffs = []
    for name in ("title", "status", "verified_on", "short", "body", "more", "contact_ids",
                 "related", "phrases", "sources"):  # fmt: skip
        old = _lines(live.get(name) if live else None)
        new = _lines(draft.get(name) if draft else None)
        if old != new:
            diffs.append(FieldDiff(name, list(_marked(old, new))))
    return diffs


def diff_rows_by_id(
    live: dict[str, dict[str, Any]], draft: dict[str, dict[str, Any]]
) -> list[FieldDiff]:
    """Line diff per item (contact, lexicon list) between live and draft, by id."""
    diffs = []
    for key in [*live, *(k for k in draft if k not in live)]:
        old = _item_lines(live.get(key))
        new = _item_lines(draft.get(key))
        if old != new:
            diffs.append(FieldDiff(key, list(_marked(old, new))))
    return diffs


def _item_lines(row: dict[str, Any] | None) -> list[str]:
    if row is None:
        return []
    skip = {"id", "version_id", "position", "country", "contact_id"}
    return [
        f"{name}: {_one_line(value)}" if name != "terms" else str(term)
        for name, value in row.items()
        if name not in skip
        for term in (value if name == "terms" else [value])
    ]


def _lines(value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, list):
        return [_one_line(v) for v in value]
    if isinstance(value, dict):
        return [f"{k}: {_one_line(v)}" for k, v in value.items()]
    return str(value).strip().splitlines()


def _one_line(value: Any) -> str:
    if isinstance(value, dict):
        return " — ".join(_one_line(v) for v in value.values())
    if isinstance(value, list):
        return "; ".join(_one_line(v) for v in value)
    return str(value)


def _marked(old: list[str], new: list[str]) -> Iterator[tuple[str, str]]:
    for line in difflib.ndiff(old, new):
        if line.startswith(("+ ", "- ", "  ")):
            yield line[0], line[2:]


# --- whole files: contacts and the emergency lexicon --------------------------------------------

# Files edited as text in the console (their structure is a list or a few lists, so the text
# itself is the clearest form); every other file is edited through the answer form.
TEXT_FILES = (
    "contacts/jp.yml",
    "contacts/kr.yml",
    "contacts/tw.yml",
    "contacts/vn.yml",
    "short_codes/jp.yml",
    "short_codes/kr.yml",
    "short_codes/tw.yml",
    "short_codes/vn.yml",
    "emergency_lexicon.yml",
)


def lines_with_problems(text: str, problems: list[Problem]) -> list[tuple[int, str, list[Problem]]]:
    """Each line of a file with the problems reported on it (for the inline view)."""
    at: dict[int, list[Problem]] = {}
    for problem in problems:
        at.setdefault(problem.line, []).append(problem)
    return [(n, line, at.get(n, [])) for n, line in enumerate(text.splitlines(), start=1)]


def draft_card_png(content_dir: Path, rel: str, text: str, country: str) -> bytes | None:
    """The emergency card as it would be with the draft published (``None`` if it cannot be).

    The draft is published into a throw-away database, with the same ``publish`` as the real
    one, and drawn by the same code as the bot's ``/the`` card.
    """
    from bot.content.publish import publish
    from bot.content.repository import ContentRepository
    from bot.db import Base, make_engine, make_session_factory
    from bot.recruitment.card import CARD_WIDTH, card_blocks
    from bot.recruitment.layout import render_png
    from bot.recruitment.sheet import NoPublishedContent, emergency_sheet

    with tempfile.TemporaryDirectory(prefix="editor-card-") as tmp:
        copy = Path(tmp) / "content"
        shutil.copytree(content_dir, copy)
        (copy / rel).write_text(text, encoding="utf-8")
        engine = make_engine(f"sqlite:///{tmp}/preview.db")
        try:
            Base.metadata.create_all(engine)
            sessions = make_session_factory(engine)
            if publish(copy, sessions, "preview").outcome != "published":
                return None
            try:
                sheet = emergency_sheet(ContentRepository(sessions), country)
            except NoPublishedContent:
                return None
            return render_png(card_blocks(sheet), CARD_WIDTH)
        finally:
            engine.dispose()
