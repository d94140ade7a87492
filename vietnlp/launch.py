"""Start a server module (``rasa``) as a child that keeps its secret off the command line and
dies with its parent.

``python vietnlp/launch.py <parent pid> <module> <args…>`` reads one line from standard input —
the auth token — and runs ``python -m <module> <args…> --auth-token=<token>`` in this process.
``ps`` shows every process's command line to every user of the machine, and Rasa takes its
token only as an argument; ``sys.argv`` changed here is not what ``ps`` shows.

Before anything else it asks Linux to send it SIGTERM when the parent dies
(``PR_SET_PDEATHSIG``), so a bot killed with SIGKILL does not leave a 600 MiB Rasa behind; if
the parent is already gone it exits at once. Standard library only: it runs in either
virtual environment.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import runpy
import signal
import sys

PR_SET_PDEATHSIG = 1


def die_with_parent(parent: int) -> None:
    """SIGTERM when the parent dies (Linux); exit now if it already has."""
    if sys.platform.startswith("linux"):
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0)
    if os.getppid() != parent:  # died before prctl took effect
        sys.exit(1)


def main(argv: list[str]) -> None:
    parent, module, *args = argv
    die_with_parent(int(parent))
    token = sys.stdin.readline().strip()
    sys.stdin.close()
    sys.stdin = open(os.devnull, encoding="utf-8")  # noqa: SIM115 - for the rest of the process
    sys.argv = module_argv(module, args, token)
    runpy.run_module(module, run_name="__main__", alter_sys=True)


def module_argv(module: str, args: list[str], token: str) -> list[str]:
    """The module's command line with the token. ``--auth-token=<token>`` in one word: a random
    URL-safe token starts with "-" once in 64, and ``--auth-token -x…`` then reads as a missing
    value followed by an unknown option (Rasa exited with code 2 and the bot ran without NLU)."""
    return [module, *args, *([f"--auth-token={token}"] if token else [])]


if __name__ == "__main__":
    main(sys.argv[1:])
