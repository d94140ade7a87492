"""Starting and stopping a local Rasa NLU server on 127.0.0.1 for chat, ask and the bot.

When ``NLU_URL`` is set we only connect to it. Otherwise a server started with ``make nlu-serve``
is reused when it answers: it writes its URL and token to ``var/nlu-server.json`` (readable by
this user only), so a single ``ask`` or a new ``chat`` starts in about a second instead of loading
the model again (10–15 s). Failing that, the up-to-date model is trained if needed and served by
``rasa run --enable-api`` bound to loopback with a fresh random auth token (passed through a
pipe, not on the command line), with a progress line while it loads; that server is restarted
whenever it dies, dies with the bot even when the bot is killed (``vietnlp/launch.py``), and is
stopped when the context exits. If Rasa cannot be started, callers
get ``None`` and run without NLU: the emergency lexicon, menus and search still answer.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import secrets
import socket
import subprocess
import time
from collections.abc import AsyncIterator, Callable
from contextlib import AsyncExitStack, asynccontextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

import httpx

from bot.i18n import _
from bot.nlu import model
from bot.nlu.client import NluClient
from bot.settings import REPO_ROOT, Settings

logger = logging.getLogger(__name__)

STARTUP_TIMEOUT_SECONDS = 180.0
PROBE_TIMEOUT_SECONDS = 0.5  # a server on loopback that is up answers /status in milliseconds


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


async def loaded_model(http: httpx.AsyncClient, endpoint: NluEndpoint) -> str | None:
    """The model file the server at ``endpoint`` has loaded, or ``None`` if it is not ready."""
    params = {"token": endpoint.token} if endpoint.token else None
    try:
        response = await http.get(f"{endpoint.url}/status", params=params)
        if response.status_code == 200:
            name = response.json().get("model_file")
            return str(name) if name else None
    except (httpx.HTTPError, ValueError, AttributeError):
        pass
    return None


async def wait_until_ready(
    endpoint: NluEndpoint,
    process: subprocess.Popen[bytes],
    on_wait: Callable[[float], None] | None = None,
) -> None:
    """Poll ``/status`` until the model is loaded (or the process died / time ran out);
    ``on_wait`` is called with the seconds waited so far, for a progress line."""
    started = time.monotonic()
    async with httpx.AsyncClient(timeout=2.0, trust_env=False) as http:
        while time.monotonic() - started < STARTUP_TIMEOUT_SECONDS:
            if process.poll() is not None:
                raise model.NluSetupError(f"Rasa server exited with code {process.returncode}")
            if await loaded_model(http, endpoint):
                return
            if on_wait is not None:
                on_wait(time.monotonic() - started)
            await asyncio.sleep(0.5)
    raise model.NluSetupError("Rasa server did not become ready in time")


# --- the server of `make nlu-serve`, shared by later chat/ask runs ---------------------------


def write_server_file(path: Path, endpoint: NluEndpoint, model_file: Path) -> None:
    """Say where the served model is, for other processes of this user (mode 0600: the token)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    record = {"url": endpoint.url, "token": endpoint.token, "model": model_file.name}
    temporary = path.with_suffix(".tmp")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as out:
        json.dump(record, out)
    temporary.replace(path)


def remove_server_file(path: Path, endpoint: NluEndpoint) -> None:
    """Remove the file if it still describes ``endpoint`` (another server may have replaced it)."""
    with suppress(OSError, ValueError):
        if json.loads(path.read_text(encoding="utf-8")).get("url") == endpoint.url:
            path.unlink()


async def running_server(settings: Settings) -> NluEndpoint | None:
    """The server that ``nlu serve`` announced, if it answers ``/status`` with a loaded model."""
    try:
        record = json.loads(settings.nlu_server_file.read_text(encoding="utf-8"))
        endpoint = NluEndpoint(str(record["url"]), record.get("token"))
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None
    async with httpx.AsyncClient(timeout=PROBE_TIMEOUT_SECONDS, trust_env=False) as http:
        served = await loaded_model(http, endpoint)
    if served is None:
        return None
    current = model.model_path(settings).name
    if Path(served).name != current:
        # Still used: a slightly older model answers far better than none, and the person
        # asked for a fast start. They are told how to catch up.
        logger.warning(
            "The running NLU server has %s loaded, not the current %s: restart `make nlu-serve`",
            Path(served).name,
            current,
        )
    return endpoint


class Progress:
    """A one-line "loading the model… 7 s" note on a terminal (plain lines elsewhere)."""

    def __init__(self, out: TextIO | None) -> None:
        self._out = out
        self._shown = -1
        self._tty = bool(out is not None and out.isatty())

    def say(self, text: str) -> None:
        if self._out is not None:
            print(text, file=self._out, flush=True)

    def waited(self, seconds: float) -> None:
        """Called while the model loads: on a terminal the line counts the seconds."""
        if self._out is None:
            return
        if not self._tty:
            if self._shown < 0:
                self.say(_("Đang tải mô hình hiểu câu hỏi (NLU)…"))
                self._shown = 0
            return
        if int(seconds) != self._shown:
            line = _("Đang tải mô hình hiểu câu hỏi (NLU)… {seconds} giây").format(
                seconds=int(seconds)
            )
            print(f"\r{line}", end="", file=self._out, flush=True)
            self._shown = int(seconds)

    def done(self, seconds: float) -> None:
        if self._out is None:
            return
        if self._tty and self._shown >= 0:
            print(file=self._out)
        self.say(_("NLU sẵn sàng sau {seconds:.0f} giây.").format(seconds=seconds))


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

    def __init__(
        self,
        endpoint: NluEndpoint,
        start: Callable[[], subprocess.Popen[bytes]],
        on_wait: Callable[[float], None] | None = None,
    ) -> None:
        self.endpoint = endpoint
        self._on_wait = on_wait
        self._start = start
        self.process = start()
        self.restarts = 0
        self._task: asyncio.Task[None] | None = None

    async def ready(self) -> None:
        await wait_until_ready(self.endpoint, self.process, self._on_wait)

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
    endpoint: NluEndpoint,
    start: Callable[[], subprocess.Popen[bytes]],
    on_wait: Callable[[float], None] | None = None,
) -> AsyncIterator[Supervisor]:
    """A server started, waited for, watched and restarted until the context exits."""
    supervisor = Supervisor(endpoint, start, on_wait)
    try:
        await supervisor.ready()
        supervisor.watch()
        yield supervisor
    finally:
        await supervisor.stop()


@asynccontextmanager
async def local_server(
    settings: Settings, model_file: Path | None = None, progress: TextIO | None = None
) -> AsyncIterator[NluEndpoint]:
    """Serve a model (by default the current one, trained if needed) until the context exits;
    progress notes go to ``progress`` (the terminal's stderr for chat and ask)."""
    note = Progress(progress)
    if model_file is None:
        if not model.model_path(settings).exists():
            note.say(_("Đang huấn luyện mô hình NLU (một đến hai phút, chỉ lần đầu)…"))
        model_file = await asyncio.to_thread(model.train, settings)
    port, token = free_port(), secrets.token_urlsafe(24)
    endpoint = NluEndpoint(f"http://127.0.0.1:{port}", token)
    log_path = REPO_ROOT / "var/rasa.log"
    note.say(_("Mẹo: chạy `make nlu-serve` ở một cửa sổ khác để lần sau khởi động ngay."))
    started = time.monotonic()
    async with supervised(
        endpoint, lambda: start_process(settings, model_file, port, token, log_path), note.waited
    ):
        note.done(time.monotonic() - started)
        yield endpoint


@asynccontextmanager
async def nlu_endpoint(
    settings: Settings, progress: TextIO | None = None
) -> AsyncIterator[NluEndpoint | None]:
    """``NLU_URL`` when set; otherwise the running ``nlu serve`` server, or a local server of
    our own; ``None`` when none can be had."""
    if settings.nlu_url:
        token = settings.nlu_token.get_secret_value() if settings.nlu_token else None
        yield NluEndpoint(settings.nlu_url, token)
        return
    shared = await running_server(settings)
    if shared is not None:
        logger.info("Using the running NLU server at %s", shared.url)
        yield shared
        return
    async with AsyncExitStack() as stack:
        endpoint: NluEndpoint | None = None
        try:
            endpoint = await stack.enter_async_context(local_server(settings, progress=progress))
        except model.NluSetupError as exc:
            logger.warning("Running without the NLU server: %s", exc)
        yield endpoint


@asynccontextmanager
async def nlu_client(
    settings: Settings, progress: TextIO | None = None
) -> AsyncIterator[NluClient | None]:
    """A ready ``NluClient`` (or ``None`` without NLU) for the lifetime of the context."""
    async with nlu_endpoint(settings, progress) as endpoint:
        if endpoint is None:
            yield None
            return
        client = NluClient(
            endpoint.url,
            endpoint.token,
            settings.nlu_timeout_seconds,
            connections=settings.nlu_connections,
        )
        try:
            yield client
        finally:
            await client.aclose()
