"""Health, readiness and metrics over HTTP, for a process manager, a load balancer, Prometheus.

* ``GET /healthz`` — 200 while the process runs its event loop (a liveness probe: restart me
  when this fails).
* ``GET /readyz`` — 200 once the engine is up and the database answers within a second; 503
  with the reasons otherwise (a readiness probe: send me no traffic). Emergency answers do not
  need the database, but a worker that cannot store anything should not take new people.
* ``GET /metrics`` — Prometheus text format (``bot.metrics``).

Tornado serves it (PTB's webhook server already depends on it) on ``HEALTH_LISTEN:HEALTH_PORT``,
loopback by default; it carries no personal data.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable

from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from tornado.httpserver import HTTPServer
from tornado.web import Application, RequestHandler

from bot.metrics import REGISTRY

ReadinessCheck = Callable[[], Awaitable[dict[str, bool]]]


class _Health(RequestHandler):
    def get(self) -> None:
        self.write("ok\n")


class _Ready(RequestHandler):
    def initialize(self, check: ReadinessCheck) -> None:
        self._check = check

    async def get(self) -> None:
        try:
            checks = await asyncio.wait_for(self._check(), timeout=2.0)
        except Exception as error:  # the check itself failing means "not ready"
            checks = {type(error).__name__: False}
        self.set_status(200 if checks and all(checks.values()) else 503)
        self.set_header("Content-Type", "application/json")
        self.write(json.dumps(checks))


class _Metrics(RequestHandler):
    def get(self) -> None:
        self.set_header("Content-Type", CONTENT_TYPE_LATEST)
        self.write(generate_latest(REGISTRY))


def start_health_server(listen: str, port: int, check: ReadinessCheck) -> HTTPServer:
    """Serve the three endpoints on the running event loop; ``stop()`` the result to end."""
    app = Application(
        [
            (r"/healthz", _Health),
            (r"/readyz", _Ready, {"check": check}),
            (r"/metrics", _Metrics),
        ],
        log_function=lambda _handler: None,  # access logs carry nothing useful here
    )
    server = HTTPServer(app, xheaders=False)
    server.listen(port, address=listen)
    return server
