"""Every module of the project imports on its own, in a fresh interpreter: no import cycles.

An import cycle works or fails depending on which module happens to be imported first (``import
bot.recruitment.quiz`` once failed in a fresh interpreter while the whole test suite passed,
because other modules imported ``actions`` first). So each module is imported with every project
module forgotten beforehand, in a separate interpreter from the tests'. The Rasa components are
imported by the Rasa virtual environment's interpreter, which is the one that loads them.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from bot.settings import REPO_ROOT, Settings

PACKAGES = ("actions", "bot", "vietnlp")
# Alembic's environment runs migrations when imported; the revisions are loaded by Alembic.
NOT_IMPORTED = ("bot.migrations.env", "bot.migrations.versions")
NEEDS_RASA = ("vietnlp.components",)

# Runs in the child: imports each module named on stdin with the project's modules forgotten,
# and prints the modules that failed, with the error.
CHILD = """
import importlib, json, sys
names = json.load(sys.stdin)
packages = tuple(sys.argv[1:])
failed = {}
for name in names:
    for loaded in [m for m in sys.modules if m.split(".")[0] in packages]:
        del sys.modules[loaded]
    try:
        importlib.import_module(name)
    except Exception as exc:
        failed[name] = f"{type(exc).__name__}: {exc}"
print(json.dumps(failed))
"""


def project_modules() -> list[str]:
    names = []
    for package in PACKAGES:
        for path in sorted((REPO_ROOT / package).rglob("*.py")):
            parts = path.relative_to(REPO_ROOT).with_suffix("").parts
            name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
            if parts[-1] == "__main__" or name.startswith(NOT_IMPORTED):
                continue
            names.append(name)
    return names


def import_each(python: Path | str, names: list[str]) -> dict[str, str]:
    result = subprocess.run(
        [str(python), "-c", CHILD, *PACKAGES],
        input=json.dumps(names),
        capture_output=True,
        text=True,
        cwd=REPO_ROOT,
        timeout=300,
        check=True,
    )
    failed: dict[str, str] = json.loads(result.stdout.strip().splitlines()[-1])
    return failed


def test_the_module_list_covers_the_project() -> None:
    names = project_modules()
    assert {"actions", "actions.decide", "bot.conversation", "bot.recruitment.quiz"} <= set(names)
    assert "vietnlp.countries" in names and len(names) > 80


def test_every_module_imports_alone_in_a_fresh_interpreter() -> None:
    names = [n for n in project_modules() if n not in NEEDS_RASA]
    assert import_each(sys.executable, names) == {}


def test_the_rasa_components_import_alone_in_the_rasa_environment() -> None:
    python = Settings().rasa_venv / "bin" / "python"
    if not python.exists():
        pytest.skip("the Rasa virtual environment is not installed (make setup-nlu)")
    assert import_each(python, list(NEEDS_RASA)) == {}
