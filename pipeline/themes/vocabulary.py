"""The learned vocabulary of each theme: a TF-IDF model per theme over words and word pairs.

Hand-written lexicons name a theme the way the documents they were written from name it;
a new session describes the same practice in other words. This model learns, per theme,
which words and word pairs make a paragraph about it, from the training paragraphs and
the theme's example sentences (themes.yaml `about`, written from the definition), and can
be refitted leaving any document out, so that what it says of a document is honest.

One TF-IDF space (scikit-learn's `TfidfVectorizer`: words and word pairs, sublinear term
frequency, English stop words) and one L2 logistic regression per theme (balanced
classes: most themes are rare). Saved as JSON (vocabulary, idf, settings) and a
safetensors file (the coefficient matrix); no pickle.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

WEIGHTS_FILE = "vocabulary.safetensors"
SETTINGS_FILE = "vocabulary.json"


@dataclass(frozen=True)
class VocabularySettings:
    """How the vocabulary is learned: `c` the inverse L2 strength of each theme's model,
    `example_weight` how much an example sentence counts beside a gold paragraph,
    `min_df` the documents (texts) a term must occur in, `max_n` the longest n-gram."""

    c: float = 4.0
    example_weight: float = 1.0
    min_df: int = 2
    max_n: int = 2


class ThemeVocabulary:
    """Per theme, the probability that a text is about it, from its words alone.

    scikit-learn contract: `__init__` stores settings, `fit` returns self, fitted
    attributes end in `_`."""

    def __init__(self, labels: Sequence[str], settings: VocabularySettings | None = None) -> None:
        self.labels = list(labels)
        self.settings = settings or VocabularySettings()

    def _vectorizer(self, vocabulary: dict[str, int] | None = None):
        from sklearn.feature_extraction.text import TfidfVectorizer

        return TfidfVectorizer(
            ngram_range=(1, self.settings.max_n),
            sublinear_tf=True,
            min_df=self.settings.min_df if vocabulary is None else 1,
            stop_words="english",
            vocabulary=vocabulary,
        )

    def fit(
        self,
        texts: Sequence[str],
        targets: np.ndarray,
        weights: Sequence[float] | None = None,
        known: np.ndarray | None = None,
    ) -> ThemeVocabulary:
        """texts: training paragraphs and example sentences; targets: texts × labels (0/1);
        weights: one per text (example sentences count `example_weight`); known: texts ×
        labels, whether the target is known (an analyst's answer says yes or no for one
        theme only): each theme's model learns from the texts whose target it knows."""
        from sklearn.linear_model import LogisticRegression

        vectorizer = self._vectorizer()
        x = vectorizer.fit_transform(list(texts))
        w = np.ones(len(texts)) if weights is None else np.asarray(weights, dtype=float)
        coef = np.zeros((len(self.labels), x.shape[1]), dtype=np.float64)
        intercept = np.full(len(self.labels), -30.0)  # a theme never seen is never given
        mask = np.ones(targets.shape, dtype=bool) if known is None else np.asarray(known, bool)
        for i in range(len(self.labels)):
            rows = np.flatnonzero(mask[:, i])
            y = targets[rows, i]
            if 0 < y.sum() < len(y):
                model = LogisticRegression(
                    C=self.settings.c, solver="liblinear", class_weight="balanced", random_state=0
                ).fit(x[rows], y, sample_weight=w[rows])
                coef[i], intercept[i] = model.coef_[0], model.intercept_[0]
        self._transform = None
        self.vocabulary_ = {str(t): int(i) for t, i in vectorizer.vocabulary_.items()}
        self.idf_ = vectorizer.idf_.astype(np.float64)
        self.coef_ = coef.astype(np.float32)
        self.intercept_ = intercept.astype(np.float32)
        return self

    def predict_proba(self, texts: Sequence[str]) -> np.ndarray:
        """texts × labels: each theme's probability from the text's words."""
        if getattr(self, "_transform", None) is None:  # built once, from the fitted terms
            vectorizer = self._vectorizer(self.vocabulary_)
            vectorizer.idf_ = self.idf_
            self._transform = vectorizer.transform
            self._weights = self.coef_.T.astype(np.float64)
        x = self._transform(list(texts))
        z = np.asarray(x @ self._weights) + self.intercept_.astype(np.float64)
        return 1.0 / (1.0 + np.exp(-z))

    def to_disk(self, folder: Path) -> None:
        from safetensors.numpy import save_file

        folder.mkdir(parents=True, exist_ok=True)
        terms = sorted(self.vocabulary_, key=self.vocabulary_.__getitem__)
        data = {
            "labels": self.labels,
            "settings": asdict(self.settings),
            "terms": terms,
            "idf": [float(v) for v in self.idf_],  # repr: reads back bit for bit
        }
        (folder / SETTINGS_FILE).write_text(json.dumps(data, indent=0), encoding="utf-8")
        save_file({"coef": self.coef_, "intercept": self.intercept_}, str(folder / WEIGHTS_FILE))

    @classmethod
    def from_disk(cls, folder: Path) -> ThemeVocabulary:
        from safetensors.numpy import load_file

        data = json.loads((folder / SETTINGS_FILE).read_text(encoding="utf-8"))
        vocabulary = cls(data["labels"], VocabularySettings(**data["settings"]))
        vocabulary.vocabulary_ = {t: i for i, t in enumerate(data["terms"])}
        vocabulary.idf_ = np.asarray(data["idf"], dtype=np.float64)
        weights = load_file(str(folder / WEIGHTS_FILE))
        vocabulary.coef_, vocabulary.intercept_ = weights["coef"], weights["intercept"]
        return vocabulary
