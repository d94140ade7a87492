"""What the console's pages share: the per-app services, a database session, role checks.

Kept apart from ``app.py`` (which builds the application and registers the pages) so that the
pages can import these without importing the application factory.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import wraps
from typing import Any, TypeVar, cast

from flask import Flask, abort, current_app, g, redirect, url_for
from sqlalchemy.orm import Session, sessionmaker

from bot.editor.accounts import has_role
from bot.editor.retrain import Retrainer
from bot.editor.state import ContentState
from bot.settings import Settings

F = TypeVar("F", bound=Callable[..., Any])


class Console:
    """What every request needs: settings, database, the checked files, the retrain job."""

    def __init__(
        self,
        settings: Settings,
        sessions: sessionmaker[Session],
        content: ContentState,
        retrainer: Retrainer,
    ) -> None:
        self.settings = settings
        self.sessions = sessions
        self.content = content
        self.retrainer = retrainer


def console_of(app: Flask) -> Console:
    return cast(Console, app.extensions["editor"])


@contextmanager
def db() -> Iterator[Session]:
    """A session for this request, committed when the block ends without error."""
    with console_of(current_app).sessions() as s, s.begin():
        yield s


def requires(role: str) -> Callable[[F], F]:
    """Refuse (403) unless the logged-in account has ``role`` or a higher one."""

    def decorate(view: F) -> F:
        @wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            account = g.get("account")
            if account is None:
                return redirect(url_for("console.login"))
            if not has_role(account.role, role):
                abort(403)
            return view(*args, **kwargs)

        return cast(F, wrapper)

    return decorate
