"""NLU benchmark on the realistic test set, through the whole engine (``make bench-nlu``).

For a pipeline config (ours by default, or ``--config FILE``; several with ``--compare``) it trains
the model (timed, on this machine's cores), serves it with Rasa on 127.0.0.1, sends every message
of ``tests/realistic`` in each form (as written, without diacritics, teencode) through the same
``Conversation`` the bot uses (real SQLite database, the shipped content) and prints:

* top-1: the first answer shown is one of the message's topics, for the right country;
* confidently wrong: an answer was shown (no "Ý bạn là…?") and it is the wrong topic;
* clarify hit: the right topic among the "Ý bạn là…?" suggestions;
* emergency recall: the number in the FIRST message for medical/police emergencies;
* crisis recall: a crisis line in the FIRST message for self-harm and suicidal thoughts;
* training time, parse latency over HTTP (p50/p95, sequential) and the server's resident memory.

    .venv/bin/python scripts/bench_nlu.py                  # ours
    .venv/bin/python scripts/bench_nlu.py --reuse          # ours, reuse the trained model
    .venv/bin/python scripts/bench_nlu.py --compare nlu_data/alternatives/*.yml
    .venv/bin/python scripts/bench_nlu.py --errors 40      # also print 40 wrong replies
    .venv/bin/python scripts/bench_nlu.py --aggregates 30  # counts only: missed topics, pairs

Targets (issue #8): top-1 ≥ 0.95 in each form; emergency and crisis recall 100%; confidently
wrong ≤ 2%; clarify hit ≥ 90%; training ≤ 3 min on 2 cores; p50 ≤ 20 ms, p95 ≤ 60 ms;
server RSS ≤ 1.2 GB.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
from collections import Counter
from pathlib import Path

import psutil

from bot.conversation import Conversation
from bot.nlu import evaluate, model, realistic
from bot.nlu.client import NluClient
from bot.nlu.local_server import NluEndpoint, free_port, start_process, wait_until_ready
from bot.settings import Settings
from bot.store import open_store
from vietnlp.intents import intent_topic


def timed_training(settings: Settings, config: Path, reuse: bool) -> tuple[Path, float | None]:
    """Train from scratch (timed) unless ``reuse`` and a model for these inputs exists."""
    if reuse and model.model_path(settings, config).exists():
        return model.model_path(settings, config), None
    started = time.perf_counter()
    path = model.train(settings, config, force=True)
    return path, time.perf_counter() - started


async def evaluate_model(
    settings: Settings, model_file: Path, cases: list[realistic.Case], requests: int
) -> tuple[list[realistic.Score], dict[str, float]]:
    """Serve the model, run the realistic set through the engine, then time bare parses."""
    port, token = free_port(), "bench-token"
    endpoint = NluEndpoint(f"http://127.0.0.1:{port}", token)
    with tempfile.TemporaryDirectory() as tmp:
        process = start_process(settings, model_file, port, token, Path(tmp) / "rasa.log")
        try:
            await wait_until_ready(endpoint, process)
            client = NluClient(endpoint.url, token, timeout=10.0)
            local = settings.model_copy(update={"database_url": f"sqlite:///{tmp}/bench.db"})
            with open_store(local) as store:
                conversation = Conversation(store.sessions, store.repository, client, local)
                scores = await realistic.run_cases(conversation, store.repository, cases)
            texts = [case.form(form) for form in realistic.FORMS for case in cases]
            timings = []
            for i in range(requests):
                started = time.perf_counter()
                await client.parse(texts[i % len(texts)])
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
    perf = {
        "p50_ms": statistics.median(timings),
        "p95_ms": timings[int(0.95 * (len(timings) - 1))],
        "rss_mb": rss / 2**20,
    }
    return scores, perf


def print_table(name: str, scores: list[realistic.Score]) -> None:
    print(f"\n{name}")
    header = (
        f"{'form':<9} {'n':>4} {'top-1':>6} {'topic':>6} {'conf.wrong':>10} {'clarify':>8} "
        f"{'clar.hit':>8} {'emerg.':>7} {'crisis':>7} {'2nd q':>6}"
    )
    print(header)
    for form in realistic.FORMS:
        chosen = [s for s in scores if s.form == form]
        s = realistic.summarise(chosen)
        print(
            f"{form:<9} {s.n:>4} {s.top1:>6.3f} {s.topic_only:>6.3f} {s.confidently_wrong:>10.3f} "
            f"{s.clarify_rate:>8.3f} {s.clarify_hit:>8.3f} {s.emergency_recall:>7.3f} "
            f"{s.crisis_recall:>7.3f} {s.also_offered:>6.3f}"
        )
    countries = sorted({s.case.stored or "none" for s in scores})
    by_country = []
    for country in countries:
        chosen = [s for s in scores if (s.case.stored or "none") == country]
        by_country.append(f"{country} {realistic.summarise(chosen).top1:.3f}")
    print("top-1 by stored country (all forms): " + ", ".join(by_country))


def print_sweep(scores: list[realistic.Score]) -> None:
    """What other confidence thresholds would give (an estimate: the intent's own topic is taken
    as the answer, without the safety path and country rules)."""
    print(
        "\nthreshold sweep (estimate, all forms): threshold → top-1 / confidently wrong / clarify"
    )
    cells = []
    for threshold in (0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.45, 0.5, 0.55):
        answered = [s for s in scores if (s.confidence or 0) >= threshold]
        right = [
            s
            for s in answered
            if intent_topic(s.intent or "") in s.case.topics
            or (s.intent in realistic.NO_ANSWER_LABELS and s.intent in s.case.topics)
        ]
        n = len(scores)
        cells.append(
            f"{threshold:.2f} → {len(right) / n:.3f} / {(len(answered) - len(right)) / n:.3f}"
            f" / {(n - len(answered)) / n:.3f}"
        )
    print("\n".join(cells))


def print_errors(scores: list[realistic.Score], limit: int) -> None:
    wrong = [s for s in scores if not (s.topic_ok and s.country_ok) or s.emergency_ok is False]
    print(f"\n{len(wrong)} wrong replies; the first {limit}:")
    for s in wrong[:limit]:
        text = " ".join(s.case.form(s.form).split())
        print(
            f"- {s.case.id} [{s.form}] want {list(s.case.topics)} ({s.case.country}) got "
            f"{s.answer_id} ({s.answer_country}){' clarify' if s.clarify else ''}"
            f"{' EMERGENCY MISSED' if s.emergency_ok is False else ''}: {text[:160]}"
        )
    missed = Counter(t for s in wrong for t in s.case.topics[:1])
    print("most missed topics: " + ", ".join(f"{t} {n}" for t, n in missed.most_common(12)))


def print_aggregates(scores: list[realistic.Score], limit: int) -> None:
    """Counts only, never a message's text: which topics are missed, what they are taken for,
    and where the safety path failed (to decide which training data or rule is weak)."""
    print("\nper expected topic (all forms): n, top-1, confidently wrong, clarify")
    by_topic: dict[str, list[realistic.Score]] = {}
    for s in scores:
        by_topic.setdefault(s.case.topics[0], []).append(s)
    rows = sorted(by_topic.items(), key=lambda kv: sum(x.topic_ok for x in kv[1]) / len(kv[1]))
    for topic, chosen in rows[:limit]:
        ok = sum(x.topic_ok and x.country_ok for x in chosen)
        cw = sum(x.confidently_wrong for x in chosen)
        cl = sum(x.clarify for x in chosen)
        print(f"  {topic:<34} {len(chosen):>3} {ok / len(chosen):>6.2f} {cw:>4} {cl:>4}")
    pairs = Counter(
        (s.case.topics[0], "CLARIFY" if s.clarify else str(s.answer_id))
        for s in scores
        if not s.topic_ok
    )
    print("most frequent (expected → got), all forms:")
    for (want, got), n in pairs.most_common(limit):
        print(f"  {n:>3}  {want} → {got}")
    wrong_country = Counter(
        (s.case.country, s.answer_country) for s in scores if s.topic_ok and not s.country_ok
    )
    print(
        "right topic, wrong country (want → got): "
        + ", ".join(f"{w}→{g} {n}" for (w, g), n in wrong_country.most_common())
    )
    for form in realistic.FORMS:
        missed = [s for s in scores if s.form == form and s.emergency_ok is False]
        kinds = Counter(
            (
                s.case.emergency,
                "clarify" if s.clarify else str(s.answer_id),
                "same-country" if s.answer_country in {None, s.case.country} else "other-country",
            )
            for s in missed
        )
        tags = Counter(t for s in missed for t in s.case.tags)
        print(
            f"safety misses [{form}]: {len(missed)} "
            + ", ".join(f"{k}/{a}/{c} {n}" for (k, a, c), n in kinds.most_common())
            + (" | tags " + ", ".join(f"{t} {n}" for t, n in tags.most_common(8)) if tags else "")
        )
    for s in (s for s in scores if s.emergency_ok is False):
        print(
            f"  miss [{s.form}] want {s.case.emergency} ({s.case.country}, stored {s.case.stored})"
            f": crisis {s.crisis:.2f}, lexicon {s.alert}, shown {s.answer_id} ({s.answer_country})"
            f"{' clarify' if s.clarify else ''}"
        )
    print("classifier crisis signal without a suicide lexicon term: buckets → cries / others")
    for low, high in ((0.1, 0.15), (0.15, 0.2), (0.2, 0.25), (0.25, 0.3), (0.3, 0.6), (0.6, 1.1)):
        chosen = [s for s in scores if s.alert != "suicide" and low <= s.crisis < high]
        cries = sum(s.case.emergency == "suicide" for s in chosen)
        print(f"  [{low:.2f}, {high:.2f}): {cries} / {len(chosen) - cries}")
    print("  of which the main intent is another topic: cries / others")
    for low, high in ((0.3, 0.6), (0.6, 0.7), (0.7, 0.8), (0.8, 0.9), (0.9, 1.1)):
        chosen = [
            s
            for s in scores
            if s.alert != "suicide"
            and low <= s.crisis < high
            and s.intent not in {None, "mental_health_crisis"}
        ]
        cries = sum(s.case.emergency == "suicide" for s in chosen)
        print(f"  [{low:.2f}, {high:.2f}): {cries} / {len(chosen) - cries}")
    print("suicide lexicon term matched: classifier crisis buckets → cries / others")
    for low, high in ((0.0, 0.1), (0.1, 0.3), (0.3, 0.6), (0.6, 1.1)):
        chosen = [s for s in scores if s.alert == "suicide" and low <= s.crisis < high]
        cries = sum(s.case.emergency == "suicide" for s in chosen)
        print(f"  [{low:.2f}, {high:.2f}): {cries} / {len(chosen) - cries}")
    print("margin sweep (estimate: answered when confidence ≥ settings threshold and margin ≥ m):")
    for m in (0.0, 0.05, 0.1, 0.15, 0.2, 0.25, 0.3):
        answered = [s for s in scores if not s.clarify and (s.margin or 0) >= m]
        wrong = sum(s.confidently_wrong for s in answered)
        right = sum(s.topic_ok for s in answered if s.answer_id is not None)
        n = len(scores)
        print(f"  m {m:.2f}: right answered {right / n:.3f}, wrong answered {wrong / n:.3f}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--config", type=Path, default=model.CONFIG, help="pipeline config")
    parser.add_argument("--compare", type=Path, nargs="*", default=[], help="more configs")
    parser.add_argument("--reuse", action="store_true", help="reuse trained models (no timing)")
    parser.add_argument("--requests", type=int, default=500, help="parse requests for latency")
    parser.add_argument("--threshold", type=float, help="confidence threshold (default: settings)")
    parser.add_argument("--cases", type=Path, default=realistic.REALISTIC_DIR, help="test set")
    parser.add_argument("--errors", type=int, default=0, help="print this many wrong replies")
    parser.add_argument(
        "--aggregates", type=int, default=0, help="print counts only (no text): this many rows"
    )
    args = parser.parse_args()

    settings = Settings()
    if args.threshold is not None:
        settings = settings.model_copy(update={"nlu_confidence_threshold": args.threshold})
    cases = realistic.load_cases(args.cases)
    print(
        f"realistic set: {len(cases)} messages × {len(realistic.FORMS)} forms; "
        f"training examples: {len(evaluate.example_sentences(model.TRAINING_DATA))}"
    )
    for config in [c.resolve() for c in (args.config, *args.compare)]:
        model_file, seconds = timed_training(settings, config, args.reuse)
        scores, perf = asyncio.run(evaluate_model(settings, model_file, cases, args.requests))
        train = f"trained in {seconds:.0f} s" if seconds is not None else "model reused"
        print_table(f"{config.relative_to(model.REPO_ROOT)}: {train}", scores)
        print(
            f"parse over HTTP ({args.requests} sequential): p50 {perf['p50_ms']:.1f} ms, "
            f"p95 {perf['p95_ms']:.1f} ms; server RSS {perf['rss_mb']:.0f} MB"
        )
        print_sweep(scores)
        if args.errors:
            print_errors(scores, args.errors)
        if args.aggregates:
            print_aggregates(scores, args.aggregates)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
