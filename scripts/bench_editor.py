"""Benchmark of the editors' console: page p95 with 20 concurrent editors on loopback.

Starts ``python -m bot editor`` (waitress, its own process, as in production) on a private copy
of the real content and a fresh SQLite database, logs 20 editors in, and has each of them open
every page ``--rounds`` times, waiting ``--think`` seconds (uniform between the two values)
between pages as a person reading does; ``--think 0 0`` sends the next request as soon as the
last one is answered (a load far above 20 people). Bounded: 20 × rounds × pages requests.
Prints p50/p95/max per page and overall; exits 1 when the overall p95 is above the 200 ms target.
The server and the 20 clients share the machine's cores: run it on an otherwise idle machine.
"""

from __future__ import annotations

import argparse
import os
import random
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from bot.db import make_engine, make_session_factory  # noqa: E402
from bot.editor import accounts  # noqa: E402
from bot.migrate import upgrade  # noqa: E402

EDITORS = 20
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


def _editor(
    base: str, number: int, ready: threading.Barrier, rounds: int, think: tuple[float, float]
) -> dict[str, list[float]]:
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
        pick = random.Random(number)
        for _ in range(rounds):
            for page in PAGES:
                time.sleep(pick.uniform(*think))
                started = time.perf_counter()
                response = client.get(page)
                timings[page].append((time.perf_counter() - started) * 1000)
                assert response.status_code == 200, (page, response.status_code)
    return timings


def _wait(base: str, server: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 60
    while True:
        try:
            httpx.get(base + "/login", timeout=30)  # also warms up the content check
            return
        except httpx.HTTPError:
            if server.poll() is not None or time.monotonic() > deadline:
                raise SystemExit("the console did not start") from None
            time.sleep(0.2)


def _p(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[int(q) - 1]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=8, help="times each editor opens each page")
    parser.add_argument("--think", type=float, nargs=2, default=(0.2, 1.0), metavar=("MIN", "MAX"))
    args = parser.parse_args()
    rounds, think = args.rounds, (args.think[0], args.think[1])
    with tempfile.TemporaryDirectory(prefix="bench-editor-") as tmp:
        content = Path(tmp) / "content"
        shutil.copytree(REPO / "content", content)
        url = f"sqlite:///{tmp}/bot.db"
        upgrade(url, quiet=True)
        engine = make_engine(url)
        with make_session_factory(engine)() as session, session.begin():
            for number in range(EDITORS):
                accounts.create_account(session, f"editor{number}", PASSWORD, "editor")
        engine.dispose()
        port = _free_port()
        env = {
            **os.environ,
            "DATABASE_URL": url,
            "CONTENT_DIR": str(content),
            "EDITOR_SECRET_KEY": "b" * 64,
            "EDITOR_COOKIE_SECURE": "false",  # plain HTTP on loopback
            "PYTHONPATH": str(REPO),
        }
        server = subprocess.Popen(
            [sys.executable, "-m", "bot", "editor", "--port", str(port)],
            cwd=REPO, env=env, stdout=subprocess.DEVNULL,
        )  # fmt: skip
        base = f"http://127.0.0.1:{port}"
        try:
            _wait(base, server)
            ready = threading.Barrier(EDITORS)
            started = time.perf_counter()
            with ThreadPoolExecutor(EDITORS) as pool:
                results = list(
                    pool.map(lambda n: _editor(base, n, ready, rounds, think), range(EDITORS))
                )
            wall = time.perf_counter() - started
        finally:
            server.terminate()
            server.wait(10)
    requests = EDITORS * rounds * len(PAGES)
    print(
        f"{EDITORS} concurrent editors × {rounds} rounds × {len(PAGES)} pages, "
        f"think {think[0]:g}–{think[1]:g} s"
    )
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
