"""The cheaper connection handling of the long-lived clients: pooled PostgreSQL connections
tested only when they may be dead (``bot.db.test_before_use``), and the HTTP pools' lean
connections (``bot.http``)."""

from __future__ import annotations

import asyncio
import socket

import httpx
import pytest
from aiohttp import web
from private_postgres import private_postgres
from sqlalchemy import event, text

from bot.db import make_engine
from bot.http import LeanBackend, LeanHTTPXRequest, LeanStream, lean_transport


@pytest.mark.e2e  # a private PostgreSQL server, restarted: ~5 s
def test_pooled_connections_survive_a_restart_without_a_round_trip_per_use() -> None:
    with private_postgres() as server:
        engine = make_engine(server.url)
        pings = []
        original = engine.pool._dialect.do_ping  # SQLAlchemy's own pre-ping is not used

        def counted(dbapi_conn: object) -> bool:
            pings.append(dbapi_conn)
            return original(dbapi_conn)

        engine.pool._dialect.do_ping = counted  # type: ignore[method-assign]
        statements: list[str] = []
        event.listen(engine, "before_cursor_execute", lambda *a: statements.append(a[2]))
        for _ in range(5):  # one connection, reused at once: never tested
            with engine.connect() as connection:
                assert connection.execute(text("SELECT 2")).scalar() == 2
        assert statements == ["SELECT 2"] * 5 and not pings
        server.stop()  # the pooled connection is now dead…
        server.start()
        with engine.connect() as connection:  # …found so before use and replaced
            assert connection.execute(text("SELECT 3")).scalar() == 3
        engine.dispose()


async def test_lean_connections_notice_a_connection_closed_by_the_server() -> None:
    accepted: list[socket.socket] = []
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    listener.setblocking(False)
    port = listener.getsockname()[1]
    loop = asyncio.get_running_loop()
    connecting = asyncio.ensure_future(LeanBackend().connect_tcp("127.0.0.1", port))
    peer, _ = await loop.sock_accept(listener)
    accepted.append(peer)
    stream = await connecting
    assert isinstance(stream, LeanStream)
    assert stream.get_extra_info("socket").fileno() > 0
    assert stream.get_extra_info("is_readable") is False  # idle and open
    peer.close()
    await asyncio.sleep(0.05)
    assert stream.get_extra_info("is_readable") is True  # closed by the other side
    assert stream.get_extra_info("server_addr") == ("127.0.0.1", port)
    await stream.aclose()
    listener.close()


async def test_lean_transport_reuses_connections_and_recovers_from_closed_ones() -> None:
    peers: set[object] = set()

    async def hello(request: web.Request) -> web.Response:
        peers.add(request.transport)
        return web.json_response({"ok": True})

    async def slow(_request: web.Request) -> web.Response:
        await asyncio.sleep(1.0)
        return web.json_response({"ok": True})

    app = web.Application()
    app.router.add_get("/", hello)
    app.router.add_get("/slow", slow)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    limits = httpx.Limits(max_connections=2, max_keepalive_connections=2)
    async with httpx.AsyncClient(transport=lean_transport(limits)) as client:
        for _ in range(5):
            assert (await client.get(f"http://127.0.0.1:{port}/")).json() == {"ok": True}
        assert len(peers) == 1  # kept alive
        with pytest.raises(httpx.ReadTimeout):  # the same errors as httpx's own transport
            await client.get(f"http://127.0.0.1:{port}/slow", timeout=0.1)
        await runner.cleanup()  # the server closes every connection
        runner = web.AppRunner(app)
        await runner.setup()
        await web.TCPSite(runner, "127.0.0.1", port).start()
        assert (await client.get(f"http://127.0.0.1:{port}/")).json() == {"ok": True}
    await runner.cleanup()


async def test_the_bot_api_request_keeps_ptb_limits_and_rebuilds_after_shutdown() -> None:
    request = LeanHTTPXRequest(connection_pool_size=3, pool_timeout=10.0)
    await request.initialize()
    pool = request._client._transport._pool  # type: ignore[attr-defined]
    assert isinstance(pool._network_backend, LeanBackend) and pool._max_connections == 3
    await request.shutdown()
    await request.initialize()  # a new client, with a new (open) transport
    assert request._client._transport._pool is not pool  # type: ignore[attr-defined]
    await request.shutdown()
