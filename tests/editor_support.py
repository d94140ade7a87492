"""Helpers for the console tests: a console on a real database and logged-in test clients."""

from __future__ import annotations

import re
import socket
import subprocess
import time
from pathlib import Path

import httpx
from flask import Flask
from flask.testing import FlaskClient

from bot.content.publish import publish
from bot.editor import accounts
from bot.editor.app import create_app
from bot.editor.context import console_of
from bot.editor.retrain import Retrainer
from bot.settings import Settings

PASSWORD = "correct horse battery staple"
ROLE_USERS = {"editor": "erin", "publisher": "paul", "admin": "ada"}


def make_console(
    database_url: str, content_dir: Path, tmp_path: Path, retrainer: Retrainer | None = None
) -> Flask:
    settings = Settings(
        database_url=database_url,
        content_dir=content_dir,
        editor_cookie_secure=False,  # the test client speaks plain HTTP
        editor_examples_file=tmp_path / "editor_examples.yml",
    )
    app = create_app(settings, retrainer=retrainer, secret_key="k" * 64)
    console = console_of(app)
    with console.sessions() as session, session.begin():
        for role, name in ROLE_USERS.items():
            accounts.create_account(session, name, PASSWORD, role)
    # the console published the content on its first run, as every entry point does
    assert publish(content_dir, console.sessions, "test").outcome == "unchanged"
    return app


def csrf(client: FlaskClient, path: str = "/login") -> str:
    page = client.get(path).get_data(as_text=True)
    found = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert found, f"no CSRF token on {path}"
    return found.group(1)


def login(app: Flask, role: str) -> FlaskClient:
    client = app.test_client()
    token = csrf(client)
    response = client.post(
        "/login", data={"csrf_token": token, "username": ROLE_USERS[role], "password": PASSWORD}
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    return client


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def wait_for(base: str, server: subprocess.Popen[bytes]) -> None:
    """Until the console answers (it publishes the content on a first run)."""
    deadline = time.monotonic() + 60
    while True:
        try:
            if httpx.get(base + "/login", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        assert server.poll() is None and time.monotonic() < deadline, "console did not start"
        time.sleep(0.2)
