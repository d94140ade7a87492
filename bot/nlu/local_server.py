"""Starting and stopping a local Rasa NLU server on 127.0.0.1 for chat, ask and the bot.

When ``NLU_URL`` is set we only connect to it. Otherwise the up-to-date model is trained if needed
and served by ``rasa run --enable-api`` bound to loopback with a fresh random auth token; the server
is stopped when the context exits. If Rasa cannot be started, callers get ``None`` and run
without NLU: the emergency lexicon, menus and search still answer.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
import socket
import subprocess
from collections.abc import AsyncIterator
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


def start_process(
    settings: Settings, model_file: Path, port: int, token: str, log_path: Path
) -> subprocess.Popen[bytes]:
    """Launch ``rasa run`` on loopback; its output goes to a log file, never to the user."""
    command = [
        str(model.rasa_executable(settings)), "run", "--enable-api",
        "--model", str(model_file), "--interface", "127.0.0.1", "--port", str(port),
        "--auth-token", token,
    ]  # fmt: skip
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with log_path.open("ab") as log:
        return subprocess.Popen(
            command, cwd=REPO_ROOT, env=model.rasa_env(), stdout=log, stderr=subprocess.STDOUT
        )


@asynccontextmanager
async def local_server(
    settings: Settings, model_file: Path | None = None
) -> AsyncIterator[NluEndpoint]:
    """Serve a model (by default the current one, trained if needed) until the context exits."""
    if model_file is None:
        model_file = await asyncio.to_thread(model.train, settings)
    port, token = free_port(), secrets.token_urlsafe(24)
    endpoint = NluEndpoint(f"http://127.0.0.1:{port}", token)
    process = start_process(settings, model_file, port, token, REPO_ROOT / "var/rasa.log")
    try:
        await wait_until_ready(endpoint, process)
        yield endpoint
    finally:
        process.terminate()
        try:
            await asyncio.to_thread(process.wait, 15)
        except subprocess.TimeoutExpired:
            process.kill()


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
