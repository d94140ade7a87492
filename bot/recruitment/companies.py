"""Company codes, deep links, and recording which company's link a worker arrived with.

A code becomes the payload of ``https://t.me/<bot>?start=<code>``; Telegram allows only
A–Z, a–z, 0–9, ``_`` and ``-`` there (up to 64 characters), so codes are checked against that.
"""

from __future__ import annotations

import re
from datetime import date, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.models.recruitment import (
    COMPANY_CODE_LENGTH,
    Company,
    CompanySignup,
    TopicOpenCount,
)

CODE_RE = re.compile(rf"^[A-Za-z0-9_-]{{3,{COMPANY_CODE_LENGTH}}}$")


class CompanyError(ValueError):
    """A company cannot be created as asked (bad or taken code)."""


def deep_link(bot_username: str, code: str) -> str:
    return f"https://t.me/{bot_username.lstrip('@')}?start={code}"


def create_company(session: Session, name: str, code: str, today: date) -> Company:
    if not CODE_RE.match(code):
        raise CompanyError(
            f"code {code!r}: use 3–{COMPANY_CODE_LENGTH} letters, digits, '_' or '-' "
            "(Telegram links allow nothing else)"
        )
    if not name.strip():
        raise CompanyError("the company name is empty")
    if find_company(session, code):
        raise CompanyError(f"code {code!r} is already used")
    company = Company(code=code, name=name.strip(), created_on=today)
    session.add(company)
    session.flush()
    return company


def find_company(session: Session, code: str) -> Company | None:
    """The company with exactly this code (letter case aside: people retype codes from paper).

    Not ``ilike``: codes may contain ``_``, a wildcard there, so ``___`` would match ``ABC``.
    """
    if not CODE_RE.match(code):
        return None
    return session.scalars(select(Company).where(func.lower(Company.code) == code.lower())).first()


def record_signup(session: Session, user_id: str, payload: str | None, today: date) -> bool:
    """Attribute the user to the company of ``payload``; unknown codes are ignored silently.

    The first company a person arrives with keeps the attribution: a later link (a friend's
    flyer) does not move them between companies' statistics.
    """
    if not payload or not CODE_RE.match(payload):
        return False
    company = find_company(session, payload)
    if company is None or session.get(CompanySignup, user_id) is not None:
        return False
    session.add(CompanySignup(user_id=user_id, company_id=company.id, signed_up_on=today))
    return True


def week_of(day: date) -> date:
    """The Monday that starts ``day``'s ISO week (what statistics are grouped by)."""
    return day - timedelta(days=day.weekday())


def count_topic_open(
    session: Session, user_id: str, country: str, answer_id: str, today: date
) -> None:
    """+1 for the user's company, week and topic — only the count is kept, not who."""
    signup = session.get(CompanySignup, user_id)
    if signup is None:
        return
    key = (signup.company_id, week_of(today), country, answer_id)
    row = session.get(TopicOpenCount, key)
    if row is None:
        row = TopicOpenCount(
            company_id=key[0], week=key[1], country=country, answer_id=answer_id, count=0
        )
        session.add(row)
    row.count += 1
