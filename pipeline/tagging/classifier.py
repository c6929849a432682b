"""A learned decision beside the rules: is a paragraph *about* a theme?

The rules stay the source of evidence: the theme spans of the span rulers, each with the
rule that fired. What the rules cannot tell is whether a theme word stands in passing or
the paragraph discusses the theme (the gold tags a theme only then). `ThemeClassifier`
decides that for every (paragraph, theme) pair from a few features:

* rule evidence for the theme: how many matches, how many distinct terms, the share of
  sentences that mention it, a match in the first sentence, in a recommendation, in the
  sub-heading, and how reliable the rules that fired were on the training paragraphs;
* the paragraph's closeness to the theme under all-MiniLM-L6-v2: its sentences against
  the theme's definition and `examples.match` sentences (themes.yaml), when embeddings are
  available (without them a rules-only model of the same file decides);
* how common the theme is, overall and in documents of the same working group.

One logistic regression is fitted over all pairs (a few to forty positives per theme are
too few for one model each; the theme's own rate is a feature). The fitted model is plain
JSON: feature names, scaling, coefficients, intercept, threshold, rule reliabilities,
theme rates and prototype vectors; no pickle. `pipeline/tagging/theme_component.py`
runs it inside the spaCy pipeline; `pipeline/tagging/crossval.py` scores it by
leave-one-document-out.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

FORMAT = "crp-theme-classifier/1"
RULE_FEATURES = (
    "has_rule",
    "log_matches",
    "log_terms",
    "sentence_share",
    "in_first_sentence",
    "in_recommendation",
    "in_heading",
    "actor_share",
    "single_word_share",
    "rule_reliability",
    "other_themes",
    "theme_rate",
    "group_rate",
)
SIMILARITY_FEATURES = (
    "sim_max",
    "sim_z",
    "sim_rank",
    "sim_definition",
    "rule_x_sim",
    "sim_matched_sentence",
    "centroid_paragraph",
    "centroid_sentence",
)
UNSEEN_GROUP = "__taxonomy__"  # the group of taxonomy examples: never a left-out document


@dataclass(frozen=True)
class Match:
    """One theme span of the rules: its theme, the rule that fired, character offsets."""

    label: str
    rule: str
    start: int
    end: int
    text: str = ""


@dataclass(frozen=True)
class Evidence:
    """A paragraph as the classifier sees it (plain data, built from a tagged Doc)."""

    sentences: tuple[tuple[int, int], ...]
    matches: tuple[Match, ...]
    recommendation_sentences: frozenset[int] = frozenset()
    heading_labels: frozenset[str] = frozenset()
    working_group: str | None = None
    actors: tuple[tuple[int, int], ...] = ()  # character ranges naming an actor

    def names_actor(self, m: Match) -> bool:
        return any(a < m.end and m.start < b for a, b in self.actors)

    def sentence_of(self, char: int) -> int:
        for i, (start, end) in enumerate(self.sentences):
            if start <= char < end:
                return i
        return max(0, len(self.sentences) - 1)


@dataclass(frozen=True)
class Prototypes:
    """Unit vectors per theme: its definition, and its definition plus example sentences."""

    definition: dict[str, np.ndarray]
    examples: dict[str, np.ndarray]  # label -> (k, dim), definition first

    def to_json(self) -> dict[str, Any]:
        return {
            label: {
                "definition": _round(self.definition[label]),
                "examples": [_round(v) for v in self.examples[label]],
            }
            for label in sorted(self.definition)
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Prototypes:
        return cls(
            definition={k: np.asarray(v["definition"], np.float32) for k, v in data.items()},
            examples={k: np.asarray(v["examples"], np.float32) for k, v in data.items()},
        )


def _round(vector: np.ndarray) -> list[float]:
    return [round(float(x), 6) for x in vector]


def prototype_texts(themes: dict[str, Any]) -> dict[str, list[str]]:
    """Per theme of a loaded taxonomy: "label: definition", then its `examples.match`."""
    return {
        tid: [f"{th.pref_label}: {th.definition}", *th.examples_match]
        for tid, th in sorted(themes.items())
    }


def build_prototypes(texts: dict[str, list[str]], vectors: dict[str, np.ndarray]) -> Prototypes:
    """Prototypes from `prototype_texts` and their vectors (same keys, one row per text)."""
    return Prototypes(
        definition={k: _unit(v[0]) for k, v in vectors.items()},
        examples={k: np.stack([_unit(x) for x in v]) for k, v in vectors.items()},
    )


def _unit(v: np.ndarray) -> np.ndarray:
    v = np.asarray(v, np.float32)
    n = float(np.linalg.norm(v))
    return v / n if n > 0 else v


@dataclass(frozen=True)
class Similarity:
    best: float  # the closest sentence's cosine to any of the theme's prototypes
    definition: float  # the paragraph's mean vector against the theme's definition
    sentence: int  # index of the closest sentence
    per_sentence: tuple[float, ...]


def similarities(
    vectors: np.ndarray | None, protos: Prototypes, labels: Sequence[str]
) -> dict[str, Similarity]:
    """Per label: how close the paragraph's sentences are to the theme's prototypes."""
    if vectors is None or len(vectors) == 0:
        return {label: Similarity(0.0, 0.0, 0, ()) for label in labels}
    vectors = np.asarray(vectors, np.float32)
    mean = _unit(vectors.mean(axis=0))
    out = {}
    for label in labels:
        best = (vectors @ protos.examples[label].T).max(axis=1)  # per sentence
        out[label] = Similarity(
            float(best.max()),
            float(mean @ protos.definition[label]),
            int(best.argmax()),
            tuple(float(b) for b in best),
        )
    return out


@dataclass
class RuleStats:
    """How often each rule's match came with the theme in the gold (smoothed in `logit`)."""

    fired: dict[str, int]
    correct: dict[str, int]
    theme_fired: dict[str, int]
    theme_correct: dict[str, int]

    @classmethod
    def count(cls, evidence: Iterable[Evidence], gold: Iterable[set[str]]) -> RuleStats:
        stats = cls(defaultdict(int), defaultdict(int), defaultdict(int), defaultdict(int))
        for ev, labels in zip(evidence, gold, strict=True):
            by_label: dict[str, set[str]] = defaultdict(set)
            for m in ev.matches:
                by_label[m.label].add(m.rule)
            for label, rules in by_label.items():
                hit = label in labels
                stats.theme_fired[label] += 1
                stats.theme_correct[label] += hit
                for rule in rules:
                    stats.fired[rule] += 1
                    stats.correct[rule] += hit
        return stats

    def reliability(self, label: str, rules: Iterable[str], strength: float = 2.0) -> float:
        """Log-odds that the theme holds, from its most reliable rule (smoothed towards the
        theme's rules as a whole, and those towards 0.5)."""
        base = (self.theme_correct.get(label, 0) + 1.0) / (self.theme_fired.get(label, 0) + 2.0)
        best = None
        for rule in rules:
            n, k = self.fired.get(rule, 0), self.correct.get(rule, 0)
            p = (k + strength * base) / (n + strength)
            best = p if best is None else max(best, p)
        return _logit(best if best is not None else base)

    def to_json(self) -> dict[str, Any]:
        return {k: dict(sorted(getattr(self, k).items())) for k in self.__dataclass_fields__}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> RuleStats:
        return cls(**{k: dict(v) for k, v in data.items()})


def _logit(p: float, eps: float = 1e-3) -> float:
    p = min(max(p, eps), 1 - eps)
    return math.log(p / (1 - p))


@dataclass
class Rates:
    """How often each theme is tagged: overall, and per working group (smoothed)."""

    overall: dict[str, float]
    by_group: dict[str, dict[str, float]]

    @classmethod
    def count(
        cls, evidence: Sequence[Evidence], gold: Sequence[set[str]], labels: Sequence[str]
    ) -> Rates:
        n = len(gold)
        overall = {lab: (sum(lab in g for g in gold) + 0.5) / (n + 1.0) for lab in labels}
        groups: dict[str, list[set[str]]] = defaultdict(list)
        for ev, g in zip(evidence, gold, strict=True):
            groups[ev.working_group or ""].append(g)
        by_group = {
            wg: {
                lab: (sum(lab in g for g in gs) + 20 * overall[lab]) / (len(gs) + 20)
                for lab in labels
            }
            for wg, gs in sorted(groups.items())
        }
        return cls(overall, by_group)

    def to_json(self) -> dict[str, Any]:
        return {"overall": self.overall, "by_group": self.by_group}


@dataclass
class Centroids:
    """Per theme, the mean direction of the training paragraphs tagged with it (and of
    all training paragraphs): what the annotators called "about" the theme."""

    theme: dict[str, np.ndarray]
    background: np.ndarray | None

    @classmethod
    def count(
        cls, vectors: Sequence[np.ndarray | None], gold: Sequence[set[str]], labels: Sequence[str]
    ) -> Centroids:
        means = [
            (_unit(v.mean(axis=0)), g)
            for v, g in zip(vectors, gold, strict=True)
            if v is not None and len(v)
        ]
        if not means:
            return cls({}, None)
        background = _unit(np.mean([m for m, _ in means], axis=0))
        theme = {}
        for lab in labels:
            pos = [m for m, g in means if lab in g]
            if pos:
                theme[lab] = _unit(np.mean(pos, axis=0))
        return cls(theme, background)

    def to_json(self) -> dict[str, Any]:
        return {
            "theme": {k: _round(v) for k, v in sorted(self.theme.items())},
            "background": _round(self.background) if self.background is not None else None,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Centroids:
        bg = data.get("background")
        return cls(
            {k: np.asarray(v, np.float32) for k, v in data["theme"].items()},
            np.asarray(bg, np.float32) if bg is not None else None,
        )


@dataclass
class Priors:
    """What the training documents say: rule reliabilities, theme rates, centroids."""

    stats: RuleStats
    rates: Rates
    centroids: Centroids

    @classmethod
    def count(
        cls,
        evidence: Sequence[Evidence],
        gold: Sequence[set[str]],
        labels: Sequence[str],
        vectors: Sequence[np.ndarray | None] | None,
    ) -> Priors:
        return cls(
            RuleStats.count(evidence, gold),
            Rates.count(evidence, gold, labels),
            Centroids.count(vectors, gold, labels) if vectors is not None else Centroids({}, None),
        )


def featurize(
    ev: Evidence,
    labels: Sequence[str],
    priors: Priors,
    sims: dict[str, Similarity] | None = None,
    sim_norm: dict[str, tuple[float, float]] | None = None,
    vectors: np.ndarray | None = None,
) -> np.ndarray:
    """The feature rows of one paragraph, one per label (RULE_FEATURES, then
    SIMILARITY_FEATURES when `sims` is given)."""
    n_sent = max(1, len(ev.sentences))
    by_label: dict[str, list[Match]] = defaultdict(list)
    for m in ev.matches:
        by_label[m.label].append(m)
    matched = set(by_label)
    order = {}
    if sims is not None:
        ranked = sorted(labels, key=lambda lab: (-sims[lab].best, lab))
        order = {lab: i + 1 for i, lab in enumerate(ranked)}
    stats, rates, cents = priors.stats, priors.rates, priors.centroids
    group = rates.by_group.get(ev.working_group or "", rates.overall)
    mean_vec = _unit(vectors.mean(axis=0)) if vectors is not None and len(vectors) else None
    rows = []
    for label in labels:
        ms = by_label.get(label, [])
        sents = {ev.sentence_of(m.start) for m in ms}
        row = [
            float(bool(ms)),
            math.log1p(len(ms)),
            math.log1p(len({m.text.lower() or m.rule for m in ms})),
            len(sents) / n_sent,
            float(0 in sents),
            float(bool(sents & ev.recommendation_sentences)),
            float(label in ev.heading_labels),
            sum(ev.names_actor(m) for m in ms) / len(ms) if ms else 0.0,
            sum(" " not in m.text.strip() for m in ms) / len(ms) if ms else 0.0,
            stats.reliability(label, {m.rule for m in ms}) if ms else 0.0,
            math.log1p(len(matched - {label})),
            _logit(rates.overall.get(label, 0.01)),
            _logit(group.get(label, rates.overall.get(label, 0.01))),
        ]
        if sims is not None:
            sim = sims[label]
            mean, std = (sim_norm or {}).get(label, (0.0, 1.0))
            z = (sim.best - mean) / std
            local = max(
                (sim.per_sentence[i] for i in sents if i < len(sim.per_sentence)), default=0.0
            )
            row += [sim.best, z, 1.0 / order[label], sim.definition, float(bool(ms)) * z, local]
            centroid = cents.theme.get(label)
            if centroid is None or mean_vec is None or cents.background is None:
                row += [0.0, 0.0]
            else:
                assert vectors is not None
                row += [
                    float(mean_vec @ centroid - mean_vec @ cents.background),
                    float((np.asarray(vectors, np.float32) @ centroid).max()),
                ]
        rows.append(row)
    return np.asarray(rows, dtype=np.float64)


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
            "mean": [round(v, 10) for v in self.mean],
            "scale": [round(v, 10) for v in self.scale],
            "coef": [round(v, 10) for v in self.coef],
            "intercept": round(self.intercept, 10),
        }


def fit_linear(
    x: np.ndarray, y: np.ndarray, features: list[str], c: float, random_state: int
) -> LinearModel:
    from sklearn.linear_model import LogisticRegression

    mean = x.mean(axis=0)
    scale = x.std(axis=0)
    scale[scale < 1e-9] = 1.0
    model = LogisticRegression(C=c, solver="liblinear", random_state=random_state, max_iter=1000)
    model.fit((x - mean) / scale, y)
    return LinearModel(
        features, mean.tolist(), scale.tolist(), model.coef_[0].tolist(), float(model.intercept_[0])
    )


def _rows(
    evidence: Sequence[Evidence],
    vectors: Sequence[np.ndarray | None] | None,
    labels: Sequence[str],
    priors: Sequence[Priors] | Priors,
    protos: Prototypes | None,
    sim_norm: dict[str, tuple[float, float]] | None,
) -> np.ndarray:
    """Feature matrix (paragraphs, labels, features); priors per paragraph or one for all."""
    blocks = []
    for i, ev in enumerate(evidence):
        pr = priors[i] if isinstance(priors, Sequence) else priors
        vec = vectors[i] if vectors is not None else None
        sims = similarities(vec, protos, labels) if protos is not None else None
        blocks.append(featurize(ev, labels, pr, sims, sim_norm, vec))
    width = len(RULE_FEATURES) + (len(SIMILARITY_FEATURES) if protos is not None else 0)
    return np.stack(blocks) if blocks else np.zeros((0, len(labels), width))


class ThemeClassifier:
    """Per (paragraph, theme): the probability that the paragraph is about the theme.

    scikit-learn contract: `__init__` stores parameters, `fit` returns self, fitted
    attributes end in `_`. `fit` takes the rule evidence of training paragraphs, their gold
    theme sets and their document (`groups`); with sentence vectors and prototypes it fits
    a similarity model beside the rules-only one, and `predict_proba` uses the first when
    it is given vectors. `restrict` limits a training paragraph to one label (a taxonomy
    example sentence is evidence for its own theme only).
    """

    def __init__(
        self,
        labels: Sequence[str],
        c: float = 0.5,
        threshold: float | None = None,
        rule_dropout: float = 0.0,
        n_dropout: int = 2,
        random_state: int = 0,
    ) -> None:
        self.labels = labels
        self.c = c
        self.threshold = threshold
        self.rule_dropout = rule_dropout
        self.n_dropout = n_dropout
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
        docs = [i for i, g in enumerate(groups) if g != UNSEEN_GROUP]
        use_vectors = vectors is not None and prototypes is not None

        def priors(rows: list[int]) -> Priors:
            return Priors.count(
                [evidence[i] for i in rows],
                [gold[i] for i in rows],
                labels,
                [vectors[i] for i in rows] if use_vectors else None,  # type: ignore[index]
            )

        # rule reliabilities, theme rates and centroids of the paragraphs the model will
        # meet later; for fitting, computed without the paragraph's own document
        self.priors_ = priors(docs)
        own = {
            g: priors([i for i in docs if groups[i] != g])
            for g in sorted({groups[i] for i in docs})
        }
        n_original = len(evidence)
        evidence, gold, groups, vectors, restrict = self._dropout(
            evidence, gold, groups, vectors, restrict
        )
        row_priors = [own.get(g, self.priors_) for g in groups]
        y = np.array([[lab in g for lab in labels] for g in gold], dtype=int)
        mask = np.array([[r is None or r == lab for lab in labels] for r in restrict])
        original = np.arange(len(evidence)) < n_original
        self.labels_ = labels
        self.prototypes_ = prototypes
        self.sim_norm_: dict[str, tuple[float, float]] = {}
        self.models_: dict[str, LinearModel] = {}
        self.thresholds_: dict[str, float] = {}
        variants = [("rules", None)] + ([("similarity", prototypes)] if prototypes else [])
        for name, protos in variants:
            if protos is not None:
                self.sim_norm_ = self._sim_norm(
                    [evidence[i] for i in docs], [vectors[i] for i in docs] if vectors else None
                )
            x = _rows(evidence, vectors, labels, row_priors, protos, self.sim_norm_ or None)
            features = list(RULE_FEATURES) + (list(SIMILARITY_FEATURES) if protos else [])
            self.models_[name] = fit_linear(x[mask], y[mask], features, self.c, self.random_state)
            self.thresholds_[name] = (
                self.threshold
                if self.threshold is not None
                else _inner_threshold(
                    x, y, mask, groups, features, self.c, self.random_state, original
                )
            )
        return self

    def _dropout(
        self,
        evidence: Sequence[Evidence],
        gold: Sequence[set[str]],
        groups: Sequence[str],
        vectors: Sequence[np.ndarray | None] | None,
        restrict: Sequence[str | None],
    ) -> tuple[list, list, list, list | None, list]:
        """The training paragraphs, plus `n_dropout` copies in which each rule is missing
        with probability `rule_dropout`: a paragraph whose wording the rules do not know,
        as in a new session, so that the model learns to use the other evidence."""
        ev, gd, gr, rs = list(evidence), list(gold), list(groups), list(restrict)
        vs = list(vectors) if vectors is not None else None
        if self.rule_dropout <= 0:
            return ev, gd, gr, vs, rs
        rng = np.random.default_rng(self.random_state)
        rules = sorted({m.rule for e in evidence for m in e.matches})
        for _ in range(self.n_dropout):
            gone = {
                r
                for r, u in zip(rules, rng.random(len(rules)), strict=True)
                if u < self.rule_dropout
            }
            ev += [
                replace(e, matches=tuple(m for m in e.matches if m.rule not in gone))
                for e in evidence
            ]
            gd += list(gold)
            gr += list(groups)
            rs += list(restrict)
            if vs is not None and vectors is not None:
                vs += list(vectors)
        return ev, gd, gr, vs, rs

    def _sim_norm(
        self, evidence: Sequence[Evidence], vectors: Sequence[np.ndarray | None] | None
    ) -> dict[str, tuple[float, float]]:
        assert self.prototypes_ is not None
        best = defaultdict(list)
        for i in range(len(evidence)):
            sims = similarities(vectors[i] if vectors else None, self.prototypes_, self.labels_)
            for lab, sim in sims.items():
                best[lab].append(sim.best)
        return {lab: (float(np.mean(v)), float(max(np.std(v), 0.02))) for lab, v in best.items()}

    def uses_similarity(self) -> bool:
        return "similarity" in self.models_

    def variant(self, vectors: object | None) -> str:
        """The model that decides: "similarity" when vectors are given and it was fitted."""
        return "similarity" if vectors is not None and self.uses_similarity() else "rules"

    def predict_proba(
        self, evidence: Sequence[Evidence], vectors: Sequence[np.ndarray | None] | None = None
    ) -> np.ndarray:
        """(paragraphs, labels) probabilities; the similarity model when vectors are given."""
        name = self.variant(vectors)
        model = self.models_[name]
        protos = self.prototypes_ if name == "similarity" else None
        x = _rows(evidence, vectors, self.labels_, self.priors_, protos, self.sim_norm_)
        if len(evidence) == 0:
            return np.zeros((0, len(self.labels_)))
        return model.proba(x.reshape(-1, x.shape[-1])).reshape(len(evidence), -1)

    def predict(
        self, evidence: Sequence[Evidence], vectors: Sequence[np.ndarray | None] | None = None
    ) -> list[set[str]]:
        proba = self.predict_proba(evidence, vectors)
        threshold = self.thresholds_[self.variant(vectors)]
        return [
            {lab for lab, p in zip(self.labels_, row, strict=True) if p >= threshold}
            for row in proba
        ]

    # -- JSON ------------------------------------------------------------------------
    def to_json(self) -> dict[str, Any]:
        return {
            "format": FORMAT,
            "params": {
                "c": self.c,
                "threshold": self.threshold,
                "rule_dropout": self.rule_dropout,
                "n_dropout": self.n_dropout,
                "random_state": self.random_state,
            },
            "labels": self.labels_,
            "thresholds": {k: round(float(v), 6) for k, v in sorted(self.thresholds_.items())},
            "models": {k: m.to_json() for k, m in sorted(self.models_.items())},
            "rule_stats": self.priors_.stats.to_json(),
            "rates": self.priors_.rates.to_json(),
            "centroids": self.priors_.centroids.to_json(),
            "sim_norm": {k: [round(a, 10), round(b, 10)] for k, (a, b) in self.sim_norm_.items()},
            "prototypes": self.prototypes_.to_json() if self.prototypes_ else None,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> ThemeClassifier:
        if data.get("format") != FORMAT:
            raise ValueError(
                f"theme classifier format {data.get('format')!r} is not {FORMAT!r}: "
                "rebuild the tagger (crp build_tagger)"
            )
        params = data["params"]
        self = cls(data["labels"], **params)
        self.labels_ = list(data["labels"])
        self.thresholds_ = {k: float(v) for k, v in data["thresholds"].items()}
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


def _inner_threshold(
    x: np.ndarray,
    y: np.ndarray,
    mask: np.ndarray,
    groups: Sequence[str],
    features: list[str],
    c: float,
    random_state: int,
    scored: np.ndarray | None = None,
) -> float:
    """The threshold with the best micro-F1 over out-of-document predictions of the
    training documents (`scored` rows only; 0.5 with fewer than three documents)."""
    names = sorted({g for g in groups if g != UNSEEN_GROUP})
    if len(names) < 3:
        return 0.5
    g_arr = np.asarray(groups)
    keep = np.ones(len(groups), bool) if scored is None else scored
    oof_p, oof_y = [], []
    for g in names:
        train = (g_arr != g)[:, None] & mask
        test = ((g_arr == g) & keep)[:, None] & mask
        model = fit_linear(x[train], y[train], features, c, random_state)
        oof_p.append(model.proba(x[test]))
        oof_y.append(y[test])
    p, t = np.concatenate(oof_p), np.concatenate(oof_y)
    best, best_f1 = 0.5, -1.0
    for threshold in np.arange(0.2, 0.801, 0.025):
        pred = p >= threshold
        tp = int((pred & (t == 1)).sum())
        f1 = 2 * tp / max(1, int(pred.sum()) + int(t.sum()))
        if f1 > best_f1 + 1e-9:
            best, best_f1 = float(round(threshold, 3)), f1
    return best
