"""``python -m bot ask``: one question (or a batch) through the engine, for scripts and checks.

``ask "text"`` prints the reply as the terminal chat would; ``--json`` prints one JSON object;
``--batch FILE`` (``-`` for stdin) reads JSON lines ``{"text": ..., "country": ...}`` and writes
one JSON object per line with the intent, confidence, reply text, buttons and answer ids.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable, Iterator
from typing import Any, TextIO

from actions import parse_command
from bot.chat import format_messages
from bot.conversation import Conversation, Turn, open_conversation
from bot.settings import Settings
from vietnlp.countries import COUNTRY_CODES

ASK_USER = "ask"  # one local user whose country is set before every question


def turn_record(question: str, country: str | None, turn: Turn) -> dict[str, Any]:
    """What ``--json`` and ``--batch`` print for one question."""
    answer_ids = [m.answer_id for m in turn.messages if m.answer_id]
    return {
        "question": question,
        "country": country,
        "intent": turn.nlu.intent if turn.nlu else None,
        "confidence": round(turn.nlu.confidence, 4) if turn.nlu else None,
        "text": "\n\n".join(m.plain for m in turn.messages),
        "buttons": [b.label for m in turn.messages for row in m.buttons for b in row],
        "answer_id": answer_ids[-1] if answer_ids else None,  # the topic answer comes last
        "answer_ids": answer_ids,
        "kinds": [m.kind for m in turn.messages],
        "emergency": any(m.kind == "emergency" for m in turn.messages),
        "lexicon": turn.alert.kind if turn.alert else None,
        "nlu_down": turn.nlu_down,
    }


async def ask_one(conversation: Conversation, text: str, country: str | None) -> Turn:
    """One question, or one command (``/sos``) as the chat and Telegram take it."""
    await conversation.set_country(ASK_USER, country)
    if (command := parse_command(text)) is not None:
        return Turn(await conversation.handle_command(ASK_USER, *command))
    return await conversation.turn(ASK_USER, text)


def read_batch(lines: Iterable[str], default_country: str | None) -> Iterator[dict[str, Any]]:
    """The questions of a JSON-lines batch; a bad line yields ``{"error": ...}``."""
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            item = json.loads(line)
            if not isinstance(item, dict) or not isinstance(item.get("text", ""), str):
                raise ValueError("expected an object with a string 'text'")
        except ValueError as exc:
            yield {"line": number, "error": str(exc)}
            continue
        country = item.get("country") or default_country
        yield {"line": number, "text": item.get("text", ""), "country": country}


async def run_batch(
    conversation: Conversation, source: TextIO, out: TextIO, default_country: str | None
) -> None:
    for item in read_batch(source, default_country):
        if "error" in item:
            record = item
        elif item["country"] is not None and item["country"] not in COUNTRY_CODES:
            record = {"line": item["line"], "error": f"unknown country {item['country']!r}"}
        else:
            turn = await ask_one(conversation, item["text"], item["country"])
            record = turn_record(item["text"], item["country"], turn)
        print(json.dumps(record, ensure_ascii=False), file=out, flush=True)


async def run_ask(
    settings: Settings, text: str | None, country: str | None, as_json: bool, batch: str | None
) -> int:
    if batch is None and text is None:
        print("ask: give a question, or --batch FILE", file=sys.stderr)
        return 2
    source: TextIO | None = None
    if batch is not None:
        try:
            source = sys.stdin if batch == "-" else open(batch, encoding="utf-8")  # noqa: SIM115
        except OSError as exc:
            print(f"ask: cannot read {batch}: {exc.strerror}", file=sys.stderr)
            return 2
    try:
        async with open_conversation(settings, progress=sys.stderr) as conversation:
            if source is not None:
                await run_batch(conversation, source, sys.stdout, country)
                return 0
            assert text is not None
            turn = await ask_one(conversation, text, country)
            if as_json:
                print(json.dumps(turn_record(text, country, turn), ensure_ascii=False))
            else:
                print(format_messages(turn.messages)[0])
            return 0
    finally:
        if source is not None and source is not sys.stdin:
            source.close()
