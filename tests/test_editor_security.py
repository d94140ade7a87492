"""The console refuses everything without login, with the wrong role or without a CSRF token;
wrong passwords lock an account; every action leaves an audit row."""

from __future__ import annotations

from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import select

from bot.editor.context import console_of
from bot.models.editor import EditorAccount, EditorAudit
from tests.editor_support import PASSWORD, csrf, login, make_console

GET_PAGES = [
    "/", "/answer/jp/ambulance", "/publish", "/history", "/unanswered", "/retrain",
    "/feedback", "/stale", "/accounts", "/audit",
]  # fmt: skip
POST_FORMS = [
    "/answer/jp/ambulance", "/publish", "/history/1/rollback", "/unanswered/example",
    "/unanswered/need-content", "/retrain", "/accounts", "/logout",
]  # fmt: skip
ADMIN_ONLY = ["/accounts", "/audit"]
PUBLISHER_POSTS = ["/publish", "/history/1/rollback"]


@pytest.fixture
def app(database_url: str, content_dir: Path, tmp_path: Path) -> Flask:
    return make_console(database_url, content_dir, tmp_path)


def audit_actions(app: Flask) -> list[tuple[str, str]]:
    with console_of(app).sessions() as session:
        return [(r.username, r.action) for r in session.scalars(select(EditorAudit))]


def test_every_page_needs_login(app: Flask) -> None:
    client = app.test_client()
    for path in GET_PAGES:
        response = client.get(path)
        assert response.status_code == 302, path
        assert response.headers["Location"].startswith("/login"), path
    assert client.get("/static/style.css").status_code == 200  # the login page's stylesheet


def test_every_form_needs_login_even_with_a_csrf_token(app: Flask, content_dir: Path) -> None:
    client = app.test_client()
    token = csrf(client)
    before = (content_dir / "answers/jp/ambulance.yml").read_text(encoding="utf-8")
    for path in POST_FORMS:
        response = client.post(path, data={"csrf_token": token, "short": "x", "action": "save"})
        assert response.status_code == 302, path
        assert response.headers["Location"].startswith("/login"), path
    assert (content_dir / "answers/jp/ambulance.yml").read_text(encoding="utf-8") == before
    with console_of(app).sessions() as session:
        assert session.scalars(select(EditorAudit)).first() is None


def test_forms_refuse_without_csrf_token(app: Flask, content_dir: Path) -> None:
    client = login(app, "admin")
    before = (content_dir / "answers/jp/ambulance.yml").read_text(encoding="utf-8")
    for path in POST_FORMS:
        response = client.post(path, data={"short": "changed", "action": "save"})
        assert response.status_code == 400, path
        assert "(CSRF)" in response.get_data(as_text=True)
    assert (content_dir / "answers/jp/ambulance.yml").read_text(encoding="utf-8") == before
    # the login form too: no token, no login
    fresh = app.test_client()
    response = fresh.post("/login", data={"username": "ada", "password": PASSWORD})
    assert response.status_code == 400


def test_roles(app: Flask) -> None:
    editor, publisher, admin = login(app, "editor"), login(app, "publisher"), login(app, "admin")
    for path in ADMIN_ONLY:
        assert editor.get(path).status_code == 403, path
        assert publisher.get(path).status_code == 403, path
        assert admin.get(path).status_code == 200, path
    for path in PUBLISHER_POSTS:
        response = editor.post(path, data={"csrf_token": csrf(editor, "/")})
        assert response.status_code == 403, path
    token = csrf(publisher, "/")
    assert (
        publisher.post("/accounts", data={"csrf_token": token, "action": "create"}).status_code
        == 403
    )
    assert publisher.post("/publish", data={"csrf_token": token}).status_code == 302
    for path in GET_PAGES:
        if path not in ADMIN_ONLY:
            assert editor.get(path).status_code == 200, path


def test_five_wrong_passwords_lock_the_account(app: Flask) -> None:
    client = app.test_client()
    token = csrf(client)
    for _ in range(5):
        response = client.post(
            "/login", data={"csrf_token": token, "username": "ada", "password": "wrong password!"}
        )
        assert response.status_code == 401
    page = response.get_data(as_text=True)
    assert "tạm khóa" in page
    # now even the right password is refused until the lock ends
    response = client.post(
        "/login", data={"csrf_token": token, "username": "ada", "password": PASSWORD}
    )
    assert response.status_code == 401
    assert client.get("/").status_code == 302
    with console_of(app).sessions() as session:
        account = session.scalars(
            select(EditorAccount).where(EditorAccount.username == "ada")
        ).one()
        assert account.locked_until is not None
    actions = [a for user, a in audit_actions(app) if user == "ada"]
    assert actions == ["login_wrong"] * 4 + ["login_locked"] * 2


def test_deactivating_an_account_ends_its_sessions(app: Flask) -> None:
    editor, admin = login(app, "editor"), login(app, "admin")
    assert editor.get("/").status_code == 200
    with console_of(app).sessions() as session:
        erin = session.scalars(select(EditorAccount).where(EditorAccount.username == "erin")).one()
    response = admin.post(
        "/accounts",
        data={
            "csrf_token": csrf(admin, "/accounts"),
            "action": "deactivate",
            "account_id": erin.id,
        },
    )
    assert response.status_code == 302
    assert editor.get("/").status_code == 302  # the old cookie no longer works
    assert ("ada", "account_deactivate") in audit_actions(app)


def test_audit_log_records_each_step(app: Flask) -> None:
    client = login(app, "publisher")
    token = csrf(client, "/")
    client.post(
        "/answer/jp/health-insurance",
        data={"csrf_token": token, "action": "save", "base": _digest(app), **_form(app)},
    )
    client.post("/publish", data={"csrf_token": token})
    client.post("/unanswered/need-content", data={"csrf_token": token, "group": "so cap cuu"})
    client.post("/logout", data={"csrf_token": token})
    actions = [a for user, a in audit_actions(app) if user == "paul"]
    assert actions == ["login_ok", "save_answer", "publish_published", "need_content", "logout"]


def test_security_headers(app: Flask) -> None:
    response = login(app, "editor").get("/")
    assert "default-src 'none'" in response.headers["Content-Security-Policy"]
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Cache-Control"] == "no-store"
    cookie = app.test_client().get("/login").headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie


def test_session_cookie_is_secure_by_default() -> None:
    from bot.settings import Settings

    assert Settings().editor_cookie_secure is True


def _form(app: Flask) -> dict[str, str]:
    from bot.editor import drafts

    c = console_of(app)
    text = drafts.read_text(c.settings.content_dir, "answers/jp/health-insurance.yml")
    values = drafts.form_values(text)
    values["short"] = "Có thẻ bảo hiểm y tế, bạn chỉ trả **30%** tiền khám (mới)."
    return values


def _digest(app: Flask) -> str:
    from bot.editor import drafts

    c = console_of(app)
    return drafts.text_digest(
        drafts.read_text(c.settings.content_dir, "answers/jp/health-insurance.yml")
    )


def test_refusals_are_pages_an_editor_understands(app: Flask) -> None:
    editor = login(app, "editor")
    response = editor.get("/accounts")
    assert response.status_code == 403
    assert "Vai trò của bạn không được làm việc này." in response.get_data(as_text=True)
    assert editor.get("/answer/xx/ambulance").status_code == 404
    assert app.test_client().get("/no-such-page").status_code == 302  # login first, even here


def test_the_login_page_says_how_to_create_the_first_admin(
    database_url: str, content_dir: Path, tmp_path: Path
) -> None:
    from bot.editor.app import create_app
    from bot.settings import Settings

    settings = Settings(
        database_url=database_url, content_dir=content_dir, editor_cookie_secure=False
    )
    page = create_app(settings, secret_key="k" * 64).test_client().get("/login")
    assert "python -m bot editor create-admin" in page.get_data(as_text=True)


def test_an_admin_resets_a_password_and_old_sessions_end(app: Flask) -> None:
    editor, admin = login(app, "editor"), login(app, "admin")
    with console_of(app).sessions() as session:
        erin = session.scalars(select(EditorAccount).where(EditorAccount.username == "erin")).one()
    token = csrf(admin, "/accounts")
    short = admin.post(
        "/accounts",
        data={"csrf_token": token, "action": "password", "account_id": erin.id, "password": "x"},
    )
    assert "Mật khẩu cần ít nhất 12 ký tự." in short.get_data(as_text=True)
    assert editor.get("/").status_code == 200  # a refused change changes nothing
    admin.post(
        "/accounts",
        data={"csrf_token": token, "action": "password", "account_id": erin.id,
              "password": "a brand new password"},
    )  # fmt: skip
    assert editor.get("/").status_code == 302
    assert ("ada", "account_password") in audit_actions(app)
