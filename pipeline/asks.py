"""Known asks: the catalogue (taxonomy/asks.yaml), a trained matcher, and new asks.

A recommendation is matched to the catalogue ask whose examples it resembles most, with a
score from a logistic regression over pair features (embedding and TF-IDF similarity to
the ask's examples and to its label and definition, theme overlap, addressee agreement,
rank and margin among the asks); below the threshold it matches none. The model learns
from the catalogue itself: each session's examples are matched against the asks of the
other sessions (leave-one-session-out), so it learns both to find the right ask and to
refuse an ask the catalogue does not hold yet. Recommendations that match nothing are
clustered among themselves as candidate new asks, each labelled by a phrase of its most
central sentence.

Pure: no paths but the catalogue's default, no I/O beyond reading it. The encoder is any
object with `encode(texts) -> array` (pipeline.embed.MiniLM) or a callable; learned
weights are plain JSON (`to_json`, `from_json`), never a pickle.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from pipeline.errors import PipelineError

ID = re.compile(r"^[a-z][a-z0-9_]*$")
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


class CatalogueError(PipelineError):
    """The catalogue of asks holds an entry the matcher cannot use."""


@dataclass(frozen=True)
class Example:
    doc_id: str
    text: str
    to: str = "unspecified"
    themes: tuple[str, ...] = ()
    para_no: int | None = None
    working_group: str | None = None
    context: str | None = None  # the paragraph (not stored in the YAML: see with_contexts)


@dataclass(frozen=True)
class Ask:
    id: str
    label: str
    definition: str
    themes: tuple[str, ...]
    addressee: str
    examples: tuple[Example, ...]


# ---------------------------------------------------------------------------- catalogue


def load_catalogue(path: Path | None = None, labels: dict[str, Any] | None = None) -> list[Ask]:
    """The asks of a catalogue file (default: taxonomy/asks.yaml), validated against the
    theme and addressee ids of labels.yaml."""
    from pipeline.paths import TAXONOMY_DIR
    from pipeline.tagging.taxonomy import read_yaml

    path = path or TAXONOMY_DIR / "asks.yaml"
    if labels is None:
        from pipeline.tagging.taxonomy_files import load_labels

        labels = load_labels(TAXONOMY_DIR / "labels.yaml")
    return parse_catalogue(
        read_yaml(path),
        str(path),
        set(labels["themes"]),
        set(labels["addressee_types"]),
        set(labels["working_groups"]),
    )


def parse_catalogue(
    data: Any,
    source: str,
    themes: set[str] | None = None,
    addressees: set[str] | None = None,
    groups: set[str] | None = None,
) -> list[Ask]:
    """Asks from the catalogue's parsed YAML (ids checked against the sets given); a
    malformed entry is a CatalogueError naming the file, the entry (position and id) and
    what is wrong."""
    if not isinstance(data, dict) or not isinstance(data.get("asks"), list):
        raise CatalogueError(f"{source}: expected a mapping with a list `asks:`")
    documents = data.get("documents") or {}
    if not isinstance(documents, dict):
        raise CatalogueError(f"{source}: `documents:` must map each doc_id to its working group")
    for doc_id, group in documents.items():
        if groups is not None and group not in groups:
            raise CatalogueError(
                f"{source}: documents: {doc_id}: unknown working group {group!r} (labels.yaml)"
            )
    asks: list[Ask] = []
    seen: set[str] = set()
    for n, entry in enumerate(data["asks"], start=1):
        name = f"ask #{n}" + (f" ({entry.get('id')!r})" if isinstance(entry, dict) else "")

        def bad(problem: str, name: str = name) -> CatalogueError:
            return CatalogueError(f"{source}: {name}: {problem}; fix or remove that entry")

        if not isinstance(entry, dict):
            raise bad("is not a mapping of id, label, definition, themes, addressee, examples")
        missing = [k for k in ("id", "label", "definition", "examples") if not entry.get(k)]
        if missing:
            raise bad(f"lacks {', '.join(missing)}")
        ask_id = entry["id"]
        if not isinstance(ask_id, str) or not ID.match(ask_id):
            raise bad("id must be snake_case (a-z, 0-9, _)")
        if ask_id in seen:
            raise bad("id is used by an earlier entry")
        seen.add(ask_id)
        for key in ("label", "definition"):
            if not isinstance(entry[key], str):
                raise bad(f"{key} must be text")
        ask_themes = _ids(entry.get("themes") or [], themes, "theme", bad)
        addressee = entry.get("addressee", "unspecified")
        _ids([addressee], addressees, "addressee", bad)
        if not isinstance(entry["examples"], list):
            raise bad("examples must be a list")
        examples = []
        for k, ex in enumerate(entry["examples"], start=1):
            if not isinstance(ex, dict) or not isinstance(ex.get("text"), str) or not ex["text"]:
                raise bad(f"example {k} needs a text")
            if not isinstance(ex.get("doc_id"), str) or not ex["doc_id"]:
                raise bad(f"example {k} needs the doc_id it comes from")
            if documents and ex["doc_id"] not in documents:
                raise bad(f"example {k}: add {ex['doc_id']} with its working group to documents:")
            to = ex.get("to", "unspecified")
            _ids([to], addressees, f"example {k}'s addressee", bad)
            ex_themes = _ids(ex.get("themes") or [], themes, f"example {k}'s theme", bad)
            text = " ".join(ex["text"].split())
            group = documents.get(ex["doc_id"])
            examples.append(Example(ex["doc_id"], text, to, ex_themes, ex.get("para_no"), group))
        asks.append(
            Ask(ask_id, entry["label"].strip(), entry["definition"].strip(), ask_themes,
                addressee, tuple(examples))
        )  # fmt: skip
    return asks


def _ids(values: Any, known: set[str] | None, what: str, bad: Callable) -> tuple[str, ...]:
    if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
        raise bad(f"{what}s must be a list of ids")
    unknown = [v for v in values if known is not None and v not in known]
    if unknown:
        raise bad(f"unknown {what} {unknown[0]!r} (see labels.yaml)")
    return tuple(values)


def without_docs(catalogue: Sequence[Ask], doc_ids: Iterable[str]) -> list[Ask]:
    """The catalogue without the examples of `doc_ids`; an ask left without examples goes
    (nothing of those sessions remains to be matched against)."""
    drop = set(doc_ids)
    out = []
    for ask in catalogue:
        kept = tuple(e for e in ask.examples if e.doc_id not in drop)
        if kept:
            out.append(Ask(ask.id, ask.label, ask.definition, ask.themes, ask.addressee, kept))
    return out


def with_contexts(catalogue: Sequence[Ask], paragraphs: pd.DataFrame) -> list[Ask]:
    """The catalogue with each example's paragraph text (`paragraphs`: doc_id, para_no,
    text, such as the paragraphs table) as its context; an example whose paragraph is not
    there keeps none (its sentence stands in)."""
    from dataclasses import replace

    text = {
        (str(d), int(p)): str(t)
        for d, p, t in zip(paragraphs["doc_id"], paragraphs["para_no"], paragraphs["text"],
                           strict=True)
    }  # fmt: skip
    out = []
    for ask in catalogue:
        examples = tuple(
            replace(e, context=text.get((e.doc_id, int(e.para_no or -1)))) for e in ask.examples
        )
        out.append(replace(ask, examples=examples))
    return out


# ------------------------------------------------------------------------------- texts


def ask_text(sentence: str) -> str:
    """The sentence without its reporting frame (the `embed` stage's rule)."""
    from pipeline.embed import ask_of

    return ask_of(sentence)


STOP = frozenset(
    "a an and are as at be been by can could for from has have in into is it its of on or "
    "that the their them these they this those to was were which who will with would should "
    "must also other such".split()
)


def stem(word: str) -> str:
    """A crude stem: "measures", "measured", "measuring" → "measur"."""
    if len(word) > 5 and word.endswith("ies"):
        return word[:-3] + "y"
    for suffix in ("ing", "ed", "es", "s"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            word = word[: -len(suffix)]
            break
    return word[:-1] if word.endswith("e") and len(word) > 3 else word


def terms(text: str) -> list[str]:
    """Stemmed content words and adjacent pairs of them (the TF-IDF vocabulary)."""
    words = [stem(w) for w in re.findall(r"[a-z0-9]+", text.lower()) if w not in STOP]
    words = [w for w in words if len(w) > 1]
    return words + [f"{a} {b}" for a, b in zip(words, words[1:], strict=False)]


def _unit(x: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(x, axis=1, keepdims=True)
    return (x / np.where(norms == 0, 1, norms)).astype(np.float64)


def _encode(encoder: Any, texts: list[str]) -> np.ndarray:
    if encoder is None:
        raise PipelineError("AskMatcher needs an encoder (pipeline.embed.MiniLM) or vectors")
    vectors = encoder.encode(texts) if hasattr(encoder, "encode") else encoder(texts)
    return _unit(np.asarray(vectors, dtype=np.float64))


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
    def of(cls, recs: pd.DataFrame) -> Query:
        if "text" not in recs and "ask" not in recs:
            raise PipelineError("recommendations need a `text` (or `ask`) column to be matched")
        texts = list(recs["text"] if "text" in recs else recs["ask"])
        n = len(recs)

        def column(name: str, default: Any) -> list:
            return list(recs[name]) if name in recs else [default] * n

        return cls(
            asks=list(recs["ask"]) if "ask" in recs else [ask_text(t) for t in texts],
            texts=[" ".join(str(t).split()) for t in texts],
            themes=[frozenset(t) for t in column("themes", ())],
            to=[str(t) for t in column("to", "unspecified")],
            groups=[g if isinstance(g, str) else None for g in column("working_group", None)],
            contexts=[c if isinstance(c, str) and c else t for c, t in
                      zip(column("context", None), texts, strict=True)],  # fmt: skip
        )


class _Index:
    """A catalogue prepared for matching: example vectors, TF-IDF (fitted on the catalogue
    only), theme, addressee and working-group profiles of each ask."""

    def __init__(self, catalogue: Sequence[Ask], encoder: Any, features: Sequence[str]) -> None:
        from sklearn.feature_extraction.text import TfidfVectorizer

        if not catalogue:
            raise CatalogueError("the catalogue holds no ask with examples")
        self.encoder = encoder
        self.ids = [a.id for a in catalogue]
        self.labels = [a.label for a in catalogue]
        self.owner = np.array([i for i, a in enumerate(catalogue) for _ in a.examples])
        examples = [e for a in catalogue for e in a.examples]
        asks = [ask_text(e.text) for e in examples]
        described = [f"{a.label}. {a.definition}" for a in catalogue]
        self.vectors = _encode(encoder, asks)
        self.centroids = _unit(
            np.stack([self.vectors[self.owner == i].mean(0) for i in range(len(catalogue))])
        )
        self.label_vectors = _encode(encoder, described) if "emb_label" in features else None
        self.sentence_vectors = (
            _encode(encoder, [e.text for e in examples]) if "sentence_max" in features else None
        )
        self.context_vectors = (
            _encode(encoder, [e.context or e.text for e in examples])
            if "context_max" in features
            else None
        )
        self.tfidf = TfidfVectorizer(analyzer=terms, sublinear_tf=True).fit(asks + described)
        self.example_tfidf = self.tfidf.transform(asks)
        self.label_tfidf = self.tfidf.transform(described)
        profiles = [_profile(a.examples) for a in catalogue]
        self.themes = [p[0] for p in profiles]
        self.addressee = [p[1] for p in profiles]
        self.n_examples = np.bincount(self.owner, minlength=len(catalogue))
        groups = sorted({e.working_group for e in examples if e.working_group})
        self.group_share = {
            g: np.array(
                [np.mean([e.working_group == g for e in a.examples]) for a in catalogue]
            )
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
        columns = {
            "emb_max": lambda: emb_max[rows, cols],
            "emb_mean": lambda: self._by_ask(sim, "mean")[rows, cols],
            "emb_centroid": lambda: np.einsum("ij,ij->i", vectors[rows], self.centroids[cols]),
            "emb_label": lambda: np.einsum("ij,ij->i", vectors[rows], self.label_vectors[cols]),
            "sentence_max": lambda: self._by_ask(
                _encode(self.encoder, query.texts) @ self.sentence_vectors.T, "max"
            )[rows, cols],
            "tfidf_max": lambda: self._by_ask(
                (q_tfidf @ self.example_tfidf.T).toarray(), "max"
            )[rows, cols],
            "tfidf_label": lambda: (q_tfidf @ self.label_tfidf.T).toarray()[rows, cols],
            "themes": lambda: [_jaccard(query.themes[r], self.themes[c]) for r, c in pairs],
            "addressee": lambda: [float(query.to[r] == self.addressee[c]) for r, c in pairs],
            "group": lambda: [
                self.group_share[query.groups[r]][c] if query.groups[r] in self.group_share
                else 0.0
                for r, c in pairs
            ],  # fmt: skip
            "rank": lambda: 1.0 / np.tile(np.arange(1, k + 1), n),
            "context_max": lambda: self._by_ask(
                _encode(self.encoder, query.contexts) @ self.context_vectors.T, "max"
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


def _catalogue_frame(catalogue: Sequence[Ask]) -> pd.DataFrame:
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

# ----------------------------------------------------------------------------- matcher


class AskMatcher:
    """Matches recommendations to the asks of a catalogue (scikit-learn estimator contract).

    model: "logistic" (pair features → logistic regression that ranks the candidate asks)
    or "nearest" (the nearest example's cosine, no training). accept: with "logistic", a
    second logistic regression decides whether the best candidate is right, from its
    features and how far its score stands above the others' (else its rank score is used).
    features: the pair FEATURES used. threshold: the score below which nothing is matched,
    or "auto": chosen by leave-one-session-out over the catalogue, the value that decides
    most examples right (matched to their ask, or left unmatched when their ask has no
    example from another session) among those with a match precision of at least
    `min_precision`. candidates: asks scored per recommendation (the nearest by emb_max).
    """

    def __init__(
        self,
        encoder: Any = None,
        model: str = "logistic",
        features: Sequence[str] = DEFAULT_FEATURES,
        accept: bool = False,
        threshold: float | str = "auto",
        min_precision: float = 0.0,
        objective: str = "accuracy",
        candidates: int = 10,
        C: float = 1.0,  # noqa: N803  (scikit-learn's name)
        random_state: int = 0,
    ) -> None:
        self.encoder = encoder
        self.model = model
        self.features = features
        self.accept = accept
        self.threshold = threshold
        self.min_precision = min_precision
        self.objective = objective
        self.candidates = candidates
        self.C = C
        self.random_state = random_state

    def _check(self) -> None:
        if self.model not in ("logistic", "nearest"):
            raise ValueError(f"model={self.model!r}: use logistic or nearest")
        unknown = set(self.features) - set(FEATURES)
        if unknown or "emb_max" not in self.features:
            raise ValueError(f"features: unknown {sorted(unknown)}; use emb_max and any of {FEATURES}")
        if self.threshold != "auto" and not isinstance(self.threshold, int | float):
            raise ValueError(f"threshold={self.threshold!r}: a number or 'auto'")
        if self.objective not in ("accuracy", "ari"):
            raise ValueError(f"objective={self.objective!r}: use accuracy or ari")
        if self.candidates < 2:
            raise ValueError(f"candidates={self.candidates} must be at least 2")

    def fit(self, catalogue: Sequence[Ask]) -> AskMatcher:
        """Learn weights and threshold from the catalogue, each session's examples matched
        against the other sessions' asks; then index the whole catalogue for matching."""
        self._check()
        self.feature_names_ = [f for f in FEATURES if f in self.features]
        frame = _catalogue_frame(catalogue)
        folds = []  # per session: pair features, pair labels, width, gold ask in the index
        for doc in sorted(set(frame["doc_id"])):
            rest = without_docs(catalogue, [doc])
            if not rest:
                continue
            queries = frame[frame["doc_id"] == doc]
            cand, x = self._pairs(_Index(rest, self.encoder, self.features), queries)
            ids = np.array([a.id for a in rest])[cand]
            gold = queries["gold"].to_numpy()
            y = ids == gold[:, None]
            folds.append((x, y.ravel(), cand.shape[1], y.any(1), ids, gold))
        if len(folds) < 2:
            raise CatalogueError("the matcher learns from examples of at least two sessions")
        self.rank_, self.accept_ = None, None
        if self.model == "logistic":
            self.rank_ = self._train([f[0] for f in folds], [f[1] for f in folds])
        # each session scored by weights learned without it (cross-fitting)
        tops, picked = [], []
        for n, (x, y, k, _, ids, _) in enumerate(folds):
            rank = self._train(*_others(folds, n)) if self.model == "logistic" else None
            s = self._rank(x, rank).reshape(-1, k)
            top = s.argmax(1)
            rows = np.arange(len(s))
            tops.append((_decision(s, x.reshape(len(s), k, -1)), y.reshape(-1, k)[rows, top]))
            picked.append(ids[rows, top])
        use_accept = self.model == "logistic" and self.accept
        if use_accept:
            self.accept_ = self._train([t[0] for t in tops], [t[1] for t in tops])
        scores = []
        for n, (a, _) in enumerate(tops):
            if use_accept:
                others = [t for m, t in enumerate(tops) if m != n]
                weights = self._train([t[0] for t in others], [t[1] for t in others])
                scores.append(_logistic(a, weights))
            else:
                scores.append(a[:, 0])
        self.threshold_ = (
            choose_threshold(
                np.concatenate(scores),
                np.concatenate(picked),
                np.concatenate([f[5] for f in folds]),
                np.concatenate([f[3] for f in folds]),
                self.min_precision,
                self.objective,
            )
            if self.threshold == "auto"
            else float(self.threshold)
        )
        return self.index(catalogue)

    def index(self, catalogue: Sequence[Ask]) -> AskMatcher:
        """Prepare `catalogue` for matching with the weights learned (no retraining): a
        catalogue an analyst extended is matched against at once."""
        self.index_ = _Index(catalogue, self.encoder, self.features)
        return self

    def _pairs(
        self, index: _Index, recs: pd.DataFrame, vectors: np.ndarray | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        query = Query.of(recs)
        vectors = _encode(self.encoder, query.asks) if vectors is None else _unit(vectors)
        return index.features(query, vectors, self.feature_names_, self.candidates)

    def _train(self, x: list[np.ndarray], y: list[np.ndarray]) -> dict[str, Any]:
        from sklearn.linear_model import LogisticRegression

        x_all, y_all = np.vstack(x), np.concatenate(y)
        mean, scale = x_all.mean(0), x_all.std(0)
        scale = np.where(scale == 0, 1.0, scale)
        model = LogisticRegression(C=self.C, max_iter=1000, random_state=self.random_state)
        model.fit((x_all - mean) / scale, y_all)
        return {
            "mean": mean.tolist(),
            "scale": scale.tolist(),
            "coef": model.coef_[0].tolist(),
            "intercept": float(model.intercept_[0]),
        }

    def _rank(self, x: np.ndarray, weights: dict | None) -> np.ndarray:
        if weights is None:  # nearest example
            return x[:, self.feature_names_.index("emb_max")]
        return _logistic(x, weights)

    def scores(
        self, recs: pd.DataFrame, vectors: np.ndarray | None = None
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(candidate ask positions n×k, their rank scores n×k, the decision score of the
        best candidate n) for each recommendation."""
        if not hasattr(self, "index_"):
            raise PipelineError("AskMatcher: fit it, or index a catalogue, before matching")
        cand, x = self._pairs(self.index_, recs, vectors)
        k = cand.shape[1]
        s = self._rank(x, self.rank_).reshape(-1, k)
        a = _decision(s, x.reshape(len(s), k, -1))
        return cand, s, _logistic(a, self.accept_) if self.accept_ else a[:, 0]

    def match(self, recs: pd.DataFrame, vectors: np.ndarray | None = None) -> pd.DataFrame:
        """Per recommendation (recs' index): `ask_id` (None below the threshold), `score`
        and the best `candidate` whatever its score. recs: `text` (or `ask`: the sentence
        without its reporting frame), optional `to`, `themes`, `working_group`; vectors:
        the asks' embeddings (embed stage), if already computed."""
        if len(recs) == 0:
            return pd.DataFrame({"ask_id": [], "score": [], "candidate": []}, dtype=object)
        cand, s, best = self.scores(recs, vectors)
        ids = [self.index_.ids[c] for c in cand[np.arange(len(s)), s.argmax(1)]]
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
        """Parameters and learned weights as JSON (not the encoder, not the catalogue)."""
        params = {k: v for k, v in vars(self).items() if not k.endswith("_") and k != "encoder"}
        params["features"] = list(self.features)
        learned = {
            k: getattr(self, k) for k in ("feature_names_", "rank_", "accept_", "threshold_")
        }
        return json.dumps({"params": params, "learned": learned}, indent=1, sort_keys=True)

    @classmethod
    def from_json(cls, text: str, encoder: Any = None) -> AskMatcher:
        """A matcher with the weights of `to_json`; `index(catalogue)` it before matching."""
        data = json.loads(text)
        matcher = cls(encoder=encoder, **data["params"])
        for key, value in data["learned"].items():
            setattr(matcher, key, value)
        return matcher


def _others(folds: list, n: int) -> tuple[list, list]:
    rest = [f for m, f in enumerate(folds) if m != n]
    return [f[0] for f in rest], [f[1] for f in rest]


def _logistic(x: np.ndarray, weights: dict[str, Any]) -> np.ndarray:
    z = ((x - np.array(weights["mean"])) / np.array(weights["scale"])) @ np.array(weights["coef"])
    return 1.0 / (1.0 + np.exp(-(z + weights["intercept"])))


def _decision(s: np.ndarray, x: np.ndarray) -> np.ndarray:
    """Features of each recommendation's best candidate for the accept model: its rank
    score, the gap to the second, its share of all scores, then its pair features."""
    order = np.argsort(-s, axis=1, kind="stable")
    rows = np.arange(len(s))
    best, second = s[rows, order[:, 0]], s[rows, order[:, 1]]
    share = best / np.maximum(s.sum(1), 1e-12)
    return np.column_stack([best, best - second, share, x[rows, order[:, 0]]])


def choose_threshold(
    scores: np.ndarray,
    picked: np.ndarray,
    gold: np.ndarray,
    known: np.ndarray,
    min_precision: float = 0.0,
    objective: str = "accuracy",
) -> float:
    """The threshold (the middle of the best range) among those whose match precision
    reaches `min_precision` that maximizes the objective: "accuracy", examples decided
    right (matched to their ask, or left unmatched when it is not in the catalogue), or
    "ari", the adjusted Rand index of the assignment (an unmatched example alone)."""
    from sklearn.metrics import adjusted_rand_score

    right = picked == gold
    values = np.unique(np.round(scores, 9))
    grid = np.concatenate([[values[0] - 1e-6], (values[1:] + values[:-1]) / 2, [values[-1] + 1e-6]])
    alone = np.array([f"#{n}" for n in range(len(gold))], dtype=object)
    best, chosen = -np.inf, []
    for t in grid:
        matched = scores >= t
        precision = right[matched].mean() if matched.any() else 1.0
        if precision < min_precision:
            continue
        if objective == "ari":
            correct = adjusted_rand_score(gold, np.where(matched, picked, alone))
        else:
            correct = int((matched & right).sum() + (~matched & ~known).sum())
        if correct > best:
            best, chosen = correct, [t]
        elif correct == best:
            chosen.append(t)
    if not chosen:
        return float(grid[-1])
    return float(round(chosen[len(chosen) // 2], 6))


# ---------------------------------------------------------------------------- new asks

ADDRESSEES = ("states", "unodc", "working_group", "civil_society", "private_sector", "unspecified")


def cluster_new(
    vectors: np.ndarray,
    themes: Sequence[Sequence[str]],
    to: Sequence[str],
    threshold: float = 0.45,
    weights: tuple[float, float, float] = (1.0, 0.8, 0.3),
) -> np.ndarray:
    """Cluster (0..k-1, by first appearance) of each unmatched recommendation: the `cluster`
    stage's method, agglomerative with complete linkage and a cosine distance threshold on
    [ask embedding | themes one-hot | addressee one-hot], the blocks weighted."""
    from scipy.cluster.hierarchy import fcluster, linkage

    n = len(vectors)
    if n <= 1:
        return np.zeros(n, dtype=np.int64)
    names = sorted({t for ts in themes for t in ts})
    theme_block = np.array([[float(t in ts) for t in names] for ts in themes]).reshape(n, -1)
    to_block = np.array([[float(t == a) for a in ADDRESSEES] for t in to])
    x = _unit(
        np.hstack(
            [
                weights[0] * _unit(vectors),
                weights[1] * (_unit(theme_block) if names else np.zeros((n, 1))),
                weights[2] * to_block,
            ]
        )
    )
    distance = np.clip(np.round(1 - (x @ x.T)[np.triu_indices(n, 1)], 10), 0, 2)
    raw = fcluster(linkage(distance, "complete"), t=np.nextafter(threshold, 0), criterion="distance")
    first: dict[int, int] = {}
    return np.array([first.setdefault(int(r), len(first)) for r in raw], dtype=np.int64)


# The words of a recommendation that start its ask: verbs in the base form ("that States
# *adopt* ...", "urged UNODC to *develop* ..."), for labels of new asks. Rules, no parser:
# only spacy.blank models exist offline.
VERBS = frozenset(
    """accede accept address adopt align allocate allow amend apply assess assist build
    carry clarify collect combine compile conclude conduct consider consult continue
    contribute cooperate coordinate create criminalize designate destroy develop devote
    document draw embed emulate enable encourage engage enhance ensure establish evaluate
    exchange expand expedite extend facilitate finance focus formalize foster fund give
    grant harmonize help hold identify implement improve include increase inform integrate
    introduce invest investigate involve issue join keep launch lead license make map mark
    mainstream monitor negotiate offer open organize participate place prepare prevent
    prioritize promote prosecute protect provide publish pursue put raise ratify recognize
    record refer reflect regulate reinforce remove remunerate report require research
    respond review revise search secure seek set share shorten simplify step strengthen
    submit support take teach tackle trace train translate treat turn undertake update use
    work upload receive enact ban close limit end stop avoid reduce respect uphold abolish
    adapt allow appoint assign avoid""".split()
)
REPORTING = re.compile(
    r"^(?:\S+\s+){0,14}?(?:said|noted|stated|observed|stressed|underscored|underlined|"
    r"emphasized|highlighted|mentioned|argued|considered|added|concluded|believed|"
    r"put forward|pointed out|recalled|suggested|proposed|recommended|urged)"
    r"(?:,\s*\w+,)?\s+that\s+",
    re.IGNORECASE,
)
PARTICIPLES = {
    "taught": "teach", "led": "lead", "made": "make", "held": "hold", "built": "build",
    "kept": "keep", "paid": "pay", "given": "give", "taken": "take", "sent": "send",
    "done": "do", "brought": "bring", "sought": "seek", "undertaken": "undertake",
    "set": "set", "put": "put",
}  # fmt: skip
OBJECT_PRONOUNS = {"they": "them", "he": "him", "she": "her", "we": "us", "i": "me"}
PASSIVE = re.compile(
    r"^(?P<subject>(?:\S+\s+){0,9}?\S+)\s+(?:should\s+|must\s+|to\s+)?be\s+"
    r"(?P<verb>\w+(?:ed|en)|taught|led|made|held|built|kept|paid|given|taken|sent|done|"
    r"brought|sought|undertaken|set|put)"
    r"(?P<rest>\b.*)$",
    re.IGNORECASE,
)
CLAUSE_END = re.compile(
    r"[,;:(–—]|\s(?:in order to|so that|so as to|which|who|where|while|including|such as|"
    r"e\.g\.|i\.e\.|as well as|rather than|by means of|in particular|notably|before|after|"
    r"when|if|because|since|and that|and to)\s",
    re.IGNORECASE,
)
NOT_AFTER = frozenset("a an the its their this that these those of for in on with by".split())
TRAILING = frozenset(
    "a an and or of the to for in on with by at as from into their its that this these "
    "those be is are more all any".split()
)


def _base_verb(word: str) -> str:
    """The base form of a gerund or participle by word frequency: establishing →
    establish, making → make, carried → carry, implemented → implement."""
    from wordfreq import zipf_frequency

    lower = word.lower()
    if lower in PARTICIPLES:
        return PARTICIPLES[lower]
    for suffix in ("ing", "ied", "ed", "en"):
        if lower.endswith(suffix) and len(lower) > len(suffix) + 2:
            stem_ = lower[: -len(suffix)]
            options = [stem_, stem_ + "e", stem_ + "y" if suffix == "ied" else stem_]
            if stem_[-1] == stem_[-2]:
                options.append(stem_[:-1])
            best = max(options, key=lambda w: (w in VERBS, zipf_frequency(w, "en"), -len(w)))
            return best if best in VERBS or zipf_frequency(best, "en") > 3 else word
    return word


def new_ask_label(sentence: str, max_words: int = 8) -> str:
    """A readable phrase for the ask of a sentence, verb first where the rules find one:
    the reporting frame stripped, the addressee before "to" dropped, a passive turned
    active, cut at the first clause boundary and to about `max_words` words ("He called on
    States to set up referral mechanisms, ..." → "Set up referral mechanisms")."""
    ask = ask_text(sentence)
    ask = REPORTING.sub("", ask, count=1)
    ask = re.sub(
        r"^(?:that\s+|(?:the\s+)?(?:need|importance|necessity)\s+(?:of|to|for)\s+|also\s+|"
        r"further\s+)+",
        "",
        ask,
        flags=re.IGNORECASE,
    )
    passive = PASSIVE.match(ask)
    words = ask.split()
    if passive and not any(w.lower() in VERBS for w in passive["subject"].split()[1:]):
        verb = _base_verb(passive["verb"])
        if verb.lower() in VERBS:
            subject = [OBJECT_PRONOUNS.get(w.lower(), w) for w in passive["subject"].split()]
            rest = passive["rest"].split()
            particle = rest[:1] if rest[:1] in (["out"], ["up"]) else []  # carried out
            words = [verb, *particle, *subject, *rest[len(particle) :]]
    else:
        after_to = [
            i for i in range(1, min(len(words), 20))
            if words[i - 1].lower() == "to" and words[i].lower().strip(",;") in VERBS
        ]  # fmt: skip
        if after_to and after_to[0] > 1:
            words = words[after_to[0] :]
        for i, word in enumerate(words[:12]):
            lower = word.lower().strip(",;")
            follows = words[i - 1].lower() if i else ""
            if lower in VERBS and (i == 0 or follows not in NOT_AFTER):
                words = words[i:]
                break
            if lower.endswith("ing") and i == 0:
                words[0] = _base_verb(word)
                break
    ask = re.sub(r"^(\S+), [^,]{3,80}, ", r"\1 ", " ".join(words))  # "compile, with X, a list"
    cut = CLAUSE_END.search(ask, 12)
    if cut:
        ask = ask[: cut.start()]
    words = ask.split()[:max_words]
    while len(words) > 2 and words[-1].lower().strip(".") in TRAILING:
        words.pop()
    phrase = " ".join(words).strip(" .,;:")
    return phrase[:1].upper() + phrase[1:]


def assign(
    recs: pd.DataFrame,
    vectors: np.ndarray,
    matcher: AskMatcher,
    new_threshold: float = 0.45,
    new_prefix: str = "new_",
) -> pd.DataFrame:
    """Each recommendation's ask: a catalogue ask when matched, else a candidate new ask
    (unmatched recommendations clustered among themselves, `new_prefix` + number, labelled
    by the phrase of its most central sentence). recs: `text` (and optionally `ask`, `to`,
    `themes`); vectors: the asks' embeddings, aligned with recs. Returns, in recs' order:
    ask_id, label, score, new."""
    matched = matcher.match(recs, vectors)
    labels = dict(zip(matcher.index_.ids, matcher.index_.labels, strict=True))
    out = pd.DataFrame(
        {
            "ask_id": matched["ask_id"],
            "label": [labels.get(a) if a else None for a in matched["ask_id"]],
            "score": matched["score"],
            "new": matched["ask_id"].isna(),
        },
        index=recs.index,
    )
    rows = np.flatnonzero(out["new"].to_numpy())
    if len(rows):
        query = Query.of(recs.iloc[rows])
        unit = _unit(np.asarray(vectors)[rows])
        groups = cluster_new(unit, query.themes, query.to, new_threshold)
        texts = list(recs.iloc[rows]["text"] if "text" in recs else recs.iloc[rows]["ask"])
        for g in range(int(groups.max()) + 1):
            members = np.flatnonzero(groups == g)
            centroid = unit[members].mean(0)
            central = members[np.argmax(np.round(unit[members] @ centroid, 6))]
            where = out.index[rows[members]]
            out.loc[where, "ask_id"] = f"{new_prefix}{g + 1:03d}"
            out.loc[where, "label"] = new_ask_label(texts[central])
    return out
