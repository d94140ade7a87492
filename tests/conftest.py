"""Shared test fixtures: a throw-away copy of the test content, real databases, a real browser,
and the engine on the core test content with a canned Rasa server (``tests.engine_support``).

Two content trees, for two purposes: ``tests/fixtures/content`` is what the content checks and
the editors' console edit (a private copy per test, ``content_dir``);
``tests/fixtures/core_content`` is small, stable published content for the engine, the actions
and the command-line tools
(``repo``, ``settings``, ``conversation``; ``cli_env``/``cli_settings`` for a run on an empty
database, where the first-run publish happens).

``database_url`` runs a test on a fresh SQLite file and — when ``TEST_POSTGRES_URL`` is set (CI
sets it) — on PostgreSQL in a schema of its own, dropped afterwards. Nothing is faked: the tests
use the real Alembic migrations and the real database drivers.
"""

from __future__ import annotations

import asyncio
import os
import secrets
import shutil
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from bot.content.publish import publish
from bot.content.repository import ContentRepository
from bot.conversation import Conversation
from bot.db import make_engine, make_session_factory
from bot.migrate import upgrade
from bot.nlu import model
from bot.nlu.client import NluClient
from bot.nlu.local_server import NluEndpoint, free_port, start_process, wait_until_ready
from bot.settings import Settings
from tests.engine_support import CONTENT_DAY, CORE_CONTENT, FakeRasa, closed_port_url

EDITOR_CHROMEDRIVER = Path("/usr/bin/chromedriver")  # Debian's chromium-driver

FIXTURE_CONTENT = Path(__file__).resolve().parent / "fixtures" / "content"
# The day the test content is checked on: its verified_on dates are 2026-11-01.
TEST_TODAY = date(2026, 11, 22)


@pytest.fixture
def today() -> date:
    """The fixed "today" for content checks, so the tests do not age."""
    return TEST_TODAY


@pytest.fixture
def content_dir(tmp_path: Path) -> Path:
    """A private copy of ``tests/fixtures/content`` that a test may edit."""
    target = tmp_path / "content"
    shutil.copytree(FIXTURE_CONTENT, target)
    return target


@pytest.fixture
def edit_content(content_dir: Path) -> Callable[[str, str, str], None]:
    """Replace text in a file of the copied content: ``edit_content(rel, old, new)``."""

    def edit(rel: str, old: str, new: str) -> None:
        path = content_dir / rel
        original = path.read_text(encoding="utf-8")
        assert old in original, f"{old!r} not in {rel}"
        path.write_text(original.replace(old, new, 1), encoding="utf-8")

    return edit


def _postgres_url() -> str:
    url = os.environ.get("TEST_POSTGRES_URL")
    if not url:
        pytest.skip(
            "PostgreSQL tests need TEST_POSTGRES_URL, e.g. "
            "postgresql+psycopg://bot:bot@127.0.0.1:5432/bot_test"
        )
    return url


@pytest.fixture
def _postgres_schema_url() -> Iterator[str]:
    """A URL whose connections use a fresh PostgreSQL schema (dropped after the test)."""
    base = _postgres_url()
    schema = f"test_{uuid.uuid4().hex[:12]}"
    admin = make_engine(base)
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    url = make_url(base).update_query_dict({"options": f"-csearch_path={schema}"})
    try:
        yield url.render_as_string(hide_password=False)
    finally:
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.e2e)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """An empty database: a SQLite file, or a private PostgreSQL schema."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'bot.db'}"
    url: str = request.getfixturevalue("_postgres_schema_url")
    return url


@pytest.fixture
def session_factory(database_url: str) -> Iterator[sessionmaker[Session]]:
    """Sessions on a database migrated to the newest schema."""
    upgrade(database_url)
    engine = make_engine(database_url)
    factory: sessionmaker[Any] = make_session_factory(engine)
    yield factory
    engine.dispose()


@pytest.fixture(scope="session")
def nlu_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[NluEndpoint]:
    """The real Rasa server with the current model (trained if needed), on loopback."""
    settings = Settings()
    model_file = model.train(settings)
    port, token = free_port(), secrets.token_urlsafe(16)
    log = tmp_path_factory.mktemp("rasa") / "rasa.log"
    process = start_process(settings, model_file, port, token, log)
    endpoint = NluEndpoint(f"http://127.0.0.1:{port}", token)
    try:
        asyncio.run(wait_until_ready(endpoint, process))
        yield endpoint
    finally:
        process.terminate()
        process.wait(15)


@pytest.fixture
def browser(tmp_path: Path) -> Iterator[object]:
    """Debian's Chromium, headless, driven by Selenium through Debian's chromedriver."""
    if not EDITOR_CHROMEDRIVER.exists() or shutil.which("chromium") is None:
        pytest.skip("needs Debian's chromium and chromium-driver (scripts/install-chromium.sh)")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    for flag in (
        "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run",
        "--disable-dev-shm-usage", f"--user-data-dir={tmp_path / 'chromium'}",
        "--window-size=412,1400",  # a phone's width
    ):  # fmt: skip
        options.add_argument(flag)
    options.binary_location = shutil.which("chromium") or "chromium"
    driver = webdriver.Chrome(service=Service(str(EDITOR_CHROMEDRIVER)), options=options)
    driver.implicitly_wait(5)
    try:
        yield driver
    finally:
        driver.quit()


# --------------------------------------------------------------------------- the engine
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
