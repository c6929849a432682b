"""Grouped cross-validation: every row predicted by a model that never saw its group."""

from __future__ import annotations

from typing import Any

import numpy as np


def logo_predictions(estimator: Any, x: np.ndarray, y: np.ndarray, groups: Any) -> np.ndarray:
    """Out-of-fold probabilities of the positive class, one per row of `x`.

    For each group (scikit-learn's `LeaveOneGroupOut`, groups in sorted order), a clone of
    `estimator` is fitted on the rows of the other groups, in their order, and predicts
    the rows of that group. A group that is the only one gets no model: its rows are NaN.
    """
    from sklearn.base import clone
    from sklearn.model_selection import LeaveOneGroupOut

    x, y, groups = np.asarray(x), np.asarray(y), np.asarray(groups)
    out = np.full(len(x), np.nan)
    if len(np.unique(groups)) < 2:
        return out
    for train, test in LeaveOneGroupOut().split(x, y, groups):
        model = clone(estimator).fit(x[train], y[train])
        out[test] = model.predict_proba(x[test])[:, 1]
    return out
