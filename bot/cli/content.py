"""``python -m bot content check|preview|publish|coverage|unanswered`` — editors' commands.

check: every problem with file and line; preview: an answer exactly as a worker reads it (also
before it is published); publish: make the checked content live; coverage: what is left to
write; unanswered: what workers asked and did not get (the same report as the console's).
"""

from __future__ import annotations

import argparse
import getpass
from datetime import date
from pathlib import Path

from bot.content.coverage import format_coverage
from bot.content.loader import ContentTree, load_content
from bot.content.publish import PublishConflict, PublishResult, preview_view, publish
from bot.content.render import render_answer, render_phrase_card
from bot.content.validate import Report, validate
from bot.db import make_engine, make_session_factory
from bot.migrate import upgrade
from bot.settings import get_settings
from vietnlp.countries import COUNTRY_CODES


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``content`` command group."""
    parser = subparsers.add_parser("content", help="check, preview and publish the content")
    commands = parser.add_subparsers(dest="content_command", required=True)

    check = commands.add_parser("check", help="find every problem in the content files")
    check.set_defaults(handler=run_check)

    preview = commands.add_parser("preview", help="show an answer as a worker sees it")
    preview.add_argument("answer_id", metavar="ID", help="answer id, e.g. ambulance")
    preview.add_argument("--country", required=True, choices=COUNTRY_CODES)
    preview.add_argument("--full", action="store_true", help='as after "Xem thêm"')
    preview.set_defaults(handler=run_preview)

    publish_cmd = commands.add_parser("publish", help="make the checked content live")
    publish_cmd.add_argument("--by", default=None, help="who publishes (default: your login)")
    publish_cmd.add_argument("--database-url", default=None, help="default: from the settings")
    publish_cmd.set_defaults(handler=run_publish)

    coverage = commands.add_parser("coverage", help="which answers exist for which country")
    coverage.set_defaults(handler=run_coverage)

    unanswered = commands.add_parser(
        "unanswered", help="questions the bot could not answer, grouped, most asked first"
    )
    unanswered.add_argument("--csv", action="store_true", help="CSV instead of text")
    unanswered.add_argument("--database-url", default=None, help="default: from the settings")
    unanswered.set_defaults(handler=run_unanswered)

    for command in (check, preview, publish_cmd, coverage):
        command.add_argument(
            "--content-dir",
            type=Path,
            default=None,
            help="default: the content folder of the settings",
        )


def _content_dir(args: argparse.Namespace) -> Path:
    return Path(args.content_dir or get_settings().content_dir)


def run_check(args: argparse.Namespace) -> int:
    """Print every problem and the coverage table; exit code 1 when there are errors."""
    root = _content_dir(args)
    tree = load_content(root)
    report = validate(tree, date.today())
    print(f"Checking {root}\n")
    print(report.format())
    print()
    print(format_coverage(tree))
    if not report.ok:
        print("\nFix the errors above, then run the check again. Nothing was published.")
    return 0 if report.ok else 1


def run_coverage(args: argparse.Namespace) -> int:
    """Print the coverage table."""
    print(format_coverage(load_content(_content_dir(args))))
    return 0


def run_unanswered(args: argparse.Namespace) -> int:
    """Print the kept (scrubbed) questions grouped by similarity, as text or CSV."""
    from bot.editor.unanswered import format_csv, format_text, group_questions

    url = args.database_url or get_settings().database_url
    upgrade(url, quiet=True)
    engine = make_engine(url)
    try:
        with make_session_factory(engine)() as session:
            groups = group_questions(session)
    finally:
        engine.dispose()
    print(format_csv(groups) if args.csv else format_text(groups), end="\n" if not args.csv else "")
    return 0


def run_publish(args: argparse.Namespace) -> int:
    """Validate and publish; on any error nothing changes and the exit code is 1."""
    url = args.database_url or get_settings().database_url
    upgrade(url, quiet=True)
    engine = make_engine(url)
    try:
        result = publish(
            _content_dir(args), make_session_factory(engine), args.by or getpass.getuser()
        )
    except PublishConflict as exc:
        print(f"Not published: {exc}.")
        return 1
    finally:
        engine.dispose()
    print(_publish_message(result))
    return 1 if result.outcome == "rejected" else 0


def _publish_message(result: PublishResult) -> str:
    if result.outcome == "rejected":
        return (
            f"{result.report.format()}\n\nNot published: fix the errors above. Workers keep "
            "seeing the content that was live before."
        )
    warnings = len(result.report.warnings) + len(result.report.pending)
    note = f" ({warnings} warning(s): run `content check` to see them)" if warnings else ""
    if result.outcome == "unchanged":
        return f"Nothing changed: version {result.version} is live already{note}."
    return f"Published version {result.version}{note}. A running bot shows it within a few seconds."


def run_preview(args: argparse.Namespace) -> int:
    """Print one answer in plain text as a worker would see it, marked when not published."""
    tree = load_content(_content_dir(args))
    report = validate(tree, date.today())
    item = next(
        (i for i in tree.answers.get(args.country, []) if i.model.id == args.answer_id), None
    )
    path = f"answers/{args.country}/{args.answer_id}.yml"
    if item is None:
        print(_problems_in(report, path) or f"There is no {path} (or it could not be read).")
        return 1
    view = preview_view(tree, args.country, args.answer_id)
    print(_preview_banner(tree, item.model.status, item.model.contacts))
    print(render_answer(view, "plain", full=args.full))
    if view.phrases:
        print("\n" + render_phrase_card(view.phrases, "plain"))
    problems = _problems_in(report, path)
    if problems:
        print("\n" + "-" * 60 + "\n" + problems)
    return 0


def _preview_banner(tree: ContentTree, status: str, contact_ids: list[str]) -> str:
    lines = []
    if status != "published":
        lines.append(
            f"*** NOT PUBLISHED (status: {status}) — workers do not see this answer yet ***"
        )
    unpublished = {
        i.model.id: i.model.status
        for items in tree.contacts.values()
        for i in items
        if i.model.status != "published"
    }
    lines += [
        f"*** contact {cid} is NOT PUBLISHED (status: {unpublished[cid]}) — workers "
        "would not see it ***"
        for cid in contact_ids
        if cid in unpublished
    ]
    lines.append("=" * 60)
    return "\n".join(lines)


def _problems_in(report: Report, path: str) -> str:
    problems = [p for p in report.problems if p.path == path]
    if not problems:
        return ""
    return "Problems in this file:\n" + "\n".join(f"  [{p.severity}] {p}" for p in problems)
