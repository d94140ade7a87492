"""Anonymous statistics for one company: sign-ups by country and week, topics opened.

Counts only — no question text, no user ids — and every cell under five is shown as "<5" so a
small group (one trainee who asked about pregnancy) cannot be singled out.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.models.recruitment import Company, CompanySignup, TopicOpenCount
from bot.models.users import User
from bot.recruitment.companies import week_of

SMALL_COUNT = 5


def shown(count: int) -> str:
    """A count as it may be shown to a company."""
    return "<5" if count < SMALL_COUNT else str(count)


@dataclass(frozen=True)
class CompanyStats:
    company: str
    onboarded: int
    by_country: dict[str, int]
    by_week: dict[str, int]  # ISO date of the week's Monday → sign-ups
    topics: dict[str, int]  # answer id → times opened


def company_stats(session: Session, company: Company) -> CompanyStats:
    signups = CompanySignup.company_id == company.id
    by_country = {
        country or "?": count
        for country, count in session.execute(
            select(User.country, func.count())
            .select_from(CompanySignup)
            .join(User, User.id == CompanySignup.user_id)
            .where(signups)
            .group_by(User.country)
        ).tuples()
    }
    by_week: dict[str, int] = {}
    for day in session.scalars(select(CompanySignup.signed_up_on).where(signups)):
        week = week_of(day).isoformat()
        by_week[week] = by_week.get(week, 0) + 1
    topics = dict(
        session.execute(
            select(TopicOpenCount.answer_id, func.sum(TopicOpenCount.count))
            .where(TopicOpenCount.company_id == company.id)
            .group_by(TopicOpenCount.answer_id)
        )
        .tuples()
        .all()
    )
    return CompanyStats(
        company=company.name,
        onboarded=sum(by_country.values()),
        by_country=by_country,
        by_week=dict(sorted(by_week.items())),
        topics=dict(sorted(topics.items(), key=lambda item: (-item[1], item[0]))),
    )


def stats_csv(stats: CompanyStats) -> str:
    """One row per cell: section, key, count (suppressed)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["section", "key", "count"])
    writer.writerow(["onboarded", "total", shown(stats.onboarded)])
    for section, cells in (
        ("country", stats.by_country),
        ("week", stats.by_week),
        ("topic", stats.topics),
    ):
        for key, count in cells.items():
            writer.writerow([section, key, shown(count)])
    return out.getvalue()


def stats_chart(stats: CompanyStats, path: Path) -> None:
    """Bar charts of sign-ups per week and the most opened topics; small cells are hidden."""
    # The OO API: no pyplot state, no GUI backend. Imported here, as only this draws.
    from matplotlib.figure import Figure

    figure = Figure(figsize=(9, 8), layout="constrained")
    weeks, topics = figure.subplots(2, 1)
    figure.suptitle(f"{stats.company}: sign-ups {shown(stats.onboarded)}")
    for axis, cells, title in (
        (weeks, stats.by_week, "Sign-ups per week (week starting)"),
        (topics, dict(list(stats.topics.items())[:12]), "Topics opened"),
    ):
        labels = list(cells)
        heights = [count if count >= SMALL_COUNT else 0 for count in cells.values()]
        bars = axis.bar(range(len(labels)), heights, color="#b22222")
        axis.bar_label(bars, labels=[shown(count) for count in cells.values()])
        axis.set_xticks(range(len(labels)), labels, rotation=30, ha="right")
        axis.set_title(title)
        axis.set_ylabel("count")
    figure.savefig(path, dpi=120)


def write_stats(stats: CompanyStats, out_dir: Path, code: str) -> tuple[Path, Path]:
    out_dir.mkdir(parents=True, exist_ok=True)
    csv_path, png_path = out_dir / f"stats-{code}.csv", out_dir / f"stats-{code}.png"
    csv_path.write_text(stats_csv(stats), encoding="utf-8")
    stats_chart(stats, png_path)
    return csv_path, png_path
