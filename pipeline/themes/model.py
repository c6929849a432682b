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
    lexicon's hits as features of the decision; c: the decision's inverse L2 strength."""

    similarity: bool = True
    lexicon: bool = False
    c: float = 1.0
    vocabulary: VocabularySettings = field(default_factory=VocabularySettings)


@dataclass
class TrainingSet:
    """Gold paragraphs with their themes and document, and the example sentences."""

    paragraphs: list[Paragraph]
    targets: np.ndarray  # paragraphs × labels, 0/1
    documents: list[str]
    examples: list[str]
    example_targets: np.ndarray  # examples × labels

    def without(self, document: str) -> TrainingSet:
        keep = [i for i, d in enumerate(self.documents) if d != document]
        return TrainingSet(
            [self.paragraphs[i] for i in keep],
            self.targets[keep],
            [self.documents[i] for i in keep],
            self.examples,
            self.example_targets,
        )

    def rows_of(self, document: str) -> list[int]:
        return [i for i, d in enumerate(self.documents) if d == document]


Vectors = Mapping[str, np.ndarray]


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
        weights = [1.0] * len(data.paragraphs) + [self.settings.vocabulary.example_weight] * len(
            data.examples
        )
        vocabulary = ThemeVocabulary(self.labels, self.settings.vocabulary)
        vocabulary.fit(texts, targets, weights)
        rates = Rates.count([p.working_group for p in data.paragraphs], data.targets)
        parts = Parts(
            self.labels, vocabulary, rates, lexicon_read_on=frozenset(self.lexicon_read_on)
        )
        if self.settings.similarity:
            if vectors is None or concepts is None:
                raise ValueError("settings.similarity needs vectors and concepts")
            width = next(iter(concepts.vectors.values())).shape[1]
            own = np.array([vectors[p.text] for p in data.paragraphs]).reshape(-1, width)
            parts.concepts, parts.neighbours = concepts, Neighbours(own, data.targets)
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
        x = self.out_of_fold(data, vectors, concepts)
        y = data.targets.ravel()
        groups = np.repeat(np.asarray(data.documents), len(self.labels))
        self.parts_ = self.fit_parts(data, vectors, concepts)
        self.lexicon_ = self._reads_lexicon(data)
        names = feature_names(self.parts_, self.lexicon_)
        self.decision_ = self._linear().fit(x, y, names)
        self.threshold_ = self._threshold(x, y, groups)
        return self

    def _reads_lexicon(self, data: TrainingSet) -> bool:
        """Whether the decision reads the lexicon's hits: when asked to, and when some
        training document is one the lexicon was not written from. Only such documents
        show what its hits are worth on a new session; with none, the decision would
        learn the in-sample weight alone and trust the lexicon too much, so it does
        without it."""
        seen = set(self.lexicon_read_on)
        return self.settings.lexicon and any(d not in seen for d in data.documents)

    def _threshold(self, x: np.ndarray, y: np.ndarray, groups: np.ndarray) -> float:
        """The threshold of best micro F1, each document scored by a decision fitted
        without it (the parts were already fitted without it)."""
        scores = logo_predictions(self._linear(), x, y, groups)
        if np.isnan(scores).all():  # one training document: no decision fitted without it
            scores = self.decision_.proba(x)
        truth = np.asarray(y, dtype=bool)
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
        self, paragraphs: Sequence[Paragraph], vectors: Vectors | None = None
    ) -> np.ndarray:
        """paragraphs × labels."""
        x = pair_features(paragraphs, self.parts_, vectors, self.lexicon_)
        return self.decision_.proba(x).reshape(len(paragraphs), len(self.labels))

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
        return model
