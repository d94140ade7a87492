"""The editors' console: accounts with a role, and the audit log of everything they do.

Passwords are stored only as Argon2id hashes. The audit log names the account by its user name
(not a foreign key) so that rows survive when an account is removed: the record of who changed
what must outlive the account.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from bot.db import Base

ROLES = ("editor", "publisher", "admin")  # each role can do everything of the ones before it


class EditorAccount(Base):
    """A person who edits (editor), also publishes (publisher) or also manages accounts (admin)."""

    __tablename__ = "editor_account"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(20))
    active: Mapped[bool] = mapped_column(default=True)
    # Consecutive wrong passwords, and until when the account refuses logins because of them.
    failed_logins: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # Bumped on password change or deactivation: older session cookies stop working.
    session_epoch: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class EditorAudit(Base):
    """One action in the console: who, what, on which item, when (never a password or token)."""

    __tablename__ = "editor_audit"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    username: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(40))
    target: Mapped[str] = mapped_column(String(200), default="")
    detail: Mapped[str] = mapped_column(Text, default="")
