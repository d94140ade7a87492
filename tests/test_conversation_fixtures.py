"""Fixtures shared by the core tests (actions, conversation, chat, ask): published test content
from ``tests/fixtures/core_content`` and a canned Rasa server on 127.0.0.1.

The Rasa server is the HTTP edge of the bot: it answers ``POST /model/parse`` with the JSON Rasa
would send, so the real ``NluClient`` and the real decision logic are exercised. Test modules
import the fixtures they use from here.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import socket
import sys
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from sqlalchemy.orm import Session, sessionmaker

from bot.content.publish import publish
from bot.content.repository import ContentRepository
from bot.conversation import Conversation, OutMessage
from bot.db import make_engine, make_session_factory
from bot.migrate import upgrade
from bot.nlu.client import NluClient
from bot.settings import REPO_ROOT, Settings

CORE_CONTENT = Path(__file__).resolve().parent / "fixtures" / "core_content"
CONTENT_DAY = date(2026, 11, 22)


def rasa_json(
    text: str,
    intent: str,
    confidence: float,
    entities: tuple[tuple[str, str, str], ...] = (),
    ranking: tuple[tuple[str, float], ...] = (),
) -> dict[str, Any]:
    """Rasa's /model/parse answer; entities as (entity, value, the words in ``text``)."""
    found = []
    for entity, value, words in entities:
        start = text.index(words)
        found.append(
            {
                "entity": entity,
                "value": value,
                "start": start,
                "end": start + len(words),
                "confidence_entity": 0.99,
                "extractor": "DIETClassifier",
            }
        )
    ranked = ranking or ((intent, confidence),)
    return {
        "text": text,
        "intent": {"name": intent, "confidence": confidence},
        "entities": found,
        "intent_ranking": [{"name": n, "confidence": c} for n, c in ranked],
    }


@dataclass
class FakeRasa:
    """Canned answers by exact text (a part of a canned text gets the same answer); anything
    else is out_of_scope with high confidence."""

    url: str = ""
    answers: dict[str, dict[str, Any]] = field(default_factory=dict)
    received: list[str] = field(default_factory=list)
    delay: float = 0.0
    token: str | None = None  # when set, requests without ?token= get 401 (as Rasa's)
    model_file: str = "nlu-test.tar.gz"

    def refused(self, request: web.Request) -> bool:
        return self.token is not None and request.query.get("token") != self.token

    async def status(self, request: web.Request) -> web.Response:
        if self.refused(request):
            return web.json_response({"message": "unauthorized"}, status=401)
        return web.json_response({"model_file": self.model_file, "num_active_training_jobs": 0})

    fails_on: set[str] = field(default_factory=set)  # texts answered with HTTP 500, as Rasa did

    def says(self, text: str, intent: str, confidence: float = 0.95, **kw: Any) -> None:
        self.answers[text] = rasa_json(text, intent, confidence, **kw)

    async def parse(self, request: web.Request) -> web.Response:
        if self.refused(request):
            return web.json_response({"message": "unauthorized"}, status=401)
        text = (await request.json())["text"]
        self.received.append(text)
        if self.delay:
            await asyncio.sleep(self.delay)
        if text in self.fails_on:
            return web.json_response({"status": "failure", "code": 500}, status=500)
        answer = self.answers.get(text)
        if answer is None:  # a part of a canned message (the engine reads long ones in parts)
            whole = next((t for t in self.answers if len(text) > 3 and text in t), None)
            if whole is not None:
                canned = self.answers[whole]
                ranking = tuple((r["name"], r["confidence"]) for r in canned["intent_ranking"])
                intent = canned["intent"]
                answer = rasa_json(text, intent["name"], intent["confidence"], ranking=ranking)
        return web.json_response(answer or rasa_json(text, "out_of_scope", 0.9))


@pytest.fixture
async def fake_rasa() -> AsyncIterator[FakeRasa]:
    fake = FakeRasa()
    app = web.Application()
    app.router.add_post("/model/parse", fake.parse)
    app.router.add_get("/status", fake.status)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    fake.url = f"http://127.0.0.1:{port}"
    yield fake
    await runner.cleanup()


def closed_port_url() -> str:
    """A loopback URL nothing listens on (the NLU is down)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}"


@pytest.fixture(scope="session")
def core_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite file migrated and with the core test content published, made once per run."""
    path = tmp_path_factory.mktemp("core") / "template.db"
    url = f"sqlite:///{path}"
    upgrade(url)
    engine = make_engine(url)
    try:
        result = publish(CORE_CONTENT, make_session_factory(engine), "tests", today=CONTENT_DAY)
        assert result.outcome == "published", result.report.format()
    finally:
        engine.dispose()  # closes the last connection, so SQLite folds the WAL into the file
    return path


@pytest.fixture
def core_database_url(core_template: Path, tmp_path: Path) -> str:
    """A private copy of the template database (copying is much faster than migrating)."""
    target = tmp_path / "core.db"
    shutil.copyfile(core_template, target)
    return f"sqlite:///{target}"


@pytest.fixture
def core_sessions(core_database_url: str) -> Iterator[sessionmaker[Session]]:
    """Sessions on a real database with the core test content published."""
    engine = make_engine(core_database_url)
    yield make_session_factory(engine)
    engine.dispose()


@pytest.fixture
def repo(core_sessions: sessionmaker[Session]) -> ContentRepository:
    return ContentRepository(core_sessions, refresh_seconds=0.0)


@pytest.fixture
def settings(core_database_url: str) -> Settings:
    return Settings(
        database_url=core_database_url,
        pseudonym_key="test-pseudonym-key-0123456789abcdef",
        nlu_timeout_seconds=0.5,
        nlu_confidence_threshold=0.55,
        default_locale="vi",
        content_dir=CORE_CONTENT,
    )


@pytest.fixture
async def nlu(fake_rasa: FakeRasa) -> AsyncIterator[NluClient]:
    client = NluClient(fake_rasa.url, None, 0.5)
    yield client
    await client.aclose()


@pytest.fixture
def make_conversation(
    core_sessions: sessionmaker[Session], repo: ContentRepository, settings: Settings
) -> Callable[[NluClient | None], Conversation]:
    def make(client: NluClient | None) -> Conversation:
        return Conversation(core_sessions, repo, client, settings)

    return make


@pytest.fixture
def conversation(
    make_conversation: Callable[[NluClient | None], Conversation], nlu: NluClient
) -> Conversation:
    """An engine talking to the canned Rasa server."""
    return make_conversation(nlu)


async def run_bot(
    args: list[str], env: dict[str, str], stdin: str = "", timeout: float = 60.0
) -> tuple[int, str, str]:
    """``python -m bot <args>`` in a subprocess (the event loop keeps serving the fake Rasa)."""
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", *args,
        cwd=REPO_ROOT, env={**os.environ, **env},
        stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    out, err = await asyncio.wait_for(process.communicate(stdin.encode()), timeout)
    assert process.returncode is not None
    return process.returncode, out.decode(), err.decode()


@pytest.fixture
def cli_env(tmp_path: Path) -> dict[str, str]:
    """Environment for a CLI run on an empty database (so the first-run publish happens)."""
    return {
        "DATABASE_URL": f"sqlite:///{tmp_path / 'cli.db'}",
        "CONTENT_DIR": str(CORE_CONTENT),
        "PSEUDONYM_KEY": "cli-test-key-0123456789abcdef-xyz",
        "NLU_URL": closed_port_url(),
        "NLU_TIMEOUT_SECONDS": "1.0",
        "DEFAULT_LOCALE": "vi",
        "LOG_FILE": str(tmp_path / "bot.log"),
    }


@pytest.fixture
def cli_settings(tmp_path: Path) -> Settings:
    """The same as ``cli_env``, for running a command's coroutine in-process."""
    return Settings(
        database_url=f"sqlite:///{tmp_path / 'cli.db'}",
        content_dir=CORE_CONTENT,
        pseudonym_key="cli-test-key-0123456789abcdef-xyz",
        nlu_url=closed_port_url(),
        nlu_timeout_seconds=1.0,
        default_locale="vi",
    )


def button_data(messages: list[OutMessage]) -> list[str]:
    return [b.data for m in messages for row in m.buttons for b in row]


def button_labels(messages: list[OutMessage]) -> list[str]:
    return [b.label for m in messages for row in m.buttons for b in row]


def plain(messages: list[OutMessage]) -> str:
    return "\n\n".join(m.plain for m in messages)


@pytest.fixture
def compiled_catalogs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """The .po catalogs compiled into a temporary directory that ``bot.i18n`` then reads."""
    import bot.i18n as i18n

    locale_dir = tmp_path / "locale"
    for locale in i18n.SUPPORTED_LOCALES:
        source = i18n.LOCALE_DIR / locale / "LC_MESSAGES" / "messages.po"
        target = locale_dir / locale / "LC_MESSAGES"
        target.mkdir(parents=True)
        with source.open("rb") as po:
            catalog = read_po(po, locale=locale)
        with (target / "messages.mo").open("wb") as mo:
            write_mo(mo, catalog)
    monkeypatch.setattr(i18n, "LOCALE_DIR", locale_dir)
    i18n._translations.cache_clear()
    yield locale_dir
    i18n._translations.cache_clear()


@pytest.fixture
def no_catalogs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """No compiled catalogs at all (a fresh checkout): everything must still work, in Vietnamese."""
    import bot.i18n as i18n

    monkeypatch.setattr(i18n, "LOCALE_DIR", tmp_path / "no-locale")
    i18n._translations.cache_clear()
    yield
    i18n._translations.cache_clear()
