"""``python -m bot editor [--host H] [--port P]`` and ``python -m bot editor create-admin``.

The console is served by waitress, a production WSGI server in pure Python (threads, no build
step), on loopback by default: in production it sits behind a reverse proxy that adds TLS.
"""

from __future__ import annotations

import argparse
import getpass
import sys
from typing import Any

from bot.settings import get_settings


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser("editor", help="the editors' web console")
    parser.add_argument("--host", default=None, help="default: EDITOR_HOST or 127.0.0.1")
    parser.add_argument("--port", type=int, default=None, help="default: EDITOR_PORT or 8088")
    parser.add_argument("--threads", type=int, default=8, help="concurrent requests served")
    parser.set_defaults(handler=_serve)
    commands = parser.add_subparsers(dest="editor_command")
    admin = commands.add_parser("create-admin", help="create an admin account (first start)")
    admin.add_argument("--username", required=True)
    admin.add_argument(
        "--password-stdin", action="store_true", help="read the password from standard input"
    )
    admin.set_defaults(handler=_create_admin)


def _serve(args: argparse.Namespace) -> int:
    import waitress

    from bot.editor.app import create_app

    settings = get_settings()
    host, port = args.host or settings.editor_host, args.port or settings.editor_port
    app = create_app(settings)
    print(f"Editors' console on http://{host}:{port}/  (Ctrl+C to stop)", flush=True)
    waitress.serve(app, host=host, port=port, threads=args.threads, ident="", _quiet=True)
    return 0


def _create_admin(args: argparse.Namespace) -> int:
    from bot.db import make_engine, make_session_factory
    from bot.editor import accounts, audit
    from bot.migrate import upgrade

    if args.password_stdin:
        password = sys.stdin.readline().rstrip("\n")
    else:
        password = getpass.getpass("Password (at least 12 characters): ")
        if getpass.getpass("Again: ") != password:
            print("The two passwords differ; nothing was created.", file=sys.stderr)
            return 1
    settings = get_settings()
    upgrade(settings.database_url, quiet=True)
    engine = make_engine(settings.database_url)
    try:
        with make_session_factory(engine)() as session, session.begin():
            account = accounts.create_account(session, args.username, password, "admin")
            audit.record(session, "command line", "account_create", account.username, "admin")
    except accounts.AccountError as exc:
        print(f"Not created: {exc}.", file=sys.stderr)
        return 1
    finally:
        engine.dispose()
    print(f"Admin account {account.username} created. Start the console: python -m bot editor")
    return 0
