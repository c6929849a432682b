"""What each theme is, as the decision reads it from the taxonomy.

A theme's concept sentences are its definition (labels.yaml, or themes.yaml's own), its
preferred label, its `examples.match` sentences and its `about` sentences (themes.yaml:
written from the definition and the domain, never copied from a development document).
They are the theme's pole in sentence-vector space (`similarity.Concepts`) and, with
their theme as target, training texts of the learned vocabulary.
"""

from __future__ import annotations

import numpy as np

from pipeline.knowledge.taxonomy import Taxonomy


def theme_labels(taxonomy: Taxonomy) -> list[str]:
    """The theme ids, sorted: the column order of every theme matrix."""
    return sorted(taxonomy.themes)


def concept_texts(taxonomy: Taxonomy) -> dict[str, list[str]]:
    """Per theme, its concept sentences (definition, label, examples), without repeats."""
    out = {}
    for label in theme_labels(taxonomy):
        theme = taxonomy.themes[label]
        texts = [theme.definition, theme.pref_label, *theme.examples_match, *theme.about]
        out[label] = list(dict.fromkeys(t for t in texts if t))
    return out


def example_set(taxonomy: Taxonomy) -> tuple[list[str], np.ndarray]:
    """The example sentences (`about` and `examples.match`) with their theme as target:
    training texts for the learned vocabulary."""
    labels = theme_labels(taxonomy)
    texts, rows = [], []
    for i, label in enumerate(labels):
        theme = taxonomy.themes[label]
        for text in dict.fromkeys([*theme.examples_match, *theme.about]):
            texts.append(text)
            row = np.zeros(len(labels), dtype=np.int64)
            row[i] = 1
            rows.append(row)
    return texts, np.asarray(rows).reshape(len(texts), len(labels))
