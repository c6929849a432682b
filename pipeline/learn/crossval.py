"""Grouped cross-validation: every row predicted by a model that never saw its group."""

from __future__ import annotations

from typing import Any

import numpy as np


def logo_predictions(
    estimator: Any,
    x: np.ndarray,
    y: np.ndarray,
    groups: Any,
    sample_weight: np.ndarray | None = None,
) -> np.ndarray:
    """Out-of-fold probabilities of the positive class, one per row of `x`.

    For each group (scikit-learn's `LeaveOneGroupOut`, groups in sorted order), a clone of
    `estimator` is fitted on the rows of the other groups, in their order, and predicts
    the rows of that group (with `sample_weight`, each fit weighs its rows by it). A group
    that is the only one gets no model: its rows are NaN.
    """
    from sklearn.base import clone
    from sklearn.model_selection import LeaveOneGroupOut

    x, y, groups = np.asarray(x), np.asarray(y), np.asarray(groups)
    out = np.full(len(x), np.nan)
    if len(np.unique(groups)) < 2:
        return out
    for train, test in LeaveOneGroupOut().split(x, y, groups):
        extra = {} if sample_weight is None else {"sample_weight": np.asarray(sample_weight)[train]}
        model = clone(estimator).fit(x[train], y[train], **extra)
        out[test] = model.predict_proba(x[test])[:, 1]
    return out
