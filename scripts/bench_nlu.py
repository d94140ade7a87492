"""NLU benchmark: our Vietnamese pipeline against the stock Rasa pipeline on the same split.

Prints, for both pipelines: training time, intent accuracy and macro-F1 on each form of the
held-out test set (with diacritics, without, teencode); and for ours: parse latency over HTTP
(p50/p95, sequential requests on 127.0.0.1) and the Rasa server's resident memory.

    .venv/bin/python scripts/bench_nlu.py            # or: make bench-nlu
    .venv/bin/python scripts/bench_nlu.py --skip-stock   # ours only (the stock DIET model
                                                     # needs ~10-16 minutes to train on 2 cores)

Targets (issue #2): beat the stock pipeline on every form, clearly without diacritics;
p50 ≤ 20 ms; training ≤ 5 min on 2 cores; server ≤ 1.2 GB.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
from pathlib import Path

import psutil

from bot.nlu import evaluate, model
from bot.nlu.client import NluClient
from bot.nlu.local_server import NluEndpoint, free_port, start_process, wait_until_ready
from bot.settings import Settings


def timed_training(settings: Settings, config: Path, reuse: bool) -> tuple[Path, float | None]:
    """Train from scratch (timed) unless ``reuse`` and a model for these inputs exists."""
    if reuse and model.model_path(settings, config).exists():
        return model.model_path(settings, config), None
    started = time.perf_counter()
    path = model.train(settings, config, force=True)
    return path, time.perf_counter() - started


async def latency_and_memory(settings: Settings, model_file: Path, n: int) -> dict[str, float]:
    port = free_port()
    endpoint = NluEndpoint(f"http://127.0.0.1:{port}", "bench-token")
    with tempfile.TemporaryDirectory() as tmp:
        process = start_process(settings, model_file, port, "bench-token", Path(tmp) / "rasa.log")
        try:
            await wait_until_ready(endpoint, process)
            client = NluClient(endpoint.url, endpoint.token, timeout=10.0)
            sentences = [
                s
                for form in model.TEST_SETS
                for s in evaluate.example_sentences(model.TEST_SETS[form])
            ]
            for text in sentences[:20]:  # warm-up
                await client.parse(text)
            timings = []
            for i in range(n):
                started = time.perf_counter()
                await client.parse(sentences[i % len(sentences)])
                timings.append((time.perf_counter() - started) * 1000)
            await client.aclose()
            server = psutil.Process(process.pid)
            rss = server.memory_info().rss + sum(
                child.memory_info().rss for child in server.children(recursive=True)
            )
        finally:
            process.terminate()
            process.wait(15)
    timings.sort()
    return {
        "p50_ms": statistics.median(timings),
        "p95_ms": timings[int(0.95 * (len(timings) - 1))],
        "rss_mb": rss / 2**20,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--skip-stock", action="store_true", help="only our pipeline")
    parser.add_argument("--reuse", action="store_true", help="reuse trained models (no timing)")
    parser.add_argument("--requests", type=int, default=500, help="parse requests for latency")
    args = parser.parse_args()

    settings = Settings()
    out = Path(tempfile.mkdtemp(prefix="bench-nlu-"))
    configs = {"ours": model.CONFIG} | ({} if args.skip_stock else {"stock": model.STOCK_CONFIG})
    rows: dict[str, dict[str, float | None]] = {}
    for name, config in configs.items():
        model_file, seconds = timed_training(settings, config, args.reuse)
        row: dict[str, float | None] = {"train_s": seconds}
        for form in model.TEST_SETS:
            report = evaluate.evaluate_form(settings, model_file, form, out / name)
            row[f"{form}_acc"], row[f"{form}_f1"] = report.accuracy, report.macro_f1
        rows[name] = row
        print(f"{name}: trained in {seconds or 0:.0f} s, evaluated", flush=True)

    perf = asyncio.run(latency_and_memory(settings, model.model_path(settings), args.requests))
    held_out = {form: len(evaluate.example_sentences(f)) for form, f in model.TEST_SETS.items()}
    print(
        f"\ntraining examples: {len(evaluate.example_sentences(model.TRAINING_DATA))}; "
        f"held-out per form: {held_out}"
    )
    print(
        f"\n{'pipeline':<8} {'train':>8} "
        + " ".join(f"{form + ' acc':>15} {form + ' F1':>14}" for form in model.TEST_SETS)
    )
    for name, row in rows.items():
        train = f"{row['train_s']:.0f} s" if row["train_s"] is not None else "reused"
        cells = " ".join(
            f"{row[f'{form}_acc'] or 0:>15.3f} {row[f'{form}_f1'] or 0:>14.3f}"
            for form in model.TEST_SETS
        )
        print(f"{name:<8} {train:>8} {cells}")
    print(
        f"\nours over HTTP ({args.requests} sequential parses): "
        f"p50 {perf['p50_ms']:.1f} ms, p95 {perf['p95_ms']:.1f} ms; "
        f"server RSS {perf['rss_mb']:.0f} MB"
    )
    print(f"Rasa reports: {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
