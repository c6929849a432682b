"""The evidence of each (paragraph, theme) pair, as one row of numbers.

Three families, each computed from `Parts` fitted on training documents only:
- words: the learned vocabulary's probability (`vocabulary`), the theme's rate in the
  paragraph's working group and overall, the paragraph's length;
- concept (when sentence vectors are given): how close the paragraph's sentences come to
  the theme's concept sentences (best, best relative to the other themes, on average,
  and the share of sentences closest to this theme), the paragraph's own closeness
  (absolute, relative, rank), and the share of its nearest training paragraphs tagged
  with the theme;
- lexicon (optional, `lexicon=True`): whether the hand-written lexicon matched, how often
  and in how many sentences, in the first sentence, in a recommendation, inside a list,
  and how close the matched sentence comes to the theme.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from pipeline.themes.evidence import Paragraph
from pipeline.themes.similarity import Concepts, Neighbours, unit_rows
from pipeline.themes.vocabulary import ThemeVocabulary

WORD_FEATURES = ("vocabulary", "group_rate", "rate", "n_sentences")
CONCEPT_FEATURES = (
    "sentence_best",
    "sentence_best_z",
    "sentence_mean_z",
    "sentence_votes",
    "paragraph_closeness",
    "paragraph_z",
    "paragraph_rank",
    "neighbours",
)
LEXICON_FEATURES = (
    "lexicon",
    "lexicon_hits",
    "lexicon_sentences",
    "lexicon_first",
    "lexicon_recommendation",
    "lexicon_list",
    "lexicon_sentence_z",
)
IN_SAMPLE = "_in_sample"  # suffix of the lexicon features of documents it was written from
LIST_CONTEXT = re.compile(r"\b(?:including|such as|as well as|namely)\b|[,;]")
LIST_WINDOW = 40  # characters on each side of a hit read for list punctuation


@dataclass
class Rates:
    """How often each theme is tagged: per working group and overall (training gold)."""

    overall: np.ndarray
    by_group: dict[str, np.ndarray]

    @classmethod
    def count(cls, groups: Sequence[str | None], targets: np.ndarray) -> Rates:
        targets = np.asarray(targets, dtype=np.float64)
        overall = targets.mean(axis=0) if len(targets) else np.zeros(targets.shape[1])
        names = sorted({g for g in groups if g})
        by_group = {
            g: targets[[i for i, x in enumerate(groups) if x == g]].mean(axis=0) for g in names
        }
        return cls(overall, by_group)

    def of(self, group: str | None) -> np.ndarray:
        return self.by_group.get(group or "", self.overall)

    def to_json(self) -> dict:
        return {
            "overall": self.overall.tolist(),
            "by_group": {g: v.tolist() for g, v in sorted(self.by_group.items())},
        }

    @classmethod
    def from_json(cls, data: dict) -> Rates:
        return cls(
            np.asarray(data["overall"]),
            {g: np.asarray(v) for g, v in data["by_group"].items()},
        )


@dataclass
class Parts:
    """What the features are computed from; judged documents are never among the
    documents these were fitted on."""

    labels: list[str]
    vocabulary: ThemeVocabulary
    rates: Rates
    concepts: Concepts | None = None
    neighbours: Neighbours | None = None
    lexicon_read_on: frozenset[str] = frozenset()

    @property
    def uses_vectors(self) -> bool:
        return self.concepts is not None and self.neighbours is not None


def feature_names(parts: Parts, lexicon: bool) -> list[str]:
    """The columns of `pair_features`. The lexicon's features come twice: for documents
    the lexicon never saw, and (suffix `_in_sample`) for those it was written from, where
    its hits are right more often than they will be on a new session; each block is zero
    where the other applies, so the decision learns the two weights apart."""
    names = list(WORD_FEATURES)
    names += list(CONCEPT_FEATURES) if parts.uses_vectors else []
    if lexicon:
        names += list(LEXICON_FEATURES) + [f + IN_SAMPLE for f in LEXICON_FEATURES]
    return names


def pair_features(
    paragraphs: Sequence[Paragraph],
    parts: Parts,
    vectors: Mapping[str, np.ndarray] | None = None,
    lexicon: bool = False,
) -> np.ndarray:
    """(paragraphs × labels) rows, paragraph by paragraph, of `feature_names` columns.
    `vectors` maps each paragraph's text and each of its sentences to its vector."""
    n_labels = len(parts.labels)
    if not paragraphs:
        return np.zeros((0, len(feature_names(parts, lexicon))))
    words = _word_features(paragraphs, parts)
    blocks = [words]
    closeness = None
    if parts.uses_vectors:
        if vectors is None:
            raise ValueError("this theme model reads sentence vectors: give `vectors`")
        concept, closeness = _concept_features(paragraphs, parts, vectors)
        blocks.append(concept)
    if lexicon:
        values = _lexicon_features(paragraphs, parts.labels, closeness)
        seen = np.array([p.document in parts.lexicon_read_on for p in paragraphs])[:, None, None]
        blocks += [np.where(seen, 0.0, values), np.where(seen, values, 0.0)]
    out = np.concatenate(blocks, axis=2)
    return out.reshape(len(paragraphs) * n_labels, -1)


def _word_features(paragraphs: Sequence[Paragraph], parts: Parts) -> np.ndarray:
    vocabulary = parts.vocabulary.predict_proba([p.text for p in paragraphs])
    rows = []
    for p, v in zip(paragraphs, vocabulary, strict=True):
        n = np.full(len(parts.labels), np.log1p(len(p.sentences)))
        rows.append(np.stack([v, parts.rates.of(p.working_group), parts.rates.overall, n], 1))
    return np.stack(rows)


def _concept_features(
    paragraphs: Sequence[Paragraph], parts: Parts, vectors: Mapping[str, np.ndarray]
) -> tuple[np.ndarray, list[np.ndarray]]:
    """(paragraphs × labels × concept features, each paragraph's sentence-z matrix)."""
    assert parts.concepts is not None and parts.neighbours is not None
    own = unit_rows(np.stack([vectors[p.text] for p in paragraphs]))
    shares = parts.neighbours.shares(own)
    whole = parts.concepts.closeness(own)
    texts = [t for p in paragraphs for t in p.sentence_texts]
    every = parts.concepts.closeness(np.stack([vectors[t] for t in texts]))
    bounds = np.cumsum([0] + [len(p.sentences) for p in paragraphs])
    rows, zs = [], []
    for k in range(len(paragraphs)):
        s = every[bounds[k] : bounds[k + 1]]
        z = (s - s.mean(axis=1, keepdims=True)) / (s.std(axis=1, keepdims=True) + 1e-9)
        votes = np.bincount(s.argmax(axis=1), minlength=s.shape[1]) / len(s)
        w = whole[k]
        rank = np.argsort(np.argsort(-w, kind="stable"), kind="stable") + 1
        rows.append(
            np.stack(
                [
                    s.max(axis=0),
                    z.max(axis=0),
                    z.mean(axis=0),
                    votes,
                    w,
                    (w - w.mean()) / (w.std() + 1e-9),
                    1.0 / rank,
                    shares[k],
                ],
                1,
            )
        )
        zs.append(z)
    return np.stack(rows), zs


def _lexicon_features(
    paragraphs: Sequence[Paragraph], labels: list[str], closeness: list[np.ndarray] | None
) -> np.ndarray:
    rows = []
    for k, p in enumerate(paragraphs):
        rec_sentences = {p.sentence_of(a) for a, _ in p.recommendations}
        per_label = []
        for i, label in enumerate(labels):
            hits = p.hits_of(label)
            sentences = {p.sentence_of(h.start) for h in hits}
            listed = sum(
                bool(
                    LIST_CONTEXT.search(p.text[max(0, h.start - LIST_WINDOW) : h.end + LIST_WINDOW])
                )
                for h in hits
            )
            z = closeness[k][:, i] if closeness is not None else None
            per_label.append(
                [
                    float(bool(hits)),
                    np.log1p(len(hits)),
                    len(sentences) / max(len(p.sentences), 1),
                    float(0 in sentences),
                    float(bool(sentences & rec_sentences)),
                    listed / max(len(hits), 1),
                    max((float(z[j]) for j in sentences), default=-1.0) if z is not None else 0.0,
                ]
            )
        rows.append(per_label)
    return np.asarray(rows, dtype=np.float64)
