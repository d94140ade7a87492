"""Checking the NLU model on held-out test sets: ``rasa data validate`` and ``rasa test nlu``.

The test sets under ``nlu_data/tests/`` are never used in training and come in three forms — with
diacritics, without, and teencode — because that is how workers type. Each form has its own
accuracy threshold, and the emergency intents must keep a recall of 0.99 in every form: missing
"bạn tôi ngất rồi" matters far more than any other mistake.
"""

from __future__ import annotations

import json
import re
import subprocess
from dataclasses import dataclass
from pathlib import Path

import yaml

from bot.nlu import model
from bot.settings import REPO_ROOT, Settings
from vietnlp.intents import EMERGENCY_INTENTS

# Topic-level intents (51 topics) on the short held-out sentences, a little under the measured
# 0.931 / 0.922 / 0.922 (docs/nlu.md), so a regression fails.
ACCURACY_THRESHOLDS = {"diacritics": 0.91, "plain": 0.90, "teencode": 0.90}
# The classifier alone, on one short sentence; the bot adds the emergency lexicon and reads every
# part of a message, and that whole path is gated at 100% on the realistic set
# (tests/test_nlu_realistic.py).
EMERGENCY_RECALL_THRESHOLD = 0.85


ENTITY_MARKUP = re.compile(r"\[([^\]]+)\](\([^)]*\)|\{[^}]*\})")


def strip_entity_markup(text: str) -> str:
    """'[Nhật](country)' → 'Nhật' (also the ``{"entity": …}`` form)."""
    return ENTITY_MARKUP.sub(r"\1", text)


def example_sentences(folder: Path) -> list[str]:
    """Every intent example in the Rasa YAML files of ``folder``, without entity markup."""
    sentences = []
    for path in sorted(folder.rglob("*.yml")):
        for block in yaml.safe_load(path.read_text(encoding="utf-8")).get("nlu", []):
            if "intent" not in block:
                continue  # synonyms and lookup tables are not sentences
            for line in str(block.get("examples", "")).splitlines():
                text = line.strip().removeprefix("- ").strip()
                if text:
                    sentences.append(strip_entity_markup(text))
    return sentences


@dataclass(frozen=True)
class FormReport:
    """Intent metrics of one model on one form of the test set."""

    form: str
    accuracy: float
    macro_f1: float
    recall: dict[str, float]
    support: int


def validate_data(settings: Settings) -> None:
    """``rasa data validate`` on the training data; raises on errors."""
    command = [
        str(model.rasa_executable(settings)), "data", "validate",
        "--data", str(model.TRAINING_DATA), "--domain", str(model.DOMAIN),
        "--config", str(model.CONFIG),
    ]  # fmt: skip
    result = subprocess.run(command, cwd=REPO_ROOT, env=model.rasa_env(), check=False)
    if result.returncode != 0:
        raise model.NluSetupError(f"rasa data validate failed (exit code {result.returncode})")


def read_intent_report(path: Path, form: str) -> FormReport:
    """Parse the ``intent_report.json`` that ``rasa test nlu`` writes."""
    report = json.loads(path.read_text())
    intents = {
        name: values
        for name, values in report.items()
        if isinstance(values, dict) and "recall" in values and not name.endswith(" avg")
    }
    return FormReport(
        form=form,
        accuracy=float(report["accuracy"]),
        macro_f1=float(report["macro avg"]["f1-score"]),
        recall={name: float(values["recall"]) for name, values in intents.items()},
        support=int(report["macro avg"]["support"]),
    )


def evaluate_form(settings: Settings, model_file: Path, form: str, out_dir: Path) -> FormReport:
    """Run ``rasa test nlu`` for one form of the held-out set."""
    out = out_dir / form
    command = [
        str(model.rasa_executable(settings)), "test", "nlu", "--model", str(model_file),
        "--nlu", str(model.TEST_SETS[form]), "--domain", str(model.DOMAIN),
        "--out", str(out), "--no-plot",
    ]  # fmt: skip
    result = subprocess.run(
        command, cwd=REPO_ROOT, env=model.rasa_env(), check=False, capture_output=True
    )
    if result.returncode != 0:
        tail = result.stdout.decode(errors="replace")[-2000:]
        raise model.NluSetupError(f"rasa test nlu failed for {form}:\n{tail}")
    return read_intent_report(out / "intent_report.json", form)


def threshold_failures(reports: list[FormReport]) -> list[str]:
    """Every threshold the reports miss, as readable sentences (empty when all pass)."""
    failures = []
    for report in reports:
        wanted = ACCURACY_THRESHOLDS[report.form]
        if report.accuracy < wanted:
            failures.append(f"{report.form}: accuracy {report.accuracy:.3f} < {wanted}")
        for intent in EMERGENCY_INTENTS:
            recall = report.recall.get(intent, 0.0)
            if recall < EMERGENCY_RECALL_THRESHOLD:
                failures.append(
                    f"{report.form}: recall of {intent} {recall:.3f} < {EMERGENCY_RECALL_THRESHOLD}"
                )
    return failures


def format_reports(reports: list[FormReport]) -> str:
    lines = [f"{'form':<11} {'accuracy':>8} {'macro-F1':>8} {'emergency recall':>17} {'n':>5}"]
    for r in reports:
        emergency = min(r.recall.get(i, 0.0) for i in EMERGENCY_INTENTS)
        lines.append(
            f"{r.form:<11} {r.accuracy:>8.3f} {r.macro_f1:>8.3f} {emergency:>17.3f} {r.support:>5}"
        )
    return "\n".join(lines)
