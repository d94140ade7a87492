"""``python -m bot nlu train|serve|evaluate`` — the NLU model's lifecycle from the command line."""

from __future__ import annotations

import argparse
import secrets
import tempfile
from pathlib import Path
from typing import Any

from bot.nlu import evaluate, model
from bot.nlu.local_server import start_process
from bot.settings import REPO_ROOT, get_settings


def _train(args: argparse.Namespace) -> int:
    path = model.train(get_settings(), force=args.force)
    # NLU_MODEL_DIR may be outside the checkout (CI caches, tests)
    print(path.relative_to(REPO_ROOT) if path.is_relative_to(REPO_ROOT) else path)
    return 0


def _serve(args: argparse.Namespace) -> int:
    """Serve in the foreground on loopback (for NLU_URL setups and benchmarks)."""
    settings = get_settings()
    model_file = model.train(settings)
    secret = settings.nlu_token
    token = secret.get_secret_value() if secret else secrets.token_urlsafe(24)
    port = args.port or settings.nlu_port
    print(f"NLU_URL=http://127.0.0.1:{port}  (auth token from NLU_TOKEN or printed once below)")
    if not settings.nlu_token:
        print(f"NLU_TOKEN={token}")
    process = start_process(settings, model_file, port, token, REPO_ROOT / "var/rasa.log")
    try:
        return process.wait()
    except KeyboardInterrupt:
        process.terminate()
        return 0


def _evaluate(args: argparse.Namespace) -> int:
    settings = get_settings()
    evaluate.validate_data(settings)
    model_file = model.train(settings)
    out_dir = Path(args.out) if args.out else Path(tempfile.mkdtemp(prefix="nlu-eval-"))
    reports = [
        evaluate.evaluate_form(settings, model_file, form, out_dir) for form in model.TEST_SETS
    ]
    print(evaluate.format_reports(reports))
    failures = evaluate.threshold_failures(reports)
    for failure in failures:
        print(f"FAIL {failure}")
    print(f"details: {out_dir}")
    return 1 if failures else 0


def _reload(args: argparse.Namespace) -> int:
    """Ask the running NLU server (``NLU_URL``) to load the current model: no bot restart."""
    import httpx

    settings = get_settings()
    model_file = model.model_path(settings)
    if not model_file.exists():
        print("No model for the current training data yet; run: python -m bot nlu train")
        return 1
    if not settings.nlu_url:
        print(
            "NLU_URL is not set: the bot starts its own NLU server and loads the new model at "
            "its next start."
        )
        return 0
    token = settings.nlu_token.get_secret_value() if settings.nlu_token else None
    try:
        response = httpx.put(
            settings.nlu_url.rstrip("/") + "/model",
            params={"token": token} if token else None,
            json={"model_file": str(model_file)},
            timeout=120,
        )
        response.raise_for_status()
    except httpx.HTTPError as exc:
        print(
            f"The NLU server did not load the new model ({type(exc).__name__}); "
            "it keeps the old one."
        )
        return 1
    print(f"The NLU server now uses {model_file.name}.")
    return 0


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser("nlu", help="train, serve or evaluate the Rasa NLU model")
    commands = parser.add_subparsers(dest="nlu_command", required=True)
    train = commands.add_parser("train", help="train unless nothing changed")
    train.add_argument("--force", action="store_true", help="train even if a model is up to date")
    train.set_defaults(handler=_train)
    serve = commands.add_parser("serve", help="serve the model on 127.0.0.1 with an auth token")
    serve.add_argument("--port", type=int, default=None)
    serve.set_defaults(handler=_serve)
    check = commands.add_parser("evaluate", help="rasa data validate + rasa test nlu, thresholds")
    check.add_argument("--out", default=None, help="folder for Rasa's reports")
    check.set_defaults(handler=_evaluate)
    reload = commands.add_parser(
        "reload", help="make a running NLU server (NLU_URL) load the model"
    )
    reload.set_defaults(handler=_reload)
