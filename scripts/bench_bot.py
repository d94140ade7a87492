"""Load benchmark of the Telegram bot against the fake Bot API server — 127.0.0.1 only.

How to run (from the repository root)::

    .venv/bin/python scripts/bench_bot.py --no-nlu            # NLU down (connection refused)
    NLU_URL=http://127.0.0.1:5005 .venv/bin/python scripts/bench_bot.py   # a running Rasa server
    .venv/bin/python scripts/bench_bot.py --users 50 --messages 20 --think 0.2 1.0

What happens: this process starts the fake Bot API server (``tests/fake_bot_api.py``) and
publishes the content (``--content``, default ``content/``) into a fresh SQLite database in a
temporary folder; the bot runs in a child process (this script with ``--serve``), built by the
real ``bot.telegram.app.build_application`` and long polling the fake server. Then ``--users``
simulated people each send ``--messages`` messages — ``/start`` first, then a realistic mix of
questions (with and without accents, teen code), SOS (button, command, words), presses on the
buttons of the bot's last message, menu commands and a sticker — each waiting for the answer and
"thinking" ``--think`` seconds before the next one.

It prints the reply latency p50/p95/max (from the update being queued in the fake server to the
first sendMessage for it arriving there — Telegram's own delays are not part of it), throughput,
lost messages (no reply within ``--reply-timeout``; must be 0) and the bot process's RSS; to
explain the latency it also prints how long updates waited to be fetched, and the CPU used by
the bot (one Python process: about one core at most) and by this process. The exit status is 1
when a target is missed (p50 ≤ 40 ms, p95 ≤ 120 ms, 0 lost). The machine should be otherwise
idle: the bot, the fake server and Rasa share its cores.

Telegram's broadcast limit (about 30 messages per second for the whole bot) is a property of
Telegram, not of our bot, so the benchmark's bot uses ``AIORateLimiter`` without the overall
limit; ``--telegram-limits`` keeps it to see what users would feel at this load.
The run is bounded: at most ``--users`` × ``--messages`` updates and ``--max-seconds`` seconds.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import random
import secrets
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import psutil

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(REPO_ROOT), str(REPO_ROOT / "tests")]

from fake_bot_api import TOKEN, Call, FakeBotApi  # noqa: E402

TARGET_P50_MS = 40.0
TARGET_P95_MS = 120.0
FIRST_USER_ID = 7_000_000_001
REPLY_METHODS = {"sendmessage", "editmessagetext", "sendphoto", "senddocument"}

QUESTIONS = (
    "Tôi bị đau bụng dữ dội, phải làm sao?",
    "toi bi sot cao 3 ngay roi",
    "Làm sao gọi xe cấp cứu?",
    "Tôi có thai, có bị đuổi việc không?",
    "khám thai ở đâu",
    "công ty giữ hộ chiếu của tôi",
    "Chủ không trả lương 2 tháng nay",
    "bị tai nạn lao động thì làm gì",
    "ko co bao hiem thi kham benh o dau",
    "Số điện thoại đại sứ quán Việt Nam",
    "tôi muốn đổi chỗ làm",
    "bị đánh ở chỗ làm",
    "đi khám răng hết bao nhiêu tiền",
    "thuốc tránh thai mua ở đâu",
    "mình bị trầm cảm, buồn lắm",
    "xin chào",
    "cảm ơn nhé",
    "Tôi bị môi giới thu phí quá cao <3 & không biết *hỏi* ai",
)
SOS_MESSAGES = ("🆘 Khẩn cấp", "/sos", "cứu tôi với", "cuu toi voi")
COMMANDS = ("/menu", "/quocgia", "/help", "/privacy")


@dataclass
class Exchange:
    """One message of a simulated user and when its first reply arrived."""

    chat_id: int
    update_id: int
    queued_at: float
    replied: asyncio.Event = field(default_factory=asyncio.Event)
    latency: float | None = None


class Probe:
    """Matches the bot's replies (recorded by the fake server) to the update they answer.

    Each simulated user waits for the reply before sending again, so a chat's reply belongs to
    the chat's latest message.
    """

    def __init__(self) -> None:
        self.current: dict[int, Exchange] = {}
        self.replies = 0

    def on_call(self, call: Call) -> None:
        if call.method.lower() not in REPLY_METHODS:
            return
        self.replies += 1
        exchange = self.current.get(call.chat_id)
        if exchange is not None and exchange.latency is None:
            exchange.latency = call.received_at - exchange.queued_at
            exchange.replied.set()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


STICKER = {"file_id": "s1", "file_unique_id": "s1", "type": "regular", "width": 512,
           "height": 512, "is_animated": False, "is_video": False}  # fmt: skip


def next_message(rng: random.Random, fake: FakeBotApi, user_id: int) -> Callable[[], int]:
    """What the user does next, following a realistic mix; calling it queues the update."""
    roll = rng.random()
    buttons = fake.last_buttons(user_id)
    if roll < 0.25 and buttons:
        message_id, data = buttons
        choice = rng.choice(data)
        return lambda: fake.queue_callback(user_id, choice, message_id)
    if roll < 0.35:
        text = rng.choice(SOS_MESSAGES)
    elif roll < 0.42:
        text = rng.choice(COMMANDS)
    elif roll < 0.45:
        return lambda: fake.queue_message(user_id, sticker=STICKER)
    else:
        text = rng.choice(QUESTIONS)
    return lambda: fake.queue_text(user_id, text)


async def simulate_user(
    index: int,
    args: argparse.Namespace,
    fake: FakeBotApi,
    probe: Probe,
    exchanges: list[Exchange],
    deadline: float,
) -> None:
    rng = random.Random(args.seed + index)
    user_id = FIRST_USER_ID + index
    await asyncio.sleep(rng.uniform(0, args.think[1]))  # people do not all arrive at once
    for number in range(args.messages):
        if time.perf_counter() > deadline:
            return
        if number == 0:
            start = "/start" + (" bench" if index % 5 == 0 else "")
            update_id = fake.queue_text(user_id, start)
        else:
            update_id = next_message(rng, fake, user_id)()
        # No await between queueing and registering: the probe must know the exchange before
        # the bot can possibly answer.
        exchange = Exchange(user_id, update_id, fake.queued_at[update_id])
        probe.current[user_id] = exchange
        exchanges.append(exchange)
        with contextlib.suppress(TimeoutError):  # a lost message; counted at the end
            await asyncio.wait_for(exchange.replied.wait(), args.reply_timeout)
        await asyncio.sleep(rng.uniform(*args.think))


def bot_environment(
    args: argparse.Namespace, fake: FakeBotApi, database_url: str
) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        TELEGRAM_BOT_TOKEN=TOKEN,
        TELEGRAM_API_BASE_URL=fake.api_url,
        DATABASE_URL=database_url,
        PSEUDONYM_KEY=secrets.token_hex(32),
        PYTHONPATH=str(REPO_ROOT),
    )
    env.pop("TELEGRAM_WEBHOOK_URL", None)
    if args.no_nlu:
        env["NLU_URL"] = f"http://127.0.0.1:{free_port()}"  # nothing listens there
    elif not env.get("NLU_URL"):
        raise SystemExit("Set NLU_URL to a running Rasa server, or pass --no-nlu.")
    return env


def publish_content(content_dir: Path, database_url: str) -> None:
    from bot.content.publish import publish
    from bot.db import make_engine, make_session_factory
    from bot.migrate import upgrade

    upgrade(database_url)
    engine = make_engine(database_url)
    try:
        result = publish(content_dir, make_session_factory(engine), "bench")
    finally:
        engine.dispose()
    if result.outcome == "rejected":
        raise SystemExit(
            f"The content in {content_dir} does not validate; run `python -m bot content check`."
        )


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


@dataclass
class Figures:
    """What one run measured."""

    exchanges: list[Exchange]
    elapsed: float
    replies: int
    rss_idle: int
    rss_peak: int
    rss_end: int
    cpu_seconds: float  # the bot process's CPU time during the load
    bench_cpu_seconds: float  # this process's (fake server and simulated users)
    fetch_waits: list[float]  # ms from queued to handed to the bot by getUpdates
    log_errors: list[str]


async def bench(args: argparse.Namespace) -> int:
    probe = Probe()
    with tempfile.TemporaryDirectory(prefix="bench-bot-") as tmp:
        async with FakeBotApi(on_call=probe.on_call) as fake:
            figures = await measure(args, probe, fake, Path(tmp))
    return report(args, figures)


async def measure(args: argparse.Namespace, probe: Probe, fake: FakeBotApi, tmp: Path) -> Figures:
    """Start the bot process, let the simulated users talk to it, stop it."""
    database_url = f"sqlite:///{tmp / 'bench.db'}"
    await asyncio.to_thread(publish_content, args.content, database_url)
    command = [sys.executable, str(Path(__file__).resolve()), "--serve"]
    if args.profile:  # cProfile of the bot process, written when it stops
        command[1:1] = ["-m", "cProfile", "-o", str(args.profile)]
    if args.telegram_limits:
        command.append("--telegram-limits")
    log = tmp / "bot.log"
    with log.open("wb") as log_file:
        bot = subprocess.Popen(
            command,
            env=bot_environment(args, fake, database_url),
            stdout=log_file,
            stderr=subprocess.STDOUT,
            cwd=REPO_ROOT,
        )
    process = psutil.Process(bot.pid)
    rss_peak = 0

    async def sample_rss() -> None:
        nonlocal rss_peak
        while True:
            rss_peak = max(rss_peak, process.memory_info().rss)
            await asyncio.sleep(0.2)

    try:
        await fake.wait_for(
            lambda: bool(fake.calls_to("setMyCommands")) and fake.polls > 0,
            timeout=args.startup_timeout,
        )
        rss_idle = process.memory_info().rss
        cpu_before = sum(process.cpu_times()[:2])
        bench_cpu_before = sum(psutil.Process().cpu_times()[:2])
        exchanges: list[Exchange] = []
        deadline = time.perf_counter() + args.max_seconds
        started = time.perf_counter()
        sampler = asyncio.create_task(sample_rss())
        users = (
            simulate_user(i, args, fake, probe, exchanges, deadline) for i in range(args.users)
        )
        await asyncio.gather(*users)
        elapsed = time.perf_counter() - started
        sampler.cancel()
        rss_end = process.memory_info().rss
        cpu = sum(process.cpu_times()[:2]) - cpu_before
        bench_cpu = sum(psutil.Process().cpu_times()[:2]) - bench_cpu_before
    except BaseException:
        print(log.read_text(errors="replace")[-3000:], file=sys.stderr)
        raise
    finally:
        bot.terminate()  # the fake server must keep answering while the bot shuts down
        try:
            await asyncio.to_thread(bot.wait, 15)
        except subprocess.TimeoutExpired:
            bot.kill()
    lines = log.read_text(errors="replace").splitlines()
    errors = [line for line in lines if " ERROR " in line or "Traceback" in line]
    waits = [
        (fake.delivered_at[e.update_id] - e.queued_at) * 1000
        for e in exchanges
        if e.update_id in fake.delivered_at
    ]
    return Figures(
        exchanges,
        elapsed,
        probe.replies,
        rss_idle,
        rss_peak,
        rss_end,
        cpu,
        bench_cpu,
        waits,
        errors,
    )


def report(args: argparse.Namespace, figures: Figures) -> int:
    """Print the figures; 0 when the targets are met, else 1."""
    latencies = [e.latency * 1000 for e in figures.exchanges if e.latency is not None]
    lost = sum(1 for e in figures.exchanges if e.latency is None)
    p50 = percentile(latencies, 0.50) if latencies else float("inf")
    p95 = percentile(latencies, 0.95) if latencies else float("inf")
    mean = statistics.fmean(latencies) if latencies else 0.0
    sent, elapsed, mb = len(figures.exchanges), figures.elapsed, 1024 * 1024
    nlu = "down" if args.no_nlu else os.environ.get("NLU_URL")
    limits = "on" if args.telegram_limits else "off"
    print(f"users {args.users}, messages sent {sent}, NLU {nlu}, Telegram broadcast limit {limits}")
    print(
        f"reply latency   p50 {p50:7.1f} ms   p95 {p95:7.1f} ms   "
        f"max {max(latencies, default=0):7.1f} ms   mean {mean:7.1f} ms"
    )
    print(
        f"throughput      {sent / elapsed:7.1f} updates/s   "
        f"{figures.replies / elapsed:7.1f} replies/s   over {elapsed:.1f} s"
    )
    if figures.fetch_waits:
        print(
            f"  of which queued → fetched by getUpdates: p50 "
            f"{percentile(figures.fetch_waits, 0.5):.1f} ms, p95 "
            f"{percentile(figures.fetch_waits, 0.95):.1f} ms"
        )
    print(f"lost messages   {lost}")
    cpu = figures.cpu_seconds
    print(
        f"bot CPU         {cpu:.1f} s ({cpu / elapsed:.0%} of one core), "
        f"{cpu / max(sent, 1) * 1000:.1f} ms per update; the benchmark process itself "
        f"{figures.bench_cpu_seconds / elapsed:.0%} of one core"
    )
    print(
        f"bot RSS         idle {figures.rss_idle / mb:.0f} MiB   "
        f"peak {figures.rss_peak / mb:.0f} MiB   end {figures.rss_end / mb:.0f} MiB"
    )
    print(f"errors in log   {len(figures.log_errors)}")
    for line in figures.log_errors[:5]:
        print("   ", line[:200])
    ok = lost == 0 and p50 <= TARGET_P50_MS and p95 <= TARGET_P95_MS
    print(
        f"targets (p50 ≤ {TARGET_P50_MS:.0f} ms, p95 ≤ {TARGET_P95_MS:.0f} ms, 0 lost): "
        f"{'met' if ok else 'MISSED'}"
    )
    return 0 if ok else 1


def serve(args: argparse.Namespace) -> int:
    """The bot process of the benchmark: the real application, polling the fake server."""
    import logging

    from bot.settings import Settings
    from bot.telegram.app import ALLOWED_UPDATES, build_application
    from bot.telegram.ratelimit import ChatRateLimiter

    logging.basicConfig(
        level=logging.WARNING, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    limiter = ChatRateLimiter() if args.telegram_limits else ChatRateLimiter(1_000_000)
    # Only what this script put in the environment: a .env must not point the run elsewhere.
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    application = build_application(settings, rate_limiter=limiter)
    application.run_polling(allowed_updates=ALLOWED_UPDATES, poll_interval=0.0, timeout=10)
    return 0


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--messages", type=int, default=20, help="per user, /start included")
    parser.add_argument(
        "--think",
        type=float,
        nargs=2,
        default=(0.2, 1.0),
        metavar=("MIN", "MAX"),
        help="seconds a user waits after a reply before the next message",
    )
    parser.add_argument("--no-nlu", action="store_true", help="run with the NLU down")
    parser.add_argument("--content", type=Path, default=REPO_ROOT / "content")
    parser.add_argument("--reply-timeout", type=float, default=10.0)
    parser.add_argument("--max-seconds", type=float, default=300.0)
    parser.add_argument("--startup-timeout", type=float, default=60.0)
    parser.add_argument(
        "--telegram-limits",
        action="store_true",
        help="keep Telegram's 30 messages/s broadcast limit in the rate limiter",
    )
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--profile", type=Path, help="write a cProfile of the bot process here")
    parser.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if not (0 < args.users <= 1000 and 0 < args.messages <= 1000):
        parser.error("--users and --messages must be between 1 and 1000")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.serve:
        return serve(args)
    return asyncio.run(bench(args))


if __name__ == "__main__":
    sys.exit(main())
