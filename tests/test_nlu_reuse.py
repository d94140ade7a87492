"""A running ``nlu serve`` is reused by chat and ask (found through its server file), and a
local start shows its progress. The NLU server here is the canned one on 127.0.0.1."""

from __future__ import annotations

import io
import json
import stat
from pathlib import Path

from bot.nlu import model
from bot.nlu.local_server import (
    NluEndpoint,
    Progress,
    nlu_client,
    remove_server_file,
    running_server,
    write_server_file,
)
from bot.settings import Settings
from tests.engine_support import FakeRasa, closed_port_url, run_bot

TOKEN = "server-file-token"


def local_settings(tmp_path: Path) -> Settings:
    """No NLU_URL, and no Rasa to start: only a shared server can give an NLU."""
    return Settings(
        nlu_url=None,
        nlu_server_file=tmp_path / "var" / "nlu-server.json",
        rasa_venv=tmp_path / "no-rasa",
        nlu_model_dir=tmp_path / "models",
        nlu_timeout_seconds=1.0,
    )


def announce(fake: FakeRasa, settings: Settings) -> NluEndpoint:
    fake.token = TOKEN
    fake.model_file = model.model_path(settings).name
    endpoint = NluEndpoint(fake.url, TOKEN)
    write_server_file(settings.nlu_server_file, endpoint, model.model_path(settings))
    return endpoint


async def test_the_announced_server_is_reused_with_its_token(
    fake_rasa: FakeRasa, tmp_path: Path
) -> None:
    settings = local_settings(tmp_path)
    announce(fake_rasa, settings)
    mode = stat.S_IMODE(settings.nlu_server_file.stat().st_mode)
    assert mode == 0o600  # it holds the token
    fake_rasa.says("bảo hiểm y tế", "health_insurance", 0.9)
    async with nlu_client(settings) as client:
        assert client is not None
        result = await client.parse("bảo hiểm y tế")
    assert result.intent == "health_insurance"


async def test_a_server_that_does_not_answer_is_not_used(
    fake_rasa: FakeRasa, tmp_path: Path
) -> None:
    settings = local_settings(tmp_path)
    write_server_file(settings.nlu_server_file, NluEndpoint(closed_port_url(), TOKEN), Path("m"))
    assert await running_server(settings) is None
    announce(fake_rasa, settings)
    fake_rasa.token = "another-token"  # the file is older than the server: 401
    assert await running_server(settings) is None
    settings.nlu_server_file.write_text("not json", encoding="utf-8")
    assert await running_server(settings) is None
    async with nlu_client(settings) as client:  # no Rasa here either: the safety net answers
        assert client is None


def test_the_server_file_is_removed_only_by_its_own_server(tmp_path: Path) -> None:
    path = tmp_path / "nlu-server.json"
    ours, theirs = NluEndpoint("http://127.0.0.1:1", "a"), NluEndpoint("http://127.0.0.1:2", "b")
    write_server_file(path, theirs, Path("nlu-x.tar.gz"))
    remove_server_file(path, ours)
    assert json.loads(path.read_text(encoding="utf-8"))["url"] == theirs.url
    remove_server_file(path, theirs)
    assert not path.exists()


async def test_ask_uses_the_running_server_without_starting_rasa(
    fake_rasa: FakeRasa, cli_env: dict[str, str], tmp_path: Path
) -> None:
    settings = local_settings(tmp_path)
    announce(fake_rasa, settings)
    fake_rasa.says("bảo hiểm y tế là gì", "health_insurance", 0.93)
    env = {
        **cli_env,
        "NLU_URL": "",  # empty means unset
        "NLU_SERVER_FILE": str(settings.nlu_server_file),
        "RASA_VENV": str(settings.rasa_venv),
        "NLU_MODEL_DIR": str(settings.nlu_model_dir),
    }
    code, out, err = await run_bot(["ask", "--country", "jp", "--json", "bảo hiểm y tế là gì"], env)
    assert code == 0, err
    record = json.loads(out)
    assert record["intent"] == "health_insurance" and record["nlu_down"] is False
    assert "Đang tải" not in err  # nothing was loaded


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_counts_seconds_on_a_terminal_and_says_it_once_elsewhere() -> None:
    terminal, log = Terminal(), io.StringIO()
    for out in (terminal, log):
        note = Progress(out)
        for seconds in (0.1, 0.6, 1.2, 1.7, 2.4):
            note.waited(seconds)
        note.done(2.6)
    assert terminal.getvalue().count("\r") == 3  # 0, 1 and 2 seconds, on one line
    assert "… 2 giây" in terminal.getvalue()
    lines = log.getvalue().splitlines()
    assert lines == ["Đang tải mô hình hiểu câu hỏi (NLU)…", "NLU sẵn sàng sau 3 giây."]
    quiet = Progress(None)
    quiet.waited(1.0)  # no stream (the Telegram bot): nothing to print, no error
    quiet.done(1.0)
