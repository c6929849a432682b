"""Features of the theme classifier: what the rules, the embeddings and the training
documents say about one (paragraph, theme) pair. Pure functions over plain data
(`Evidence`, sentence vectors), so they are tested and reused outside spaCy.

* rule evidence for the theme: matches, distinct terms, the share of sentences that
  mention it, a match in the first sentence, in a recommendation, in the sub-heading,
  matches that only name an actor ("civil society" as who speaks), single-word matches,
  and how reliable the rules that fired were on the training paragraphs;
* how common the theme is, overall and in documents of the same working group;
* with sentence vectors (all-MiniLM-L6-v2): the closest sentence's cosine to the theme's
  definition and `examples.match` sentences (themes.yaml), its z-score and rank among the
  themes, the paragraph's cosine to the definition and to the centroid of the training
  paragraphs tagged with the theme.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

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
    """A float32 vector as the shortest decimals that read back to the same float32."""
    return [float(str(x)) for x in np.asarray(vector, np.float32)]


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
    _logits: dict[tuple, tuple[list[float], list[float]]] = field(
        default_factory=dict, repr=False, compare=False
    )

    def logits(self, group: str, labels: tuple[str, ...]) -> tuple[list[float], list[float]]:
        """The logits of each label's overall and working-group rate, computed once per
        group: every paragraph of a document asks for the same ones."""
        if (group, labels) not in self._logits:
            by_group = self.by_group.get(group, self.overall)
            self._logits[(group, labels)] = (
                [_logit(self.overall.get(lab, 0.01)) for lab in labels],
                [_logit(by_group.get(lab, self.overall.get(lab, 0.01))) for lab in labels],
            )
        return self._logits[(group, labels)]

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
    rule = _rule_rows(ev, labels, priors, by_label, n_sent)
    if sims is None:
        return rule
    ranked = sorted(labels, key=lambda lab: (-sims[lab].best, lab))
    order = {lab: i + 1 for i, lab in enumerate(ranked)}
    cents = priors.centroids
    mean_vec = _unit(vectors.mean(axis=0)) if vectors is not None and len(vectors) else None
    rows = []
    for label in labels:
        ms = by_label.get(label, [])
        sents = {ev.sentence_of(m.start) for m in ms}
        sim = sims[label]
        mean, std = (sim_norm or {}).get(label, (0.0, 1.0))
        z = (sim.best - mean) / std
        local = max((sim.per_sentence[i] for i in sents if i < len(sim.per_sentence)), default=0.0)
        row = [sim.best, z, 1.0 / order[label], sim.definition, float(bool(ms)) * z, local]
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
    return np.hstack([rule, np.asarray(rows, dtype=np.float64)])


def _rule_rows(
    ev: Evidence,
    labels: Sequence[str],
    priors: Priors,
    by_label: dict[str, list[Match]],
    n_sent: int,
) -> np.ndarray:
    """RULE_FEATURES of every label: a label no rule matched has zeros but for the heading,
    the other themes and its rates (filled as arrays); a matched one is computed in full."""
    rates, stats = priors.rates, priors.stats
    rows = np.zeros((len(labels), len(RULE_FEATURES)))
    overall, group = rates.logits(ev.working_group or "", tuple(labels))
    rows[:, 6] = [float(lab in ev.heading_labels) for lab in labels]
    rows[:, 10] = math.log1p(len(by_label))
    rows[:, 11], rows[:, 12] = overall, group
    for i, label in enumerate(labels):
        ms = by_label.get(label)
        if not ms:
            continue
        sents = {ev.sentence_of(m.start) for m in ms}
        rows[i, :10] = [
            1.0,
            math.log1p(len(ms)),
            math.log1p(len({m.text.lower() or m.rule for m in ms})),
            len(sents) / n_sent,
            float(0 in sents),
            float(bool(sents & ev.recommendation_sentences)),
            float(label in ev.heading_labels),
            sum(ev.names_actor(m) for m in ms) / len(ms),
            sum(" " not in m.text.strip() for m in ms) / len(ms),
            stats.reliability(label, {m.rule for m in ms}),
        ]
        rows[i, 10] = math.log1p(len(by_label) - 1)
    return rows


def feature_rows(
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
