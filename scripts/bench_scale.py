"""Scale-out benchmark on loopback: webhook workers behind nginx, PostgreSQL, alerts.

How to run (from the repository root; ``make bench-scale`` installs nginx and PostgreSQL)::

    .venv/bin/python scripts/bench_scale.py                      # 1 and 3 workers, 50 and 200 users
    .venv/bin/python scripts/bench_scale.py --workers 3 --users 50 --subscribers 2000

The deployment shape of ``deploy/`` on 127.0.0.1: the fake Bot API (``tests/fake_bot_api.py``)
posts every update to nginx (Debian's package, ``deploy/nginx.conf`` with free ports), which
spreads them over the bot workers (``python -m bot telegram`` in webhook mode, one process each);
all state is in a private PostgreSQL server (``tests/private_postgres.py``). With ``--rasa-model``
two Rasa servers run behind the same nginx; without it the NLU is down (connection refused) and
the safety net, menus and search answer — the figures then measure the bot, not Rasa.

It prints, for each number of workers and users: throughput, reply latency p50/p95 (update
posted → first reply at the fake server), lost and doubly answered messages; then an alert to
``--subscribers`` simulated subscribers delivered by the workers while one of them is killed
(SIGKILL) mid-way: delivered once / twice / never, in flight when the worker died (claimed, may
or may not have gone out: never sent again), and the pace against the configured one. Bounded:
``--max-seconds`` per phase, loopback only.

Where the CPU goes, for each load: the bot's CPU per update (user + system CPU of all worker
processes during the load, divided by the updates sent), how busy the machine's cores were and
by whom — the workers, nginx, the Rasa servers, PostgreSQL (server and backends), this process
(the fake Bot API and the simulated users), the kernel's interrupt handling, and "other": every
other process on the machine (on a shared machine, other people's work) — and PostgreSQL's own
counters (transactions and new connections per update). When the cores are all busy, more
workers cannot add throughput: they only share the same two cores with more processes.
``--profile DIR`` writes a cProfile of the first worker of each phase (its event loop thread,
timed by that thread's CPU clock).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(REPO_ROOT), str(REPO_ROOT / "tests"), str(REPO_ROOT / "scripts")]

from bench_bot import Exchange, Probe, percentile, publish_content, simulate_user  # noqa: E402
from fake_bot_api import TOKEN, FakeBotApi  # noqa: E402
from private_postgres import private_postgres  # noqa: E402

IDLE_SECONDS = 5.0
SECRET = "bench-webhook-secret-" + secrets.token_hex(8)


class WebhookFake(FakeBotApi):
    """The fake Bot API posting each queued update to the registered webhook, as Telegram
    does in webhook mode, instead of keeping it for ``getUpdates``."""

    def queue_update(self, update: dict[str, Any]) -> int:
        update = dict(update)
        update.setdefault("update_id", next(self._update_ids))
        self.queued_at.setdefault(update["update_id"], time.perf_counter())
        task = self.deliver_webhook(update)
        self._tasks.add(task)  # type: ignore[arg-type]
        task.add_done_callback(self._tasks.discard)  # type: ignore[arg-type]
        return int(update["update_id"])


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


def split_cpu(pids: list[int]) -> tuple[float, float, float]:
    """(user, system, main thread's user + system) CPU seconds of these processes (the bot
    workers: no children). The main thread runs the event loop; the others are the database
    threads (SQLAlchemy and psycopg in ``asyncio.to_thread`` and the engine's pools)."""
    import psutil

    user = system = main = 0.0
    for pid in pids:
        try:
            process = psutil.Process(pid)
            times = process.cpu_times()
            threads = process.threads()
        except psutil.NoSuchProcess:
            continue
        user, system = user + times.user, system + times.system
        main += sum(t.user_time + t.system_time for t in threads if t.id == pid)
    return user, system, main


def tree_cpu(pids: list[int]) -> float:
    """User + system CPU seconds of these processes and all their descendants, the children
    they already reaped included (a PostgreSQL backend that ended is still counted)."""
    import psutil

    seen: set[int] = set()
    total = 0.0
    for pid in pids:
        try:
            root = psutil.Process(pid)
            family = [root, *root.children(recursive=True)]
        except psutil.NoSuchProcess:
            continue
        for process in family:
            if process.pid in seen:
                continue
            seen.add(process.pid)
            try:
                times = process.cpu_times()
            except psutil.NoSuchProcess:
                continue
            total += times.user + times.system + times.children_user + times.children_system
    return total


def machine_busy() -> dict[str, float]:
    """CPU seconds of the whole machine since boot (all cores): busy in processes, in the
    kernel's interrupt handlers (loopback traffic), and stolen by the hypervisor."""
    import psutil

    times = psutil.cpu_times()
    irq = getattr(times, "irq", 0.0) + getattr(times, "softirq", 0.0)
    steal = getattr(times, "steal", 0.0)
    # guest time is already in user time on Linux; idle and iowait are not busy.
    processes = times.user + times.system + getattr(times, "nice", 0.0)
    return {"processes": processes, "irq": irq, "steal": steal}


def psutil_cores() -> int:
    import psutil

    return psutil.cpu_count() or 1


class CpuMeter:
    """CPU used during one phase, by component: the bot workers, nginx, the Rasa servers,
    PostgreSQL, this process (fake Bot API and simulated users) and everything else on the
    machine (other users of the shared cores)."""

    def __init__(self, groups: dict[str, list[int]]):
        self.groups = groups
        self.before = {name: tree_cpu(pids) for name, pids in groups.items()}
        self.machine_before = machine_busy()
        self.cores = psutil_cores()
        self.started = time.perf_counter()

    def stop(self) -> dict[str, float]:
        used = {name: tree_cpu(pids) - self.before[name] for name, pids in self.groups.items()}
        machine = {k: v - self.machine_before[k] for k, v in machine_busy().items()}
        used["other"] = max(0.0, machine["processes"] - sum(used.values()))
        used["irq"], used["steal"] = machine["irq"], machine["steal"]
        used["machine"] = machine["processes"] + machine["irq"]
        used["wall"] = time.perf_counter() - self.started
        used["cores"] = float(self.cores)
        return used


def cpu_lines(used: dict[str, float], updates: int) -> list[str]:
    wall, cores = used["wall"], used["cores"]
    names = [n for n in used if n not in {"machine", "wall", "cores", "steal"}]
    shares = ", ".join(f"{n} {used[n] / wall:.2f}" for n in names)
    return [
        f"    bot CPU per update {used['workers'] / max(updates, 1) * 1000:5.1f} ms "
        f"(workers' user+sys {used['workers']:.1f} s / {updates} updates)",
        f"    cores busy {used['machine'] / wall:.2f} of {cores:.0f}: {shares}"
        f" (and {used['steal'] / wall:.2f} stolen by the hypervisor)",
    ]


def nginx_config(prefix: Path, listen: int, workers: list[int], rasa: list[int], nlu: int) -> Path:
    """``deploy/nginx.conf`` with this run's ports, wrapped into a whole nginx configuration."""
    site = (REPO_ROOT / "deploy" / "nginx.conf").read_text(encoding="utf-8")
    site = site.replace("listen 127.0.0.1:8080;", f"listen 127.0.0.1:{listen};")
    site = site.replace("listen 127.0.0.1:5005;", f"listen 127.0.0.1:{nlu};")
    bot_servers = "".join(
        f"    server 127.0.0.1:{p} max_fails=2 fail_timeout=10s;\n" for p in workers
    )
    nlu_servers = "".join(f"    server 127.0.0.1:{p} max_fails=2 fail_timeout=10s;\n" for p in rasa)
    start = site.index("upstream bot_workers {")
    end = site.index("}", start)
    site = (
        site[:start] + "upstream bot_workers {\n" + bot_servers + "    keepalive 32;\n" + site[end:]
    )
    start = site.index("upstream rasa_servers {")
    end = site.index("}", start)
    site = (
        site[:start]
        + "upstream rasa_servers {\n"
        + nlu_servers
        + "    keepalive 32;\n"
        + site[end:]
    )
    (prefix / "site.conf").write_text(site, encoding="utf-8")
    config = prefix / "nginx.conf"
    config.write_text(
        f"worker_processes 1;\npid {prefix / 'nginx.pid'};\nerror_log {prefix / 'error.log'};\n"
        "events { worker_connections 1024; }\n"
        f"http {{ client_body_temp_path {prefix}; proxy_temp_path {prefix}; "
        f"include {prefix / 'site.conf'}; }}\n",
        encoding="utf-8",
    )
    return config


class Cluster:
    """nginx + N bot workers for one phase (the Rasa servers outlive the phases)."""

    def __init__(self, args: argparse.Namespace, fake: FakeBotApi, database_url: str, tmp: Path):
        self.args, self.fake, self.database_url, self.tmp = args, fake, database_url, tmp
        self.workers: list[subprocess.Popen[bytes]] = []
        self.nginx: subprocess.Popen[bytes] | None = None

    def worker_env(self, index: int, port: int, nginx_port: int, nlu_port: int) -> dict[str, str]:
        env = dict(os.environ)
        env.update(
            TELEGRAM_BOT_TOKEN=TOKEN,
            TELEGRAM_API_BASE_URL=self.fake.api_url,
            TELEGRAM_WEBHOOK_URL=f"http://127.0.0.1:{nginx_port}/tg/hook",
            TELEGRAM_WEBHOOK_SECRET=SECRET,
            TELEGRAM_WEBHOOK_PORT=str(port),
            TELEGRAM_WEBHOOK_REGISTER="true" if index == 0 else "false",
            DATABASE_URL=self.database_url,
            PSEUDONYM_KEY=self.args.pseudonym_key,
            NLU_URL=f"http://127.0.0.1:{nlu_port}",
            NLU_TOKEN=self.args.nlu_token,
            DELIVER_ALERTS="true",
            ALERTS_PER_SECOND=str(self.args.alert_pace / self.args.current_workers),
            FLOOD_MESSAGES_PER_MINUTE="1000",
            # Telegram's broadcast limit is Telegram's, not the bot's (as in bench_bot.py);
            # the alert keeps its own configured pace.
            TELEGRAM_MESSAGES_PER_SECOND="100000",
            PYTHONPATH=str(REPO_ROOT),
        )
        return env

    async def start(self, count: int, rasa_ports: list[int]) -> None:
        self.args.current_workers = count
        ports = [free_port() for _ in range(count)]
        rasa_ports = rasa_ports or [free_port()]  # nothing listens there: the NLU is down
        nginx_port, nlu_port = free_port(), free_port()
        prefix = Path(tempfile.mkdtemp(prefix="nginx-", dir=self.tmp))
        config = nginx_config(prefix, nginx_port, ports, rasa_ports, nlu_port)
        self.nginx = subprocess.Popen(
            [self.args.nginx, "-c", str(config), "-p", str(prefix), "-g", "daemon off;"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for index, port in enumerate(ports):
            log = (self.tmp / f"worker-{count}-{index}.log").open("wb")
            self.workers.append(
                subprocess.Popen(
                    self.worker_command(count, index),
                    cwd=REPO_ROOT,
                    env=self.worker_env(index, port, nginx_port, nlu_port),
                    stdout=log,
                    stderr=subprocess.STDOUT,
                )
            )
        self.fake.webhook = None
        await self.fake.wait_for(lambda: self.fake.webhook is not None, timeout=120)
        await self.wait_ready(ports)

    def worker_command(self, count: int, index: int) -> list[str]:
        """``python -m bot telegram``; the first worker with ``--profile`` runs under cProfile
        timed by its main thread's CPU clock (``time.thread_time``): on a shared machine a
        wall-clock profile charges the time a process waits for a core to whatever call it was
        in (a socket ``send`` looked like the bot's biggest cost)."""
        if not self.args.profile or index:
            return [sys.executable, "-m", "bot", "telegram"]
        self.args.profile.mkdir(parents=True, exist_ok=True)
        out = self.args.profile / f"worker-{count}.prof"
        code = (
            "import cProfile, runpy, sys, time\n"
            "profile = cProfile.Profile(time.thread_time)\n"
            "sys.argv = ['bot', 'telegram']\n"
            "try:\n"
            "    profile.runcall(runpy.run_module, 'bot', run_name='__main__', alter_sys=True)\n"
            "finally:\n"
            f"    profile.dump_stats({str(out)!r})\n"
        )
        return [sys.executable, "-c", code]

    async def wait_ready(self, ports: list[int]) -> None:
        """Every worker answers on its port (a POST without the secret gets 403)."""
        import httpx

        deadline = time.monotonic() + 120
        async with httpx.AsyncClient() as http:
            for port in ports:
                while True:
                    try:
                        response = await http.post(f"http://127.0.0.1:{port}/tg/hook", json={})
                        if response.status_code == 403:
                            break
                    except httpx.HTTPError:
                        pass
                    if time.monotonic() > deadline:
                        raise SystemExit(f"worker on {port} did not start")
                    await asyncio.sleep(0.2)

    async def stop(self) -> None:
        await stop_processes([*self.workers, *([self.nginx] if self.nginx else [])])
        self.workers, self.nginx = [], None


async def stop_processes(processes: list[subprocess.Popen[bytes]]) -> None:
    for process in processes:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
    for process in processes:
        try:
            await asyncio.to_thread(process.wait, 30)
        except subprocess.TimeoutExpired:
            process.kill()


def start_rasa(args: argparse.Namespace, port: int, tmp: Path) -> subprocess.Popen[bytes]:
    from bot.nlu.local_server import LAUNCHER, spawn
    from bot.nlu.model import rasa_env
    from bot.settings import Settings

    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    python = settings.rasa_venv / "bin" / "python"
    command = [
        str(python), str(LAUNCHER), str(os.getpid()), "rasa", "run", "--enable-api",
        "--model", str(args.rasa_model), "--interface", "127.0.0.1", "--port", str(port),
    ]  # fmt: skip
    return spawn(command, args.nlu_token, tmp / f"rasa-{port}.log", rasa_env())


async def wait_rasa(args: argparse.Namespace, ports: list[int], tmp: Path) -> None:
    """Each Rasa server has loaded the model: it parses a message (a few minutes at most)."""
    import httpx

    deadline = time.monotonic() + 600
    async with httpx.AsyncClient() as http:
        for port in ports:
            while True:
                try:
                    response = await http.post(
                        f"http://127.0.0.1:{port}/model/parse",
                        params={"token": args.nlu_token},
                        json={"text": "xin chào"},
                    )
                    if response.status_code == 200 and response.json().get("intent"):
                        break
                except httpx.HTTPError:
                    pass
                if time.monotonic() > deadline:
                    raise SystemExit(f"Rasa on {port} did not start: see {tmp}/rasa-{port}.log")
                await asyncio.sleep(1.0)


async def load(
    args: argparse.Namespace, fake: FakeBotApi, users: int, groups: dict[str, list[int]]
) -> tuple[dict[str, float], dict[str, float]]:
    probe = Probe()
    fake.on_call = probe.on_call
    exchanges: list[Exchange] = []
    meter = CpuMeter(groups)
    started = time.perf_counter()
    deadline = started + args.max_seconds
    run = argparse.Namespace(**{**vars(args), "seed": args.seed + users})
    first = args.first_user
    args.first_user += users
    await asyncio.gather(
        *(simulate_user(first + n, run, fake, probe, exchanges, deadline) for n in range(users))
    )
    elapsed = time.perf_counter() - started
    await asyncio.sleep(0.5)  # the last replies' follow-ups (edits, second messages)
    used = meter.stop()
    latencies = [e.latency * 1000 for e in exchanges if e.latency is not None]
    return {
        "sent": len(exchanges),
        "lost": sum(1 for e in exchanges if e.latency is None),
        "throughput": len(exchanges) / elapsed,
        "p50": percentile(latencies, 0.5) if latencies else float("nan"),
        "p95": percentile(latencies, 0.95) if latencies else float("nan"),
    }, used


def queue_alert(database_url: str, subscribers: int, first_chat: int) -> int:
    from bot.db import make_engine, make_session_factory
    from bot.models.recruitment import AlertSubscription
    from bot.models.users import User
    from bot.recruitment import alerts

    engine = make_engine(database_url)
    sessions = make_session_factory(engine)
    today = date.today()
    with sessions.begin() as session:
        session.add_all(
            User(id=f"alert-{n}", locale="vi", last_active=today, country="kr")
            for n in range(subscribers)
        )
        session.flush()
        session.add_all(
            AlertSubscription(
                user_id=f"alert-{n}", country="kr", chat_id=first_chat + n, subscribed_on=today
            )
            for n in range(subscribers)
        )
    with sessions.begin() as session:
        announcement = alerts.publish_announcement(
            session, "kr", "Bench: bão sắp đến", datetime.now(UTC)
        )
    engine.dispose()
    return announcement


async def alert_phase(
    args: argparse.Namespace, fake: FakeBotApi, cluster: Cluster, database_url: str
) -> None:
    first_chat = 8_000_000_000
    deliveries: list[Any] = []

    def note(call: Any) -> None:  # counted as they arrive: no scan of every call so far
        if (
            call.method.lower() == "sendmessage"
            and call.error is None
            and isinstance(call.chat_id, int)
            and call.chat_id >= first_chat
        ):
            deliveries.append(call)

    fake.on_call = note
    queue_alert(database_url, args.subscribers, first_chat)
    started = time.perf_counter()

    def delivered() -> list[Any]:
        return deliveries

    patience = args.subscribers / args.alert_pace * 2 + 60  # the whole alert, with margin
    await fake.wait_for(lambda: len(delivered()) >= args.subscribers // 3, timeout=patience)
    victim = cluster.workers[-1]
    victim.kill()  # SIGKILL mid-way: no chance to clean up
    killed_at = len(delivered())
    killed_after = time.perf_counter() - started
    deadline = time.perf_counter() + patience
    while time.perf_counter() < deadline:
        count = len(delivered())
        await asyncio.sleep(2.0)
        if len(delivered()) == count:  # quiet for 2 s: done
            break
    elapsed = time.perf_counter() - started - 2.0
    counts = Counter(c.chat_id for c in delivered())
    twice = sum(1 for n in counts.values() if n > 1)
    never = args.subscribers - len(counts)
    from bot.db import make_engine, make_session_factory
    from bot.models.recruitment import AlertDelivery

    engine = make_engine(database_url)
    with make_session_factory(engine)() as session:
        from sqlalchemy import func, select

        statuses = dict(
            session.execute(
                select(AlertDelivery.status, func.count()).group_by(AlertDelivery.status)
            ).all()
        )
    engine.dispose()
    print(
        f"alert to {args.subscribers} subscribers, {len(cluster.workers)} workers, one killed "
        f"after {killed_at} deliveries"
    )
    print(
        f"  delivered once {len(counts) - twice}, twice {twice}, never {never} "
        f"(database: {statuses})"
    )
    each = args.alert_pace / len(cluster.workers)
    after = (len(delivered()) - killed_at) / max(elapsed - killed_after, 1e-9)
    print(
        f"  pace {len(delivered()) / elapsed:.1f} messages/s overall, {elapsed:.1f} s: "
        f"{killed_at / killed_after:.1f}/s with {len(cluster.workers)} workers, {after:.1f}/s "
        f"with {len(cluster.workers) - 1} after the kill (configured {each:.1f}/s per worker, "
        f"{args.alert_pace:.1f}/s for all {len(cluster.workers)})"
    )


async def bench(args: argparse.Namespace) -> int:
    args.nginx = shutil.which("nginx") or "/usr/sbin/nginx"
    if not Path(args.nginx).exists():
        raise SystemExit("nginx is not installed: scripts/install-nginx.sh (or make bench-scale)")
    args.pseudonym_key = secrets.token_hex(32)
    args.nlu_token = secrets.token_hex(16)
    args.first_user = 0
    args.no_nlu = not args.rasa_model
    print(
        f"loopback: fake Bot API → nginx → bot workers (webhook) → PostgreSQL; "
        f"NLU: {'2 Rasa servers behind nginx' if args.rasa_model else 'down (no --rasa-model)'}"
    )
    with tempfile.TemporaryDirectory() as tmp_name, private_postgres() as server:
        tmp = Path(tmp_name)
        rasa_ports = [free_port() for _ in range(2)] if args.rasa_model else []
        rasa = [start_rasa(args, port, tmp) for port in rasa_ports]
        try:
            await asyncio.to_thread(publish_content, args.content, server.url)
            if rasa:
                loading = time.perf_counter()
                await wait_rasa(args, rasa_ports, tmp)
                print(f"2 Rasa servers ready in {time.perf_counter() - loading:.0f} s")
            async with WebhookFake() as fake:
                for workers in args.workers:
                    await phase(args, fake, server, tmp, workers, rasa_ports, rasa)
        finally:
            await stop_processes(rasa)
    return 0


async def phase(
    args: argparse.Namespace,
    fake: FakeBotApi,
    server: Any,
    tmp: Path,
    workers: int,
    rasa_ports: list[int],
    rasa: list[subprocess.Popen[bytes]],
) -> None:
    cluster = Cluster(args, fake, server.url, tmp)
    await cluster.start(workers, rasa_ports)
    postmaster = int((server.directory / "data" / "postmaster.pid").read_text().split()[0])
    groups = {
        "workers": [w.pid for w in cluster.workers],
        "nginx": [cluster.nginx.pid] if cluster.nginx else [],
        "rasa": [r.pid for r in rasa],
        "postgres": [postmaster],
    }
    try:
        # What the workers use doing nothing (alert polling, content checks): per update, it
        # weighs more with more workers.
        idle_before = tree_cpu(groups["workers"])
        await asyncio.sleep(IDLE_SECONDS)
        idle = (tree_cpu(groups["workers"]) - idle_before) / IDLE_SECONDS
        print(f"{workers} worker(s) idle: {idle:.3f} of a core ({idle / workers:.3f} each)")
        for users in args.users:
            bench_before = own_cpu()
            pg_before = await asyncio.to_thread(pg_counters, server.url)
            split_before = split_cpu(groups["workers"])
            calls_before = len(fake.calls)
            figures, used = await load(args, fake, users, {**groups})
            api_calls = len(fake.calls) - calls_before
            used["bench"] = own_cpu() - bench_before
            user_cpu, system_cpu, main_cpu = (
                a - b for a, b in zip(split_cpu(groups["workers"]), split_before, strict=True)
            )
            await asyncio.sleep(1.0)  # PostgreSQL publishes its counters about every second
            pg_after = await asyncio.to_thread(pg_counters, server.url)
            used["other"] = max(0.0, used["other"] - used["bench"])
            print(
                f"{workers} worker(s), {users:3d} users: "
                f"{figures['throughput']:6.1f} updates/s, "
                f"p50 {figures['p50']:6.1f} ms, p95 {figures['p95']:7.1f} ms, "
                f"lost {int(figures['lost'])} of {int(figures['sent'])}"
            )
            sent = max(int(figures["sent"]), 1)
            for line in cpu_lines(used, sent):
                print(line)
            print(
                f"    workers: user {user_cpu / sent * 1000:.1f} + system "
                f"{system_cpu / sent * 1000:.1f} ms per update (event loop thread "
                f"{main_cpu / sent * 1000:.1f}, other threads "
                f"{(user_cpu + system_cpu - main_cpu) / sent * 1000:.1f}); PostgreSQL: "
                f"{(pg_after['transactions'] - pg_before['transactions']) / sent:.1f} "
                f"transactions and {(pg_after['sessions'] - pg_before['sessions']) / sent:.2f} "
                f"new connections per update; {api_calls / sent:.1f} Bot API calls per update"
            )
        if workers == max(args.workers) and args.subscribers:
            await alert_phase(args, fake, cluster, server.url)
    finally:
        await cluster.stop()


def pg_counters(database_url: str) -> dict[str, float]:
    """PostgreSQL's own counters for the database: connections opened, transactions."""
    import psycopg

    url = database_url.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(url, autocommit=True) as connection:
        row = connection.execute(
            "SELECT sessions, xact_commit + xact_rollback FROM pg_stat_database "
            "WHERE datname = current_database()"
        ).fetchone()
    assert row is not None
    return {"sessions": float(row[0]), "transactions": float(row[1])}


def own_cpu() -> float:
    """This process's own CPU (fake Bot API, simulated users), not its children's."""
    times = os.times()
    return times.user + times.system


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 3])
    parser.add_argument("--users", type=int, nargs="+", default=[50, 200])
    parser.add_argument("--messages", type=int, default=8, help="per user, /start included")
    parser.add_argument("--think", type=float, nargs=2, default=(0.2, 1.0))
    parser.add_argument("--subscribers", type=int, default=10_000)
    parser.add_argument(
        "--alert-pace",
        type=float,
        default=24.0,
        help="messages/s across all workers (Telegram's broadcast limit is about 30)",
    )
    parser.add_argument("--rasa-model", type=Path, help="serve it with 2 Rasa servers")
    parser.add_argument("--content", type=Path, default=REPO_ROOT / "content")
    parser.add_argument(
        "--profile",
        type=Path,
        help="write a cProfile of the first worker of each phase here (worker-N.prof)",
    )
    parser.add_argument("--reply-timeout", type=float, default=10.0)
    parser.add_argument("--max-seconds", type=float, default=120.0)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    if not all(0 < u <= 1000 for u in args.users) or not 0 <= args.subscribers <= 100_000:
        parser.error("--users between 1 and 1000, --subscribers at most 100000")
    return args


def main(argv: list[str] | None = None) -> int:
    random.seed(0)
    return asyncio.run(bench(parse_args(argv)))


if __name__ == "__main__":
    sys.exit(main())
