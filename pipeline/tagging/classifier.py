"""A learned decision beside the rules: is a paragraph *about* a theme?

The rules stay the source of evidence: the theme spans of the span rulers, each with the
rule that fired. What they cannot tell is whether a theme word stands in passing or the
paragraph discusses the theme (the gold tags a theme only then). `ThemeClassifier` gives
every (paragraph, theme) pair a probability from the features of
`pipeline/tagging/classifier_features.py` (rule evidence, theme rates and, when sentence
vectors are available, similarity to the theme), and keeps the theme when the probability
reaches a threshold: one for themes the rules matched, a stricter one for themes they did
not (a theme added on similarity alone needs stronger evidence).

One logistic regression is fitted over all pairs: a theme has a few to forty positive
paragraphs, too few for a model of its own; its rate is a feature instead. Both thresholds
are chosen by leave-one-document-out within the training documents. A model with
similarity features is fitted beside a rules-only one, which decides whenever no vectors
are given. The fitted classifier is plain JSON (`to_json`/`from_json`): feature names,
scaling, coefficients, intercepts, thresholds, rule reliabilities, theme rates, prototype
and centroid vectors (float32, written so that they read back bit for bit); no pickle.
`classifier_component.py` runs it in the spaCy pipeline, `crossval.py` scores it by
leave-one-document-out.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from pipeline.tagging.classifier_features import (
    RULE_FEATURES,
    SIMILARITY_FEATURES,
    Centroids,
    Evidence,
    Priors,
    Prototypes,
    Rates,
    RuleStats,
    feature_rows,
    similarities,
)

FORMAT = "crp-theme-classifier/1"
UNSEEN_GROUP = "__taxonomy__"  # taxonomy example sentences: never a scored document
NEVER = 1.01  # a threshold no probability reaches


@dataclass
class LinearModel:
    """A fitted logistic regression as plain numbers: standardize, dot, sigmoid."""

    features: list[str]
    mean: list[float]
    scale: list[float]
    coef: list[float]
    intercept: float

    def proba(self, x: np.ndarray) -> np.ndarray:
        z = (x - np.asarray(self.mean)) / np.asarray(self.scale)
        return 1.0 / (1.0 + np.exp(-(z @ np.asarray(self.coef) + self.intercept)))

    def to_json(self) -> dict[str, Any]:
        return {
            "features": self.features,
            "mean": self.mean,
            "scale": self.scale,
            "coef": self.coef,
            "intercept": self.intercept,
        }


def fit_linear(
    x: np.ndarray, y: np.ndarray, features: list[str], c: float, random_state: int
) -> LinearModel:
    """Standardized features, L2-regularized logistic regression (liblinear)."""
    from sklearn.linear_model import LogisticRegression

    mean = x.mean(axis=0)
    scale = x.std(axis=0)
    scale[scale < 1e-9] = 1.0
    model = LogisticRegression(C=c, solver="liblinear", random_state=random_state, max_iter=1000)
    model.fit((x - mean) / scale, y)
    return LinearModel(
        features, mean.tolist(), scale.tolist(), model.coef_[0].tolist(), float(model.intercept_[0])
    )


def matched_mask(evidence: Sequence[Evidence], labels: Sequence[str]) -> np.ndarray:
    """(paragraphs, labels): whether the rules matched the theme in the paragraph."""
    return np.array([[lab in {m.label for m in ev.matches} for lab in labels] for ev in evidence])


class ThemeClassifier:
    """Per (paragraph, theme): the probability that the paragraph is about the theme.

    scikit-learn contract: `__init__` stores parameters, `fit` returns self, fitted
    attributes end in `_`. `fit` takes the rule evidence of training paragraphs, their
    gold theme sets and their document (`groups`); with sentence vectors and prototypes
    it also fits the similarity model, which `predict_proba` uses when given vectors.
    `restrict` limits a training paragraph to one label (a taxonomy example sentence is
    evidence for, or against, its own theme only).

    Parameters: `c` the inverse L2 strength; `threshold` a fixed threshold for every pair
    (default: both thresholds chosen by leave-one-document-out); `add_unmatched` whether a
    theme the rules did not match may be added at all.
    """

    def __init__(
        self,
        labels: Sequence[str],
        c: float = 0.5,
        threshold: float | None = None,
        add_unmatched: bool = True,
        random_state: int = 0,
    ) -> None:
        self.labels = labels
        self.c = c
        self.threshold = threshold
        self.add_unmatched = add_unmatched
        self.random_state = random_state

    def fit(
        self,
        evidence: Sequence[Evidence],
        gold: Sequence[set[str]],
        groups: Sequence[str],
        vectors: Sequence[np.ndarray | None] | None = None,
        prototypes: Prototypes | None = None,
        restrict: Sequence[str | None] | None = None,
    ) -> ThemeClassifier:
        labels = sorted(self.labels)
        restrict = restrict or [None] * len(evidence)
        use_vectors = vectors is not None and prototypes is not None
        docs = [i for i, g in enumerate(groups) if g != UNSEEN_GROUP]

        def priors(rows: list[int]) -> Priors:
            return Priors.count(
                [evidence[i] for i in rows],
                [gold[i] for i in rows],
                labels,
                [vectors[i] for i in rows] if use_vectors else None,  # type: ignore[index]
            )

        # what the training documents say, for the paragraphs the model meets later; for
        # fitting, each paragraph sees it computed without its own document
        self.priors_ = priors(docs)
        names = sorted({groups[i] for i in docs})
        own = {g: priors([i for i in docs if groups[i] != g]) for g in names}
        row_priors = [own.get(g, self.priors_) for g in groups]
        y = np.array([[lab in g for lab in labels] for g in gold], dtype=int)
        mask = np.array([[r is None or r == lab for lab in labels] for r in restrict])
        matched = matched_mask(evidence, labels)
        self.labels_ = labels
        self.prototypes_ = prototypes if use_vectors else None
        self.sim_norm_ = self._sim_norm([evidence[i] for i in docs], vectors, docs)
        self.models_: dict[str, LinearModel] = {}
        self.thresholds_: dict[str, dict[str, float]] = {}
        for name in ("rules", "similarity") if use_vectors else ("rules",):
            protos = self.prototypes_ if name == "similarity" else None
            x = feature_rows(evidence, vectors, labels, row_priors, protos, self.sim_norm_)
            features = list(RULE_FEATURES) + (list(SIMILARITY_FEATURES) if protos else [])
            self.models_[name] = fit_linear(x[mask], y[mask], features, self.c, self.random_state)
            self.thresholds_[name] = self._thresholds(x, y, mask, matched, groups, features)
        return self

    def _sim_norm(
        self, evidence: list[Evidence], vectors: Sequence[Any] | None, rows: list[int]
    ) -> dict[str, tuple[float, float]]:
        """Mean and spread of each theme's best sentence similarity over the training
        paragraphs (for the z-score feature)."""
        if self.prototypes_ is None or vectors is None or not rows:
            return {}
        best: dict[str, list[float]] = {lab: [] for lab in self.labels_}
        for i in rows:
            for lab, sim in similarities(vectors[i], self.prototypes_, self.labels_).items():
                best[lab].append(sim.best)
        return {lab: (float(np.mean(v)), float(max(np.std(v), 0.02))) for lab, v in best.items()}

    def _thresholds(
        self,
        x: np.ndarray,
        y: np.ndarray,
        mask: np.ndarray,
        matched: np.ndarray,
        groups: Sequence[str],
        features: list[str],
    ) -> dict[str, float]:
        if self.threshold is not None:
            return {
                "matched": self.threshold,
                "unmatched": self.threshold if self.add_unmatched else NEVER,
            }
        return inner_thresholds(
            x, y, mask, matched, groups, features, self.c, self.random_state, self.add_unmatched
        )

    # -- prediction -------------------------------------------------------------------
    def uses_similarity(self) -> bool:
        return "similarity" in self.models_

    def variant(self, vectors: object | None) -> str:
        """The model that decides: "similarity" when vectors are given and it was fitted."""
        return "similarity" if vectors is not None and self.uses_similarity() else "rules"

    def predict_proba(
        self, evidence: Sequence[Evidence], vectors: Sequence[np.ndarray | None] | None = None
    ) -> np.ndarray:
        """(paragraphs, labels) probabilities; the similarity model when vectors are given."""
        if len(evidence) == 0:
            return np.zeros((0, len(self.labels_)))
        name = self.variant(vectors)
        protos = self.prototypes_ if name == "similarity" else None
        x = feature_rows(evidence, vectors, self.labels_, self.priors_, protos, self.sim_norm_)
        return self.models_[name].proba(x.reshape(-1, x.shape[-1])).reshape(len(evidence), -1)

    def keep(self, evidence: Sequence[Evidence], proba: np.ndarray, variant: str) -> np.ndarray:
        """(paragraphs, labels): the pairs whose probability reaches their threshold."""
        t = self.thresholds_[variant]
        matched = matched_mask(evidence, self.labels_)
        return np.where(matched, proba >= t["matched"], proba >= t["unmatched"])

    def predict(
        self, evidence: Sequence[Evidence], vectors: Sequence[np.ndarray | None] | None = None
    ) -> list[set[str]]:
        """The themes of each paragraph."""
        proba = self.predict_proba(evidence, vectors)
        kept = self.keep(evidence, proba, self.variant(vectors))
        return [{lab for lab, k in zip(self.labels_, row, strict=True) if k} for row in kept]

    # -- JSON -------------------------------------------------------------------------
    def to_json(self) -> dict[str, Any]:
        return {
            "format": FORMAT,
            "params": {
                "c": self.c,
                "threshold": self.threshold,
                "add_unmatched": self.add_unmatched,
                "random_state": self.random_state,
            },
            "labels": self.labels_,
            "thresholds": {k: dict(v) for k, v in sorted(self.thresholds_.items())},
            "models": {k: m.to_json() for k, m in sorted(self.models_.items())},
            "rule_stats": self.priors_.stats.to_json(),
            "rates": self.priors_.rates.to_json(),
            "centroids": self.priors_.centroids.to_json(),
            "sim_norm": {k: [a, b] for k, (a, b) in sorted(self.sim_norm_.items())},
            "prototypes": self.prototypes_.to_json() if self.prototypes_ else None,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> ThemeClassifier:
        if not isinstance(data, dict) or data.get("format") != FORMAT:
            found = data.get("format") if isinstance(data, dict) else type(data).__name__
            raise ValueError(
                f"theme classifier format {found!r} is not {FORMAT!r}: refit the classifier"
            )
        self = cls(data["labels"], **data["params"])
        self.labels_ = list(data["labels"])
        self.thresholds_ = {
            k: {n: float(t) for n, t in v.items()} for k, v in data["thresholds"].items()
        }
        self.models_ = {k: LinearModel(**m) for k, m in data["models"].items()}
        self.priors_ = Priors(
            RuleStats.from_json(data["rule_stats"]),
            Rates(data["rates"]["overall"], data["rates"]["by_group"]),
            Centroids.from_json(data["centroids"]),
        )
        self.sim_norm_ = {k: (float(a), float(b)) for k, (a, b) in data["sim_norm"].items()}
        protos = data.get("prototypes")
        self.prototypes_ = Prototypes.from_json(protos) if protos else None
        return self


def inner_thresholds(
    x: np.ndarray,
    y: np.ndarray,
    mask: np.ndarray,
    matched: np.ndarray,
    groups: Sequence[str],
    features: list[str],
    c: float,
    random_state: int,
    add_unmatched: bool = True,
) -> dict[str, float]:
    """The pair of thresholds (rule-matched, unmatched) with the best micro-F1 over
    out-of-document predictions of the training documents; 0.5 and never with fewer
    than three documents."""
    names = sorted({g for g in groups if g != UNSEEN_GROUP})
    if len(names) < 3:
        return {"matched": 0.5, "unmatched": NEVER}
    g_arr = np.asarray(groups)
    probs, truth, hits = [], [], []
    for g in names:
        train = (g_arr != g)[:, None] & mask
        test = (g_arr == g)[:, None] & mask
        model = fit_linear(x[train], y[train], features, c, random_state)
        probs.append(model.proba(x[test]))
        truth.append(y[test] == 1)
        hits.append(matched[test])
    p, t, m = np.concatenate(probs), np.concatenate(truth), np.concatenate(hits)
    unmatched_grid = [*np.arange(0.3, 0.951, 0.05), NEVER] if add_unmatched else [NEVER]
    best, best_f1 = (0.5, NEVER), -1.0
    for a in np.arange(0.1, 0.801, 0.025):
        for b in unmatched_grid:
            pred = np.where(m, p >= a, p >= b)
            f1 = 2 * int((pred & t).sum()) / max(1, int(pred.sum()) + int(t.sum()))
            if f1 > best_f1 + 1e-9:
                best, best_f1 = (round(float(a), 3), round(float(b), 3)), f1
    return {"matched": best[0], "unmatched": best[1]}
