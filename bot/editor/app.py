"""The console's Flask application: configuration, login, roles, CSRF, locale, security headers.

Flask is used because the console is a handful of server-rendered pages (no JavaScript needed,
so it works on any phone); Flask-WTF gives CSRF protection for every form; sessions are Flask's
signed cookies (HttpOnly, SameSite=Strict, Secure) carrying only the account id and its session
epoch, so changing a password or deactivating an account ends its sessions. Every page except
the login page and its stylesheet requires a logged-in account.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from flask import Flask, g, redirect, render_template, request, session, url_for
from flask_wtf.csrf import CSRFError, CSRFProtect
from werkzeug.exceptions import HTTPException
from werkzeug.wrappers import Response

from bot import i18n
from bot.content.publish import publish
from bot.content.repository import ContentRepository
from bot.db import make_engine, make_session_factory
from bot.editor.accounts import has_role
from bot.editor.context import Console, db
from bot.editor.retrain import Retrainer
from bot.editor.state import ContentState
from bot.editor.views import console
from bot.migrate import upgrade
from bot.models.editor import EditorAccount
from bot.settings import VAR_DIR, Settings
from bot.users import load_or_create_key

PUBLIC_ENDPOINTS = {"console.login", "static"}
SESSION_HOURS = 8


def create_app(
    settings: Settings,
    retrainer: Retrainer | None = None,
    secret_key: str | None = None,
) -> Flask:
    """The console for the content folder and database of ``settings`` (schema upgraded)."""
    upgrade(settings.database_url, quiet=True)
    engine = make_engine(settings.database_url)
    app = Flask(__name__)
    app.config.update(
        SECRET_KEY=secret_key or _secret_key(settings),
        SESSION_COOKIE_NAME="editor_session",
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Strict",
        SESSION_COOKIE_SECURE=settings.editor_cookie_secure,
        PERMANENT_SESSION_LIFETIME=timedelta(hours=SESSION_HOURS),
        WTF_CSRF_TIME_LIMIT=SESSION_HOURS * 3600,
        MAX_CONTENT_LENGTH=256 * 1024,  # an answer is a few kB; nothing legitimate is bigger
    )
    sessions = make_session_factory(engine)
    if ContentRepository(sessions).live_version() is None:
        # As every entry point does (bot.store): a first run finds the shipped content live,
        # so the diff pages compare against what workers see rather than against nothing.
        publish(Path(settings.content_dir), sessions, published_by="first run")
    content = ContentState(Path(settings.content_dir))
    content.get()  # check the files now, not while the first editors wait for their page
    app.extensions["editor"] = Console(
        settings=settings,
        sessions=sessions,
        content=content,
        retrainer=retrainer or Retrainer(),
    )
    CSRFProtect(app)
    app.register_error_handler(CSRFError, _csrf_error)
    for code in (400, 403, 404, 413):
        app.register_error_handler(code, _error)
    app.jinja_env.globals.update(_=i18n.gettext, has_role=has_role)
    app.before_request(_before)
    app.teardown_request(_teardown)
    app.after_request(_headers)

    app.register_blueprint(console)
    return app


def _secret_key(settings: Settings) -> str:
    if settings.editor_secret_key is not None:
        return settings.editor_secret_key.get_secret_value()
    return load_or_create_key(VAR_DIR / "editor-secret.key").decode("ascii")


def _before() -> Response | None:
    g.locale_token = i18n.enter_locale(_locale())
    g.account = _logged_in()
    if request.endpoint not in PUBLIC_ENDPOINTS and g.account is None:
        return redirect(url_for("console.login", next=request.full_path))
    return None


def _locale() -> str:
    chosen = request.args.get("lang")
    if chosen in i18n.SUPPORTED_LOCALES:
        session["lang"] = chosen
    stored = session.get("lang")
    if stored in i18n.SUPPORTED_LOCALES:
        return str(stored)
    # Vietnamese unless the editor chooses English: many editors' browsers are set to English.
    return i18n.DEFAULT_LOCALE


def _logged_in() -> EditorAccount | None:
    account_id = session.get("account_id")
    if account_id is None:
        return None
    with db() as s:
        account = s.get(EditorAccount, account_id)
        if account is None or not account.active or account.session_epoch != session.get("epoch"):
            session.clear()
            return None
        s.expunge(account)
        return account


def _teardown(_exc: BaseException | None) -> None:
    token = g.pop("locale_token", None)
    if token is not None:
        i18n.leave_locale(token)


def _headers(response: Response) -> Response:
    response.headers["Content-Security-Policy"] = (
        "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; "
        "frame-ancestors 'none'; base-uri 'none'"
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["X-Frame-Options"] = "DENY"
    response.headers["Referrer-Policy"] = "same-origin"
    if request.endpoint != "static":
        response.headers["Cache-Control"] = "no-store"
    return response


def _csrf_error(error: CSRFError) -> tuple[str, int]:
    message = i18n.gettext(
        "Biểu mẫu đã hết hạn hoặc không hợp lệ (CSRF). Hãy tải lại trang rồi thử lại."
    )
    return render_template("error.html", message=message), 400


def _error(error: HTTPException) -> tuple[str, int]:
    messages = {
        403: i18n.gettext("Vai trò của bạn không được làm việc này."),
        404: i18n.gettext("Không có trang này."),
        413: i18n.gettext("Nội dung gửi lên quá lớn."),
    }
    code = error.code or 400
    message = messages.get(code, i18n.gettext("Yêu cầu không hợp lệ."))
    return render_template("error.html", message=message), code
