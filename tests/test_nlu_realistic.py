"""The realistic test sets: well formed, never trained on, and the quality gate on them.

The first set (``tests/realistic``) was written apart from the training data, by writers who never
saw ``nlu_data/``; the overlap test keeps it that way. Its error counts guided three rounds of
training data, so a second set (``tests/realistic_fresh``, 2026-12-01) was written by three more
writers who saw neither the training data nor the first set; it is only measured, never used to
choose anything (docs/nlu.md). The gate sends every message in each of
its three forms through the real engine with the real Rasa server and checks what a worker would
see. Its thresholds sit a little under the measured figures (``make bench-nlu`` prints them and
docs/nlu.md records them), so a regression fails CI.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from pathlib import Path

import pytest
import yaml

from bot.conversation import Conversation
from bot.nlu import evaluate, model, realistic
from bot.nlu.client import NluClient
from bot.nlu.local_server import NluEndpoint
from bot.settings import REPO_ROOT, Settings
from bot.store import open_store
from vietnlp.text import has_diacritics

CASES = realistic.load_cases()
FRESH_DIR = REPO_ROOT / "tests" / "realistic_fresh"
FRESH = realistic.load_cases(FRESH_DIR)
SETS = {"first": CASES, "fresh": FRESH}
TOPICS = {
    answer
    for chapter in yaml.safe_load((REPO_ROOT / "content/topics.yml").read_text())["chapters"]
    for answer in chapter["answers"]
}

# Per set and form, a little under the figures measured on 2026-12-02, ninth round (docs/nlu.md):
# top-1 at least, confidently wrong at most, clarify hit at least, emergency recall and crisis
# recall at least. The targets are higher (top-1 0.95, confidently wrong 2 %); these catch a
# regression. Clarify hit rests on 6–10 clarify replies per form (one miss moves it by 0.1–0.17),
# so its margin is wider. Emergency and crisis recall were 100 % in every form: one miss in a
# form still passes, two fail.
THRESHOLDS = {
    "first": {
        "written": (0.945, 0.04, 0.75, 0.98, 0.98),
        "plain": (0.935, 0.04, 0.75, 0.98, 0.98),
        "teencode": (0.92, 0.055, 0.75, 0.98, 0.98),
    },
    # The fresh set's figures are lower: nothing was ever tuned to it. ~10 clarify replies per
    # form, so its clarify hit moves by 0.1 a message.
    "fresh": {
        "written": (0.89, 0.06, 0.55, 0.98, 0.98),
        "plain": (0.87, 0.07, 0.55, 0.98, 0.98),
        "teencode": (0.84, 0.085, 0.55, 0.98, 0.98),
    },
}


def test_the_set_is_large_and_mixed_enough() -> None:
    assert len(CASES) >= 400
    by_country = Counter(case.id.split("-")[0] for case in CASES)
    assert min(by_country.values()) >= 120 and set(by_country) == {"jp", "kr", "tw"}
    assert sum(case.emergency == "suicide" for case in CASES) >= 80
    assert sum(len(case.text) > 200 for case in CASES) >= 0.3 * len(CASES)
    assert sum(case.country != case.stored for case in CASES) >= 30
    assert len({case.id for case in CASES}) == len(CASES)


def test_the_fresh_set_is_large_and_mixed_enough() -> None:
    assert len(FRESH) >= 360
    by_country = Counter(case.id.split("-")[0] for case in FRESH)
    assert by_country == {"jpf": 120, "krf": 120, "twf": 120}
    assert sum(case.emergency == "suicide" for case in FRESH) >= 60
    assert sum(case.emergency in {"medical", "police"} for case in FRESH) >= 40
    assert sum(len(case.text) > 200 for case in FRESH) >= 0.2 * len(FRESH)
    assert sum(bool(case.also) for case in FRESH) >= 30
    assert len({case.id for case in FRESH}) == len(FRESH)


def test_the_two_sets_were_written_apart() -> None:
    first = [case.form(form) for case in CASES for form in realistic.FORMS]
    found = realistic.overlap(FRESH, first)
    assert not found, [(o.case_id, o.similarity) for o in found[:10]]


@pytest.mark.parametrize("name", SETS)
def test_every_label_is_a_topic_and_every_form_differs(name: str) -> None:
    cases = SETS[name]
    for case in cases:
        labels = {*case.topics, *case.also}
        assert labels <= TOPICS | realistic.NO_ANSWER_LABELS, case.id
        if case.emergency in {"medical", "police"}:
            assert case.number, case.id
    written = [case for case in cases if has_diacritics(case.text)]
    assert len(written) >= 0.9 * len(cases)
    assert sum(case.teencode != case.form("plain") for case in cases) >= 0.9 * len(cases)


@pytest.mark.parametrize("name", SETS)
def test_no_message_is_close_to_a_training_sentence(name: str) -> None:
    found = realistic.overlap(SETS[name], evaluate.example_sentences(model.TRAINING_DATA))
    assert not found, "\n".join(
        f"{o.case_id} [{o.form}] ~ {o.training!r} ({o.similarity:.2f})" for o in found[:10]
    )


@pytest.mark.e2e
@pytest.mark.nlu
@pytest.mark.parametrize("name", SETS)
def test_quality_gate(name: str, nlu_server: NluEndpoint, tmp_path: Path) -> None:
    cases = SETS[name]
    settings = Settings(database_url=f"sqlite:///{tmp_path / 'gate.db'}")

    async def run() -> list[realistic.Score]:
        client = NluClient(nlu_server.url, nlu_server.token, timeout=10.0)
        try:
            with open_store(settings) as store:
                conversation = Conversation(store.sessions, store.repository, client, settings)
                return await realistic.run_cases(conversation, store.repository, cases)
        finally:
            await client.aclose()

    scores = asyncio.run(run())
    failures = []
    for form, (top1, wrong, hit, emergency, crisis) in THRESHOLDS[name].items():
        s = realistic.summarise([score for score in scores if score.form == form])
        print(f"{form}: {s}")
        if s.top1 < top1:
            failures.append(f"{form}: top-1 {s.top1:.3f} < {top1}")
        if s.confidently_wrong > wrong:
            failures.append(f"{form}: confidently wrong {s.confidently_wrong:.3f} > {wrong}")
        if s.clarify_hit < hit:
            failures.append(f"{form}: clarify hit {s.clarify_hit:.3f} < {hit}")
        if s.emergency_recall < emergency or s.crisis_recall < crisis:
            missed = [sc.case.id for sc in scores if sc.form == form and sc.emergency_ok is False]
            failures.append(
                f"{form}: emergency recall {s.emergency_recall:.3f}, crisis recall "
                f"{s.crisis_recall:.3f}; missed: {missed}"
            )
    assert not failures, "\n".join(failures)
