"""Shared test fixtures: a throw-away copy of the test content, real databases, a real browser.

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
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from bot.db import make_engine, make_session_factory
from bot.migrate import upgrade
from bot.nlu import model
from bot.nlu.local_server import NluEndpoint, free_port, start_process, wait_until_ready
from bot.settings import Settings

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
