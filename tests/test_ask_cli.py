"""``python -m bot ask``: one question, --json and --batch (subprocesses for the real command
line, in-process runs of the same coroutine for the other cases, which is much faster)."""

from __future__ import annotations

import json

import pytest

from bot.ask import run_ask
from bot.settings import Settings
from tests.engine_support import FakeRasa, run_bot


async def test_json_answer(fake_rasa: FakeRasa, cli_env: dict[str, str]) -> None:
    fake_rasa.says("bảo hiểm y tế là gì", "health_insurance", 0.93)
    env = {**cli_env, "NLU_URL": fake_rasa.url}
    code, out, err = await run_bot(["ask", "--country", "jp", "--json", "bảo hiểm y tế là gì"], env)
    assert code == 0, err
    record = json.loads(out)
    assert record["intent"] == "health_insurance" and record["confidence"] == 0.93
    assert record["answer_id"] == "health-insurance" and record["emergency"] is False
    assert "Bảo hiểm y tế" in record["text"] and "👍" in record["buttons"]
    assert record["nlu_down"] is False


async def test_batch_from_stdin(fake_rasa: FakeRasa, cli_env: dict[str, str]) -> None:
    fake_rasa.says("làm ngoài trời bị say nắng", "work_safety")
    lines = [
        {"text": "cấp cứu", "country": "kr"},
        "this is not json",
        {"text": "làm ngoài trời bị say nắng"},
        {"text": "bảo hiểm", "country": "fr"},
    ]
    stdin = "\n".join(x if isinstance(x, str) else json.dumps(x, ensure_ascii=False) for x in lines)
    env = {**cli_env, "NLU_URL": fake_rasa.url}
    code, out, err = await run_bot(["ask", "--batch", "-", "--country", "tw"], env, stdin)
    assert code == 0, err
    records = [json.loads(line) for line in out.splitlines()]
    assert len(records) == 4
    assert records[0]["emergency"] is True and records[0]["lexicon"] == "medical"
    assert "112" in records[0]["text"]  # Korea's police
    assert records[1]["line"] == 2 and "error" in records[1]
    assert records[2]["country"] == "tw" and records[2]["answer_id"] == "heat-illness"
    assert "error" in records[3]


async def test_nlu_down(cli_settings: Settings, capsys: pytest.CaptureFixture[str]) -> None:
    assert await run_ask(cli_settings, "bảo hiểm", "jp", True, None) == 0
    record = json.loads(capsys.readouterr().out)
    assert record["nlu_down"] is True and record["emergency"] is True
    assert record["intent"] is None
    assert record["answer_ids"] == ["emergency-numbers", "health-insurance"]


async def test_plain_output(cli_settings: Settings, capsys: pytest.CaptureFixture[str]) -> None:
    assert await run_ask(cli_settings, "cấp cứu", "tw", False, None) == 0
    out = capsys.readouterr().out
    assert "Số điện thoại khẩn cấp" in out and "[1] 📄 Xem thêm" in out


async def test_bad_invocations(cli_settings: Settings, capsys: pytest.CaptureFixture[str]) -> None:
    assert await run_ask(cli_settings, None, None, False, "/nonexistent/questions.jsonl") == 2
    assert "cannot read" in capsys.readouterr().err
    assert await run_ask(cli_settings, None, None, False, None) == 2
