"""A logistic regression as plain numbers, and the threshold of best F1.

(Kept small on purpose: the project's shared learning plumbing replaces it.)
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np


@dataclass
class LinearModel:
    """A fitted logistic regression: standardize, dot, sigmoid; JSON round trip."""

    features: list[str]
    mean: list[float]
    scale: list[float]
    coef: list[float]
    intercept: float

    def proba(self, x: np.ndarray) -> np.ndarray:
        z = (np.asarray(x, dtype=np.float64) - np.asarray(self.mean)) / np.asarray(self.scale)
        return 1.0 / (1.0 + np.exp(-(z @ np.asarray(self.coef) + self.intercept)))

    def to_json(self) -> dict[str, Any]:
        return {
            "features": self.features,
            "mean": self.mean,
            "scale": self.scale,
            "coef": self.coef,
            "intercept": self.intercept,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> LinearModel:
        return cls(
            list(data["features"]),
            list(data["mean"]),
            list(data["scale"]),
            list(data["coef"]),
            float(data["intercept"]),
        )


def fit_linear(
    x: np.ndarray,
    y: np.ndarray,
    features: list[str],
    c: float,
    weights: np.ndarray | None = None,
) -> LinearModel:
    """Standardized features, L2-regularized logistic regression (lbfgs, deterministic);
    `weights`: one per row (None: all 1)."""
    from sklearn.linear_model import LogisticRegression

    x = np.asarray(x, dtype=np.float64)
    mean = x.mean(axis=0)
    scale = x.std(axis=0)
    scale[scale < 1e-9] = 1.0
    model = LogisticRegression(C=c, max_iter=3000).fit((x - mean) / scale, y, sample_weight=weights)
    return LinearModel(
        list(features),
        mean.tolist(),
        scale.tolist(),
        model.coef_[0].tolist(),
        float(model.intercept_[0]),
    )


def best_threshold(scores: np.ndarray, y: np.ndarray, grid: np.ndarray | None = None) -> float:
    """The threshold (on a 0.01 grid) of best F1 of `scores >= t` against `y`; the lowest
    of equal ones."""
    grid = np.round(np.arange(0.05, 0.96, 0.01), 2) if grid is None else grid
    y = np.asarray(y, dtype=bool)
    best, chosen = -1.0, 0.5
    for t in grid:
        predicted = scores >= t
        tp = float((predicted & y).sum())
        f1 = 2 * tp / max(float(predicted.sum() + y.sum()), 1.0)
        if f1 > best + 1e-12:
            best, chosen = f1, float(t)
    return chosen
