"""HTTP connection pools for the long-lived clients (Bot API, NLU) that cost less CPU per request.

httpcore's pool looks at every pooled connection for every request it starts and every response
it closes ("has this idle connection been closed by the server?"). On asyncio each look went
through anyio's typed attributes, which build a dictionary of the socket's attributes (address
family, addresses, ports) to return one of them: under load that was a tenth of the bot's CPU.
``lean_transport`` is httpx's own transport whose connections keep their raw socket at hand and
ask the kernel directly (``poll``, as httpcore does). Nothing else changes: the same limits,
timeouts, keep-alive and errors.

It reaches into two private attributes (httpx's ``_pool``, httpcore's ``_network_backend``);
when a release renames them, the transport is httpx's unchanged.
"""

from __future__ import annotations

import logging
from typing import Any

import anyio
import httpx
from httpcore import AnyIOBackend, AsyncNetworkStream
from httpcore._backends.anyio import AnyIOStream
from httpcore._utils import is_socket_readable
from telegram.request import HTTPXRequest

logger = logging.getLogger(__name__)


class LeanStream(AnyIOStream):
    """httpcore's anyio stream, with the raw socket looked up once."""

    def __init__(self, stream: anyio.abc.ByteStream) -> None:
        super().__init__(stream)
        # On asyncio, the transport's socket (``asyncio.TransportSocket``), as httpcore gets it.
        self._socket: Any = stream.extra(anyio.abc.SocketAttribute.raw_socket, None)

    async def start_tls(self, *args: Any, **kwargs: Any) -> AsyncNetworkStream:
        stream = await super().start_tls(*args, **kwargs)
        if type(stream) is AnyIOStream:  # the TLS stream over the same socket
            return LeanStream(stream._stream)
        return stream

    def get_extra_info(self, info: str) -> Any:
        if info == "is_readable":
            return is_socket_readable(self._socket)
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
