"""Editor accounts: Argon2id password hashes, roles, and a lockout after wrong passwords.

argon2-cffi's ``PasswordHasher`` is used with its defaults (RFC 9106's memory-hard profile), and
``check_needs_rehash`` upgrades old hashes on the next login. Lockout is counted in the database,
not in process memory, so it holds across restarts and across several console processes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Literal

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.models.editor import ROLES, EditorAccount

MAX_FAILED_LOGINS = 5
LOCK_MINUTES = 15
MIN_PASSWORD_CHARS = 12
USERNAME_PATTERN = r"^[a-z0-9][a-z0-9._-]{1,63}$"

_hasher = PasswordHasher()
# Verified when the user name is unknown, so a wrong name costs as long as a wrong password.
_DUMMY_HASH = _hasher.hash("not a real password, only for timing")


class AccountError(ValueError):
    """A request about accounts that cannot be done; ``code`` names the rule (for translation)."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


@dataclass(frozen=True)
class LoginOutcome:
    """``ok`` with the account, or why not (``locked`` says nothing about the password)."""

    status: Literal["ok", "wrong", "locked"]
    account: EditorAccount | None = None
    locked_until: datetime | None = None


def has_role(role: str, needed: str) -> bool:
    """True when ``role`` includes ``needed`` (admin ⊃ publisher ⊃ editor)."""
    return role in ROLES and ROLES.index(role) >= ROLES.index(needed)


def check_password_rules(password: str) -> None:
    """Reject passwords that are too short to be safe (length beats complexity rules)."""
    if len(password) < MIN_PASSWORD_CHARS:
        raise AccountError(
            "password", f"the password needs at least {MIN_PASSWORD_CHARS} characters"
        )


def create_account(
    session: Session, username: str, password: str, role: str, now: datetime | None = None
) -> EditorAccount:
    """A new active account (the caller commits)."""
    username = username.strip().lower()
    if not re.fullmatch(USERNAME_PATTERN, username):
        raise AccountError(
            "username",
            "the user name must be 2-64 lower-case letters, digits, dots, hyphens or underscores",
        )
    if role not in ROLES:
        raise AccountError("role", f"the role must be one of {', '.join(ROLES)}")
    check_password_rules(password)
    if find_account(session, username) is not None:
        raise AccountError("taken", f"the user name {username} is taken")
    account = EditorAccount(
        username=username,
        password_hash=_hasher.hash(password),
        role=role,
        active=True,
        failed_logins=0,
        session_epoch=0,
        created_at=now or datetime.now(UTC),
    )
    session.add(account)
    session.flush()
    return account


def find_account(session: Session, username: str) -> EditorAccount | None:
    return session.scalars(
        select(EditorAccount).where(EditorAccount.username == username.strip().lower())
    ).first()


def set_password(account: EditorAccount, password: str) -> None:
    """New password; sessions opened with the old one end."""
    check_password_rules(password)
    account.password_hash = _hasher.hash(password)
    account.session_epoch += 1
    account.failed_logins = 0
    account.locked_until = None


def authenticate(
    session: Session, username: str, password: str, now: datetime | None = None
) -> LoginOutcome:
    """Check a login; counts wrong passwords and locks the account after ``MAX_FAILED_LOGINS``.

    While locked even the right password is refused, so guessing gains nothing. The caller
    commits (the failure count must be saved even though the login failed).
    """
    now = now or datetime.now(UTC)
    account = find_account(session, username)
    if account is None or not account.active:
        _verify(_DUMMY_HASH, password)
        return LoginOutcome("wrong")
    locked_until = _aware(account.locked_until)
    if locked_until is not None and locked_until > now:
        return LoginOutcome("locked", locked_until=locked_until)
    if not _verify(account.password_hash, password):
        account.failed_logins += 1
        if account.failed_logins >= MAX_FAILED_LOGINS:
            account.locked_until = now + timedelta(minutes=LOCK_MINUTES)
            account.failed_logins = 0
            return LoginOutcome("locked", locked_until=account.locked_until)
        return LoginOutcome("wrong")
    account.failed_logins = 0
    account.locked_until = None
    if _hasher.check_needs_rehash(account.password_hash):
        account.password_hash = _hasher.hash(password)
    return LoginOutcome("ok", account=account)


def _verify(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def _aware(moment: datetime | None) -> datetime | None:
    # SQLite returns naive datetimes even for timezone-aware columns; they were stored in UTC.
    if moment is not None and moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment
