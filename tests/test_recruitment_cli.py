"""The recruiters' commands as they type them: ``company list`` and ``stats`` (subprocesses on a
fresh SQLite database with the core test content)."""

from __future__ import annotations

from pathlib import Path

from tests.engine_support import run_bot


async def test_company_list_has_headings_and_hides_small_counts(cli_env: dict[str, str]) -> None:
    code, out, err = await run_bot(["company", "list"], cli_env)
    assert code == 0, err
    assert "Chưa có công ty nào" in out
    for name, short in (("Công ty Nhân lực Hải Phòng", "HPNL"), ("ABC", "ABC")):
        code, out, err = await run_bot(["company", "add", "--name", name, "--code", short], cli_env)
        assert code == 0 and "Đã tạo" in out, err
    code, out, err = await run_bot(["company", "list"], cli_env)
    assert code == 0, err
    header, rule, *rows = out.splitlines()
    assert header.split()[:2] == ["Mã", "Đăng"] and "Tên công ty" in header
    assert set(rule) == {"-"}
    assert rows[0].split()[:2] == ["ABC", "<5"]  # nobody yet is "<5" too: nothing singled out
    assert "https://t.me/" in rows[1] and "Công ty Nhân lực Hải Phòng" in rows[1]
    assert "INFO" not in out


async def test_stats_of_a_company_nobody_joined_yet(
    cli_env: dict[str, str], tmp_path: Path
) -> None:
    await run_bot(["company", "add", "--name", "Công ty A", "--code", "AAA"], cli_env)
    out_dir = tmp_path / "stats"
    code, out, err = await run_bot(["stats", "--company", "AAA", "--out", str(out_dir)], cli_env)
    assert code == 0, err
    assert "Chưa có ai đăng ký qua mã AAA" in out
    assert (out_dir / "stats-AAA.png").exists() and (out_dir / "stats-AAA.csv").exists()
