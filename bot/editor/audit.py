"""The audit log: every action in the console, who did it and when.

Details are short descriptions of *what* changed (a file, a version number, a role), never
passwords, cookies or the text of workers' questions beyond what editors already see.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.models.editor import EditorAudit


def record(
    session: Session, username: str, action: str, target: str = "", detail: str = ""
) -> None:
    """Add one audit row (the caller's transaction commits it with the action itself)."""
    session.add(
        EditorAudit(
            at=datetime.now(UTC),
            username=username[:64],
            action=action[:40],
            target=target[:200],
            detail=detail[:2000],
        )
    )


def recent(session: Session, limit: int = 200) -> list[EditorAudit]:
    """The newest audit rows first."""
    return list(session.scalars(select(EditorAudit).order_by(EditorAudit.id.desc()).limit(limit)))
