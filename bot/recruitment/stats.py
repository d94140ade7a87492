"""Anonymous statistics for one company: sign-ups by country and week, topics opened.

Counts only — no question text, no user ids — and every cell under five is shown as "<5" so a
small group (one trainee who asked about pregnancy) cannot be singled out: in the CSV, on the
screen and in the chart (a bar under five is drawn at zero height and labelled "<5"). Topics are
named by their Vietnamese titles from the published content; a company nobody has signed up with
yet gets a clear note instead of empty charts.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.content.repository import ContentRepository
from bot.i18n import _, country_name
from bot.models.recruitment import Company, CompanySignup, TopicOpenCount
from bot.models.users import User
from bot.recruitment.companies import week_of
from vietnlp.countries import COUNTRY_CODES

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


def topic_titles(stats: CompanyStats, repo: ContentRepository) -> dict[str, str]:
    """Each topic's title as workers see it, from the country most of the company's workers are
    in (titles such as "Câu nói khẩn cấp bằng tiếng Hàn" differ by country); the id when the
    answer is no longer published."""
    countries = sorted(COUNTRY_CODES, key=lambda code: -stats.by_country.get(code, 0))
    titles = {}
    for topic in stats.topics:
        answer = next(
            (a for a in (repo.answer(topic, code) for code in countries) if a is not None), None
        )
        titles[topic] = answer.title if answer is not None else topic
    return titles


def stats_csv(stats: CompanyStats, titles: Mapping[str, str] | None = None) -> str:
    """One row per cell: section, key, count (suppressed), and a label for people."""
    titles = titles or {}
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["section", "key", "count", "label"])
    writer.writerow(["onboarded", "total", shown(stats.onboarded), _("Số người đăng ký")])
    for country, count in stats.by_country.items():
        label = country_name(country) if country in COUNTRY_CODES else _("Chưa chọn nước")
        writer.writerow(["country", country, shown(count), label])
    for week, count in stats.by_week.items():
        writer.writerow(["week", week, shown(count), _("Tuần bắt đầu {day}").format(day=week)])
    for topic, count in stats.topics.items():
        writer.writerow(["topic", topic, shown(count), titles.get(topic, topic)])
    return out.getvalue()


def small_counts_note() -> str:
    return _("Số dưới 5 ghi là <5 để không ai bị nhận ra.")


def no_signups_note(code: str) -> str:
    return _(
        "Chưa có ai đăng ký qua mã {code}. Khi người lao động quét mã QR trên tờ rơi "
        "(python -m bot flyer --company {code}), số liệu sẽ hiện ở đây."
    ).format(code=code)


def stats_chart(
    stats: CompanyStats, path: Path, titles: Mapping[str, str] | None = None, code: str = ""
) -> None:
    """Bar charts of sign-ups per week and the most opened topics; small cells are hidden.
    Without sign-ups: one page that says so, not empty axes."""
    # The OO API: no pyplot state, no GUI backend. Imported here, as only this draws.
    from matplotlib.figure import Figure
    from matplotlib.ticker import MaxNLocator

    titles = titles or {}
    if stats.onboarded == 0:
        figure = Figure(figsize=(9, 3), layout="constrained")
        figure.suptitle(stats.company, fontsize=14)
        figure.text(0.5, 0.5, no_signups_note(code), ha="center", va="center", wrap=True)
        figure.savefig(path, dpi=120)
        return
    figure = Figure(figsize=(9, 9), layout="constrained")
    weeks, topics = figure.subplots(2, 1)
    figure.suptitle(
        _("{company}: {count} người đăng ký").format(
            company=stats.company, count=shown(stats.onboarded)
        ),
        fontsize=14,
    )
    top_topics = dict(list(stats.topics.items())[:12])
    for axis, cells, labels, title, unit in (
        (
            weeks,
            stats.by_week,
            [_format_week(week) for week in stats.by_week],
            _("Người đăng ký theo tuần (ngày đầu tuần)"),
            _("người"),
        ),
        (
            topics,
            top_topics,
            [_short(titles.get(topic, topic)) for topic in top_topics],
            _("Chủ đề được mở nhiều nhất"),
            _("lần mở"),
        ),
    ):
        if not cells:
            axis.set_axis_off()
            axis.set_title(title)
            axis.text(0.5, 0.5, _("Chưa có số liệu."), ha="center", va="center")
            continue
        heights = [count if count >= SMALL_COUNT else 0 for count in cells.values()]
        bars = axis.bar(range(len(labels)), heights, color="#b22222")
        axis.bar_label(bars, labels=[shown(count) for count in cells.values()])
        axis.set_xticks(range(len(labels)), labels, rotation=30, ha="right")
        axis.set_ylim(0, max(SMALL_COUNT, *heights) * 1.2)  # never a −0.04…0.04 axis
        axis.yaxis.set_major_locator(MaxNLocator(integer=True))
        axis.set_title(title)
        axis.set_ylabel(unit)
    figure.supxlabel(small_counts_note(), fontsize=8, color="#666666")  # laid out, not overlaid
    figure.savefig(path, dpi=120)


def _format_week(week: str) -> str:
    year, month, day = week.split("-")
    return f"{day}/{month}/{year}"


def _short(title: str, limit: int = 32) -> str:
    return title if len(title) <= limit else title[: limit - 1].rstrip() + "…"


def write_stats(
    stats: CompanyStats, out_dir: Path, code: str, repo: ContentRepository | None = None
) -> tuple[Path, Path]:
    titles = topic_titles(stats, repo) if repo is not None else {}
    out_dir.mkdir(parents=True, exist_ok=True)
    csv_path, png_path = out_dir / f"stats-{code}.csv", out_dir / f"stats-{code}.png"
    csv_path.write_text(stats_csv(stats, titles), encoding="utf-8")
    stats_chart(stats, png_path, titles, code)
    return csv_path, png_path
