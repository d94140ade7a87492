"""Commands for recruitment companies and editors: companies, flyers, statistics, alerts.

python -m bot company add --name "Công ty ABC" --code ABC      # prints the deep link
python -m bot flyer --company ABC --country jp                  # flyers/flyer-ABC-jp.pdf + .png
python -m bot stats --company ABC                               # counts, CSV and PNG chart
python -m bot alert publish --country jp --text "…"             # queue and deliver
python -m bot alert resume                                      # finish after a restart

The drawing, charting and Telegram libraries are imported by the commands that use them: every
``python -m bot …`` builds the whole command line, and ``chat`` and ``ask`` must start fast.
"""

from __future__ import annotations

import argparse
import asyncio
from datetime import UTC, date, datetime
from pathlib import Path

from sqlalchemy import func, select

from bot.i18n import _, country_name
from bot.models.recruitment import Company, CompanySignup
from bot.recruitment.companies import CompanyError, create_company, deep_link, find_company
from bot.recruitment.sheet import NoPublishedContent
from bot.recruitment.stats import shown
from bot.settings import Settings, get_settings
from bot.store import Store, open_store
from bot.users import pseudonym_key
from vietnlp.countries import COUNTRY_CODES


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    company = subparsers.add_parser("company", help="recruitment companies and their links")
    company_commands = company.add_subparsers(dest="company_command", required=True)
    add = company_commands.add_parser("add", help="create a company and print its deep link")
    add.add_argument("--name", required=True)
    add.add_argument("--code", required=True, help="3–32 letters, digits, _ or -")
    add.set_defaults(handler=run_company_add)
    company_commands.add_parser("list", help="companies, links, sign-ups").set_defaults(
        handler=run_company_list
    )

    flyer = subparsers.add_parser("flyer", help="printable QR flyer (A4 PDF + PNG)")
    flyer.add_argument("--company", required=True, help="company code")
    flyer.add_argument("--country", choices=[*COUNTRY_CODES, "all"], default="all")
    flyer.add_argument("--out", type=Path, default=Path("flyers"))
    flyer.set_defaults(handler=run_flyer)

    stats = subparsers.add_parser("stats", help="anonymous statistics of a company (CSV + PNG)")
    stats.add_argument("--company", required=True, help="company code")
    stats.add_argument("--out", type=Path, default=Path("stats"))
    stats.set_defaults(handler=run_stats)

    alert = subparsers.add_parser("alert", help="announcements to opted-in users of a country")
    alert_commands = alert.add_subparsers(dest="alert_command", required=True)
    publish = alert_commands.add_parser("publish", help="queue an announcement and deliver it")
    publish.add_argument("--country", choices=COUNTRY_CODES, required=True)
    text = publish.add_mutually_exclusive_group(required=True)
    text.add_argument("--text")
    text.add_argument("--file", type=Path)
    publish.set_defaults(handler=run_alert_publish)
    alert_commands.add_parser("resume", help="deliver what a restart interrupted").set_defaults(
        handler=run_alert_resume
    )
    status = alert_commands.add_parser("status", help="delivered / blocked / failed counts")
    status.add_argument("announcement", type=int)
    status.set_defaults(handler=run_alert_status)


def _company(store: Store, code: str) -> Company | None:
    with store.sessions() as session:
        company = find_company(session, code)
    if company is None:
        print(f"No company with code {code!r}; create it with: python -m bot company add")
    return company


def run_company_add(args: argparse.Namespace) -> int:
    settings = get_settings()
    with open_store(settings) as store, store.sessions.begin() as session:
        try:
            company = create_company(session, args.name, args.code, date.today())
        except CompanyError as exc:
            print(_("Chưa tạo được: {reason}").format(reason=exc))
            return 1
        link = deep_link(settings.bot_username, company.code)
        print(_("Đã tạo {name} ({code})").format(name=company.name, code=company.code))
        print(_("Đường link cho người lao động: {link}").format(link=link))
        print(_("Tờ rơi: python -m bot flyer --company {code}").format(code=company.code))
    return 0


def run_company_list(args: argparse.Namespace) -> int:
    settings = get_settings()
    with open_store(settings) as store, store.sessions() as session:
        signups = dict(
            session.execute(
                select(CompanySignup.company_id, func.count()).group_by(CompanySignup.company_id)
            )
            .tuples()
            .all()
        )
        rows = [
            (
                company.code,
                shown(signups.get(company.id, 0)),
                company.name,
                deep_link(settings.bot_username, company.code),
            )
            for company in session.scalars(select(Company).order_by(Company.code))
        ]
    if not rows:
        print(_("Chưa có công ty nào. Tạo công ty: python -m bot company add --name … --code …"))
        return 0
    print(company_table(rows))
    return 0


def company_table(rows: list[tuple[str, str, str, str]]) -> str:
    """Aligned columns under Vietnamese headings (names may be long: the link comes last)."""
    header = (_("Mã"), _("Đăng ký"), _("Tên công ty"), _("Đường link cho người lao động"))
    table = [header, *rows]
    widths = [max(len(row[i]) for row in table) for i in range(3)]
    lines = [
        f"{code:<{widths[0]}}  {count:>{widths[1]}}  {name:<{widths[2]}}  {link}"
        for code, count, name, link in table
    ]
    lines.insert(1, "-" * len(lines[0]))
    return "\n".join(lines)


def run_flyer(args: argparse.Namespace) -> int:
    from bot.recruitment.flyer import build_flyer

    settings = get_settings()
    with open_store(settings) as store:
        company = _company(store, args.company)
        if company is None:
            return 1
        countries = COUNTRY_CODES if args.country == "all" else (args.country,)
        for country in countries:
            try:
                files = build_flyer(
                    store.repository, company, country, settings.bot_username, args.out
                )
            except NoPublishedContent as exc:
                print(f"No flyer for {country}: {exc}. Publish the content first.")
                return 1
            print(f"{files.pdf}\n{files.png}")
    return 0


def run_stats(args: argparse.Namespace) -> int:
    from bot.recruitment.stats import (
        company_stats,
        no_signups_note,
        small_counts_note,
        write_stats,
    )

    with open_store(get_settings()) as store:
        company = _company(store, args.company)
        if company is None:
            return 1
        with store.sessions() as session:
            stats = company_stats(session, company)
        csv_path, png_path = write_stats(stats, args.out, company.code, store.repository)
        if stats.onboarded == 0:
            print(f"{stats.company}: {no_signups_note(company.code)}")
        else:
            print(
                _("{company}: {count} người đăng ký").format(
                    company=stats.company, count=shown(stats.onboarded)
                )
            )
            for country, count in stats.by_country.items():
                name = country_name(country) if country in COUNTRY_CODES else _("Chưa chọn nước")
                print(f"  {name}: {shown(count)}")
            print(f"({small_counts_note()})")
        print(f"{csv_path}\n{png_path}")
    return 0


async def _deliver(store: Store, settings: Settings, ids: list[int]) -> int:
    from bot.recruitment import alerts
    from bot.telegram.records import TelegramRecords

    try:
        bot = alerts.alert_bot(settings)
    except alerts.AlertsUnavailable as exc:
        print(f"Not sent yet: {exc}. Queued deliveries go out with: python -m bot alert resume")
        return 1
    records = TelegramRecords(store.sessions, pseudonym_key(settings))
    async with bot:
        for announcement_id in ids:
            report = await alerts.deliver(
                store.sessions, bot, announcement_id, on_sent=records.remember_messages
            )
            print(report)
    return 0


def run_alert_publish(args: argparse.Namespace) -> int:
    settings = get_settings()
    from bot.recruitment import alerts

    text = args.text if args.text is not None else args.file.read_text(encoding="utf-8")
    with open_store(settings) as store:
        with store.sessions.begin() as session:
            announcement_id = alerts.publish_announcement(
                session, args.country, text, datetime.now(UTC)
            )
        print(f"Queued announcement {announcement_id}")
        return asyncio.run(_deliver(store, settings, [announcement_id]))


def run_alert_resume(args: argparse.Namespace) -> int:
    from bot.recruitment import alerts

    settings = get_settings()
    with open_store(settings) as store:
        with store.sessions() as session:
            ids = alerts.unfinished_announcements(session)
        if not ids:
            print("Nothing to resume.")
            return 0
        return asyncio.run(_deliver(store, settings, ids))


def run_alert_status(args: argparse.Namespace) -> int:
    from bot.recruitment import alerts

    with open_store(get_settings()) as store, store.sessions() as session:
        print(alerts.report(session, args.announcement))
    return 0
