"""Known asks: recommendations matched to the catalogue (taxonomy/asks.yaml), the rest
clustered as candidate new asks.

`AskMatcher` scores each (recommendation, ask) pair with a logistic regression over pair
features (ask_features.FEATURES: embedding and TF-IDF similarity to the ask's examples,
to its label and definition and between paragraphs, theme overlap, addressee agreement,
rank and margin among the asks) and gives each recommendation its best ask, or none below
the threshold. It learns from the catalogue itself: each session's examples are matched
against the asks of the other sessions (leave-one-session-out), so it learns both to find
the right ask and to refuse an ask the catalogue does not hold yet; its threshold and the
distance at which unmatched recommendations are clustered together are chosen the same
way. `assign` (assign.py) gives every recommendation an ask: a catalogue ask, or a new one
labelled by a verb phrase of its most central sentence.

Pure: no I/O beyond reading the catalogue. The encoder is any object with `encode(texts)
-> array` (pipeline.vectors.Encoder) or a callable; learned weights are plain JSON
(`to_json`, `from_json`), never a pickle. The learning itself is pipeline.learn's: a
`LinearModel`, out-of-session predictions (`logo_predictions`) and `choose_threshold`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
import pandas as pd

from pipeline.asks.assign import cluster_new
from pipeline.asks.catalogue import Ask, CatalogueError, without_docs
from pipeline.asks.clustering import (
    BLOCK_WEIGHTS,
    Agglomeration,
)
from pipeline.asks.features import (
    DEFAULT_FEATURES,
    FEATURES,
    AskIndex,
    Query,
    catalogue_frame,
    encode,
)
from pipeline.errors import PipelineError
from pipeline.knowledge.compiled import Wording
from pipeline.learn import LinearModel, choose_threshold, logo_predictions, unit_rows
from pipeline.learn.estimator import Estimator

NEW_THRESHOLDS = (0.0, 0.1, 0.2, 0.3, 0.4, 0.5)  # tried for clustering what matches nothing


@dataclass
class _Fold:
    """One session's examples matched against the other sessions' asks."""

    x: np.ndarray  # pair features, (n·k) × features
    ids: np.ndarray  # candidate ask ids, n × k
    gold: np.ndarray  # each example's ask id
    query: Query
    vectors: np.ndarray  # the examples' ask embeddings

    @property
    def y(self) -> np.ndarray:
        return self.ids == self.gold[:, None]


class AskMatcher(Estimator):
    """Matches recommendations to the asks of a catalogue (scikit-learn's estimator
    protocol, `learn.estimator`: `get_params`/`set_params`, `fit` returns self, fitted
    attributes end in `_`).

    model: "logistic" (pair features → logistic regression) or "nearest" (the nearest
    example's cosine, no training). features: the pair features used (ask_features.FEATURES).
    threshold: the score below which nothing is matched, or "auto": chosen by
    leave-one-session-out over the catalogue, the value that decides most examples right
    (matched to their ask, or left unmatched when their ask has no example from another
    session among the candidates) among those whose match precision reaches
    `min_precision`. new_threshold: cosine distance up to which unmatched recommendations
    are clustered together, or "auto": the one of NEW_THRESHOLDS that gives the best
    adjusted Rand index leave-one-session-out. candidates: asks scored per recommendation
    (the nearest by embedding). weights and agglomeration: how what matches nothing is
    clustered (the block weights of [ask | themes | addressee] and the merging; the
    `cluster` section of params.yaml), both when new_threshold is chosen and in `assign`.
    frame and wording: the taxonomy's reporting frame and wording (`Taxonomy.wording`:
    the matcher's stop words, the labels of new asks).
    """

    def __init__(
        self,
        encoder: Any = None,
        model: str = "logistic",
        features: Sequence[str] = DEFAULT_FEATURES,
        threshold: float | str = "auto",
        min_precision: float = 0.0,
        new_threshold: float | str = "auto",
        candidates: int = 10,
        C: float = 1.0,  # noqa: N803  (scikit-learn's name)
        random_state: int = 0,
        frame: re.Pattern[str] | None = None,
        weights: tuple[float, float, float] = BLOCK_WEIGHTS,
        agglomeration: Agglomeration | None = None,
        wording: Wording | None = None,
    ) -> None:
        self.encoder = encoder
        self.frame = frame
        self.wording = wording
        self.weights = weights
        self.agglomeration = agglomeration
        self.model = model
        self.features = features
        self.threshold = threshold
        self.min_precision = min_precision
        self.new_threshold = new_threshold
        self.candidates = candidates
        self.C = C
        self.random_state = random_state

    def _check(self) -> None:
        if self.model not in ("logistic", "nearest"):
            raise ValueError(f"model={self.model!r}: use logistic or nearest")
        unknown = sorted(set(self.features) - set(FEATURES))
        if unknown or "emb_max" not in self.features:
            raise ValueError(f"features: unknown {unknown}; use emb_max and any of {FEATURES}")
        for name in ("threshold", "new_threshold"):
            value = getattr(self, name)
            if value != "auto" and not isinstance(value, int | float):
                raise ValueError(f"{name}={value!r}: a number or 'auto'")
        if self.candidates < 2:
            raise ValueError(f"candidates={self.candidates} must be at least 2")
        if self.wording is None:
            raise ValueError("wording: give the taxonomy's (Taxonomy.wording, ask_wording.yaml)")

    def fit(self, catalogue: Sequence[Ask]) -> AskMatcher:
        """Learn the weights and thresholds from the catalogue, each session's examples
        matched against the other sessions' asks; then index the whole catalogue."""
        self._check()
        self.feature_names_ = [f for f in FEATURES if f in self.features]
        folds = self._folds(catalogue)
        x = np.vstack([f.x for f in folds])
        y = np.concatenate([f.y.ravel() for f in folds])
        groups = np.concatenate([np.full(len(f.x), n) for n, f in enumerate(folds)])
        if self.model == "logistic":
            self.rank_: LinearModel | None = self._linear().fit(x, y, self.feature_names_)
            held_out = logo_predictions(self._linear(), x, y, groups)  # without its session
        else:
            self.rank_ = None
            held_out = self._rank(x)
        scores, picked = [], []
        for n, fold in enumerate(folds):
            s = held_out[groups == n].reshape(fold.ids.shape)
            top = s.argmax(1)
            scores.append(s[np.arange(len(s)), top])
            picked.append(fold.ids[np.arange(len(s)), top])
        gold = np.concatenate([f.gold for f in folds])
        known = np.concatenate([f.y.any(1) for f in folds])
        all_scores, all_picked = np.concatenate(scores), np.concatenate(picked)
        self.threshold_ = (
            match_threshold(all_scores, all_picked, gold, known, self.min_precision)
            if self.threshold == "auto"
            else float(self.threshold)
        )
        self.new_threshold_ = (
            self._choose_new_threshold(folds, scores, picked)
            if self.new_threshold == "auto"
            else float(self.new_threshold)
        )
        return self.index(catalogue)

    def _linear(self) -> LinearModel:
        return LinearModel(C=self.C, random_state=self.random_state)

    def _folds(self, catalogue: Sequence[Ask]) -> list[_Fold]:
        table = catalogue_frame(catalogue)
        folds = []
        for doc in sorted(set(table["doc_id"])):
            rest = without_docs(catalogue, [doc])
            if not rest:
                continue
            queries = table[table["doc_id"] == doc]
            query = Query.of(queries, self.frame)
            vectors = encode(self.encoder, query.asks)
            index = AskIndex(rest, self.encoder, self.features, self.frame, self._stop_words)
            cand, x = index.features(query, vectors, self.feature_names_, self.candidates)
            ids = np.array(index.ids)[cand]
            folds.append(_Fold(x, ids, queries["gold"].to_numpy(), query, vectors))
        if len(folds) < 2:
            raise CatalogueError("the matcher learns from the examples of two sessions or more")
        return folds

    def _choose_new_threshold(
        self, folds: list[_Fold], scores: list[np.ndarray], picked: list[np.ndarray]
    ) -> float:
        from sklearn.metrics import adjusted_rand_score

        gold = np.concatenate([f.gold for f in folds])
        best, chosen = -np.inf, NEW_THRESHOLDS[0]
        for t in NEW_THRESHOLDS:
            assigned = []
            for n, (fold, s, p) in enumerate(zip(folds, scores, picked, strict=True)):
                ids = p.astype(object)
                rows = np.flatnonzero(s < self.threshold_)
                groups = cluster_new(
                    fold.vectors[rows],
                    [fold.query.themes[r] for r in rows],
                    [fold.query.to[r] for r in rows],
                    t,
                    self.weights,
                    self.agglomeration,
                )
                ids[rows] = [f"{n}#{g}" for g in groups]
                assigned.extend(ids)
            ari = adjusted_rand_score(gold, assigned)
            if ari > best + 1e-9:
                best, chosen = ari, t
        return chosen

    def index(self, catalogue: Sequence[Ask]) -> AskMatcher:
        """Prepare `catalogue` for matching with the weights learned (no retraining): a
        catalogue an analyst extended is matched against at once."""
        self.index_ = AskIndex(catalogue, self.encoder, self.features, self.frame, self._stop_words)
        return self

    @property
    def _stop_words(self) -> frozenset[str]:
        return self.wording.stop_words if self.wording is not None else frozenset()

    def _rank(self, x: np.ndarray) -> np.ndarray:
        """The score of each pair: the fitted model's probability, or (model "nearest") the
        nearest example's cosine."""
        if self.rank_ is None:
            return x[:, self.feature_names_.index("emb_max")]
        return self.rank_.proba(x)

    def scores(
        self, recs: pd.DataFrame, vectors: np.ndarray | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """(candidate ask positions in the index n×k, their scores n×k)."""
        if not hasattr(self, "index_"):
            raise PipelineError("AskMatcher: fit it, or index a catalogue, before matching")
        query = Query.of(recs, self.frame)
        vectors = (
            encode(self.encoder, query.asks) if vectors is None else unit_rows(vectors, np.float64)
        )
        cand, x = self.index_.features(query, vectors, self.feature_names_, self.candidates)
        return cand, self._rank(x).reshape(cand.shape)

    def match(self, recs: pd.DataFrame, vectors: np.ndarray | None = None) -> pd.DataFrame:
        """Per recommendation (recs' index): `ask_id` (None below the threshold), `score`
        and the best `candidate` whatever its score.

        recs: `text` (or `ask`: the sentence without its reporting frame), and optionally
        `to`, `themes`, `working_group` and `context` (its paragraph); vectors: the asks'
        embeddings (those of the embed stage), if already computed."""
        if len(recs) == 0:
            return pd.DataFrame({"ask_id": [], "score": [], "candidate": []}, dtype=object)
        cand, s = self.scores(recs, vectors)
        top = s.argmax(1)
        best = s[np.arange(len(s)), top]
        ids = [self.index_.ids[c] for c in cand[np.arange(len(s)), top]]
        chosen = [i if b >= self.threshold_ else None for i, b in zip(ids, best, strict=True)]
        return pd.DataFrame(
            {
                "ask_id": pd.Series(chosen, index=recs.index, dtype=object),
                "score": np.round(best, 6),
                "candidate": pd.Series(ids, index=recs.index, dtype=object),
            },
            index=recs.index,
        )

    def to_json(self) -> str:
        """Parameters (`get_params`) and learned weights as JSON (not the encoder, the frame,
        the wording or the catalogue: given again when loading)."""
        params = self.get_params(deep=False)
        for key in ("encoder", "frame", "wording"):
            params.pop(key)
        params["features"] = list(self.features)
        params["weights"] = list(self.weights)
        if self.agglomeration is not None:
            params["agglomeration"] = asdict(self.agglomeration)
        learned = {
            "feature_names_": self.feature_names_,
            "rank_": self.rank_.to_json() if self.rank_ is not None else None,
            "threshold_": self.threshold_,
            "new_threshold_": self.new_threshold_,
        }
        return json.dumps({"params": params, "learned": learned}, indent=1, sort_keys=True)

    @classmethod
    def from_json(
        cls,
        text: str,
        encoder: Any = None,
        frame: re.Pattern[str] | None = None,
        wording: Wording | None = None,
    ) -> AskMatcher:
        """A matcher with the weights of `to_json`; `index(catalogue)` it before matching."""
        data = json.loads(text)
        params = dict(data["params"])
        params["weights"] = tuple(params["weights"])
        if params.get("agglomeration") is not None:
            params["agglomeration"] = Agglomeration(**params["agglomeration"])
        matcher = cls(encoder=encoder, frame=frame, wording=wording, **params)
        learned = dict(data["learned"])
        rank = learned.pop("rank_")
        matcher.rank_ = LinearModel.from_json(rank) if rank is not None else None
        for key, value in learned.items():
            setattr(matcher, key, value)
        return matcher


def match_threshold(
    scores: np.ndarray,
    picked: np.ndarray,
    gold: np.ndarray,
    known: np.ndarray,
    min_precision: float = 0.0,
) -> float:
    """The threshold deciding most examples right (matched to their ask, or left unmatched
    when it is not among their candidates), among those whose match precision reaches
    `min_precision` (pipeline.learn.choose_threshold: the middle of the best range)."""
    right = picked == gold

    def decided_right(matched: np.ndarray) -> float | None:
        if matched.any() and right[matched].mean() < min_precision:
            return None
        return int((matched & right).sum() + (~matched & ~known).sum())

    return choose_threshold(scores, decided_right)
