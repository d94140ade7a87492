"""Rasa 3 graph components for Vietnamese as workers type it (imported only inside Rasa's env).

Pipeline order (see ``nlu_data/config.yml``):

1. ``VietnameseNormalizer`` — Unicode NFC, invisible characters removed, on the message text
   itself (NFC is canonical equivalence, so entity values are still the user's own words).
2. ``VietnameseTokenizer`` — splits into words with their original spans, expands whole-token
   abbreviations/teencode from the editor-maintained ``nlu_data/abbreviations.yml``, folds
   diacritics and groups syllables into words. Each token keeps the user's original ``text``
   (entity values and offsets stay true) while its ``lemma`` is the folded, expanded,
   segmented form (``bao_hiem``). ``CountVectorsFeaturizer(use_lemma=True)`` reads the lemma, so
   "bảo hiểm", "bao hiem" and "bh" become the same features for the classifier.

Why segmentation is learned rather than run per message: pyvi (a CRF word segmenter shipped with
its model on PyPI) segments text *with* diacritics well but mis-segments text without them
("ve_bao hiem"). So at training time pyvi segments every training sentence that has diacritics,
and the multi-syllable words it finds (in folded form) become the model's lexicon; at run time the
lexicon is applied by longest match to the folded syllables. A message therefore segments the same
with or without diacritics, and only words the classifier has seen matter to it anyway.
"""

from __future__ import annotations

import json
import logging
import os
import re
from collections.abc import Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.classifiers.classifier import IntentClassifier
from rasa.nlu.constants import TOKENS_NAMES
from rasa.nlu.featurizers.featurizer import Featurizer
from rasa.nlu.featurizers.sparse_featurizer.sparse_featurizer import SparseFeaturizer
from rasa.nlu.tokenizers.tokenizer import Token, Tokenizer
from rasa.shared.nlu.constants import (
    INTENT,
    INTENT_NAME_KEY,
    INTENT_RANKING_KEY,
    PREDICTED_CONFIDENCE_KEY,
    TEXT,
)
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from vietnlp.text import ABBREVIATIONS_FILE, fold, has_diacritics, load_abbreviations, nfc, spans

logger = logging.getLogger(__name__)

LEXICON_FILE = "lexicon.json"
NGRAMS_FILE = "ngrams.json"
_NUMBER = re.compile(r"\b[0-9]+\b")


def _write_json(storage: ModelStorage, resource: Resource, name: str, payload: Any) -> None:
    """A component's trained data, as JSON in its model storage."""
    with storage.write_to(resource) as directory:
        (directory / name).write_text(json.dumps(payload, ensure_ascii=False))


def _read_json(storage: ModelStorage, resource: Resource, name: str) -> Any | None:
    """What ``_write_json`` stored, or None when the model has none (not trained)."""
    try:
        with storage.read_from(resource) as directory:
            return json.loads((directory / name).read_text())
    except (ValueError, FileNotFoundError):
        return None


NO_WORDS_LEMMA = "__no_words__"  # the one token of a text without words (emoji, symbols)


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.MESSAGE_TOKENIZER], is_trainable=False)
class VietnameseNormalizer(GraphComponent):
    """Rewrites message text to Unicode NFC before anything else reads it."""

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> VietnameseNormalizer:
        return cls()

    def _normalise(self, messages: Iterable[Message]) -> None:
        for message in messages:
            text = message.get(TEXT)
            if isinstance(text, str):
                message.set(TEXT, nfc(text))

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        self._normalise(training_data.training_examples)
        return training_data

    def process(self, messages: list[Message]) -> list[Message]:
        self._normalise(messages)
        return messages


@dataclass(frozen=True)
class _Unit:
    """A run of folded syllables covering one span of the original text."""

    syllables: tuple[str, ...]
    start: int
    end: int


def segment_with_pyvi(text: str) -> list[tuple[str, ...]]:
    """pyvi's words for a text with diacritics, each as its folded syllables."""
    from pyvi import ViTokenizer  # heavy import (loads the CRF model); only needed to train

    words: list[tuple[str, ...]] = []
    for word in ViTokenizer.tokenize(text).split():
        syllables = tuple(fold(s) for s in word.split("_") if any(c.isalnum() for c in s))
        if syllables:
            words.append(syllables)
    return words


def merge_units(units: Sequence[_Unit], lexicon: set[tuple[str, ...]], longest: int) -> list[_Unit]:
    """Greedy longest match of consecutive units against the lexicon of multi-syllable words."""
    merged: list[_Unit] = []
    i = 0
    while i < len(units):
        best = 1
        for size in range(min(longest, len(units) - i), 1, -1):
            syllables = tuple(s for unit in units[i : i + size] for s in unit.syllables)
            if syllables in lexicon:
                best = size
                break
        group = units[i : i + best]
        merged.append(
            _Unit(tuple(s for unit in group for s in unit.syllables), group[0].start, group[-1].end)
        )
        i += best
    return merged


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.MESSAGE_TOKENIZER], is_trainable=True)
class VietnameseTokenizer(Tokenizer):
    """Word tokens with original text and a folded, expanded, segmented lemma."""

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {
            "intent_tokenization_flag": False,
            "intent_split_symbol": "_",
            "token_pattern": None,
            "prefix_separator_symbol": None,
            # Editor-maintained teencode table; read at training time and stored in the model.
            "abbreviations_file": str(ABBREVIATIONS_FILE),
            # Longest word (in syllables) the lexicon may hold.
            "max_word_syllables": 4,
        }

    @staticmethod
    def required_packages() -> list[str]:
        return ["pyvi"]

    def __init__(
        self,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        abbreviations: dict[str, str] | None = None,
        lexicon: set[tuple[str, ...]] | None = None,
    ) -> None:
        super().__init__(config)
        self._model_storage = model_storage
        self._resource = resource
        self.abbreviations = abbreviations or {}
        self.lexicon = lexicon or set()

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> VietnameseTokenizer:
        return cls(config, model_storage, resource)

    def train(self, training_data: TrainingData) -> Resource:
        """Read the abbreviation table and learn the word lexicon with pyvi."""
        self.abbreviations = load_abbreviations(Path(self._config["abbreviations_file"]))
        longest = int(self._config["max_word_syllables"])
        sentences = [
            str(example.get(TEXT))
            for example in training_data.training_examples
            if example.get(TEXT) and has_diacritics(str(example.get(TEXT)))
        ]
        sentences.extend(self.abbreviations.values())  # "số điện thoại" → "số điện_thoại"
        self.lexicon = {
            word
            for sentence in sentences
            for word in segment_with_pyvi(sentence)
            if 1 < len(word) <= longest
        }
        logger.debug("Learned %d multi-syllable words", len(self.lexicon))
        self.persist()
        return self._resource

    def persist(self) -> None:
        payload = {
            "abbreviations": self.abbreviations,
            "lexicon": sorted(" ".join(word) for word in self.lexicon),
        }
        _write_json(self._model_storage, self._resource, LEXICON_FILE, payload)

    @classmethod
    def load(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        **kwargs: Any,
    ) -> VietnameseTokenizer:
        payload = _read_json(model_storage, resource, LEXICON_FILE)
        if payload is None:
            logger.warning("No trained lexicon found; tokenizing without one")
            return cls.create(config, model_storage, resource, execution_context)
        lexicon = {tuple(word.split()) for word in payload["lexicon"]}
        return cls(config, model_storage, resource, payload["abbreviations"], lexicon)

    def tokenize(self, message: Message, attribute: str) -> list[Token]:
        text = message.get(attribute)
        units = [
            _Unit(span.expanded, span.start, span.end) for span in spans(text, self.abbreviations)
        ]
        words = merge_units(units, self.lexicon, int(self._config["max_word_syllables"]))
        tokens = [
            Token(text[w.start : w.end], w.start, w.end, lemma="_".join(w.syllables)) for w in words
        ]
        if not tokens and text:
            # Emoji or symbols only: no word, but never an empty token sequence either (the
            # featurizers and the classifier fail on one, and the server answered HTTP 500).
            # Rasa's own whitespace tokenizer keeps the whole text as one token the same way.
            tokens = [Token(text, 0, len(text), lemma=NO_WORDS_LEMMA)]
        return self._apply_token_pattern(tokens)


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER], is_trainable=True)
class NgramFeaturizer(SparseFeaturizer, GraphComponent):
    """Counts of word and character n-grams of the tokens' lemmas, for the whole message only.

    The classifier reads only a message's sentence features. Rasa's CountVectorsFeaturizer also
    builds a matrix per token for the sequence features, which were most of the featurizing time
    at training (about 40 s of 11,600 examples, against 3 s for the same counts here) and a share
    of every parse. The counts are the same: scikit-learn's vectorizers over the lemmas joined by
    spaces, words with Rasa's default token pattern, characters within word boundaries.
    """

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {
            **SparseFeaturizer.get_default_config(),
            "word_ngrams": [1, 3],
            "char_ngrams": [2, 5],
            "min_df": 3,  # an n-gram seen in one or two examples says nothing general
        }

    @staticmethod
    def required_components() -> list[type]:
        return [Tokenizer]

    @classmethod
    def validate_config(cls, config: dict[str, Any]) -> None:
        for key in ("word_ngrams", "char_ngrams"):
            low, high = config[key]
            if not 1 <= int(low) <= int(high):
                raise ValueError(f"{key} must be [low, high] with 1 <= low <= high: {config[key]}")

    def __init__(
        self,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        name: str,
        vocabularies: tuple[dict[str, int], dict[str, int]] | None = None,
    ) -> None:
        SparseFeaturizer.__init__(self, name, {**self.get_default_config(), **config})
        self._model_storage = model_storage
        self._resource = resource
        self.vectorizers: tuple[Any, Any] | None = (
            self._vectorizers(vocabularies) if vocabularies else None
        )

    def _vectorizers(self, vocabularies: tuple[dict[str, int], dict[str, int]] | None) -> Any:
        from sklearn.feature_extraction.text import CountVectorizer

        words, chars = vocabularies or (None, None)
        min_df = 1 if vocabularies else int(self._config["min_df"])
        return (
            CountVectorizer(
                analyzer="word",
                ngram_range=tuple(self._config["word_ngrams"]),
                token_pattern=r"(?u)\b\w\w+\b",
                min_df=min_df,
                vocabulary=words,
            ),
            CountVectorizer(
                analyzer="char_wb",
                ngram_range=tuple(self._config["char_ngrams"]),
                min_df=min_df,
                vocabulary=chars,
            ),
        )

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> NgramFeaturizer:
        return cls(config, model_storage, resource, execution_context.node_name)

    @staticmethod
    def _lemmas(message: Message) -> str | None:
        """The lemmas joined by spaces; a number is ``__NUMBER__`` (as Rasa's featurizer has it:
        "5 man", "3 tuần", "tầng 4" say nothing of the topic by their digits)."""
        tokens = message.get(TOKENS_NAMES[TEXT])
        if not tokens:
            return None
        return " ".join(_NUMBER.sub("__NUMBER__", str(t.lemma)) for t in tokens)

    def train(self, training_data: TrainingData) -> Resource:
        texts = [t for t in map(self._lemmas, training_data.training_examples) if t]
        if not texts:
            return self._resource
        vectorizers = self._vectorizers(None)
        for vectorizer in vectorizers:
            try:
                vectorizer.fit(texts)
            except ValueError:  # a tiny data set: no n-gram is frequent enough, keep them all
                vectorizer.set_params(min_df=1).fit(texts)
        self.vectorizers = vectorizers
        self.persist()
        return self._resource

    def _featurize(self, messages: Sequence[Message]) -> None:
        from scipy.sparse import hstack

        if self.vectorizers is None:
            return
        chosen = [(m, t) for m in messages if (t := self._lemmas(m))]
        if not chosen:
            return
        texts = [t for _, t in chosen]
        counts = hstack([v.transform(texts) for v in self.vectorizers]).tocsr()
        for row, (message, _text) in enumerate(chosen):
            self.add_features_to_message(None, counts[row].tocoo(), TEXT, message)

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        self._featurize(training_data.training_examples)
        return training_data

    def process(self, messages: list[Message]) -> list[Message]:
        self._featurize(messages)
        return messages

    def persist(self) -> None:
        if self.vectorizers is None:
            return
        vocabularies = [
            {term: int(index) for term, index in v.vocabulary_.items()} for v in self.vectorizers
        ]
        _write_json(self._model_storage, self._resource, NGRAMS_FILE, vocabularies)

    @classmethod
    def load(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        **kwargs: Any,
    ) -> NgramFeaturizer:
        vocabularies = _read_json(model_storage, resource, NGRAMS_FILE)
        if vocabularies is None:
            logger.warning("No trained n-gram vocabulary found; no features")
            return cls.create(config, model_storage, resource, execution_context)
        words, chars = vocabularies
        return cls(config, model_storage, resource, execution_context.node_name, (words, chars))


def fit_logistic_regression(
    features: Any, labels: Sequence[str], *, C: float, tol: float, max_iter: int
) -> Any:
    """scikit-learn's multinomial logistic regression (lbfgs, balanced class weights), fitted
    with its own loss and scipy's L-BFGS-B as ``LogisticRegression.fit`` does, but with the two
    sparse products of each step split over the cores.

    scikit-learn 1.1 (Rasa 3.6's) runs the products ``X @ W`` and ``Xᵀ @ G`` on one core, and
    they were most of the training time (145 s of about 200 s for 11,600 examples): split by
    rows on two cores (scipy releases the GIL in them) the classifier trains in about 100 s.
    Each row of a product is computed whole by one thread, so the result does not depend on the
    number of threads. It is the optimum ``LogisticRegression(C=C, tol=tol, max_iter=max_iter,
    class_weight="balanced").fit`` finds, to the optimizer's tolerance (sums in another order:
    1e-11 in probability on 2,000 training sentences; checked in ``tests/rasa``).
    """
    import numpy as np
    from scipy import optimize
    from scipy.sparse import csr_matrix
    from sklearn._loss.loss import HalfMultinomialLoss
    from sklearn.linear_model import LogisticRegression
    from sklearn.utils.class_weight import compute_class_weight

    X = csr_matrix(features, dtype=np.float64)
    y = np.asarray(labels)
    classes, target = np.unique(y, return_inverse=True)
    n_samples, n_features = X.shape
    n_classes = len(classes)
    sample_weight = compute_class_weight("balanced", classes=classes, y=y)[target]
    y_true = target.astype(np.float64)
    threads = max(1, min(4, os.cpu_count() or 1, n_samples))
    row_parts = [
        X[r[0] : r[-1] + 1] for r in np.array_split(np.arange(n_samples), threads) if r.size
    ]
    transposed = X.T.tocsr()
    column_parts = [
        transposed[c[0] : c[-1] + 1]
        for c in np.array_split(np.arange(n_features), threads)
        if c.size
    ]
    loss_function = HalfMultinomialLoss(n_classes=n_classes)
    l2 = 1.0 / C

    with ThreadPoolExecutor(threads) as pool:

        def loss_gradient(w: Any) -> tuple[float, Any]:
            coef = w.reshape((n_classes, -1), order="F")
            weights, intercept = coef[:, :n_features], coef[:, -1]
            weights_t = np.ascontiguousarray(weights.T)
            raw = np.vstack(list(pool.map(lambda part: part @ weights_t, row_parts))) + intercept
            loss, gradient_per_sample = loss_function.loss_gradient(
                y_true=y_true, raw_prediction=raw, sample_weight=sample_weight
            )
            per_sample = np.ascontiguousarray(gradient_per_sample)
            gradient = np.empty((n_classes, n_features + 1), order="F")
            gradient[:, :n_features] = (
                np.vstack(list(pool.map(lambda part: part @ per_sample, column_parts))).T
                + l2 * weights
            )
            gradient[:, -1] = gradient_per_sample.sum(axis=0)
            total = float(loss.sum()) + 0.5 * l2 * float(np.sum(weights * weights))
            return total, gradient.ravel(order="F")

        result = optimize.minimize(
            loss_gradient,
            np.zeros(n_classes * (n_features + 1)),
            method="L-BFGS-B",
            jac=True,
            options={"gtol": tol, "maxiter": max_iter},
        )
    coef = result.x.reshape((n_classes, -1), order="F")
    model = LogisticRegression(C=C, tol=tol, max_iter=max_iter, class_weight="balanced")
    model.classes_ = classes
    model.coef_ = np.ascontiguousarray(coef[:, :n_features])
    model.intercept_ = coef[:, -1].copy()
    model.n_features_in_ = n_features
    model.n_iter_ = np.array([result.nit], dtype=np.int32)
    return model


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=True)
class TfidfLogisticRegression(GraphComponent, IntentClassifier):
    """Logistic regression on TF-IDF-weighted, length-normalised n-gram counts.

    Rasa's own LogisticRegressionClassifier reads raw counts with a fixed regularisation: a long
    message (a worker's whole story) then has huge feature values and gets a confident answer
    from whatever words dominate it. Sub-linear TF, IDF and L2 normalisation make a message of
    2,000 characters weigh like one of 20, and ``C`` is tuned by measurement.
    """

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {"C": 10.0, "max_iter": 3000, "tol": 1e-4, "ranking_length": 10}

    @staticmethod
    def required_components() -> list[type]:
        return [Featurizer]

    def __init__(
        self, config: dict[str, Any], model_storage: ModelStorage, resource: Resource
    ) -> None:
        self.config = {**self.get_default_config(), **config}
        self._model_storage = model_storage
        self._resource = resource
        self.pipeline: Any = None

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> TfidfLogisticRegression:
        return cls(config, model_storage, resource)

    @staticmethod
    def _features(messages: Sequence[Message]) -> Any:
        from scipy.sparse import csr_matrix, hstack, vstack

        rows = []
        for message in messages:
            sparse = message.get_sparse_features(attribute=TEXT)[1]
            dense = message.get_dense_features(attribute=TEXT)[1]
            rows.append(
                hstack(
                    [
                        csr_matrix(sparse.features if sparse else []),
                        csr_matrix(dense.features if dense else []),
                    ]
                )
            )
        return vstack(rows).tocsr()

    def train(self, training_data: TrainingData) -> Resource:
        from sklearn.feature_extraction.text import TfidfTransformer
        from sklearn.pipeline import make_pipeline

        examples = [e for e in training_data.intent_examples if e.get(INTENT) and e.get(TEXT)]
        if not examples:
            return self._resource
        tfidf = TfidfTransformer(sublinear_tf=True)
        features = tfidf.fit_transform(self._features(examples))
        classifier = fit_logistic_regression(
            features,
            [str(e.get(INTENT)) for e in examples],
            C=float(self.config["C"]),
            tol=float(self.config["tol"]),
            max_iter=int(self.config["max_iter"]),
        )
        self.pipeline = make_pipeline(tfidf, classifier)
        self.persist()
        return self._resource

    def process(self, messages: list[Message]) -> list[Message]:
        if self.pipeline is None or not messages:
            return messages
        probabilities = self.pipeline.predict_proba(self._features(messages))
        classes = self.pipeline.classes_
        length = int(self.config["ranking_length"])
        for message, row in zip(messages, probabilities, strict=True):
            ranking = sorted(
                (
                    {INTENT_NAME_KEY: str(name), PREDICTED_CONFIDENCE_KEY: float(p)}
                    for name, p in zip(classes, row, strict=True)
                ),
                key=lambda r: -r[PREDICTED_CONFIDENCE_KEY],
            )
            message.set(INTENT, ranking[0], add_to_output=True)
            message.set(
                INTENT_RANKING_KEY, ranking[:length] if length else ranking, add_to_output=True
            )
        return messages

    def persist(self) -> None:
        import skops.io as sio

        with self._model_storage.write_to(self._resource) as model_dir:
            sio.dump(self.pipeline, model_dir / "classifier.skops")

    @classmethod
    def load(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        **kwargs: Any,
    ) -> TfidfLogisticRegression:
        import skops.io as sio

        component = cls(config, model_storage, resource)
        try:
            with model_storage.read_from(resource) as model_dir:
                path = model_dir / "classifier.skops"
                # Our own training output, written by ``persist`` above.
                component.pipeline = sio.load(path, trusted=sio.get_untrusted_types(file=path))
        except ValueError:
            logger.debug("No trained classifier in %s", resource.name)
        return component
