"""How close a paragraph stands to each theme, in sentence-vector space.

`Concepts` holds the vectors of what each theme is (its definition, label and example
sentences: `concepts.concept_texts`); a sentence's closeness to a theme is the mean
cosine of its three nearest concept sentences, so one broad definition does not drown
the specific examples. `Neighbours` holds the training paragraphs' vectors and themes: a
paragraph's neighbours say which themes paragraphs like it were about. Both save to one
safetensors file each (no pickle); vectors are L2-normalized rows.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

import numpy as np

TOP_K = 3  # concept sentences averaged per theme
N_NEIGHBOURS = 10


def unit_rows(x: np.ndarray) -> np.ndarray:
    x = np.asarray(x, dtype=np.float32)
    norms = np.linalg.norm(x, axis=-1, keepdims=True)
    return x / np.where(norms == 0, 1, norms)


class Concepts:
    """Each theme's concept sentences as vectors; closeness of texts to every theme."""

    def __init__(self, labels: Sequence[str], vectors: dict[str, np.ndarray]) -> None:
        self.labels = list(labels)
        self.vectors = {label: unit_rows(vectors[label]) for label in self.labels}

    def closeness(self, x: np.ndarray) -> np.ndarray:
        """rows of x × labels: mean cosine to the theme's TOP_K nearest concept sentences."""
        x = unit_rows(x)
        out = np.zeros((len(x), len(self.labels)), dtype=np.float64)
        for i, label in enumerate(self.labels):
            sims = x @ self.vectors[label].T
            k = min(TOP_K, sims.shape[1])
            out[:, i] = np.sort(sims, axis=1)[:, -k:].mean(axis=1)
        return out

    def to_disk(self, path: Path) -> None:
        from safetensors.numpy import save_file

        save_file({label: self.vectors[label] for label in self.labels}, str(path))

    @classmethod
    def from_disk(cls, path: Path, labels: Sequence[str]) -> Concepts:
        from safetensors.numpy import load_file

        return cls(labels, load_file(str(path)))


class Neighbours:
    """Training paragraphs (vectors and gold themes): the similarity-weighted share of a
    paragraph's nearest neighbours tagged with each theme, among those whose answer for
    the theme is known (`known`: paragraphs × labels; an analyst's answer knows one)."""

    def __init__(
        self,
        vectors: np.ndarray,
        targets: np.ndarray,
        k: int = N_NEIGHBOURS,
        known: np.ndarray | None = None,
    ) -> None:
        self.vectors = unit_rows(vectors)
        self.targets = np.asarray(targets, dtype=np.float32)
        self.known = (
            np.ones(self.targets.shape, np.float32)
            if known is None
            else np.asarray(known, dtype=np.float32)
        )
        self.k = k

    def shares(self, x: np.ndarray) -> np.ndarray:
        """rows of x × labels."""
        x = unit_rows(x)
        if len(self.vectors) == 0:
            return np.zeros((len(x), self.targets.shape[1]))
        sims = x @ self.vectors.T
        k = min(self.k, sims.shape[1])
        nearest = np.argsort(-sims, axis=1, kind="stable")[:, :k]
        weights = np.maximum(np.take_along_axis(sims, nearest, axis=1), 0.0)[:, :, None]
        known = self.known[nearest]
        votes = (weights * known * self.targets[nearest]).sum(axis=1)
        return votes / np.maximum((weights * known).sum(axis=1), 1e-9)

    def to_disk(self, path: Path) -> None:
        from safetensors.numpy import save_file

        save_file(
            {"vectors": self.vectors, "targets": self.targets, "known": self.known},
            str(path),
            metadata={"k": json.dumps(self.k)},
        )

    @classmethod
    def from_disk(cls, path: Path) -> Neighbours:
        from safetensors import safe_open
        from safetensors.numpy import load_file

        with safe_open(str(path), framework="numpy") as handle:
            k = json.loads((handle.metadata() or {}).get("k", str(N_NEIGHBOURS)))
        tensors = load_file(str(path))
        return cls(tensors["vectors"], tensors["targets"], k, tensors.get("known"))
