"""Every kind of bad content is reported with the file and line an editor has to fix."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest

from bot.content.loader import load_content
from bot.content.problems import Problem
from bot.content.validate import Report, validate

Edit = Callable[[str, str, str], None]
AMBULANCE = "answers/jp/ambulance.yml"
SHORT_CODES_JP = "short_codes/jp.yml"


def check(content_dir: Path, today: date) -> Report:
    return validate(load_content(content_dir), today)


def find(report: Report, path: str, line: int, fragment: str) -> Problem:
    """The problem at ``path:line`` whose message contains ``fragment`` (fails with all of them)."""
    for problem in report.problems:
        if problem.path == path and problem.line == line and fragment in problem.message:
            return problem
    pytest.fail(
        f"no {path}:{line} problem with {fragment!r} in:\n"
        + "\n".join(f"{p.severity}: {p}" for p in report.problems)
    )


def test_the_test_content_is_clean(content_dir: Path, today: date) -> None:
    report = check(content_dir, today)
    assert report.ok
    assert report.warnings == []
    assert {(p.path, p.line) for p in report.pending} == {
        ("answers/tw/health-insurance.yml", 2),
        ("contacts/jp.yml", 32),
    }


# (what, file, old text, new text, line, part of the message, severity)
CASES = [
    (
        "bad YAML",
        AMBULANCE,
        "title: Gọi xe cấp cứu",
        "title: Gọi: xe cấp cứu",
        4,
        "put the whole text in double quotes",
        "error",
    ),
    (
        "duplicate key",
        AMBULANCE,
        "title: Gọi xe cấp cứu",
        "title: A\ntitle: B",
        5,
        "not valid YAML",
        "error",
    ),
    ("missing field", AMBULANCE, "title: Gọi xe cấp cứu\n", "", 1, "`title` is missing", "error"),
    (
        "unknown field",
        AMBULANCE,
        "title: Gọi xe cấp cứu\n",
        "title: Gọi xe cấp cứu\ncolour: red\n",
        5,
        "unknown field `colour`",
        "error",
    ),
    (
        "wrong type: date",
        AMBULANCE,
        "verified_on: 2026-11-01",
        "verified_on: yesterday",
        3,
        "should be a date",
        "error",
    ),
    (
        "wrong type: list",
        AMBULANCE,
        "related: [emergency-phrases, health-insurance]",
        "related: emergency-phrases",
        13,
        "should be a list",
        "error",
    ),
    (
        "wrong type: unquoted phone",
        "contacts/jp.yml",
        'phones: ["119"]',
        "phones: [119]",
        4,
        "Write phone numbers in quotes",
        "error",
    ),
    (
        "bad status",
        AMBULANCE,
        "status: published",
        "status: done",
        2,
        "`status` must be one of",
        "error",
    ),
    (
        "id differs from file name",
        AMBULANCE,
        "id: ambulance",
        "id: ambulanse",
        1,
        "the id and the file name must be the same",
        "error",
    ),
    (
        "duplicate contact id",
        "contacts/kr.yml",
        "id: kr-danuri",
        "id: jp-amda",
        13,
        "duplicate contact id `jp-amda` (already used at contacts/jp.yml:15)",
        "error",
    ),
    (
        "unknown related id",
        AMBULANCE,
        "health-insurance]",
        "health-insurence]",
        13,
        "`related` lists `health-insurence`",
        "error",
    ),
    (
        "unknown contact id",
        AMBULANCE,
        "jp-amda,",
        "jp-amdaa,",
        14,
        "`jp-amdaa`, which is in no contacts file",
        "error",
    ),
    (
        "contact of another country",
        AMBULANCE,
        "jp-amda,",
        "kr-danuri,",
        14,
        "a Japan answer can only use",
        "error",
    ),
    (
        "invalid phone",
        "contacts/jp.yml",
        '"03-5285-8088"',
        '"03-5285-808"',
        18,
        '"03-5285-808" is not a valid phone number in Japan',
        "error",
    ),
    (
        "invalid short number",
        "contacts/tw.yml",
        'phones: ["1955"]',
        'phones: ["19555"]',
        16,
        "not a valid phone number in Taiwan",
        "error",
    ),
    (
        "short number of the right length, not in the short-codes list",
        "contacts/jp.yml",
        'phones: ["119"]',
        'phones: ["118"]',
        4,
        'the short number "118" is not in short_codes/jp.yml',
        "error",
    ),
    (
        "published mission without a way to reach it",
        "contacts/vn.yml",
        'phones: ["+84 981 84 84 84"]',
        "phones: []",
        4,
        "the mission `vn-citizen-protection` is published without a phone or an address",
        "error",
    ),
    (
        "published emergency line without a phone",
        "contacts/jp.yml",
        'phones: ["119"]',
        "phones: []",
        4,
        "the emergency line `jp-ambulance-fire` is published without a phone number",
        "error",
    ),
    (
        "short code without source",
        SHORT_CODES_JP,
        "  source:\n    url: https://jp.usembassy.gov/services/victims-of-crime/\n"
        "    title: U.S. Embassy in Japan — Help for victims of crime\n",
        "",
        2,
        "`source` is missing: every fact needs a source",
        "error",
    ),
    (
        "short code not in quotes",
        SHORT_CODES_JP,
        'code: "119"',
        "code: 119",
        2,
        "Write phone numbers in quotes",
        "error",
    ),
    (
        "short code that is no short number",
        SHORT_CODES_JP,
        'code: "119"',
        'code: "03-5285-8088"',
        2,
        "should be a short number: 3 to 6 digits",
        "error",
    ),
    (
        "short code invalid in its country",
        "short_codes/tw.yml",
        'code: "1955"',
        'code: "19555"',
        9,
        "not a valid phone number in Taiwan",
        "error",
    ),
    (
        "short code listed twice",
        "short_codes/tw.yml",
        'code: "1955"',
        'code: "119"',
        9,
        "the short number 119 is listed twice (first on line 2)",
        "error",
    ),
    (
        "short code checked in the future",
        SHORT_CODES_JP,
        "verified_on: 2026-11-01",
        "verified_on: 2027-01-01",
        7,
        "is in the future",
        "error",
    ),
    (
        "number in text not in contacts",
        AMBULANCE,
        "AMDA 03-5285-8088",
        "AMDA 03-5285-8089",
        9,
        'the number "03-5285-8089" in `body`',
        "error",
    ),
    (
        "missing source",
        "answers/kr/health-insurance.yml",
        "sources:\n  - url: https://www.bokjiro.go.kr/nwel/html/world/en/WII00000042.html\n"
        "    title: Bokjiro — Medical aid for foreign workers\n",
        "",
        1,
        "`sources` is missing",
        "error",
    ),
    (
        "missing contact source",
        "contacts/jp.yml",
        "  source:\n    url: https://jp.usembassy.gov/services/victims-of-crime/\n"
        "    title: U.S. Embassy in Japan — Help for victims of crime\n"
        "  verified_on: 2026-11-01\n\n- id: jp-amda",
        "  verified_on: 2026-11-01\n\n- id: jp-amda",
        1,
        "`source` is missing",
        "error",
    ),
    (
        "missing verified_on",
        AMBULANCE,
        "verified_on: 2026-11-01\n",
        "",
        1,
        "`verified_on` is missing",
        "error",
    ),
    (
        "verified_on in the future",
        AMBULANCE,
        "verified_on: 2026-11-01",
        "verified_on: 2027-01-01",
        3,
        "is in the future",
        "error",
    ),
    (
        "old verified_on",
        AMBULANCE,
        "verified_on: 2026-11-01",
        "verified_on: 2025-10-01",
        3,
        "more than 12 months ago",
        "warning",
    ),
    (
        "unverified answer listed",
        AMBULANCE,
        "status: published",
        "status: draft",
        2,
        "not published (status: draft)",
        "pending",
    ),
    (
        "published answer uses unverified contact",
        AMBULANCE,
        "jp-amda,",
        "jp-otit,",
        14,
        "its number would be hidden from workers",
        "error",
    ),
    (
        "too-long short",
        "answers/kr/health-insurance.yml",
        "  Người lao động có bảo hiểm y tế quốc gia.",
        "  " + "Rất dài. " * 90,
        5,
        "`short` has 809 characters",
        "error",
    ),
    (
        "phrase language",
        AMBULANCE,
        "lang: ja",
        "lang: ko",
        16,
        "`phrases.lang` is ko, but this is a Japan answer; use ja",
        "error",
    ),
    (
        "unknown id in topics",
        "topics.yml",
        "answers: [health-insurance]",
        "answers: [health-insurance, ghost]",
        10,
        "unknown answer id `ghost`",
        "error",
    ),
    (
        "answer in two chapters",
        "topics.yml",
        "answers: [health-insurance]",
        "answers: [health-insurance, ambulance]",
        10,
        "listed in two chapters",
        "error",
    ),
    (
        "unknown id in intents",
        "intents.yml",
        "[health-insurance]",
        "[health-insurance, ghost]",
        2,
        "unknown answer id `ghost`",
        "error",
    ),
    (
        "duplicate lexicon term",
        "emergency_lexicon.yml",
        "  - khó thở",
        "  - khó thở\n  - KHO THO",
        5,
        "same as the term on line 4",
        "error",
    ),
    (
        "lexicon teencode duplicate",
        "emergency_lexicon.yml",
        "  - khó thở",
        "  - cc",
        4,
        "same as the term on line 3",
        "error",
    ),
    (
        "empty lexicon term",
        "emergency_lexicon.yml",
        "  - bị đánh",
        "  - bị đánh\n  -",
        7,
        "empty term",
        "error",
    ),
]


@pytest.mark.parametrize(
    ("rel", "old", "new", "line", "fragment", "severity"),
    [pytest.param(*case[1:], id=case[0]) for case in CASES],
)
def test_bad_content_is_reported_at_its_line(
    content_dir: Path,
    edit_content: Edit,
    today: date,
    rel: str,
    old: str,
    new: str,
    line: int,
    fragment: str,
    severity: str,
) -> None:
    edit_content(rel, old, new)
    report = check(content_dir, today)
    problem = find(report, rel, line, fragment)
    assert problem.severity == severity
    assert str(problem).startswith(f"{rel}:{line}: ")
    assert report.ok is (not report.errors)


def test_missing_country_variant_is_a_warning(content_dir: Path, today: date) -> None:
    (content_dir / "answers/tw/emergency-phrases.yml").unlink()
    report = check(content_dir, today)
    problem = find(report, "topics.yml", 6, "`emergency-phrases` has no Taiwan version")
    assert problem.severity == "warning"


def test_duplicate_answer_id_in_one_country(content_dir: Path, today: date) -> None:
    shutil.copy(content_dir / AMBULANCE, content_dir / "answers/jp/zz-copy.yml")
    report = check(content_dir, today)
    find(
        report,
        "answers/jp/zz-copy.yml",
        1,
        f"duplicate answer id `ambulance` (already used at {AMBULANCE}:1)",
    )


def test_answer_outside_every_chapter(content_dir: Path, today: date) -> None:
    text = (content_dir / AMBULANCE).read_text(encoding="utf-8")
    (content_dir / "answers/jp/extra.yml").write_text(
        text.replace("id: ambulance", "id: extra"), encoding="utf-8"
    )
    find(check(content_dir, today), "answers/jp/extra.yml", 1, "is in no chapter of topics.yml")


def test_missing_file_and_empty_file(content_dir: Path, today: date) -> None:
    (content_dir / "intents.yml").unlink()
    (content_dir / "contacts/vn.yml").write_text("", encoding="utf-8")
    report = check(content_dir, today)
    find(report, "intents.yml", 1, "the file intents.yml is missing")
    find(report, "contacts/vn.yml", 1, "the file is empty")


def test_one_broken_file_does_not_hide_other_problems(
    content_dir: Path, edit_content: Edit, today: date
) -> None:
    edit_content(AMBULANCE, "title: Gọi xe cấp cứu", "title: [unclosed")
    edit_content("contacts/kr.yml", "kind: hotline", "kind: helpline")
    report = check(content_dir, today)
    assert {p.path for p in report.errors} >= {AMBULANCE, "contacts/kr.yml"}
    # answers using a broken file or entry get no cascade of "unknown id" errors
    assert not [p for p in report.errors if "`ambulance`" in p.message]
    assert not [p for p in report.errors if "`kr-danuri`" in p.message]


def test_amounts_dates_and_durations_are_not_phone_numbers(
    content_dir: Path, edit_content: Edit, today: date
) -> None:
    prose = (
        "  Trả 30%, khoảng 5.000.000 won hay 80.000 yên; nghỉ 6 tuần, 14 ngày, 9-17 giờ;\n"
        "  năm 2022, ngày 18/7/2022, Điều 65, Nghị định 162/2025, xem https://a.jp/x/1234567.\n"
    )
    edit_content("answers/jp/health-insurance.yml", "body: |\n", "body: |\n" + prose)
    assert check(content_dir, today).ok


def test_report_format_groups_problems(content_dir: Path, edit_content: Edit, today: date) -> None:
    edit_content(AMBULANCE, "verified_on: 2026-11-01", "verified_on: 2025-01-01")
    edit_content("contacts/kr.yml", '"1577-1366"', '"1577-136"')
    text = check(content_dir, today).format()
    errors, warnings, pending = (
        text.index("ERRORS"),
        text.index("WARNINGS"),
        text.index("NOT PUBLISHED, waiting for an editor"),
    )
    assert errors < warnings < pending
    assert 'contacts/kr.yml:16: "1577-136" is not a valid phone number in Korea' in text
    assert text.rstrip().endswith("2 error(s), 3 warning(s).")


@pytest.mark.parametrize(("verified_on", "stale"), [("2025-11-22", False), ("2025-11-21", True)])
def test_facts_become_stale_after_twelve_months(
    content_dir: Path, edit_content: Edit, today: date, verified_on: str, stale: bool
) -> None:
    edit_content(AMBULANCE, "verified_on: 2026-11-01", f"verified_on: {verified_on}")
    warnings = check(content_dir, today).warnings
    assert any("more than 12 months ago" in p.message for p in warnings) is stale


@pytest.mark.parametrize(
    ("old", "new", "line", "fragment"),
    [
        ("topic: ambulance", "topic: no-such-topic", 10, "unknown topic `no-such-topic`"),
        ("    correct: 0", "    correct: 3", 16, "`correct` is 3 but there are 3 options"),
        ("id: call", "id: insurance", 9, "question id `insurance` is used twice"),
    ],
)
def test_quiz_questions_are_checked(
    content_dir: Path,
    edit_content: Edit,
    today: date,
    old: str,
    new: str,
    line: int,
    fragment: str,
) -> None:
    edit_content("quiz.yml", old, new)
    report = check(content_dir, today)
    assert find(report, "quiz.yml", line, fragment).severity == "error"


def test_short_numbers_need_their_country_list(content_dir: Path, today: date) -> None:
    (content_dir / SHORT_CODES_JP).unlink()
    report = check(content_dir, today)
    problem = find(report, "contacts/jp.yml", 4, "there is no short_codes/jp.yml")
    assert problem.severity == "error"
    assert "create short_codes/jp.yml and add 119" in problem.message


def test_unlisted_short_number_of_an_unpublished_contact_is_a_warning(
    content_dir: Path, edit_content: Edit, today: date
) -> None:
    edit_content("contacts/jp.yml", '"0120-250-168"', '"#8891"')  # jp-otit is unverified
    report = check(content_dir, today)
    problem = find(report, "contacts/jp.yml", 30, 'the short number "#8891" is not in')
    assert problem.severity == "warning"
    assert report.ok


def test_short_codes_match_however_they_are_written(
    content_dir: Path, edit_content: Edit, today: date
) -> None:
    edit_content("contacts/tw.yml", 'phones: ["1955"]', 'phones: ["1955", "+886 1955"]')
    edit_content("contacts/jp.yml", '"0120-250-168"', '"#8891"')
    edit_content(
        SHORT_CODES_JP,
        'code: "119"',
        'code: "#8891"\n  what: Sexual violence\n'
        "  source: {url: https://sarc-tokyo.org/english/, title: SARC Tokyo}\n"
        '  verified_on: 2026-11-01\n- code: "119"',
    )
    report = check(content_dir, today)
    assert report.ok
    assert not [p for p in report.problems if "short" in p.message]


def test_a_broken_short_code_entry_does_not_cascade(
    content_dir: Path, edit_content: Edit, today: date
) -> None:
    edit_content(SHORT_CODES_JP, "verified_on: 2026-11-01", "verified_on: soon")
    report = check(content_dir, today)
    find(report, SHORT_CODES_JP, 7, "should be a date")
    assert not [p for p in report.problems if "short number" in p.message]


def test_a_mission_with_only_an_address_or_not_published_is_fine(
    content_dir: Path, edit_content: Edit, today: date
) -> None:
    edit_content(
        "contacts/vn.yml",
        'phones: ["+84 981 84 84 84"]',
        "phones: []\n  address: 50-11 Motoyoyogi-cho, Shibuya-ku, Tokyo",
    )
    edit_content("contacts/jp.yml", '"0120-250-168"', "")  # jp-otit: unverified, no phone
    report = check(content_dir, today)
    assert not [p for p in report.problems if "way to reach it" in p.message]
    assert not [p for p in report.problems if "without a phone" in p.message]


def test_a_bad_phone_is_the_one_root_cause_reported_first(
    content_dir: Path, edit_content: Edit, today: date
) -> None:
    edit_content("contacts/jp.yml", 'phones: ["119"]', 'phones: ["1199"]')
    report = check(content_dir, today)
    roots = report.root_errors()
    assert len(roots) == 1
    root, follow = roots[0]
    assert root.where == "contacts/jp.yml:4"
    assert '"1199" is not a valid phone number' in root.message
    assert follow and all(p.cause == root for p in follow)
    assert {p.path for p in follow} >= {AMBULANCE}
    text = report.format()
    lines = text.splitlines()
    assert lines[0].endswith("(1 to fix):")
    assert lines[1].startswith('  contacts/jp.yml:4: "1199"')  # the cause comes first
    assert lines[2].startswith(f"    ↳ {len(follow)} more error(s) follow from this one")
    assert f"{len(follow) + 1} error(s)" in lines[-1]  # every error still counted


def test_a_contact_missing_its_source_folds_the_answers_that_use_it(
    content_dir: Path, edit_content: Edit, today: date
) -> None:
    edit_content(
        "contacts/jp.yml",
        "  source:\n    url: https://jp.usembassy.gov/services/victims-of-crime/\n"
        "    title: U.S. Embassy in Japan — Help for victims of crime\n",
        "",
    )
    roots = check(content_dir, today).root_errors()
    assert len(roots) == 1
    root, follow = roots[0]
    assert root.path == "contacts/jp.yml" and "`source` is missing" in root.message
    assert any(p.path == AMBULANCE and '"119"' in p.message for p in follow)


def test_a_number_unknown_to_every_listed_contact_is_its_own_root(
    content_dir: Path, edit_content: Edit, today: date
) -> None:
    edit_content(AMBULANCE, "Gọi **119**", "Gọi **119** hoặc 0120-999-999")
    roots = check(content_dir, today).root_errors()
    assert [(r.where, f) for r, f in roots] == [(f"{AMBULANCE}:6", [])]
