"""The content files as the console shows them: loaded and checked once per change on disk.

``content check`` of the whole folder takes a fraction of a second; pages that only show the
state (coverage, stale facts, the publish page) reuse the last result until a file's size or
modification time changes, which keeps page times low with many editors.
"""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from bot.content.coverage import CoverageRow, coverage
from bot.content.loader import ContentTree, load_content
from bot.content.validate import Report, validate


@dataclass(frozen=True)
class Checked:
    tree: ContentTree
    report: Report
    checked_on: date
    coverage: list[CoverageRow]
    # what pages derive from these files (e.g. the publish page's list of changes), kept with them
    memo: dict[tuple[Any, ...], Any] = field(default_factory=dict, compare=False)


class ContentState:
    """The latest checked content of one folder (safe to use from many threads)."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self._lock = threading.Lock()
        self._key: tuple[object, ...] | None = None
        self._checked: Checked | None = None

    def _signature(self) -> tuple[object, ...]:
        entries = []
        for folder, _dirs, files in os.walk(self.root):
            for name in files:
                if name.endswith(".yml"):
                    stat = os.stat(os.path.join(folder, name))
                    entries.append((folder, name, stat.st_mtime_ns, stat.st_size))
        return (date.today(), *sorted(entries))

    def get(self) -> Checked:
        key = self._signature()
        with self._lock:
            if self._checked is None or key != self._key:
                tree = load_content(self.root)
                today = date.today()
                self._checked = Checked(tree, validate(tree, today), today, coverage(tree))
                self._key = key
            return self._checked
