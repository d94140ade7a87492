"""Reads every content file into the pydantic models of ``schema.py``, keeping line numbers.

ruamel.yaml's round-trip loader is used (not PyYAML) because it records the line of every key and
list item; parse errors and schema errors become ``Problem``s instead of exceptions, so one broken
file never hides the problems of the others.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any, Generic, TypeVar

from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails
from ruamel.yaml import YAML
from ruamel.yaml.error import MarkedYAMLError, YAMLError

from bot.content.problems import Loc, Problem, describe_loc, line_of
from bot.content.schema import (
    AnswerDoc,
    ContactDoc,
    IntentsDoc,
    LexiconDoc,
    QuizDoc,
    ShortCodeDoc,
    TopicsDoc,
)
from vietnlp.countries import CONTACT_COUNTRIES, COUNTRY_CODES

M = TypeVar("M", bound=BaseModel)

TOPICS_FILE = "topics.yml"
INTENTS_FILE = "intents.yml"
LEXICON_FILE = "emergency_lexicon.yml"
QUIZ_FILE = "quiz.yml"  # optional: without it the quiz asks only the contact questions
SHORT_CODES_DIR = "short_codes"  # short_codes/<country>.yml: the short numbers contacts may use


@dataclass(frozen=True)
class Item(Generic[M]):
    """A validated piece of content with the YAML node it came from (for line numbers)."""

    path: str
    node: Any
    model: M

    def line(self, *loc: str | int) -> int:
        """1-based line of a key or list item inside this piece of content."""
        return line_of(self.node, loc)


@dataclass
class ContentTree:
    """Everything under the content folder that could be read, plus what could not."""

    root: Path
    answers: dict[str, list[Item[AnswerDoc]]] = field(default_factory=dict)
    # country → answer id (file name) → path, including files that failed to load
    answer_files: dict[str, dict[str, str]] = field(default_factory=dict)
    contacts: dict[str, list[Item[ContactDoc]]] = field(default_factory=dict)
    # every contact id written anywhere, including entries that failed to load
    contact_ids_seen: set[str] = field(default_factory=set)
    # contact id → the problems of its entry (errors elsewhere may follow from these)
    contact_problems: dict[str, list[Problem]] = field(default_factory=dict)
    topics: Item[TopicsDoc] | None = None
    intents: Item[IntentsDoc] | None = None
    lexicon: Item[LexiconDoc] | None = None
    quiz: Item[QuizDoc] | None = None
    # country → its short_codes entries; a country without the file is absent
    short_codes: dict[str, list[Item[ShortCodeDoc]]] = field(default_factory=dict)
    # country → every code written in its file, including entries that failed to load
    short_codes_seen: dict[str, set[str]] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)


def load_content(root: Path) -> ContentTree:
    """Read the whole content folder; never raises for bad content (see ``tree.problems``)."""
    tree = ContentTree(root=root)
    for country in COUNTRY_CODES:
        _load_answers(tree, country)
    for country in CONTACT_COUNTRIES:
        _load_contacts(tree, country)
        _load_short_codes(tree, country)
    tree.topics = _load_single(tree, TOPICS_FILE, TopicsDoc)
    tree.intents = _load_single(tree, INTENTS_FILE, IntentsDoc)
    tree.lexicon = _load_single(tree, LEXICON_FILE, LexiconDoc)
    if (root / QUIZ_FILE).exists():
        tree.quiz = _load_single(tree, QUIZ_FILE, QuizDoc)
    return tree


def read_yaml(root: Path, rel: str) -> tuple[Any, Problem | None]:
    """Parse one file; on failure return a problem on the line the parser stopped at."""
    path = root / rel
    if not path.is_file():
        return None, Problem(
            rel, 1, f"the file {rel} is missing; create it (see content/README.md)"
        )
    try:
        text = path.read_text(encoding="utf-8")
        node = YAML(typ="rt").load(text)
    except UnicodeDecodeError:
        return None, Problem(rel, 1, "the file is not saved as UTF-8 text; save it as UTF-8")
    except MarkedYAMLError as exc:
        return None, _unindented_text_line(rel, text, exc) or _yaml_problem(rel, exc)
    except YAMLError as exc:
        return None, Problem(rel, 1, f"the file is not valid YAML: {exc}")
    if node is None:
        return None, Problem(rel, 1, "the file is empty")
    return node, None


def _yaml_problem(rel: str, exc: MarkedYAMLError) -> Problem:
    mark = exc.problem_mark or exc.context_mark
    line = mark.line + 1 if mark is not None else 1
    what = " ".join(part for part in (exc.context, exc.problem) if part)
    return Problem(rel, line, f"the file is not valid YAML ({what}); {_yaml_hint(what)}")


_BLOCK_HEADER = re.compile(r"^(?P<indent> *)(- )?(?P<key>[\w-]+): *[|>][-+]?\d? *(#.*)?$")
_KEY_OR_ITEM = re.compile(r"^ *([\w-]+:( |$)|- |#)")


def _unindented_text_line(rel: str, text: str, exc: MarkedYAMLError) -> Problem | None:
    """A line of a ``key: |`` text that lost its indentation — the editors' most common slip.

    The parser only notices a line or two later (and blames a colon), so the line is found here:
    the first line after a block header, before the parser's stop, that is indented no deeper
    than the header and does not start a new field.
    """
    mark = exc.problem_mark or exc.context_mark
    if mark is None:
        return None
    lines = text.splitlines()
    header: tuple[str, int] | None = None
    for number, line in enumerate(lines[: mark.line + 1]):
        match = _BLOCK_HEADER.match(line)
        if match:
            header = (match["key"], len(match["indent"]))
            continue
        if header is None or not line.strip():
            continue
        indent = len(line) - len(line.lstrip(" "))
        if indent > header[1]:
            continue  # still inside the text
        if _KEY_OR_ITEM.match(line):
            header = None  # the text ended normally with the next field
            continue
        return Problem(
            rel,
            number + 1,
            f"this line belongs to the text of `{header[0]}` but is not indented; start it "
            f"with {header[1] + 2} spaces like the other lines of `{header[0]}`",
        )
    return None


def _yaml_hint(what: str) -> str:
    """What an editor most likely has to change, for the parser errors editors make most."""
    if "mapping values are not allowed" in what:
        return (
            'a text on this line contains ": " (colon and space); put the whole text in '
            'double quotes, e.g. title: "Bệnh viện: giờ mở cửa"'
        )
    if "\\t" in what or "tab" in what.lower():
        return "indent with spaces, not tabs"
    if "duplicate key" in what:
        return "the same field is written twice; keep one"
    return "check the indentation, the colons and the quotes on this line and the one before"


def plain(node: Any) -> Any:
    """ruamel's round-trip types → plain Python (str, int, list, dict, date) for pydantic."""
    if isinstance(node, dict):
        return {plain(key): plain(value) for key, value in node.items()}
    if isinstance(node, list):
        return [plain(value) for value in node]
    if isinstance(node, bool | date) or node is None:
        return node
    if isinstance(node, str):
        return str(node)
    if isinstance(node, int):
        return int(node)
    if isinstance(node, float):
        return float(node)
    return node


def to_model(
    rel: str, node: Any, model: type[M], at: Loc = (), label: str | None = None
) -> tuple[M | None, list[Problem]]:
    """Validate the node at ``at`` below ``node``; errors name the line of the bad key.

    ``label`` (e.g. "contact 3") prefixes field names in messages about one entry of a list.
    """
    value = node
    for step in at:
        value = value[step]
    try:
        return model.model_validate(plain(value)), []
    except ValidationError as exc:
        prefix = (label,) if label else ()
        return None, [
            Problem(rel, line_of(node, (*at, *_real_keys(error["loc"]))), _explain(error, prefix))
            for error in exc.errors()
        ]


def _real_keys(loc: tuple[str | int, ...]) -> tuple[str | int, ...]:
    # For a mapping of lists (intents.yml) pydantic appends "[key]" markers; keep real keys only.
    return tuple(step for step in loc if not (isinstance(step, str) and step.startswith("[")))


def _explain(error: ErrorDetails, prefix: Loc) -> str:
    loc = _real_keys(error["loc"])
    where = describe_loc((*prefix, *loc))
    name = str(loc[-1]) if loc else ""
    kind = error["type"]
    if kind == "missing":
        return _missing(where, name)
    if kind == "extra_forbidden":
        return f"unknown field `{where}` (a typo?); remove it or correct its name"
    if kind == "string_type":
        quoted = "phones" in loc or "code" in loc
        hint = ' Write phone numbers in quotes, e.g. "119".' if quoted else ""
        return f"`{where}` should be text, found {error['input']!r}.{hint}"
    if kind.startswith("date"):
        return f"`{where}` should be a date written like 2026-11-22, found {error['input']!r}"
    if kind == "string_pattern_mismatch":
        return _pattern(where, error)
    if kind == "string_too_short":
        return f"`{where}` is empty; write the text or remove the line"
    if kind == "too_short":
        return f"`{where}` needs at least one entry"
    if kind == "literal_error":
        expected = error.get("ctx", {}).get("expected", "")
        return f"`{where}` must be one of {expected}; found {error['input']!r}"
    if kind in {"list_type", "dict_type", "model_type", "model_attributes_type"}:
        wanted = "a list (lines starting with '- ')" if kind == "list_type" else "a set of fields"
        return f"`{where}` should be {wanted}, found {error['input']!r}"
    return f"`{where}`: {error['msg']}"


def _missing(where: str, name: str) -> str:
    if name == "verified_on":
        return (
            "`verified_on` is missing: add the day you checked the facts against the source, "
            "e.g. verified_on: 2026-11-22"
        )
    if name in {"sources", "source"}:
        return (
            f"`{name}` is missing: every fact needs a source; add its url and title "
            "(see content/README.md)"
        )
    return f"`{where}` is missing; add it (see content/README.md)"


def _pattern(where: str, error: ErrorDetails) -> str:
    if where.endswith("url"):
        return f"`{where}` should be a web address starting with https://, found {error['input']!r}"
    if where.endswith("code"):
        return (
            f"`{where}` should be a short number: 3 to 6 digits, or # and digits, in quotes "
            f'(like "119" or "#9110"), found {error["input"]!r}'
        )
    return (
        f"`{where}` should be an id in lower-case letters, digits and hyphens "
        f"(like find-clinic), found {error['input']!r}"
    )


def _load_single(tree: ContentTree, rel: str, model: type[M]) -> Item[M] | None:
    node, problem = read_yaml(tree.root, rel)
    if problem is not None:
        tree.problems.append(problem)
        return None
    doc, problems = to_model(rel, node, model)
    tree.problems.extend(problems)
    return Item(rel, node, doc) if doc is not None else None


def _load_answers(tree: ContentTree, country: str) -> None:
    folder = tree.root / "answers" / country
    items: list[Item[AnswerDoc]] = []
    files: dict[str, str] = {}
    paths = sorted(folder.glob("*.yml")) if folder.is_dir() else []
    for path in paths:
        rel = path.relative_to(tree.root).as_posix()
        files[path.stem] = rel
        item = _load_single(tree, rel, AnswerDoc)
        if item is not None:
            items.append(item)
    if folder.is_dir():
        _report_stray_files(tree, folder)
    tree.answers[country] = items
    tree.answer_files[country] = files


def _report_stray_files(tree: ContentTree, folder: Path) -> None:
    for path in sorted(folder.iterdir()):
        if path.is_file() and path.suffix != ".yml" and not path.name.startswith("."):
            rel = path.relative_to(tree.root).as_posix()
            tree.problems.append(
                Problem(rel, 1, "this file is ignored: answer files must end in .yml", "warning")
            )


def _read_list(tree: ContentTree, rel: str, advice: str) -> Any | None:
    """A YAML file that must hold a list; its problem (unreadable, or not a list) is recorded."""
    node, problem = read_yaml(tree.root, rel)
    if problem is not None:
        tree.problems.append(problem)
        return None
    if not isinstance(node, list):
        tree.problems.append(Problem(rel, 1, advice))
        return None
    return node


def _load_contacts(tree: ContentTree, country: str) -> None:
    rel = f"contacts/{country}.yml"
    tree.contacts[country] = []
    node = _read_list(
        tree, rel, "a contacts file must be a list of contacts, each starting with '- id: ...'"
    )
    if node is None:
        return
    for index, entry in enumerate(node):
        doc, problems = to_model(rel, node, ContactDoc, at=(index,), label=f"contact {index + 1}")
        if isinstance(entry, dict) and isinstance(entry.get("id"), str):
            tree.contact_ids_seen.add(entry["id"])
            tree.contact_problems.setdefault(entry["id"], problems)
        tree.problems.extend(problems)
        if doc is not None:
            tree.contacts[country].append(Item(rel, entry, doc))


def _load_short_codes(tree: ContentTree, country: str) -> None:
    """Read ``short_codes/<country>.yml`` if it exists (the check asks for it when needed)."""
    rel = f"{SHORT_CODES_DIR}/{country}.yml"
    if not (tree.root / rel).is_file():
        return
    tree.short_codes[country] = []
    seen = tree.short_codes_seen.setdefault(country, set())
    node = _read_list(
        tree,
        rel,
        "a short-codes file must be a list of short numbers, each starting with "
        "'- code: \"119\"' (see content/README.md)",
    )
    if node is None:
        return
    for index, entry in enumerate(node):
        if isinstance(entry, dict) and entry.get("code") is not None:
            seen.add(str(entry["code"]).strip())
        doc, problems = to_model(
            rel, node, ShortCodeDoc, at=(index,), label=f"short code {index + 1}"
        )
        tree.problems.extend(problems)
        if doc is not None:
            tree.short_codes[country].append(Item(rel, entry, doc))
