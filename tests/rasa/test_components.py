"""Unit tests of the Vietnamese Rasa components (run in .venv-rasa, see pytest.ini)."""

from __future__ import annotations

import asyncio
import unicodedata
from pathlib import Path

from rasa.engine.graph import ExecutionContext
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.nlu.constants import TOKENS_NAMES
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from vietnlp.components import (
    NgramFeaturizer,
    VietnameseNormalizer,
    VietnameseTokenizer,
    fit_logistic_regression,
)

REPO = Path(__file__).resolve().parents[2]

TRAINING_SENTENCES = [
    ("Bảo hiểm y tế ở Nhật trả bao nhiêu tiền?", "health_insurance"),
    ("Số điện thoại cấp cứu là gì?", "emergency_medical"),
    ("Tôi bị mất hộ chiếu rồi", "lost_passport"),
    ("so cap cuu o han quoc", "emergency_medical"),
]


def make_tokenizer(
    storage: LocalModelStorage, resource: Resource, context: ExecutionContext
) -> VietnameseTokenizer:
    config = {
        **VietnameseTokenizer.get_default_config(),
        "abbreviations_file": str(REPO / "nlu_data/abbreviations.yml"),
    }
    tokenizer = VietnameseTokenizer.create(config, storage, resource, context)
    examples = [Message(data={TEXT: text, "intent": intent}) for text, intent in TRAINING_SENTENCES]
    tokenizer.train(TrainingData(examples))
    return tokenizer


def tokens(tokenizer: VietnameseTokenizer, text: str) -> list[tuple[str, str, int, int]]:
    message = Message(data={TEXT: text})
    tokenizer.process([message])
    return [(t.text, t.lemma, t.start, t.end) for t in message.get(TOKENS_NAMES[TEXT])]


def test_components_are_registered_with_the_default_recipe() -> None:
    registered = DefaultV1Recipe._from_registry("vietnlp.components.VietnameseTokenizer")
    assert registered.clazz is VietnameseTokenizer
    assert registered.is_trainable
    normalizer = DefaultV1Recipe._from_registry("vietnlp.components.VietnameseNormalizer")
    assert normalizer.clazz is VietnameseNormalizer


def test_normalizer_composes_decomposed_text(model_storage, resource, execution_context) -> None:
    decomposed = unicodedata.normalize("NFD", "cấp cứu\u200b")
    message = Message(data={TEXT: decomposed})
    VietnameseNormalizer.create({}, model_storage, resource, execution_context).process([message])
    assert message.get(TEXT) == "cấp cứu"


def test_training_learns_words_with_pyvi(model_storage, resource, execution_context) -> None:
    tokenizer = make_tokenizer(model_storage, resource, execution_context)
    assert ("bao", "hiem") in tokenizer.lexicon
    assert ("ho", "chieu") in tokenizer.lexicon
    assert ("dien", "thoai") in tokenizer.lexicon  # also learned from the abbreviation table


def test_with_and_without_diacritics_give_the_same_lemmas(
    model_storage, resource, execution_context
) -> None:
    tokenizer = make_tokenizer(model_storage, resource, execution_context)
    with_marks = tokens(tokenizer, "Bảo hiểm ở Nhật Bản")
    without = tokens(tokenizer, "bao hiem o nhat ban")
    assert [t[1] for t in with_marks] == [t[1] for t in without] == ["bao_hiem", "o", "nhat_ban"]
    # the token text stays what the user typed, with its offsets
    assert with_marks[0] == ("Bảo hiểm", "bao_hiem", 0, 8)
    assert with_marks[2] == ("Nhật Bản", "nhat_ban", 11, 19)


def test_abbreviations_expand_whole_tokens_only(model_storage, resource, execution_context) -> None:
    tokenizer = make_tokenizer(model_storage, resource, execution_context)
    result = tokens(tokenizer, "sdt cc ko bik, kong")
    assert result[0] == ("sdt", "so_dien_thoai", 0, 3)
    assert result[1] == ("cc", "cap_cuu", 4, 6)
    assert [t[1] for t in result[2:]] == ["khong", "biet", "kong"]


def test_lexicon_survives_persist_and_load(model_storage, resource, execution_context) -> None:
    trained = make_tokenizer(model_storage, resource, execution_context)
    loaded = VietnameseTokenizer.load(
        VietnameseTokenizer.get_default_config(), model_storage, resource, execution_context
    )
    assert loaded.lexicon == trained.lexicon
    assert loaded.abbreviations == trained.abbreviations
    assert tokens(loaded, "mất hộ chiếu") == tokens(trained, "mất hộ chiếu")


def test_trained_model_parses_and_keeps_entity_text(tmp_path: Path) -> None:
    """A whole tiny model: our components + classifier + regex entities, trained and parsed."""
    from rasa.core.agent import Agent
    from rasa.model_training import train_nlu

    data = tmp_path / "nlu.yml"
    data.write_text(
        'version: "3.1"\nnlu:\n'
        "- intent: ambulance\n  examples: |\n"
        "    - số cấp cứu ở [Nhật](country) là gì\n    - bạn tôi ngất rồi\n"
        "    - gọi xe cấp cứu\n    - so cap cuu\n"
        "- intent: health_insurance\n  examples: |\n"
        "    - bảo hiểm y tế trả bao nhiêu\n    - thẻ bảo hiểm bị mất\n"
        "    - bhyt dung the nao\n    - tiền khám có được bảo hiểm trả không\n"
        "- synonym: japan\n  examples: |\n    - Nhật\n    - nhat ban\n"
        "- lookup: country\n  examples: |\n    - nhat ban\n    - Nhật\n",
        encoding="utf-8",
    )
    config = (
        (REPO / "nlu_data/config.yml")
        .read_text()
        .replace("nlu_data/abbreviations.yml", str(REPO / "nlu_data/abbreviations.yml"))
    )
    (tmp_path / "config.yml").write_text(config)
    model = train_nlu(
        str(tmp_path / "config.yml"),
        str(data),
        str(tmp_path / "models"),
        domain=str(REPO / "nlu_data/domain.yml"),
    )
    agent = Agent.load(model)
    result = asyncio.run(agent.parse_message("sdt cấp cứu ở nhat ban"))
    assert result["intent"]["name"] == "ambulance"
    ranking = [r["confidence"] for r in result["intent_ranking"]]
    assert ranking == sorted(ranking, reverse=True) and abs(sum(ranking) - 1) < 1e-6
    [entity] = result["entities"]
    assert entity["value"] == "japan"
    assert "sdt cấp cứu ở nhat ban"[entity["start"] : entity["end"]] == "nhat ban"


def test_emoji_or_symbols_only_still_make_one_token(
    model_storage, resource, execution_context
) -> None:
    """An empty token sequence made the featurizers fail and the server answer HTTP 500."""
    tokenizer = make_tokenizer(model_storage, resource, execution_context)
    for text in ("🙏🙏🙏", "?!... :) ♥", "🆘"):
        [(word, lemma, start, end)] = tokens(tokenizer, text)
        assert (word, start, end) == (text, 0, len(text)) and lemma == "__no_words__"
    assert len(tokens(tokenizer, "cứu 🙏")) == 1  # words present: only the words


def test_the_threaded_fit_equals_scikit_learns_logistic_regression() -> None:
    """The classifier's own fit (products split over the cores) is LogisticRegression's."""
    import numpy as np
    import scipy.sparse
    from sklearn.linear_model import LogisticRegression

    rng = np.random.RandomState(0)
    features = scipy.sparse.random(300, 120, density=0.05, random_state=rng, format="csr")
    labels = [f"intent_{i % 5}" for i in rng.randint(0, 50, size=300)]
    ours = fit_logistic_regression(features, labels, C=50.0, tol=1e-6, max_iter=3000)
    theirs = LogisticRegression(C=50.0, tol=1e-6, max_iter=3000, class_weight="balanced")
    theirs.fit(features, labels)
    assert list(ours.classes_) == list(theirs.classes_)
    # The same optimum, reached by sums in another order: equal to the optimizer's tolerance.
    difference = np.abs(ours.predict_proba(features) - theirs.predict_proba(features)).max()
    assert difference < 1e-3
    assert list(ours.predict(features)) == list(theirs.predict(features))
    assert ours.n_iter_[0] > 1


def test_the_featurizer_counts_words_and_characters_of_the_lemmas(
    model_storage, resource, execution_context
) -> None:
    tokenizer = make_tokenizer(model_storage, resource, execution_context)
    messages = [Message(data={TEXT: text}) for text, _ in TRAINING_SENTENCES]
    training = TrainingData(training_examples=messages)
    tokenizer.process_training_data(training)
    config = {**NgramFeaturizer.get_default_config(), "min_df": 1}
    featurizer = NgramFeaturizer.create(config, model_storage, resource, execution_context)
    featurizer.train(training)
    featurizer.process_training_data(training)
    sequence, sentence = messages[0].get_sparse_features(TEXT)
    assert sequence is None and sentence is not None and sentence.features.sum() > 0
    # Loaded from the model storage, the same counts.
    loaded = NgramFeaturizer.load(config, model_storage, resource, execution_context)
    again = Message(data={TEXT: TRAINING_SENTENCES[0][0]})
    tokenizer.process([again])
    loaded.process([again])
    assert (again.get_sparse_features(TEXT)[1].features != sentence.features).nnz == 0
    # A number is a number, whatever its digits: "119" and "110" count the same.
    one, other = Message(data={TEXT: "gọi 119"}), Message(data={TEXT: "gọi 110"})
    tokenizer.process([one, other])
    loaded.process([one, other])
    features = [m.get_sparse_features(TEXT)[1].features for m in (one, other)]
    assert (features[0] != features[1]).nnz == 0
