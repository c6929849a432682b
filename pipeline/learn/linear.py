"""A linear model that explains itself in plain numbers: standardize, dot, sigmoid."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from pipeline.learn.estimator import Estimator

FORMAT = "crp-linear-model/1"


class LinearModel(Estimator):
    """Standardized features → L2-regularized logistic regression, for binary targets.

    The standardization is the features' mean and standard deviation over the training
    rows (a constant feature, whose deviation is at most `min_scale`, is left unscaled).
    Parameters are scikit-learn's (`C`, `solver`, `max_iter`, `random_state`), and the
    estimator protocol is (`learn.estimator`), so the model clones and cross-validates
    like any estimator; scikit-learn is imported by `fit` only. Fitted: `mean_`,
    `scale_`, `coef_` (one weight per feature), `intercept_`, `classes_` and
    `feature_names_` (given to `fit`, or `x0, x1, ...`).

    `to_json()` gives the parameters, feature names and fitted numbers as plain JSON
    values; `LinearModel.from_json(data)` restores a model whose `predict_proba` is
    bit-for-bit the original's (Python floats keep every float64 bit).
    """

    def __init__(
        self,
        C: float = 1.0,  # noqa: N803  (scikit-learn's name)
        solver: str = "lbfgs",
        max_iter: int = 1000,
        random_state: int | None = 0,
        min_scale: float = 0.0,
    ) -> None:
        self.C = C
        self.solver = solver
        self.max_iter = max_iter
        self.random_state = random_state
        self.min_scale = min_scale

    def fit(
        self,
        x: np.ndarray,
        y: np.ndarray,
        feature_names: Sequence[str] | None = None,
        sample_weight: np.ndarray | None = None,
    ) -> LinearModel:
        from sklearn.linear_model import LogisticRegression

        x = np.asarray(x, dtype=np.float64)
        mean, scale = x.mean(axis=0), x.std(axis=0)
        scale = np.where(scale <= self.min_scale, 1.0, scale)
        model = LogisticRegression(
            C=self.C, solver=self.solver, max_iter=self.max_iter, random_state=self.random_state
        )
        model.fit((x - mean) / scale, y, sample_weight=sample_weight)
        self.mean_, self.scale_ = mean, scale
        self.coef_ = model.coef_[0].astype(np.float64)
        self.intercept_ = float(model.intercept_[0])
        self.classes_ = model.classes_
        self.feature_names_ = list(feature_names or [f"x{i}" for i in range(x.shape[1])])
        return self

    def decision_function(self, x: np.ndarray) -> np.ndarray:
        z = (np.asarray(x, dtype=np.float64) - self.mean_) / self.scale_
        return z @ self.coef_ + self.intercept_

    def proba(self, x: np.ndarray) -> np.ndarray:
        """The probability of the positive class, one per row."""
        return 1.0 / (1.0 + np.exp(-self.decision_function(x)))

    def predict_proba(self, x: np.ndarray) -> np.ndarray:
        """(rows, 2): the probabilities of the negative and the positive class."""
        p = self.proba(x)
        return np.column_stack([1.0 - p, p])

    def predict(self, x: np.ndarray) -> np.ndarray:
        return self.classes_[(self.proba(x) >= 0.5).astype(int)]

    def to_json(self) -> dict[str, Any]:
        """Parameters, feature names and fitted numbers as JSON values (no pickle)."""
        return {
            "format": FORMAT,
            "params": self.get_params(),
            "features": list(self.feature_names_),
            "mean": self.mean_.tolist(),
            "scale": self.scale_.tolist(),
            "coef": self.coef_.tolist(),
            "intercept": self.intercept_,
            "classes": np.asarray(self.classes_).tolist(),
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> LinearModel:
        if not isinstance(data, dict) or data.get("format") != FORMAT:
            found = data.get("format") if isinstance(data, dict) else type(data).__name__
            raise ValueError(f"linear model format {found!r} is not {FORMAT!r}: refit it")
        model = cls(**data["params"])
        model.feature_names_ = list(data["features"])
        model.mean_ = np.array(data["mean"], dtype=np.float64)
        model.scale_ = np.array(data["scale"], dtype=np.float64)
        model.coef_ = np.array(data["coef"], dtype=np.float64)
        model.intercept_ = float(data["intercept"])
        model.classes_ = np.array(data["classes"])
        return model
