"""Keeping personal data and secrets out of every log line, the libraries' included.

Our own code logs types, counts and ids only. Libraries do not: python-telegram-bot logs whole
updates (names, message texts) at CRITICAL when one cannot be parsed and at DEBUG while
processing, and request parameters and URLs (which carry the bot token) at DEBUG; httpx logs
request URLs at INFO. Levels alone are not enough (someone debugging turns DEBUG on), so every
record from those libraries is redacted when it is created: its arguments are replaced by
``<redacted>`` unless they are numbers or plain identifiers, and an attached exception keeps
its type and stack but not its message (which may quote the data).
"""

from __future__ import annotations

import logging
import re
import traceback
from typing import Any

# Loggers whose records may carry updates, texts, URLs or tokens.
LIBRARIES = ("telegram", "httpx", "httpcore", "apscheduler", "tornado", "aiohttp", "hpack")
REDACTED = "<redacted>"
# An endpoint name, a class name, a level: safe to keep.
_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_.]{0,63}")

_installed = False


def _safe(value: Any) -> Any:
    if value is None or isinstance(value, bool | int | float):
        return value
    if isinstance(value, str) and _IDENTIFIER.fullmatch(value):
        return value
    if isinstance(value, type):
        return value.__name__
    if isinstance(value, BaseException):
        return type(value).__name__
    if isinstance(value, list | tuple) and all(isinstance(v, int) for v in value):
        return value  # e.g. a list of update ids
    return REDACTED


def _exception_without_message(exc_info: Any) -> str:
    kind, _value, tb = exc_info
    stack = "".join(traceback.format_tb(tb))
    return f"Traceback (most recent call last):\n{stack}{getattr(kind, '__name__', kind)}"


def redact(record: logging.LogRecord) -> logging.LogRecord:
    """Redact a library's record in place (see the module docstring)."""
    if isinstance(record.args, dict):
        record.args = {key: _safe(value) for key, value in record.args.items()}
    elif record.args:
        record.args = tuple(_safe(value) for value in record.args)
    if not isinstance(record.msg, str):
        record.msg = REDACTED
    if record.exc_info and record.exc_info[0] is not None:
        record.exc_text = _exception_without_message(record.exc_info)
        record.exc_info = None
    return record


def from_library(name: str) -> bool:
    return any(name == lib or name.startswith(lib + ".") for lib in LIBRARIES)


def install() -> None:
    """Redact every record of the libraries above, from now on, for every handler."""
    global _installed
    if _installed:
        return
    make_record = logging.getLogRecordFactory()

    def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = make_record(*args, **kwargs)
        return redact(record) if from_library(record.name) else record

    logging.setLogRecordFactory(factory)
    _installed = True
