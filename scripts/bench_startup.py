"""Startup benchmark: time to the first prompt of the terminal chat, and of a single ``ask``.

How to run (from the repository root)::

    .venv/bin/python scripts/bench_startup.py                 # uses / starts `nlu serve`
    .venv/bin/python scripts/bench_startup.py --runs 5 --make-args "-o .venv/.installed"
    .venv/bin/python scripts/bench_startup.py --model models/nlu-….tar.gz   # serve that model

What is measured, each ``--runs`` times, with an NLU server already running (the one announced in
``var/nlu-server.json`` by ``make nlu-serve``; if none answers, this script starts
``python -m bot nlu serve`` first and stops it at the end — its loading time is printed apart):

- ``make chat``: from starting ``make chat`` to the chat's first reply being printed (the
  greeting, or the country question), which is when the person can type;
- ``python -m bot chat``: the same without make;
- ``python -m bot ask``: a whole single question, ``so cap cuu o nhat`` for Japan, from start to
  exit.

It prints median and worst time for each and exits with status 1 when a median is 3 s or more.
The chat and ask runs use the developer's own database (``DATABASE_URL`` or ``var/bot.db``), as
``make chat`` does; nothing is written to it but the local test user's country.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shlex
import statistics
import sys
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.nlu.local_server import running_server  # noqa: E402
from bot.settings import get_settings  # noqa: E402

TARGET_SECONDS = 3.0
CHAT_READY = "/quit"  # the chat prints its help line together with its first reply
SERVER_TIMEOUT_SECONDS = 240.0


@asynccontextmanager
async def nlu_server(model: str | None) -> AsyncIterator[None]:
    """Make sure a shared NLU server answers while the block runs (start one if needed)."""
    settings = get_settings()
    if settings.nlu_url or await running_server(settings) is not None:
        print("NLU server: already running")
        yield
        return
    command = [sys.executable, "-m", "bot", "nlu", "serve", *(["--model", model] if model else [])]
    started = time.monotonic()
    process = await asyncio.create_subprocess_exec(
        *command, cwd=ROOT, stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL
    )
    try:
        while await running_server(settings) is None:
            if process.returncode is not None:
                raise SystemExit(f"`nlu serve` exited with code {process.returncode}")
            if time.monotonic() - started > SERVER_TIMEOUT_SECONDS:
                raise SystemExit("`nlu serve` did not become ready in time")
            await asyncio.sleep(0.25)
        print(f"NLU server: started for this run, ready after {time.monotonic() - started:.1f} s")
        yield
    finally:
        process.terminate()
        await process.wait()


async def time_to_first_prompt(command: list[str]) -> float:
    """Seconds from launch until the chat has printed its first reply."""
    started = time.monotonic()
    process = await asyncio.create_subprocess_exec(
        *command,
        cwd=ROOT,
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.DEVNULL,
    )
    assert process.stdout is not None and process.stdin is not None
    seen_help = False
    while True:
        line = await process.stdout.readline()
        if not line:
            raise SystemExit(f"{shlex.join(command)} ended before its first prompt")
        if CHAT_READY in line.decode(errors="replace"):
            seen_help = True
        elif seen_help and not line.strip():  # the blank line that ends the first reply
            break
    elapsed = time.monotonic() - started
    process.stdin.write(b"/quit\n")
    await process.stdin.drain()
    process.stdin.close()
    await process.wait()
    return elapsed


async def time_to_exit(command: list[str]) -> float:
    started = time.monotonic()
    process = await asyncio.create_subprocess_exec(
        *command, cwd=ROOT, stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL
    )
    if await process.wait() != 0:
        raise SystemExit(f"{shlex.join(command)} failed with code {process.returncode}")
    return time.monotonic() - started


def report(name: str, times: list[float]) -> bool:
    median = statistics.median(times)
    ok = median < TARGET_SECONDS
    print(
        f"{name:<22} median {median:5.2f} s   worst {max(times):5.2f} s   "
        f"({len(times)} runs)  {'ok' if ok else 'SLOW'} (target < {TARGET_SECONDS:.0f} s)"
    )
    return ok


async def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--model", help="the model `nlu serve` serves, if this script starts it")
    parser.add_argument("--make-args", default="", help="extra arguments for `make chat`")
    parser.add_argument("--no-make", action="store_true", help="skip `make chat`")
    args = parser.parse_args()

    python = [sys.executable, "-m", "bot"]
    cases: list[tuple[str, list[str], bool]] = [
        ("python -m bot chat", [*python, "chat"], True),
        ("python -m bot ask", [*python, "ask", "--country", "jp", "so cap cuu o nhat"], False),
    ]
    if not args.no_make:
        make = ["make", "--no-print-directory", "-s", *shlex.split(args.make_args), "chat"]
        cases.insert(0, ("make chat", make, True))
    results: dict[str, list[float]] = {name: [] for name, _command, _chat in cases}
    async with nlu_server(args.model):
        for _ in range(args.runs):
            for name, command, chat in cases:
                measure = time_to_first_prompt if chat else time_to_exit
                results[name].append(await measure(command))
    verdicts = [report(name, times) for name, times in results.items()]
    return 0 if all(verdicts) else 1


if __name__ == "__main__":
    os.environ.setdefault("RASA_TELEMETRY_ENABLED", "false")
    sys.exit(asyncio.run(main()))
