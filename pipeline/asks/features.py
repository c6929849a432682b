"""Pair features between recommendations and the asks of a catalogue.

A catalogue is indexed once (`AskIndex`): its examples' ask embeddings, their paragraphs'
embeddings, a TF-IDF of stemmed words and word pairs fitted on the catalogue alone, and
each ask's usual themes, addressee and working groups. `AskIndex.features` gives, for each
recommendation, its candidate asks (the nearest by embedding) and one row of FEATURES per
candidate.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from functools import partial
from itertools import pairwise
from typing import Any

import numpy as np
import pandas as pd

from pipeline.asks.catalogue import Ask, CatalogueError, Example
from pipeline.errors import PipelineError
from pipeline.learn import unit_rows

FEATURES = (  # every pair feature the matcher knows, in a fixed order
    "emb_max",  # highest cosine of the asks' embeddings to the ask's examples
    "emb_mean",  # mean cosine to its examples
    "emb_centroid",  # cosine to the centroid of its examples
    "emb_label",  # cosine to "label. definition"
    "sentence_max",  # highest cosine of the whole sentences (frame included)
    "context_max",  # highest cosine of the paragraphs they stand in (else the sentences)
    "tfidf_max",  # highest TF-IDF cosine (stemmed words and word pairs) to its examples
    "tfidf_label",  # TF-IDF cosine to "label. definition"
    "themes",  # Jaccard overlap of themes with the themes most of its examples carry
    "addressee",  # 1 when addressed to whom most of its examples are
    "group",  # share of its examples from the recommendation's working group
    "rank",  # 1 / rank of the ask by emb_max
    "margin",  # emb_max minus the best emb_max of any other ask
    "n_examples",  # log(1 + number of examples)
)
DEFAULT_FEATURES = tuple(f for f in FEATURES if f not in ("sentence_max", "group"))
EXAMPLE_ONLY = tuple(f for f in DEFAULT_FEATURES if f not in ("emb_label", "tfidf_label"))


def ask_text(sentence: str, frame: re.Pattern[str] | None) -> str:
    """The sentence without its reporting frame (the `embed` stage's rule and the
    taxonomy's `frame`); with no frame, the sentence itself."""
    from pipeline.asks.frame import ask_of

    return ask_of(sentence, frame) if frame is not None else " ".join(str(sentence).split())


def stem(word: str) -> str:
    """A crude stem: "measures", "measured", "measuring" → "measur"."""
    if len(word) > 5 and word.endswith("ies"):
        return word[:-3] + "y"
    for suffix in ("ing", "ed", "es", "s"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            word = word[: -len(suffix)]
            break
    return word[:-1] if word.endswith("e") and len(word) > 3 else word


def terms(text: str, stop_words: frozenset[str] = frozenset()) -> list[str]:
    """Stemmed content words and adjacent pairs of them (the TF-IDF vocabulary), without
    the stop words (ask_wording.yaml `matcher.stop_words`)."""
    words = [stem(w) for w in re.findall(r"[a-z0-9]+", text.lower()) if w not in stop_words]
    words = [w for w in words if len(w) > 1]
    return words + [f"{a} {b}" for a, b in pairwise(words)]


def encode(encoder: Any, texts: list[str]) -> np.ndarray:
    if encoder is None:
        raise PipelineError("AskMatcher needs an encoder (pipeline.embed.MiniLM) or vectors")
    vectors = encoder.encode(texts) if hasattr(encoder, "encode") else encoder(texts)
    return unit_rows(np.asarray(vectors, dtype=np.float64), np.float64)


# ------------------------------------------------------------------------------- index


@dataclass(frozen=True)
class Query:
    """What the matcher reads of recommendations: asks (frame stripped), sentences,
    themes, addressees and working groups (None when unknown)."""

    asks: list[str]
    texts: list[str]
    themes: list[frozenset[str]]
    to: list[str]
    groups: list[str | None]
    contexts: list[str]  # the paragraph of each, or its sentence when not given

    @classmethod
    def of(cls, recs: pd.DataFrame, frame: re.Pattern[str] | None = None) -> Query:
        if "text" not in recs and "ask" not in recs:
            raise PipelineError("recommendations need a `text` (or `ask`) column to be matched")
        texts = list(recs["text"] if "text" in recs else recs["ask"])
        n = len(recs)

        def column(name: str, default: Any) -> list:
            return list(recs[name]) if name in recs else [default] * n

        return cls(
            asks=list(recs["ask"]) if "ask" in recs else [ask_text(t, frame) for t in texts],
            texts=[" ".join(str(t).split()) for t in texts],
            themes=[frozenset(t) for t in column("themes", ())],
            to=[str(t) for t in column("to", "unspecified")],
            groups=[g if isinstance(g, str) else None for g in column("working_group", None)],
            contexts=[
                c if isinstance(c, str) and c else t
                for c, t in zip(column("context", None), texts, strict=True)
            ],
        )


class AskIndex:
    """A catalogue prepared for matching: example vectors, TF-IDF (fitted on the catalogue
    only), theme, addressee and working-group profiles of each ask."""

    def __init__(
        self,
        catalogue: Sequence[Ask],
        encoder: Any,
        features: Sequence[str],
        frame: re.Pattern[str] | None = None,
        stop_words: frozenset[str] = frozenset(),
    ) -> None:
        from sklearn.feature_extraction.text import TfidfVectorizer

        if not catalogue:
            raise CatalogueError("the catalogue holds no ask with examples")
        self.encoder = encoder
        self.ids = [a.id for a in catalogue]
        self.labels = [a.label for a in catalogue]
        self.owner = np.array([i for i, a in enumerate(catalogue) for _ in a.examples])
        examples = [e for a in catalogue for e in a.examples]
        asks = [ask_text(e.text, frame) for e in examples]
        described = [f"{a.label}. {a.definition}" for a in catalogue]
        self.vectors = encode(encoder, asks)
        self.centroids = unit_rows(
            np.stack([self.vectors[self.owner == i].mean(0) for i in range(len(catalogue))]),
            np.float64,
        )
        self.label_vectors = encode(encoder, described) if "emb_label" in features else None
        self.sentence_vectors = (
            encode(encoder, [e.text for e in examples]) if "sentence_max" in features else None
        )
        self.context_vectors = (
            encode(encoder, [e.context or e.text for e in examples])
            if "context_max" in features
            else None
        )
        analyzer = partial(terms, stop_words=stop_words)
        self.tfidf = TfidfVectorizer(analyzer=analyzer, sublinear_tf=True).fit(asks + described)
        self.example_tfidf = self.tfidf.transform(asks)
        self.label_tfidf = self.tfidf.transform(described)
        profiles = [_profile(a.examples) for a in catalogue]
        self.themes = [p[0] for p in profiles]
        self.addressee = [p[1] for p in profiles]
        self.n_examples = np.bincount(self.owner, minlength=len(catalogue))
        groups = sorted({e.working_group for e in examples if e.working_group})
        self.group_share = {
            g: np.array([np.mean([e.working_group == g for e in a.examples]) for a in catalogue])
            for g in groups
        }

    def _by_ask(self, sim: np.ndarray, how: str) -> np.ndarray:
        out = np.zeros((len(sim), len(self.ids)))
        for i in range(len(self.ids)):
            part = sim[:, self.owner == i]
            out[:, i] = part.max(1) if how == "max" else part.mean(1)
        return out

    def features(
        self, query: Query, vectors: np.ndarray, names: Sequence[str], k: int
    ) -> tuple[np.ndarray, np.ndarray]:
        """(candidates n×k: the k asks nearest by emb_max, features (n·k)×len(names))."""
        n, m = len(vectors), len(self.ids)
        sim = vectors @ self.vectors.T
        emb_max = self._by_ask(sim, "max")
        k = min(k, m)
        order = np.argsort(-np.round(emb_max, 9), axis=1, kind="stable")
        cand = order[:, :k]
        rows, cols = np.repeat(np.arange(n), k), cand.ravel()
        best = np.repeat(emb_max[np.arange(n), order[:, 0]], k)
        second = np.repeat(emb_max[np.arange(n), order[:, 1]] if m > 1 else best - 1, k)
        is_top = cols == np.repeat(order[:, 0], k)
        q_tfidf = self.tfidf.transform(query.asks)
        pairs = list(zip(rows, cols, strict=True))
        zeros = np.zeros(m)
        columns = {
            "emb_max": lambda: emb_max[rows, cols],
            "emb_mean": lambda: self._by_ask(sim, "mean")[rows, cols],
            "emb_centroid": lambda: np.einsum("ij,ij->i", vectors[rows], self.centroids[cols]),
            "emb_label": lambda: np.einsum("ij,ij->i", vectors[rows], self.label_vectors[cols]),
            "sentence_max": lambda: self._by_ask(
                encode(self.encoder, query.texts) @ self.sentence_vectors.T, "max"
            )[rows, cols],
            "tfidf_max": lambda: self._by_ask((q_tfidf @ self.example_tfidf.T).toarray(), "max")[
                rows, cols
            ],
            "tfidf_label": lambda: (q_tfidf @ self.label_tfidf.T).toarray()[rows, cols],
            "themes": lambda: [_jaccard(query.themes[r], self.themes[c]) for r, c in pairs],
            "addressee": lambda: [float(query.to[r] == self.addressee[c]) for r, c in pairs],
            "group": lambda: [self.group_share.get(query.groups[r], zeros)[c] for r, c in pairs],
            "rank": lambda: 1.0 / np.tile(np.arange(1, k + 1), n),
            "context_max": lambda: self._by_ask(
                encode(self.encoder, query.contexts) @ self.context_vectors.T, "max"
            )[rows, cols],
            "margin": lambda: emb_max[rows, cols] - np.where(is_top, second, best),
            "n_examples": lambda: np.log1p(self.n_examples[cols]),
        }
        return cand, np.column_stack([np.asarray(columns[f](), dtype=np.float64) for f in names])


def _profile(examples: Sequence[Example]) -> tuple[frozenset[str], str]:
    """Themes at least half of the examples carry; the most frequent addressee."""
    counts = Counter(t for e in examples for t in set(e.themes))
    to = Counter(e.to for e in examples)
    themes = frozenset(t for t, c in counts.items() if 2 * c >= len(examples))
    return themes, sorted(to, key=lambda a: (-to[a], a))[0]


def _jaccard(a: frozenset[str], b: frozenset[str]) -> float:
    return len(a & b) / len(a | b) if a | b else 0.0


def catalogue_frame(catalogue: Sequence[Ask]) -> pd.DataFrame:
    rows = [
        {
            "doc_id": e.doc_id,
            "text": e.text,
            "to": e.to,
            "themes": e.themes,
            "working_group": e.working_group,
            "context": e.context,
            "gold": a.id,
        }
        for a in catalogue
        for e in a.examples
    ]
    return pd.DataFrame(rows)
