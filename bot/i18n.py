"""Interface translations (gettext catalogs via Babel) and locale-aware dates.

Message ids are the Vietnamese strings, so Vietnamese is shown even before catalogs are compiled;
the English catalog translates them. The locale of the request being handled lives in a
``ContextVar`` so concurrent updates never see each other's language.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar, Token
from datetime import date
from functools import cache
from pathlib import Path

from babel.dates import format_date as babel_format_date
from babel.support import NullTranslations, Translations

from vietnlp.countries import COUNTRIES

LOCALE_DIR = Path(__file__).resolve().parent / "locale"
SUPPORTED_LOCALES = ("vi", "en")
DEFAULT_LOCALE = "vi"

_current_locale: ContextVar[str] = ContextVar("current_locale", default=DEFAULT_LOCALE)


@cache
def _translations(locale: str) -> NullTranslations:
    return Translations.load(str(LOCALE_DIR), [locale], domain="messages")


def current_locale() -> str:
    """The locale of the update being handled."""
    return _current_locale.get()


@contextmanager
def use_locale(locale: str | None) -> Iterator[str]:
    """Handle one request in ``locale`` (unknown locales fall back to Vietnamese)."""
    chosen = locale if locale in SUPPORTED_LOCALES else DEFAULT_LOCALE
    token = _current_locale.set(chosen)
    try:
        yield chosen
    finally:
        _current_locale.reset(token)


def enter_locale(locale: str | None) -> Token[str]:
    """Like ``use_locale`` for frameworks with separate before/after hooks (the console)."""
    return _current_locale.set(locale if locale in SUPPORTED_LOCALES else DEFAULT_LOCALE)


def leave_locale(token: Token[str]) -> None:
    _current_locale.reset(token)


def gettext(message: str) -> str:
    """Translate an interface string into the current locale."""
    return _translations(current_locale()).gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    """Plural-aware translation into the current locale."""
    return _translations(current_locale()).ngettext(singular, plural, n)


def format_date(value: date) -> str:
    """A date as people of the current locale write it (vi: 22/11/2026, en: Nov 22, 2026)."""
    pattern = "dd/MM/yyyy" if current_locale() == "vi" else "medium"
    return babel_format_date(value, format=pattern, locale=current_locale())


def country_name(code: str) -> str:
    """A host country's name in the current locale ("Nhật Bản", "Japan")."""
    return gettext(COUNTRIES[code].name)


_ = gettext
