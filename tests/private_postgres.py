"""A private PostgreSQL server for the tests that stop and start it (the shared one of
``scripts/test-postgres.sh`` serves other tests and must stay up).

Debian's server binaries are used (``scripts/test-postgres.sh`` installs them); the cluster
lives in a temporary directory, listens on 127.0.0.1 on a free port, trusts local connections
and is removed afterwards. As root, it runs as the ``postgres`` user (PostgreSQL refuses root).
"""

from __future__ import annotations

import contextlib
import glob
import os
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest


def _bin(name: str) -> str:
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    if not found:
        pytest.skip("PostgreSQL server binaries are not installed (scripts/test-postgres.sh)")
    return found[-1]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


@dataclass
class PrivatePostgres:
    directory: Path
    port: int

    @property
    def url(self) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres"

    def _run(self, *command: str) -> None:
        if os.geteuid() == 0:
            command = ("runuser", "-u", "postgres", "--", *command)
        subprocess.run(command, check=True, capture_output=True, timeout=60)

    def start(self) -> None:
        options = f"-p {self.port} -k {self.directory} -c listen_addresses=127.0.0.1 -c fsync=off"
        self._run(
            _bin("pg_ctl"), "start", "-w", "-D", str(self.directory / "data"),
            "-l", str(self.directory / "log"), "-o", options,
        )  # fmt: skip

    def stop(self) -> None:
        self._run(
            _bin("pg_ctl"), "stop", "-w", "-m", "immediate", "-D", str(self.directory / "data")
        )


@contextmanager
def private_postgres() -> Iterator[PrivatePostgres]:
    directory = Path(tempfile.mkdtemp(prefix="pg-private-"))
    if os.geteuid() == 0:
        shutil.chown(directory, "postgres", "postgres")
    server = PrivatePostgres(directory, _free_port())
    server._run(_bin("initdb"), "-A", "trust", "-U", "postgres", "-D", str(directory / "data"))
    server.start()
    try:
        yield server
    finally:
        with contextlib.suppress(subprocess.CalledProcessError):  # already stopped
            server.stop()
        shutil.rmtree(directory, ignore_errors=True)
