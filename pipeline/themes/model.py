"""The theme decision: is this paragraph about this theme? One model over all pairs.

`ThemeModel.fit` learns from the training gold and the taxonomy's example sentences:
1. the parts evidence is computed from (`features.Parts`: the learned vocabulary, the
   working groups' rates, the training paragraphs as neighbours) are fitted once per
   training document *without* it, and that document's evidence computed from them: what
   the decision learns from is what it will meet on a session it has never seen, wrong
   and missing candidates included;
2. one logistic regression over all (paragraph, theme) rows (a theme has a handful to a
   hundred positive paragraphs, too few for a model of its own; its rates are features);
3. the threshold of best micro F1 over the training documents, each scored by a decision
   fitted without it (one threshold for every pair: a threshold of its own for themes the
   lexicon matched would learn, on the documents the lexicon was written from, to trust
   it more than a new session allows);
4. the parts refitted on every training document, for use.
Saved to a folder (`to_disk`): the decision as JSON, the vocabulary as JSON and
safetensors, concept and neighbour vectors as safetensors; no pickle.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

from pipeline.learn import LinearModel, choose_threshold, logo_predictions
from pipeline.themes.evidence import Paragraph
from pipeline.themes.features import Parts, Rates, feature_names, pair_features
from pipeline.themes.similarity import Concepts, Neighbours
from pipeline.themes.vocabulary import ThemeVocabulary, VocabularySettings

FORMAT = "crp-theme-model/1"
MODEL_FILE = "decision.json"
CONCEPTS_FILE = "concepts.safetensors"
NEIGHBOURS_FILE = "neighbours.safetensors"


@dataclass(frozen=True)
class ThemeSettings:
    """similarity: read sentence vectors (all-MiniLM-L6-v2); lexicon: the hand-written
    lexicon's hits as features of the decision; c: the decision's inverse L2 strength;
    answer_weight: how much an analyst's answer counts beside a gold pair."""

    similarity: bool = True
    lexicon: bool = False
    c: float = 1.0
    answer_weight: float = 1.0
    vocabulary: VocabularySettings = field(default_factory=VocabularySettings)


@dataclass
class TrainingSet:
    """Training paragraphs with their themes and document, and the example sentences.

    `known` (paragraphs × labels, None: all) says which targets are known: a gold
    paragraph knows every theme, an analyst's answer one theme of its paragraph; the
    vocabulary's per-theme model, the neighbours and the decision's pair rows use only
    known targets. `weights` (one per paragraph, None: all 1) weigh it in the vocabulary
    and its pair rows in the decision."""

    paragraphs: list[Paragraph]
    targets: np.ndarray  # paragraphs × labels, 0/1
    documents: list[str]
    examples: list[str]
    example_targets: np.ndarray  # examples × labels
    known: np.ndarray | None = None  # paragraphs × labels, bool
    weights: np.ndarray | None = None  # paragraphs

    @property
    def mask(self) -> np.ndarray:
        if self.known is None:
            return np.ones(self.targets.shape, dtype=bool)
        return np.asarray(self.known, dtype=bool)

    @property
    def row_weights(self) -> np.ndarray:
        return np.ones(len(self.paragraphs)) if self.weights is None else np.asarray(self.weights)

    def subset(self, rows: Sequence[int]) -> TrainingSet:
        rows = list(rows)
        return TrainingSet(
            [self.paragraphs[i] for i in rows],
            self.targets[rows],
            [self.documents[i] for i in rows],
            self.examples,
            self.example_targets,
            None if self.known is None else self.mask[rows],
            None if self.weights is None else self.row_weights[rows],
        )

    def without(self, document: str) -> TrainingSet:
        return self.subset([i for i, d in enumerate(self.documents) if d != document])

    def rows_of(self, document: str) -> list[int]:
        return [i for i, d in enumerate(self.documents) if d == document]

    def plus(self, other: TrainingSet) -> TrainingSet:
        """This set's paragraphs and `other`'s (its examples are not added)."""
        return TrainingSet(
            self.paragraphs + other.paragraphs,
            np.vstack([self.targets, other.targets]),
            self.documents + other.documents,
            self.examples,
            self.example_targets,
            np.vstack([self.mask, other.mask]),
            np.concatenate([self.row_weights, other.row_weights]),
        )


Vectors = Mapping[str, np.ndarray]


@dataclass
class PairRows:
    """The decision's training rows (known pairs, out-of-fold evidence), kept after `fit`
    (not saved) so that a new session's answers can be added without refitting the rest
    (`sessions.with_session`)."""

    x: np.ndarray
    y: np.ndarray
    w: np.ndarray
    groups: np.ndarray
    whole: np.ndarray  # the pair's paragraph has every target known (gold)


class ThemeModel:
    """Per (paragraph, theme): the probability that the paragraph is about the theme.

    scikit-learn contract: `__init__` stores the labels and settings, `fit` returns self,
    fitted attributes end in `_`. `concepts` (the vectors of each theme's concept
    sentences) is needed when `settings.similarity`."""

    def __init__(
        self,
        labels: Sequence[str],
        settings: ThemeSettings | None = None,
        lexicon_read_on: Sequence[str] = (),
    ) -> None:
        self.labels = list(labels)
        self.settings = settings or ThemeSettings()
        self.lexicon_read_on = sorted(lexicon_read_on)

    # -- fitting ------------------------------------------------------------------------
    def fit_parts(
        self, data: TrainingSet, vectors: Vectors | None, concepts: Concepts | None
    ) -> Parts:
        """The parts evidence is computed from, fitted on `data` alone."""
        texts = [p.text for p in data.paragraphs] + list(data.examples)
        targets = np.vstack([data.targets, data.example_targets])
        known = np.vstack([data.mask, np.ones(data.example_targets.shape, dtype=bool)])
        weights = list(data.row_weights) + [self.settings.vocabulary.example_weight] * len(
            data.examples
        )
        vocabulary = ThemeVocabulary(self.labels, self.settings.vocabulary)
        vocabulary.fit(texts, targets, weights, known)
        whole = data.mask.all(axis=1)  # a partial answer is no sample of its working group
        rates = Rates.count(
            [p.working_group for p, w in zip(data.paragraphs, whole, strict=True) if w],
            data.targets[whole],
        )
        parts = Parts(
            self.labels, vocabulary, rates, lexicon_read_on=frozenset(self.lexicon_read_on)
        )
        if self.settings.similarity:
            if vectors is None or concepts is None:
                raise ValueError("settings.similarity needs vectors and concepts")
            width = next(iter(concepts.vectors.values())).shape[1]
            own = np.array([vectors[p.text] for p in data.paragraphs]).reshape(-1, width)
            neighbours = Neighbours(own, data.targets, known=data.mask)
            parts.concepts, parts.neighbours = concepts, neighbours
        return parts

    def out_of_fold(
        self, data: TrainingSet, vectors: Vectors | None, concepts: Concepts | None
    ) -> np.ndarray:
        """Each training paragraph's pair features, from parts fitted without its
        document (rows in data's order, labels within)."""
        blocks: dict[int, np.ndarray] = {}
        n = len(self.labels)
        for document in sorted(set(data.documents)):
            rows = data.rows_of(document)
            parts = self.fit_parts(data.without(document), vectors, concepts)
            x = pair_features(
                [data.paragraphs[i] for i in rows], parts, vectors, self._reads_lexicon(data)
            )
            for k, i in enumerate(rows):
                blocks[i] = x[k * n : (k + 1) * n]
        return np.vstack([blocks[i] for i in range(len(data.paragraphs))])

    def fit(
        self,
        data: TrainingSet,
        vectors: Vectors | None = None,
        concepts: Concepts | None = None,
    ) -> ThemeModel:
        known = data.mask.ravel()  # only the pairs whose answer is known are learned from
        x = self.out_of_fold(data, vectors, concepts)[known]
        y = data.targets.ravel()[known]
        w = np.repeat(data.row_weights, len(self.labels))[known]
        groups = np.repeat(np.asarray(data.documents), len(self.labels))[known]
        whole = np.repeat(data.mask.all(axis=1), len(self.labels))[known]
        self.parts_ = self.fit_parts(data, vectors, concepts)
        self.lexicon_ = self._reads_lexicon(data)
        names = feature_names(self.parts_, self.lexicon_)
        self.decision_ = self._linear().fit(x, y, names, sample_weight=w)
        self.threshold_ = self._threshold(x, y, w, groups, whole)
        self.rows_ = PairRows(x, y, w, groups, whole)
        self.sessions_ = {}
        return self

    def _reads_lexicon(self, data: TrainingSet) -> bool:
        """Whether the decision reads the lexicon's hits: when asked to, and when some
        training document is one the lexicon was not written from. Only such documents
        show what its hits are worth on a new session; with none, the decision would
        learn the in-sample weight alone and trust the lexicon too much, so it does
        without it."""
        seen = set(self.lexicon_read_on)
        return self.settings.lexicon and any(d not in seen for d in data.documents)

    def _threshold(
        self, x: np.ndarray, y: np.ndarray, w: np.ndarray, groups: np.ndarray, whole: np.ndarray
    ) -> float:
        """The threshold of best micro F1, each document scored by a decision fitted
        without it (the parts were already fitted without it). F1 is counted on the pairs
        of wholly known paragraphs (the gold) where there are any: an analyst's answers
        are the unsure pairs, no sample of what the threshold meets."""
        scores = logo_predictions(self._linear(), x, y, groups, sample_weight=w)
        if np.isnan(scores).all():  # one training document: no decision fitted without it
            scores = self.decision_.proba(x)
        counted = whole if whole.any() else np.ones(len(y), dtype=bool)
        scores, truth = scores[counted], np.asarray(y, dtype=bool)[counted]
        return choose_threshold(
            scores, lambda kept: 2 * (kept & truth).sum() / max(kept.sum() + truth.sum(), 1)
        )

    def _linear(self) -> LinearModel:
        return LinearModel(C=self.settings.c, max_iter=3000)

    # -- prediction ---------------------------------------------------------------------
    def keep(self, probs: np.ndarray) -> np.ndarray:
        """Whether each theme is kept: its probability reaches the threshold."""
        return probs >= self.threshold_

    def predict_proba(
        self, paragraphs: Sequence[Paragraph], vectors: Vectors | None = None, sessions: bool = True
    ) -> np.ndarray:
        """paragraphs × labels; with `sessions`, a paragraph of a document analysts answered
        about has that session's offsets added to its log-odds (pipeline/themes/sessions.py)."""
        x = pair_features(paragraphs, self.parts_, vectors, self.lexicon_)
        probs = self.decision_.proba(x).reshape(len(paragraphs), len(self.labels))
        offsets = getattr(self, "sessions_", {}) if sessions else {}
        rows = [i for i, p in enumerate(paragraphs) if p.document in offsets]
        if not rows:
            return probs
        shift = np.zeros((len(rows), len(self.labels)))
        for k, i in enumerate(rows):
            for label, b in offsets[paragraphs[i].document].items():
                shift[k, self.labels.index(label)] = b
        q = np.clip(probs[rows], 1e-12, 1 - 1e-12)
        z = np.log(q) - np.log1p(-q) + shift
        probs[rows] = 1.0 / (1.0 + np.exp(-z))
        return probs

    # -- persistence --------------------------------------------------------------------
    def to_disk(self, folder: Path) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        settings = asdict(self.settings)
        data = {
            "format": FORMAT,
            "labels": self.labels,
            "settings": settings,
            "lexicon_read_on": self.lexicon_read_on,
            "decision": self.decision_.to_json(),
            "threshold": self.threshold_,
            "reads_lexicon": self.lexicon_,
            "rates": self.parts_.rates.to_json(),
            "sessions": getattr(self, "sessions_", {}),
        }
        text = json.dumps(data, indent=1, sort_keys=True)
        (folder / MODEL_FILE).write_text(text + "\n", encoding="utf-8")
        self.parts_.vocabulary.to_disk(folder)
        if self.parts_.uses_vectors:
            assert self.parts_.concepts is not None and self.parts_.neighbours is not None
            self.parts_.concepts.to_disk(folder / CONCEPTS_FILE)
            self.parts_.neighbours.to_disk(folder / NEIGHBOURS_FILE)

    @classmethod
    def from_disk(cls, folder: Path) -> ThemeModel:
        data = json.loads((folder / MODEL_FILE).read_text(encoding="utf-8"))
        if data.get("format") != FORMAT:
            raise ValueError(f"{folder / MODEL_FILE}: not a {FORMAT} file")
        raw = dict(data["settings"])
        raw["vocabulary"] = VocabularySettings(**raw["vocabulary"])
        model = cls(data["labels"], ThemeSettings(**raw), data.get("lexicon_read_on", ()))
        parts = Parts(
            model.labels,
            ThemeVocabulary.from_disk(folder),
            Rates.from_json(data["rates"]),
            lexicon_read_on=frozenset(model.lexicon_read_on),
        )
        if model.settings.similarity:
            parts.concepts = Concepts.from_disk(folder / CONCEPTS_FILE, model.labels)
            parts.neighbours = Neighbours.from_disk(folder / NEIGHBOURS_FILE)
        model.parts_ = parts
        model.decision_ = LinearModel.from_json(data["decision"])
        model.threshold_ = float(data["threshold"])
        model.lexicon_ = bool(data["reads_lexicon"])
        model.sessions_ = {d: dict(o) for d, o in data.get("sessions", {}).items()}
        return model
