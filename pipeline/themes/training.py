"""The theme decision's training data: gold paragraphs through the rules, and their vectors.

Each gold paragraph's text runs through the tagger's rules (everything before
`crp_themes`), document by document and in order, as the tag stage runs them, so the
decision learns from the same lexicon hits it will read. Texts are embedded once, by an
encoder that keeps vectors by content (pipeline/vectors). Analysts' answers
(pipeline/tagging/gold.py `tag_answers` runs their paragraphs through the rules)
(pipeline/themes/labels.py) are partial rows: each knows the themes it answers; an answer
about a gold paragraph replaces the gold's target for that theme (in training only).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from spacy.tokens import Doc

from pipeline.knowledge.taxonomy import Taxonomy
from pipeline.themes.concepts import concept_texts, example_set, theme_labels
from pipeline.themes.evidence import Paragraph, texts_to_embed
from pipeline.themes.labels import text_hash
from pipeline.themes.model import ThemeModel, ThemeSettings, TrainingSet
from pipeline.themes.sessions import fit_sessions
from pipeline.themes.similarity import Concepts


@dataclass
class GoldParagraphs:
    """The gold paragraphs as the decision reads them, with their keys and gold rows."""

    keys: list[tuple[str, int]]
    rows: list[dict[str, Any]]
    paragraphs: list[Paragraph]
    docs: list[Doc]  # tagged by the rules, themes not yet decided

    def training_set(self, taxonomy: Taxonomy, keep: Sequence[str] | None = None) -> TrainingSet:
        """The training set of the documents `keep` (all by default) and the taxonomy's
        example sentences."""
        labels = theme_labels(taxonomy)
        index = {label: i for i, label in enumerate(labels)}
        chosen = [i for i, (d, _) in enumerate(self.keys) if keep is None or d in keep]
        targets = np.zeros((len(chosen), len(labels)), dtype=np.int64)
        for k, i in enumerate(chosen):
            for theme in self.rows[i].get("themes", []):
                if theme in index:
                    targets[k, index[theme]] = 1
        examples, example_targets = example_set(taxonomy)
        return TrainingSet(
            [self.paragraphs[i] for i in chosen],
            targets,
            [self.keys[i][0] for i in chosen],
            examples,
            example_targets,
        )


def with_answers(
    data: TrainingSet,
    gold: GoldParagraphs,
    keep: Sequence[int],
    answered: GoldParagraphs,
    labels: Sequence[str],
    weight: float = 1.0,
) -> TrainingSet:
    """`data` (the gold rows `keep` of `gold`) with the analysts' answers: an answer about
    one of those gold paragraphs (same document, same text) replaces its target for that
    theme; the others are partial rows (known: the themes answered) weighing `weight`."""
    index = {label: i for i, label in enumerate(labels)}
    where = {(gold.keys[i][0], text_hash(gold.rows[i]["text"])): k for k, i in enumerate(keep)}
    targets = data.targets.copy()
    extra = []
    for n, row in enumerate(answered.rows):
        k = where.get((row["doc_id"], text_hash(row["text"])))
        if k is None:
            extra.append(n)
            continue
        for theme, yes in row["answers"].items():
            targets[k, index[theme]] = int(yes)
    out = TrainingSet(
        data.paragraphs,
        targets,
        data.documents,
        data.examples,
        data.example_targets,
        data.known,
        data.weights,
    )
    if not extra:
        return out
    known = np.zeros((len(extra), len(labels)), dtype=bool)
    partial = np.zeros((len(extra), len(labels)), dtype=np.int64)
    for r, n in enumerate(extra):
        for theme, yes in answered.rows[n]["answers"].items():
            known[r, index[theme]], partial[r, index[theme]] = True, int(yes)
    rows = TrainingSet(
        [answered.paragraphs[n] for n in extra],
        partial,
        [answered.keys[n][0] for n in extra],
        data.examples,
        data.example_targets,
        known,
        np.full(len(extra), weight),
    )
    return out.plus(rows)


def embed_texts(encoder: Any, texts: Sequence[str]) -> dict[str, np.ndarray]:
    unique = list(dict.fromkeys(texts))
    return dict(zip(unique, encoder.encode(unique), strict=True)) if unique else {}


def concepts_of(taxonomy: Taxonomy, encoder: Any) -> Concepts:
    texts = concept_texts(taxonomy)
    vectors = embed_texts(encoder, [t for ts in texts.values() for t in ts])
    return Concepts(
        theme_labels(taxonomy),
        {label: np.stack([vectors[t] for t in ts]) for label, ts in texts.items()},
    )


@dataclass
class Embedded:
    """The vectors the decision reads for a set of gold paragraphs, and the concepts."""

    vectors: dict[str, np.ndarray]
    concepts: Concepts

    @classmethod
    def of(
        cls,
        gold: GoldParagraphs,
        taxonomy: Taxonomy,
        encoder: Any,
        also: Sequence[Paragraph] = (),
    ) -> Embedded:
        """The vectors of the gold paragraphs (and of `also`: answered paragraphs)."""
        texts = texts_to_embed([*gold.paragraphs, *also])
        return cls(embed_texts(encoder, texts), concepts_of(taxonomy, encoder))


def train(
    gold: GoldParagraphs,
    taxonomy: Taxonomy,
    settings: ThemeSettings,
    embedded: Embedded | None = None,
    keep: Sequence[str] | None = None,
    answered: GoldParagraphs | None = None,
) -> ThemeModel:
    """The decision fitted on the gold documents `keep` (all by default) and the analysts'
    answers (`pipeline.tagging.gold.tag_answers`), with the offsets of each session they
    answered about outside the gold; `embedded` (the texts' vectors and the concepts)
    when `settings.similarity`."""
    data = gold.training_set(taxonomy, keep)
    if answered is not None and answered.keys:
        rows = [i for i, (d, _) in enumerate(gold.keys) if keep is None or d in keep]
        labels = theme_labels(taxonomy)
        data = with_answers(data, gold, rows, answered, labels, settings.answer_weight)
    if settings.similarity and embedded is None:
        raise ValueError("settings.similarity: give the gold texts' vectors (Embedded.of)")
    vectors = embedded.vectors if settings.similarity and embedded else None
    concepts = embedded.concepts if settings.similarity and embedded else None
    model = ThemeModel(theme_labels(taxonomy), settings, taxonomy.lexicon_read_on)
    model.fit(data, vectors, concepts)
    model.sessions_ = fit_sessions(model, data, vectors)  # what the answers say of a session
    return model
