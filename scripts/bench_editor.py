"""Benchmark of the editors' console: page p95 with 20 concurrent editors on loopback.

Serves the console with waitress (as ``python -m bot editor`` does) on a private copy of the
real content and a fresh SQLite database, logs 20 editors in, and has each of them open every
page ``ROUNDS`` times at once. Bounded: 20 × ROUNDS × pages requests. Prints p50/p95/max per
page and overall; exits 1 when the overall p95 is above the 200 ms target.
"""

from __future__ import annotations

import re
import shutil
import socket
import statistics
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import waitress.server

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from bot.editor import accounts  # noqa: E402
from bot.editor.app import console_of, create_app  # noqa: E402
from bot.settings import Settings  # noqa: E402

EDITORS = 20
ROUNDS = 8
TARGET_P95_MS = 200.0
PAGES = [
    "/", "/answer/jp/ambulance", "/answer/kr/health-insurance", "/publish", "/history",
    "/unanswered", "/stale", "/feedback",
]  # fmt: skip
PASSWORD = "benchmark password 123"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _editor(base: str, number: int, ready: threading.Barrier) -> dict[str, list[float]]:
    timings: dict[str, list[float]] = {page: [] for page in PAGES}
    with httpx.Client(base_url=base, timeout=30) as client:
        token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/login").text)
        assert token is not None
        response = client.post(
            "/login",
            data={
                "csrf_token": token.group(1),
                "username": f"editor{number}",
                "password": PASSWORD,
            },
        )
        assert response.status_code == 302, response.status_code
        ready.wait()  # logins (Argon2, memory-hard on purpose) are not page views
        for _ in range(ROUNDS):
            for page in PAGES:
                started = time.perf_counter()
                response = client.get(page)
                timings[page].append((time.perf_counter() - started) * 1000)
                assert response.status_code == 200, (page, response.status_code)
    return timings


def _p(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[int(q) - 1]


def main() -> int:
    with tempfile.TemporaryDirectory(prefix="bench-editor-") as tmp:
        content = Path(tmp) / "content"
        shutil.copytree(REPO / "content", content)
        settings = Settings(
            database_url=f"sqlite:///{tmp}/bot.db",
            content_dir=content,
            editor_cookie_secure=False,  # plain HTTP on loopback
        )
        app = create_app(settings, secret_key="b" * 64)
        with console_of(app).sessions() as session, session.begin():
            for number in range(EDITORS):
                accounts.create_account(session, f"editor{number}", PASSWORD, "editor")
        port = _free_port()
        server = waitress.server.create_server(app, host="127.0.0.1", port=port, threads=8)
        threading.Thread(target=server.run, daemon=True).start()
        base = f"http://127.0.0.1:{port}"
        httpx.get(base + "/login", timeout=30)  # warm up (first check of the content files)
        ready = threading.Barrier(EDITORS)
        started = time.perf_counter()
        with ThreadPoolExecutor(EDITORS) as pool:
            results = list(pool.map(lambda n: _editor(base, n, ready), range(EDITORS)))
        wall = time.perf_counter() - started
        server.close()
    requests = EDITORS * ROUNDS * len(PAGES)
    print(f"{EDITORS} concurrent editors × {ROUNDS} rounds × {len(PAGES)} pages")
    print(f"({requests} requests, logins included in {wall:.1f} s)")
    print(f"{'page':32} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8}")
    everything: list[float] = []
    for page in PAGES:
        values = [t for result in results for t in result[page]]
        everything += values
        print(f"{page:32} {_p(values, 50):8.1f} {_p(values, 95):8.1f} {max(values):8.1f}")
    p95 = _p(everything, 95)
    print(f"{'all pages':32} {_p(everything, 50):8.1f} {p95:8.1f} {max(everything):8.1f}")
    verdict = "OK" if p95 <= TARGET_P95_MS else "ABOVE TARGET"
    print(f"page p95 = {p95:.1f} ms (target ≤ {TARGET_P95_MS:.0f} ms): {verdict}")
    return 0 if p95 <= TARGET_P95_MS else 1


if __name__ == "__main__":
    sys.exit(main())
