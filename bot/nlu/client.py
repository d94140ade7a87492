"""Async client for the Rasa HTTP API (``POST /model/parse``).

Any failure — refused connection, timeout, HTTP error, malformed JSON — becomes ``NluUnavailable``
so callers have exactly one thing to handle: answer without the NLU (safety net, menus, search).
An HTTP error status is ``NluRejected``, a subclass: the server is up and failed on this one
message, which callers need not treat as an outage.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx


class NluUnavailable(Exception):
    """The NLU server could not give an answer in time."""


class NluRejected(NluUnavailable):
    """The server is up but failed on this one message (an HTTP error status): not an outage."""


@dataclass(frozen=True)
class Entity:
    """An entity found in the message; ``text`` is what the user typed, ``value`` is canonical."""

    entity: str
    value: str
    text: str
    start: int
    end: int


@dataclass(frozen=True)
class NluResult:
    """What the NLU understood."""

    intent: str
    confidence: float
    entities: tuple[Entity, ...] = ()
    ranking: tuple[tuple[str, float], ...] = ()

    def entity(self, name: str) -> Entity | None:
        """The first entity of that type, if any."""
        return next((e for e in self.entities if e.entity == name), None)


def parse_response(text: str, payload: dict[str, Any]) -> NluResult:
    """Turn Rasa's parse JSON into an ``NluResult`` (raises KeyError/TypeError when malformed)."""
    intent = payload["intent"]
    entities = tuple(
        Entity(
            entity=str(e["entity"]),
            value=str(e.get("value", "")),
            text=text[int(e["start"]) : int(e["end"])],
            start=int(e["start"]),
            end=int(e["end"]),
        )
        for e in payload.get("entities", [])
    )
    ranking = tuple(
        (str(r["name"]), float(r["confidence"])) for r in payload.get("intent_ranking", [])
    )
    return NluResult(
        intent=str(intent.get("name") or "out_of_scope"),
        confidence=float(intent.get("confidence") or 0.0),
        entities=entities,
        ranking=ranking,
    )


class NluClient:
    """One long-lived connection pool to the NLU server (owned by the application's lifecycle)."""

    def __init__(
        self, base_url: str, token: str | None, timeout: float, *, connections: int = 8
    ) -> None:
        self._token = token
        # A message waits for a free connection within the same timeout.
        limits = httpx.Limits(max_connections=connections, max_keepalive_connections=connections)
        # The NLU is our own service (loopback, or the deployment's proxy in front of its Rasa
        # servers): an HTTP_PROXY set for the machine must not route it elsewhere, and httpx
        # does not exempt loopback by itself.
        self._http = httpx.AsyncClient(
            base_url=base_url.rstrip("/"), timeout=timeout, limits=limits, trust_env=False
        )

    async def parse(self, text: str) -> NluResult:
        """Understand one message, or raise ``NluUnavailable``."""
        params = {"token": self._token} if self._token else None
        try:
            response = await self._http.post("/model/parse", json={"text": text}, params=params)
            if response.is_error:
                raise NluRejected(f"HTTP {response.status_code}")
            return parse_response(text, response.json())
        except (httpx.HTTPError, ValueError, KeyError, TypeError) as exc:
            raise NluUnavailable(type(exc).__name__) from exc

    async def aclose(self) -> None:
        await self._http.aclose()
