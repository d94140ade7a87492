"""HTTP connection pools for the long-lived clients (Bot API, NLU) that cost less CPU per request.

httpcore's pool looks at every pooled connection for every request it starts and every response
it closes ("has this idle connection been closed by the server?"). On asyncio each look went
through anyio's typed attributes, which build a dictionary of the socket's attributes (address
family, addresses, ports) to return one of them: under load that was a tenth of the bot's CPU.
``lean_transport`` is httpx's own transport whose connections keep their raw socket at hand and
ask the kernel directly (``poll``, as httpcore does; an "open" answer is reused for 10 ms,
see ``LeanStream.get_extra_info``), and whose reads and writes are timed
with asyncio's own timeout instead of anyio's cancel scopes (asyncio only, as the bot is).
Nothing else changes: the same limits, timeouts, keep-alive and errors.

It reaches into two private attributes (httpx's ``_pool``, httpcore's ``_network_backend``);
when a release renames them, the transport is httpx's unchanged.
"""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Any

import anyio
import httpx
from httpcore import (
    AnyIOBackend,
    AsyncNetworkStream,
    ReadError,
    ReadTimeout,
    WriteError,
    WriteTimeout,
)
from httpcore._backends.anyio import AnyIOStream
from httpcore._exceptions import map_exceptions
from httpcore._utils import is_socket_readable
from telegram.request import HTTPXRequest

logger = logging.getLogger(__name__)

OPEN_FOR_SECONDS = 0.01  # how long an idle connection seen open is taken to still be open

# The exceptions httpcore's anyio stream maps (``httpcore._backends.anyio``).
_READ_ERRORS: dict[type[Exception], type[Exception]] = {
    TimeoutError: ReadTimeout,
    anyio.BrokenResourceError: ReadError,
    anyio.ClosedResourceError: ReadError,
    anyio.EndOfStream: ReadError,
}
_WRITE_ERRORS: dict[type[Exception], type[Exception]] = {
    TimeoutError: WriteTimeout,
    anyio.BrokenResourceError: WriteError,
    anyio.ClosedResourceError: WriteError,
}


class LeanStream(AnyIOStream):
    """httpcore's anyio stream, with the raw socket looked up once."""

    def __init__(self, stream: anyio.abc.ByteStream) -> None:
        super().__init__(stream)
        # On asyncio, the transport's socket (``asyncio.TransportSocket``), as httpcore gets it.
        self._socket: Any = stream.extra(anyio.abc.SocketAttribute.raw_socket, None)
        self._open_until = 0.0  # until then, the last look found the connection open

    # Reads and writes with asyncio's own timeout: anyio's cancel scope (``fail_after``) costs
    # several times more on asyncio, for every read and write of every request.
    async def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        with map_exceptions(_READ_ERRORS):
            async with asyncio.timeout(timeout):
                try:
                    return await self._stream.receive(max_bytes=max_bytes)
                except anyio.EndOfStream:
                    return b""

    async def write(self, buffer: bytes, timeout: float | None = None) -> None:
        if not buffer:
            return
        with map_exceptions(_WRITE_ERRORS):
            async with asyncio.timeout(timeout):
                await self._stream.send(item=buffer)

    async def start_tls(self, *args: Any, **kwargs: Any) -> AsyncNetworkStream:
        stream = await super().start_tls(*args, **kwargs)
        if type(stream) is AnyIOStream:  # the TLS stream over the same socket
            return LeanStream(stream._stream)
        return stream

    def get_extra_info(self, info: str) -> Any:
        if info == "is_readable":
            # httpcore asks this of every idle connection, for every request it starts and
            # every response it closes: hundreds of times a second each under load, each a
            # poll() system call. An answer "still open" is kept for a few milliseconds, less
            # than the time a remote server's FIN is in flight; "closed" is never cached.
            now = time.monotonic()
            if now < self._open_until:
                return False
            readable = is_socket_readable(self._socket)
            if not readable:
                self._open_until = now + OPEN_FOR_SECONDS
            return readable
        if info == "socket":
            return self._socket
        return super().get_extra_info(info)


class LeanBackend(AnyIOBackend):
    """httpcore's anyio backend whose TCP streams (and the TLS ones over them) are lean."""

    async def connect_tcp(self, *args: Any, **kwargs: Any) -> AsyncNetworkStream:
        stream = await super().connect_tcp(*args, **kwargs)
        if type(stream) is AnyIOStream:
            return LeanStream(stream._stream)
        return stream


def lean_transport(limits: httpx.Limits | None = None, **kwargs: Any) -> httpx.AsyncHTTPTransport:
    """``httpx.AsyncHTTPTransport(limits=…, **kwargs)`` with the lean connections."""
    transport = httpx.AsyncHTTPTransport(limits=limits or httpx.Limits(), **kwargs)
    pool = getattr(transport, "_pool", None)
    if pool is not None and hasattr(pool, "_network_backend"):
        pool._network_backend = LeanBackend()
    else:  # pragma: no cover - a future httpx/httpcore
        logger.debug("httpx's pool has no network backend to replace: unchanged")
    return transport


class LeanHTTPXRequest(HTTPXRequest):
    """PTB's ``HTTPXRequest`` (same arguments, limits and timeouts) on ``lean_transport``; a
    client closed by a shutdown is rebuilt, with a new transport, by ``initialize``."""

    def _build_client(self) -> httpx.AsyncClient:
        kwargs = dict(self._client_kwargs)
        if kwargs.get("transport") is None:  # PTB makes its own only for socket options
            kwargs["transport"] = lean_transport(kwargs.get("limits"))
        return httpx.AsyncClient(**kwargs)
