"""Threshold choice: the cut on a score that decides best, chosen on held-out scores."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

Objective = Callable[[np.ndarray], float | None]


def choose_threshold(scores: np.ndarray, objective: Objective, decimals: int = 6) -> float:
    """The threshold `t` (decide where `score >= t`) that maximizes `objective`.

    Candidates are the midpoints between consecutive distinct scores, and one below the
    lowest and one above the highest (decide all, decide none). `objective(decided)`
    takes the boolean array of decided rows and returns a value to maximize, or None
    when the decision is not allowed (a precision floor, say). Of the best candidates,
    the middle one is returned, rounded to `decimals`; with none allowed, the highest
    (decide nothing).

    Examples: micro-F1 against truth `y`: `lambda d: 2 * (d & y).sum() / (d.sum() + y.sum())`;
    the number of right decisions, where deciding is right for `y` and not deciding is
    right for `~y`: `lambda d: (d & y).sum() + (~d & ~y).sum()`.
    """
    scores = np.asarray(scores, dtype=np.float64)
    values = np.unique(np.round(scores, 9))
    grid = np.concatenate([[values[0] - 1e-6], (values[1:] + values[:-1]) / 2, [values[-1] + 1e-6]])
    best: float | None = None
    chosen: list[float] = []
    for t in grid:
        value = objective(scores >= t)
        if value is None:
            continue
        if best is None or value > best:
            best, chosen = value, [float(t)]
        elif value == best:
            chosen.append(float(t))
    return float(round(chosen[len(chosen) // 2], decimals)) if chosen else float(grid[-1])
