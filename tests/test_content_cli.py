"""The editors' commands: ``python -m bot content …`` and ``python -m bot db …``."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from bot.__main__ import main

Edit = Callable[[str, str, str], None]


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str]:
    code = main(list(argv))
    return code, capsys.readouterr().out


def test_check_passes_and_prints_coverage(
    content_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out = run(capsys, "content", "check", "--content-dir", str(content_dir))
    assert code == 0
    assert "NOT PUBLISHED, waiting for an editor (2):" in out
    assert "ERRORS" not in out
    assert "Coverage" in out


def test_check_fails_with_file_and_line(
    content_dir: Path, edit_content: Edit, capsys: pytest.CaptureFixture[str]
) -> None:
    edit_content("answers/kr/ambulance.yml", "lang: ko", "lang: ja")
    code, out = run(capsys, "content", "check", "--content-dir", str(content_dir))
    assert code == 1
    assert "  answers/kr/ambulance.yml:12: `phrases.lang` is ja" in out
    assert "Nothing was published." in out


def test_coverage_table(content_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (content_dir / "answers/kr/emergency-phrases.yml").unlink()
    code, out = run(capsys, "content", "coverage", "--content-dir", str(content_dir))
    assert code == 0
    lines = out.splitlines()
    assert lines[1].split() == ["jp", "kr", "tw"]
    rows = {line.split()[0]: line.split()[1:] for line in lines if line.startswith("  ")}
    assert rows["ambulance"] == ["✓", "✓", "✓"]
    assert rows["emergency-phrases"] == ["✓", "–", "✓"]
    assert rows["health-insurance"] == ["✓", "✓", "?"]
    assert "🏥 kham-benh — Đi khám bệnh và bảo hiểm y tế" in lines
    totals = out[out.index("Totals") :].splitlines()
    assert totals[1].split()[-3:] == ["3", "2", "2"]


def test_preview_shows_what_a_worker_sees(
    content_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out = run(
        capsys,
        "content",
        "preview",
        "ambulance",
        "--country",
        "jp",
        "--content-dir",
        str(content_dir),
    )
    assert code == 0
    assert "NOT PUBLISHED" not in out
    assert "Gọi xe cấp cứu\n\nGọi 119 (miễn phí" in out
    assert "AMDA 03-5285-8088" not in out  # the body comes with --full
    assert "Đưa cho nhân viên / bác sĩ xem\n\n救急車をお願いします。\n(Tôi cần xe cấp cứu.)" in out
    code, full = run(
        capsys,
        "content",
        "preview",
        "ambulance",
        "--country",
        "jp",
        "--full",
        "--content-dir",
        str(content_dir),
    )
    assert "AMDA 03-5285-8088" in full and "Tìm hiểu thêm" in full


def test_preview_marks_unpublished_answers_and_contacts(
    content_dir: Path, edit_content: Edit, capsys: pytest.CaptureFixture[str]
) -> None:
    edit_content("answers/tw/health-insurance.yml", "sources:", "contacts: [tw-1955]\nsources:")
    edit_content(
        "contacts/tw.yml",
        "status: published\n  source:\n    url: https://nitp",
        "status: draft\n  source:\n    url: https://nitp",
    )
    code, out = run(
        capsys,
        "content",
        "preview",
        "health-insurance",
        "--country",
        "tw",
        "--content-dir",
        str(content_dir),
    )
    assert code == 0
    assert out.startswith("*** NOT PUBLISHED (status: unverified)")
    assert "*** contact tw-1955 is NOT PUBLISHED (status: draft)" in out
    assert "Bảo hiểm y tế ở Đài Loan" in out and "1955" in out
    assert "[pending] answers/tw/health-insurance.yml:2:" in out


def test_preview_of_a_missing_or_broken_answer(
    content_dir: Path, edit_content: Edit, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out = run(
        capsys,
        "content",
        "preview",
        "nothing",
        "--country",
        "jp",
        "--content-dir",
        str(content_dir),
    )
    assert (code, out.strip()) == (
        1,
        "There is no answers/jp/nothing.yml (or it could not be read).",
    )
    edit_content("answers/jp/ambulance.yml", "title: Gọi xe cấp cứu\n", "")
    code, out = run(
        capsys,
        "content",
        "preview",
        "ambulance",
        "--country",
        "jp",
        "--content-dir",
        str(content_dir),
    )
    assert code == 1 and "answers/jp/ambulance.yml:1: `title` is missing" in out


def test_publish_command(
    content_dir: Path, edit_content: Edit, database_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    args = (
        "content",
        "publish",
        "--content-dir",
        str(content_dir),
        "--database-url",
        database_url,
        "--by",
        "tester",
    )
    code, out = run(capsys, *args)
    assert code == 0 and out.startswith("Published version 1 (2 warning(s)")
    code, out = run(capsys, *args)
    assert code == 0 and out.startswith("Nothing changed: version 1 is live already")
    edit_content("contacts/kr.yml", '"1577-1366"', '"1577-136"')
    code, out = run(capsys, *args)
    assert code == 1
    assert 'contacts/kr.yml:16: "1577-136" is not a valid phone number in Korea' in out
    assert "Not published: fix the errors above." in out


def test_db_commands(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    code, out = run(capsys, "db", "current", "--database-url", url)
    assert code == 1 and "is at revision (empty)" in out
    code, out = run(capsys, "db", "upgrade", "--database-url", url)
    assert code == 0 and "(newest)" in out
    code, out = run(capsys, "db", "current", "--database-url", url)
    assert code == 0


def test_db_url_password_is_not_printed(capsys: pytest.CaptureFixture[str]) -> None:
    from bot.cli.db import _shown

    assert "secret" not in _shown("postgresql+psycopg://bot:secret@db:5432/bot")


def test_a_python_without_the_project_libraries_gets_advice() -> None:
    import subprocess
    import sys

    repo = Path(__file__).resolve().parent.parent
    # -S: no site-packages, as with a fresh machine's system python
    result = subprocess.run(
        [sys.executable, "-S", "-m", "bot", "content", "check"],
        cwd=repo, capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert result.returncode == 2
    assert "make content-check" in result.stderr
    assert ".venv/bin/python -m bot content check" in result.stderr
    assert "Traceback" not in result.stderr
