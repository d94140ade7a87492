"""Starting and stopping a local Rasa NLU server on 127.0.0.1 for chat, ask and the bot.

When ``NLU_URL`` is set we only connect to it. Otherwise the up-to-date model is trained if needed
and served by ``rasa run --enable-api`` bound to loopback with a fresh random auth token (passed
through a pipe, not on the command line); the server is restarted whenever it dies, dies with
the bot even when the bot is killed (``vietnlp/launch.py``), and is stopped when the context
exits. If Rasa cannot be started, callers get ``None`` and run
without NLU: the emergency lexicon, menus and search still answer.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import secrets
import socket
import subprocess
from collections.abc import AsyncIterator, Callable
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

from bot.nlu import model
from bot.nlu.client import NluClient
from bot.settings import REPO_ROOT, Settings

logger = logging.getLogger(__name__)

STARTUP_TIMEOUT_SECONDS = 180.0


@dataclass(frozen=True)
class NluEndpoint:
    """Where the NLU server listens and the token it wants."""

    url: str
    token: str | None


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


async def wait_until_ready(endpoint: NluEndpoint, process: subprocess.Popen[bytes]) -> None:
    """Poll ``/status`` until the model is loaded (or the process died / time ran out)."""
    params = {"token": endpoint.token} if endpoint.token else None
    deadline = asyncio.get_running_loop().time() + STARTUP_TIMEOUT_SECONDS
    async with httpx.AsyncClient(base_url=endpoint.url, timeout=2.0) as http:
        while asyncio.get_running_loop().time() < deadline:
            if process.poll() is not None:
                raise model.NluSetupError(f"Rasa server exited with code {process.returncode}")
            try:
                response = await http.get("/status", params=params)
                if response.status_code == 200 and response.json().get("model_file"):
                    return
            except httpx.HTTPError:
                pass
            await asyncio.sleep(0.5)
    raise model.NluSetupError("Rasa server did not become ready in time")


LAUNCHER = REPO_ROOT / "vietnlp" / "launch.py"
RESTART_BACKOFF = (1.0, 30.0)  # seconds before restarting a Rasa that died: first, at most
WATCH_SECONDS = 1.0


def rasa_command(settings: Settings, model_file: Path, port: int) -> list[str]:
    """``rasa run`` on loopback through the launcher (token on stdin, dies with us)."""
    return [
        str(model.rasa_python(settings)), str(LAUNCHER), str(os.getpid()), "rasa",
        "run", "--enable-api", "--model", str(model_file),
        "--interface", "127.0.0.1", "--port", str(port),
    ]  # fmt: skip


def start_process(
    settings: Settings, model_file: Path, port: int, token: str, log_path: Path
) -> subprocess.Popen[bytes]:
    """Launch ``rasa run`` on loopback (see ``spawn``)."""
    return spawn(rasa_command(settings, model_file, port), token, log_path)


def spawn(
    command: list[str], token: str, log_path: Path, env: dict[str, str] | None = None
) -> subprocess.Popen[bytes]:
    """Launch a server through ``vietnlp/launch.py``: the token goes through a pipe, never on
    the command line; its output goes to a log file, never to the user.

    Started from the event loop's thread on purpose: Linux's "die with the parent" follows the
    thread that started the child.
    """
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with log_path.open("ab") as log:
        process = subprocess.Popen(
            command,
            cwd=REPO_ROOT,
            env=env if env is not None else model.rasa_env(),
            stdin=subprocess.PIPE,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    assert process.stdin is not None
    process.stdin.write(token.encode("ascii") + b"\n")
    process.stdin.close()
    return process


class Supervisor:
    """Keeps one server process running: restarted (with backoff) whenever it dies, stopped
    with the context. The endpoint (port, token) stays the same across restarts, so clients
    simply reconnect; meanwhile the bot answers without the NLU."""

    def __init__(self, endpoint: NluEndpoint, start: Callable[[], subprocess.Popen[bytes]]) -> None:
        self.endpoint = endpoint
        self._start = start
        self.process = start()
        self.restarts = 0
        self._task: asyncio.Task[None] | None = None

    async def ready(self) -> None:
        await wait_until_ready(self.endpoint, self.process)

    def watch(self) -> None:
        self._task = asyncio.create_task(self._watch())

    async def _watch(self) -> None:
        delay = RESTART_BACKOFF[0]
        while True:
            await asyncio.sleep(WATCH_SECONDS)
            if self.process.poll() is None:
                continue
            logger.warning(
                "The NLU server exited (code %s); restarting it in %.0f s",
                self.process.returncode,
                delay,
            )
            await asyncio.sleep(delay)
            self.process = self._start()
            self.restarts += 1
            try:
                await self.ready()
            except model.NluSetupError as exc:
                logger.warning("The NLU server did not come back: %s", exc)
                delay = min(delay * 2, RESTART_BACKOFF[1])
                continue
            logger.warning("The NLU server is back (restart %d)", self.restarts)
            delay = RESTART_BACKOFF[0]

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        self.process.terminate()
        try:
            await asyncio.to_thread(self.process.wait, 15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            await asyncio.to_thread(self.process.wait)


@asynccontextmanager
async def supervised(
    endpoint: NluEndpoint, start: Callable[[], subprocess.Popen[bytes]]
) -> AsyncIterator[Supervisor]:
    """A server started, waited for, watched and restarted until the context exits."""
    supervisor = Supervisor(endpoint, start)
    try:
        await supervisor.ready()
        supervisor.watch()
        yield supervisor
    finally:
        await supervisor.stop()


@asynccontextmanager
async def local_server(
    settings: Settings, model_file: Path | None = None
) -> AsyncIterator[NluEndpoint]:
    """Serve a model (by default the current one, trained if needed) until the context exits."""
    if model_file is None:
        model_file = await asyncio.to_thread(model.train, settings)
    port, token = free_port(), secrets.token_urlsafe(24)
    endpoint = NluEndpoint(f"http://127.0.0.1:{port}", token)
    log_path = REPO_ROOT / "var/rasa.log"
    async with supervised(
        endpoint, lambda: start_process(settings, model_file, port, token, log_path)
    ):
        yield endpoint


@asynccontextmanager
async def nlu_endpoint(settings: Settings) -> AsyncIterator[NluEndpoint | None]:
    """``NLU_URL`` when set; otherwise a local server; ``None`` when neither can be had."""
    if settings.nlu_url:
        token = settings.nlu_token.get_secret_value() if settings.nlu_token else None
        yield NluEndpoint(settings.nlu_url, token)
        return
    async with AsyncExitStack() as stack:
        endpoint: NluEndpoint | None = None
        try:
            endpoint = await stack.enter_async_context(local_server(settings))
        except model.NluSetupError as exc:
            logger.warning("Running without the NLU server: %s", exc)
        yield endpoint


@asynccontextmanager
async def nlu_client(settings: Settings) -> AsyncIterator[NluClient | None]:
    """A ready ``NluClient`` (or ``None`` without NLU) for the lifetime of the context."""
    async with nlu_endpoint(settings) as endpoint:
        if endpoint is None:
            yield None
            return
        client = NluClient(endpoint.url, endpoint.token, settings.nlu_timeout_seconds)
        try:
            yield client
        finally:
            await client.aclose()
