"""Pooled PostgreSQL connections are tested only when they may be dead
(``bot.db.test_before_use``): no round trip per use, and a restarted server is still noticed."""

from __future__ import annotations

import pytest
from private_postgres import private_postgres
from sqlalchemy import event, text

from bot.db import make_engine


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
