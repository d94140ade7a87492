"""Which answers exist for which country: a table editors use to see what is left to write."""

from __future__ import annotations

from dataclasses import dataclass

from bot.content.loader import ContentTree
from vietnlp.countries import COUNTRY_CODES

PUBLISHED, PENDING, MISSING, BROKEN = "✓", "?", "–", "!"
LEGEND = (
    f"{PUBLISHED} published   {PENDING} unverified or draft   {MISSING} missing   "
    f"{BROKEN} file has errors"
)


@dataclass(frozen=True)
class CoverageRow:
    """One answer id and its state in each host country."""

    chapter: str  # "icon id — title", or "(in no chapter)"
    answer_id: str
    marks: dict[str, str]  # country → mark


def coverage(tree: ContentTree) -> list[CoverageRow]:
    """Every answer id of topics.yml (and any answer file outside it), in menu order."""
    rows = []
    listed: set[str] = set()
    chapters = tree.topics.model.chapters if tree.topics else []
    for chapter in chapters:
        label = f"{chapter.icon} {chapter.id} — {chapter.title}"
        for answer_id in chapter.answers:
            listed.add(answer_id)
            rows.append(CoverageRow(label, answer_id, _marks(tree, answer_id)))
    unlisted = sorted({aid for files in tree.answer_files.values() for aid in files} - listed)
    rows += [CoverageRow("(in no chapter)", aid, _marks(tree, aid)) for aid in unlisted]
    return rows


def _marks(tree: ContentTree, answer_id: str) -> dict[str, str]:
    marks = {}
    for country in COUNTRY_CODES:
        status = {i.model.id: i.model.status for i in tree.answers.get(country, [])}
        if answer_id in status:
            marks[country] = PUBLISHED if status[answer_id] == "published" else PENDING
        elif answer_id in tree.answer_files.get(country, {}):
            marks[country] = BROKEN
        else:
            marks[country] = MISSING
    return marks


def format_coverage(tree: ContentTree) -> str:
    """The coverage table with totals per country, as text for a terminal."""
    rows = coverage(tree)
    width = max([len(r.answer_id) for r in rows] + [len("with errors")]) + 6
    header = " " * width + "  ".join(c.ljust(3) for c in COUNTRY_CODES)
    lines = [f"Coverage ({LEGEND})", header]
    chapter = None
    for row in rows:
        if row.chapter != chapter:
            chapter = row.chapter
            lines.append(chapter)
        cells = "  ".join(row.marks[c].ljust(3) for c in COUNTRY_CODES)
        lines.append(f"  {row.answer_id}".ljust(width) + cells)
    lines.append(_totals(rows, width))
    return "\n".join(lines)


def _totals(rows: list[CoverageRow], width: int) -> str:
    lines = [f"Totals (of {len(rows)} answers)"]
    for mark, label in (
        (PUBLISHED, "published"),
        (PENDING, "waiting"),
        (MISSING, "missing"),
        (BROKEN, "with errors"),
    ):
        counts = [sum(1 for r in rows if r.marks[c] == mark) for c in COUNTRY_CODES]
        if any(counts) or mark == PUBLISHED:
            lines.append(
                f"  {mark} {label}".ljust(width) + "  ".join(str(n).ljust(3) for n in counts)
            )
    return "\n".join(lines)
