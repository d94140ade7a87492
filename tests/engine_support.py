"""Helpers of the engine tests (actions, conversation, chat, ask): the core test content, a canned
Rasa server on 127.0.0.1, running ``python -m bot`` and reading replies. Their fixtures are in
``tests/conftest.py``.

The Rasa server is the HTTP edge of the bot: it answers ``POST /model/parse`` with the JSON Rasa
would send, so the real ``NluClient`` and the real decision logic are exercised.
"""

from __future__ import annotations

import asyncio
import os
import socket
import sys
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from aiohttp import web

from bot.conversation import OutMessage
from bot.settings import REPO_ROOT

CORE_CONTENT = Path(__file__).resolve().parent / "fixtures" / "core_content"
CONTENT_DAY = date(2026, 11, 22)


def rasa_json(
    text: str,
    intent: str,
    confidence: float,
    entities: tuple[tuple[str, str, str], ...] = (),
    ranking: tuple[tuple[str, float], ...] = (),
) -> dict[str, Any]:
    """Rasa's /model/parse answer; entities as (entity, value, the words in ``text``)."""
    found = []
    for entity, value, words in entities:
        start = text.index(words)
        found.append(
            {
                "entity": entity,
                "value": value,
                "start": start,
                "end": start + len(words),
                "confidence_entity": 0.99,
                "extractor": "DIETClassifier",
            }
        )
    ranked = ranking or ((intent, confidence),)
    return {
        "text": text,
        "intent": {"name": intent, "confidence": confidence},
        "entities": found,
        "intent_ranking": [{"name": n, "confidence": c} for n, c in ranked],
    }


@dataclass
class FakeRasa:
    """Canned answers by exact text (a part of a canned text gets the same answer); anything
    else is out_of_scope with high confidence."""

    url: str = ""
    answers: dict[str, dict[str, Any]] = field(default_factory=dict)
    received: list[str] = field(default_factory=list)
    delay: float = 0.0
    token: str | None = None  # when set, requests without ?token= get 401 (as Rasa's)
    model_file: str = "nlu-test.tar.gz"

    def refused(self, request: web.Request) -> bool:
        return self.token is not None and request.query.get("token") != self.token

    async def status(self, request: web.Request) -> web.Response:
        if self.refused(request):
            return web.json_response({"message": "unauthorized"}, status=401)
        return web.json_response({"model_file": self.model_file, "num_active_training_jobs": 0})

    fails_on: set[str] = field(default_factory=set)  # texts answered with HTTP 500, as Rasa did

    def says(self, text: str, intent: str, confidence: float = 0.95, **kw: Any) -> None:
        self.answers[text] = rasa_json(text, intent, confidence, **kw)

    async def parse(self, request: web.Request) -> web.Response:
        if self.refused(request):
            return web.json_response({"message": "unauthorized"}, status=401)
        text = (await request.json())["text"]
        self.received.append(text)
        if self.delay:
            await asyncio.sleep(self.delay)
        if text in self.fails_on:
            return web.json_response({"status": "failure", "code": 500}, status=500)
        answer = self.answers.get(text)
        if answer is None:  # a part of a canned message (the engine reads long ones in parts)
            whole = next((t for t in self.answers if len(text) > 3 and text in t), None)
            if whole is not None:
                canned = self.answers[whole]
                ranking = tuple((r["name"], r["confidence"]) for r in canned["intent_ranking"])
                intent = canned["intent"]
                answer = rasa_json(text, intent["name"], intent["confidence"], ranking=ranking)
        return web.json_response(answer or rasa_json(text, "out_of_scope", 0.9))


def closed_port_url() -> str:
    """A loopback URL nothing listens on (the NLU is down)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}"


async def run_bot(
    args: list[str], env: dict[str, str], stdin: str = "", timeout: float = 60.0
) -> tuple[int, str, str]:
    """``python -m bot <args>`` in a subprocess (the event loop keeps serving the fake Rasa)."""
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", *args,
        cwd=REPO_ROOT, env={**os.environ, **env},
        stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    out, err = await asyncio.wait_for(process.communicate(stdin.encode()), timeout)
    assert process.returncode is not None
    return process.returncode, out.decode(), err.decode()


def button_data(messages: list[OutMessage]) -> list[str]:
    return [b.data for m in messages for row in m.buttons for b in row]


def button_labels(messages: list[OutMessage]) -> list[str]:
    return [b.label for m in messages for row in m.buttons for b in row]


def plain(messages: list[OutMessage]) -> str:
    return "\n\n".join(m.plain for m in messages)
