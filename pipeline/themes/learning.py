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


def fit_linear(x: np.ndarray, y: np.ndarray, features: list[str], c: float) -> LinearModel:
    """Standardized features, L2-regularized logistic regression (lbfgs, deterministic)."""
    from sklearn.linear_model import LogisticRegression

    x = np.asarray(x, dtype=np.float64)
    mean = x.mean(axis=0)
    scale = x.std(axis=0)
    scale[scale < 1e-9] = 1.0
    model = LogisticRegression(C=c, max_iter=3000).fit((x - mean) / scale, y)
    return LinearModel(
        list(features),
        mean.tolist(),
        scale.tolist(),
        model.coef_[0].tolist(),
        float(model.intercept_[0]),
    )


def best_thresholds(
    scores: np.ndarray, y: np.ndarray, groups: np.ndarray, grid: np.ndarray | None = None
) -> tuple[float, float]:
    """One threshold for the rows of `groups` True and one for the others (on a 0.01 grid),
    together of best F1 of the kept rows against `y`; the lowest pair of equal ones."""
    grid = np.round(np.arange(0.05, 0.96, 0.01), 2) if grid is None else grid
    y, groups = np.asarray(y, dtype=bool), np.asarray(groups, dtype=bool)
    counts = []
    for members in (groups, ~groups):
        s, t = scores[members][:, None], y[members][:, None]
        kept = s >= grid[None, :]
        counts.append(((kept & t).sum(axis=0), kept.sum(axis=0)))
    (tp1, n1), (tp2, n2) = counts
    f1 = 2 * (tp1[:, None] + tp2[None, :]) / np.maximum(n1[:, None] + n2[None, :] + y.sum(), 1)
    i, j = np.unravel_index(int(np.argmax(f1)), f1.shape)
    return float(grid[i]), float(grid[j])
