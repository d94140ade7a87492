"""``python -m bot nlu train|serve|evaluate`` — the NLU model's lifecycle from the command line."""

from __future__ import annotations

import argparse
import asyncio
import secrets
import signal
import tempfile
from pathlib import Path
from typing import Any

from bot.nlu import evaluate, model
from bot.nlu.local_server import (
    NluEndpoint,
    remove_server_file,
    start_process,
    wait_until_ready,
    write_server_file,
)
from bot.settings import REPO_ROOT, get_settings


def _train(args: argparse.Namespace) -> int:
    path = model.train(get_settings(), force=args.force)
    print(path.relative_to(REPO_ROOT))
    return 0


def _serve(args: argparse.Namespace) -> int:
    """Serve in the foreground on loopback; ``chat`` and ``ask`` find it through
    ``var/nlu-server.json`` (or give them ``NLU_URL``/``NLU_TOKEN``)."""
    settings = get_settings()
    model_file = Path(args.model) if args.model else model.train(settings)
    secret = settings.nlu_token
    token = secret.get_secret_value() if secret else secrets.token_urlsafe(24)
    port = args.port or settings.nlu_port
    endpoint = NluEndpoint(f"http://127.0.0.1:{port}", token)
    # Stopped by Ctrl-C or by SIGTERM (a process manager, `kill`): either way Rasa is stopped and
    # the server file removed. SIGINT is ignored in background jobs, so its handler is set too.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, _interrupt)
    process = start_process(settings, model_file, port, token, REPO_ROOT / "var/rasa.log")
    print(f"NLU_URL={endpoint.url}  (loading {model_file.name}…)", flush=True)
    try:
        asyncio.run(wait_until_ready(endpoint, process))
        write_server_file(settings.nlu_server_file, endpoint, model_file)
        print(
            f"Ready. `make chat` and `python -m bot ask` use this server by themselves "
            f"(address and token in {settings.nlu_server_file}, readable by you only). "
            "Ctrl-C stops it.",
            flush=True,
        )
        return process.wait()
    except KeyboardInterrupt:
        process.terminate()
        process.wait(15)
        return 0
    except model.NluSetupError as exc:
        print(f"NLU server not started: {exc} (see var/rasa.log)")
        process.terminate()
        return 1
    finally:
        remove_server_file(settings.nlu_server_file, endpoint)


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


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


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser("nlu", help="train, serve or evaluate the Rasa NLU model")
    commands = parser.add_subparsers(dest="nlu_command", required=True)
    train = commands.add_parser("train", help="train unless nothing changed")
    train.add_argument("--force", action="store_true", help="train even if a model is up to date")
    train.set_defaults(handler=_train)
    serve = commands.add_parser("serve", help="serve the model on 127.0.0.1 with an auth token")
    serve.add_argument("--port", type=int, default=None)
    serve.add_argument("--model", default=None, help="serve this model file instead")
    serve.set_defaults(handler=_serve)
    check = commands.add_parser("evaluate", help="rasa data validate + rasa test nlu, thresholds")
    check.add_argument("--out", default=None, help="folder for Rasa's reports")
    check.set_defaults(handler=_evaluate)
