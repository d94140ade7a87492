"""``python -m bot nlu train|serve|evaluate|reload`` — the NLU model's lifecycle."""

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
    running_server,
    start_process,
    wait_until_ready,
    write_server_file,
)
from bot.settings import REPO_ROOT, get_settings


def _train(args: argparse.Namespace) -> int:
    path = model.train(get_settings(), force=args.force)
    # NLU_MODEL_DIR may be outside the checkout (CI caches, tests)
    print(path.relative_to(REPO_ROOT) if path.is_relative_to(REPO_ROOT) else path)
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


def _reload(args: argparse.Namespace) -> int:
    """Make the running NLU server load the current model, so the bot switches without restart.

    The server is the one at ``NLU_URL``, or the one ``nlu serve`` announced in its server file
    (which is then updated, so later chat/ask runs know the model is current).
    """
    import httpx

    settings = get_settings()
    model_file = model.model_path(settings)
    if not model_file.exists():
        print("No model for the current training data yet; run: python -m bot nlu train")
        return 1
    announced: NluEndpoint | None = None
    endpoint: NluEndpoint | None
    if settings.nlu_url:
        token = settings.nlu_token.get_secret_value() if settings.nlu_token else None
        endpoint = NluEndpoint(settings.nlu_url.rstrip("/"), token)
    else:
        announced = endpoint = asyncio.run(running_server(settings))
    if endpoint is None:
        print("No NLU server is running: the bot loads the new model when it starts.")
        return 0
    try:
        response = httpx.put(
            endpoint.url + "/model",
            params={"token": endpoint.token} if endpoint.token else None,
            json={"model_file": str(model_file)},
            timeout=180,
            trust_env=False,  # our own NLU server: never through the machine's proxy
        )
        response.raise_for_status()
    except httpx.HTTPError as exc:
        print(
            f"The NLU server did not load the new model ({type(exc).__name__}); "
            "it keeps the old one."
        )
        return 1
    if announced is not None:
        write_server_file(settings.nlu_server_file, announced, model_file)
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
    serve.add_argument("--model", default=None, help="serve this model file instead")
    serve.set_defaults(handler=_serve)
    check = commands.add_parser("evaluate", help="rasa data validate + rasa test nlu, thresholds")
    check.add_argument("--out", default=None, help="folder for Rasa's reports")
    check.set_defaults(handler=_evaluate)
    reload = commands.add_parser(
        "reload", help="make the running NLU server load the current model (no bot restart)"
    )
    reload.set_defaults(handler=_reload)
