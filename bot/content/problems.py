"""Problems found in the content, each pinned to ``file:line`` so an editor can go straight there.

Line numbers come from ruamel.yaml's round-trip nodes, which remember where every key and list
item was written; ``line_of`` walks those nodes along a path of keys and indexes.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from ruamel.yaml.comments import CommentedBase

Severity = Literal["error", "warning", "pending"]
Loc = Sequence[str | int]


@dataclass(frozen=True, order=True)
class Problem:
    """One thing an editor has to look at."""

    path: str  # relative to the content folder, with forward slashes
    line: int  # 1-based
    message: str
    severity: Severity = "error"
    # The problem this one follows from (fixing that one makes this one go away), if any.
    cause: Problem | None = field(default=None, compare=False)

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.message}"

    @property
    def where(self) -> str:
        return f"{self.path}:{self.line}"


def line_of(node: Any, loc: Loc = ()) -> int:
    """1-based line of the key or item at ``loc`` below ``node``, or of the nearest parent found.

    A missing key is reported on the line of the mapping that should hold it.
    """
    line = _own_line(node)
    for step in loc:
        position = _child_position(node, step)
        if position is None:
            break
        line = position + 1
        node = node[step]
    return line


def _own_line(node: Any) -> int:
    if isinstance(node, CommentedBase):
        return int(node.lc.line) + 1
    return 1


def _child_position(node: Any, step: str | int) -> int | None:
    """0-based line of a child key/item, or ``None`` when it does not exist."""
    if isinstance(node, dict) and isinstance(node, CommentedBase) and step in node:
        return int(node.lc.key(step)[0])
    if (
        isinstance(node, list)
        and isinstance(node, CommentedBase)
        and isinstance(step, int)
        and 0 <= step < len(node)
    ):
        return int(node.lc.item(step)[0])
    return None


def describe_loc(loc: Loc) -> str:
    """A field path as editors read it: ``sources, item 2, url``."""
    parts = [f"item {step + 1}" if isinstance(step, int) else str(step) for step in loc]
    return ", ".join(parts) if parts else "the file"


def by_severity(problems: Iterable[Problem], severity: Severity) -> list[Problem]:
    """The problems of one severity, sorted by file and line."""
    return sorted(p for p in problems if p.severity == severity)
