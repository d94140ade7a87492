"""From "this question should open topic X" to a retrained NLU model, in the background.

The example is appended to ``nlu_data/data/editor_examples.yml`` (ruamel round-trip, so the
file stays readable and reviewable in git); the model's fingerprint covers every training file,
so ``python -m bot nlu train`` retrains. Then the quality gate (``nlu evaluate``) runs, and only
if it passes is a running NLU server (``NLU_URL``) asked to load the new model — the bot's NLU
client keeps its connection, so the bot switches without restart. One job runs at a time; its
steps and the tail of its log are shown in the console.
"""

from __future__ import annotations

import io
import re
import subprocess
import sys
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.scalarstring import LiteralScalarString

from bot.settings import REPO_ROOT
from vietnlp.text import normalise

HEADER = (
    "# Examples added by editors in the console: questions workers asked that should open the\n"
    "# topic (intent) named here. Reviewed in git like every training file.\n"
)
# Placeholders of bot.scrub look like Rasa's entity markup ("[...]"), so they are removed.
_PLACEHOLDER = re.compile(r"\[[^\]]*\]")
_lock = threading.Lock()


def intent_for_topic(topic_id: str) -> str:
    """The NLU intent of a topic: its id with '-' → '_' (``find-clinic`` → ``find_clinic``)."""
    return topic_id.replace("-", "_")


def example_text(question: str) -> str:
    """A kept question as a training example: placeholders out, one line, single spaces."""
    return " ".join(_PLACEHOLDER.sub(" ", question).split())


def add_examples(path: Path, intent: str, questions: list[str]) -> list[str]:
    """Append the questions under ``intent``, each once (accents ignored); returns the added."""
    yaml = YAML(typ="rt")
    yaml.width = 4096
    yaml.indent(mapping=2, sequence=2, offset=0)
    with _lock:
        text = path.read_text(encoding="utf-8") if path.is_file() else ""
        doc = yaml.load(text) if text.strip() else None
        if not isinstance(doc, CommentedMap):
            doc = CommentedMap([("version", "3.1"), ("nlu", CommentedSeq())])
            doc.yaml_set_start_comment(HEADER.replace("# ", "").rstrip("\n"))
        blocks = doc.setdefault("nlu", CommentedSeq())
        seen = {
            normalise(line.removeprefix("- "))
            for block in blocks
            for line in str(block.get("examples", "")).splitlines()
        }
        block = next((b for b in blocks if b.get("intent") == intent), None)
        lines = str(block["examples"]).splitlines() if block is not None else []
        added = []
        for question in questions:
            example = example_text(question)
            if example and normalise(example) not in seen:
                seen.add(normalise(example))
                lines.append(f"- {example}")
                added.append(example)
        if not added:
            return []
        examples = LiteralScalarString("\n".join(lines) + "\n")
        if block is None:
            blocks.append(CommentedMap([("intent", intent), ("examples", examples)]))
        else:
            block["examples"] = examples
        out = io.StringIO()
        yaml.dump(doc, out)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(out.getvalue(), encoding="utf-8")
        return added


def remove_examples(path: Path, intent: str, examples: list[str]) -> None:
    """Take examples out again (a retrain with them failed the quality gate)."""
    yaml = YAML(typ="rt")
    yaml.width = 4096
    yaml.indent(mapping=2, sequence=2, offset=0)
    drop = {normalise(example) for example in examples}
    with _lock:
        doc = yaml.load(path.read_text(encoding="utf-8")) if path.is_file() else None
        if not isinstance(doc, CommentedMap):
            return
        blocks = doc.get("nlu") or []
        for block in list(blocks):
            if block.get("intent") != intent:
                continue
            kept = [
                line
                for line in str(block.get("examples", "")).splitlines()
                if normalise(line.removeprefix("- ")) not in drop
            ]
            if kept:
                block["examples"] = LiteralScalarString("\n".join(kept) + "\n")
            else:
                blocks.remove(block)
        out = io.StringIO()
        yaml.dump(doc, out)
        path.write_text(out.getvalue(), encoding="utf-8")


# Steps whose failure means the new examples must not stay: the next model would be untested.
GATED_STEPS = ("train", "quality gate")


@dataclass
class Step:
    name: str
    state: str = "waiting"  # waiting | running | done | failed | skipped
    seconds: float = 0.0


@dataclass
class RetrainJob:
    """One background retrain: its steps, timing and the last lines of output."""

    started_by: str
    steps: list[Step]
    started: float = field(default_factory=time.monotonic)
    finished: float | None = None
    log: deque[str] = field(default_factory=lambda: deque(maxlen=20))
    undone: bool = False  # the examples were taken out again after a failure

    @property
    def running(self) -> bool:
        return self.finished is None

    @property
    def elapsed(self) -> float:
        return (self.finished or time.monotonic()) - self.started

    @property
    def outcome(self) -> str:
        if self.running:
            return "running"
        return "failed" if any(s.state == "failed" for s in self.steps) else "done"


def default_commands() -> list[tuple[str, list[str]]]:
    """Train, then the quality gate, then load the model into a running NLU server."""
    bot = [sys.executable, "-m", "bot"]
    return [
        ("train", [*bot, "nlu", "train"]),
        ("quality gate", [*bot, "nlu", "evaluate"]),
        ("switch", [*bot, "nlu", "reload"]),
    ]


class Retrainer:
    """Runs at most one retrain at a time in a thread; ``current`` is shown by the console."""

    def __init__(self, commands: list[tuple[str, list[str]]] | None = None) -> None:
        self._commands = commands if commands is not None else default_commands()
        self._lock = threading.Lock()
        self.current: RetrainJob | None = None

    def start(self, started_by: str, undo: Callable[[], None] | None = None) -> RetrainJob | None:
        """Start a job unless one is running (then ``None``: the editor starts another when it
        ends). ``undo`` runs when training or the quality gate fails (removes the examples)."""
        with self._lock:
            if self.current is not None and self.current.running:
                return None
            job = RetrainJob(started_by, [Step(name) for name, _ in self._commands])
            self.current = job
        threading.Thread(target=self._run, args=(job, undo), daemon=True).start()
        return job

    def _run(self, job: RetrainJob, undo: Callable[[], None] | None) -> None:
        try:
            for step, (_, command) in zip(job.steps, self._commands, strict=True):
                if not self._run_step(job, step, command):
                    for later in job.steps[job.steps.index(step) + 1 :]:
                        later.state = "skipped"
                    if undo is not None and step.name in GATED_STEPS:
                        undo()
                        job.log.append(
                            "the new examples were removed again; the bot keeps its model"
                        )
                        job.undone = True
                    break
        finally:
            job.finished = time.monotonic()

    def _run_step(self, job: RetrainJob, step: Step, command: list[str]) -> bool:
        step.state = "running"
        begun = time.monotonic()
        try:
            process = subprocess.Popen(
                command,
                cwd=REPO_ROOT,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                text=True,
                errors="replace",
            )
        except OSError as exc:
            job.log.append(f"{step.name}: cannot start ({exc.strerror})")
            step.state = "failed"
            return False
        assert process.stdout is not None
        for line in process.stdout:
            if line.strip():
                job.log.append(line.rstrip()[:300])
            step.seconds = time.monotonic() - begun
        code = process.wait()
        step.seconds = time.monotonic() - begun
        step.state = "done" if code == 0 else "failed"
        if code != 0:
            job.log.append(f"{step.name}: exit code {code}")
        return code == 0
