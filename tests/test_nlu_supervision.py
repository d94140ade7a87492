"""The local NLU server is supervised: its token is never on a command line, it is restarted
when it dies, and it dies with the bot even when the bot is killed with SIGKILL.

The child is ``tests/fake_rasa_server.py`` (Rasa's command-line options and HTTP API) started
through the real launcher, so these run in a second; the real Rasa goes the same way.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from bot.nlu import local_server
from bot.nlu.client import NluClient, NluUnavailable
from bot.nlu.local_server import LAUNCHER, NluEndpoint, free_port, spawn, supervised

TESTS = Path(__file__).resolve().parent


def fake_rasa(port: int, log: Path) -> tuple[list[str], dict[str, str]]:
    command = [sys.executable, str(LAUNCHER), str(os.getpid()), "fake_rasa_server"]
    return [*command, "run", "--port", str(port)], {**os.environ, "PYTHONPATH": str(TESTS)}


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie (exited, not yet reaped) counts as gone.
    state = Path(f"/proc/{pid}/stat").read_text().split()[2] if sys.platform == "linux" else "R"
    return state != "Z"


async def test_a_token_that_starts_with_a_dash_is_still_one_value(tmp_path: Path) -> None:
    # secrets.token_urlsafe starts with "-" once in 64 starts.
    port, token = free_port(), "-Zq_9-dash-first"
    command, env = fake_rasa(port, tmp_path / "rasa.log")
    endpoint = NluEndpoint(f"http://127.0.0.1:{port}", token)
    client = NluClient(endpoint.url, token, 1.0)
    try:
        async with supervised(endpoint, lambda: spawn(command, token, tmp_path / "rasa.log", env)):
            assert (await client.parse("xin chào")).intent == "greet"
    finally:
        await client.aclose()


async def test_the_server_is_restarted_when_it_dies_and_its_token_is_not_shown(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(local_server, "WATCH_SECONDS", 0.1)
    monkeypatch.setattr(local_server, "RESTART_BACKOFF", (0.1, 1.0))
    port, token = free_port(), "s3cret-rasa-token"
    command, env = fake_rasa(port, tmp_path / "rasa.log")
    endpoint = NluEndpoint(f"http://127.0.0.1:{port}", token)
    client = NluClient(endpoint.url, token, 1.0)
    try:
        async with supervised(
            endpoint, lambda: spawn(command, token, tmp_path / "rasa.log", env)
        ) as supervisor:
            first = supervisor.process.pid
            cmdline = Path(f"/proc/{first}/cmdline").read_bytes()
            assert token.encode() not in cmdline  # what `ps` shows every user
            assert token.encode() not in Path(f"/proc/{first}/environ").read_bytes()
            assert (await client.parse("xin chào")).intent == "greet"
            os.kill(first, signal.SIGKILL)
            with pytest.raises(NluUnavailable):
                await asyncio.sleep(0.05)
                await client.parse("xin chào")
            deadline = time.monotonic() + 15
            while supervisor.restarts < 1 or supervisor.process.pid == first:
                assert time.monotonic() < deadline, "not restarted"
                await asyncio.sleep(0.05)
            while True:  # the same endpoint answers again
                try:
                    assert (await client.parse("xin chào")).intent == "greet"
                    break
                except NluUnavailable:
                    assert time.monotonic() < deadline, "not answering after the restart"
                    await asyncio.sleep(0.1)
            last = supervisor.process.pid
        assert not alive(last)  # stopped with the context
    finally:
        await client.aclose()


def test_the_server_dies_with_a_killed_parent(tmp_path: Path) -> None:
    """SIGKILL leaves no chance to clean up: the child must go by itself (no orphan)."""
    script = textwrap.dedent(
        f"""
        import os, sys, time
        sys.path.insert(0, {str(Path(__file__).resolve().parents[1])!r})
        from bot.nlu.local_server import LAUNCHER, free_port, spawn
        command = [sys.executable, str(LAUNCHER), str(os.getpid()), "fake_rasa_server",
                   "run", "--port", str(free_port())]
        env = {{**os.environ, "PYTHONPATH": {str(TESTS)!r}}}
        child = spawn(command, "t", __import__("pathlib").Path({str(tmp_path / "r.log")!r}), env)
        print(child.pid, flush=True)
        time.sleep(60)
        """
    )
    parent = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE)
    assert parent.stdout is not None
    child = int(parent.stdout.readline())
    assert alive(child)
    parent.kill()
    parent.wait()
    deadline = time.monotonic() + 5
    while alive(child):
        assert time.monotonic() < deadline, "the NLU server outlived the bot"
        time.sleep(0.05)
