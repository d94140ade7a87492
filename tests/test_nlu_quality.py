"""The NLU quality gate: ``rasa data validate`` and ``rasa test nlu`` on the held-out test sets.

The three forms of the test set (with diacritics, without, teencode) are never used in training.
Thresholds (``bot.nlu.evaluate``): topic accuracy and the classifier's own recall of the
emergency intents in every form; the whole emergency path (lexicon + classifier over every part
of a message) is gated at 100% on the realistic set. Training is seeded, so the figures are
reproducible.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.nlu import evaluate, model
from bot.settings import Settings
from vietnlp.text import normalise

pytestmark = [pytest.mark.e2e, pytest.mark.nlu]


def test_training_data_validates() -> None:
    evaluate.validate_data(Settings())


def test_held_out_sets_are_disjoint_from_training() -> None:
    training = {normalise(s) for s in evaluate.example_sentences(model.TRAINING_DATA)}
    for form, folder in model.TEST_SETS.items():
        overlap = {normalise(s) for s in evaluate.example_sentences(folder)} & training
        assert not overlap, f"{form}: {sorted(overlap)[:5]}"


@pytest.mark.parametrize("form", list(model.TEST_SETS))
def test_accuracy_and_emergency_recall_meet_the_thresholds(form: str, tmp_path: Path) -> None:
    settings = Settings()
    report = evaluate.evaluate_form(settings, model.train(settings), form, tmp_path)
    print(evaluate.format_reports([report]))
    assert evaluate.threshold_failures([report]) == []
