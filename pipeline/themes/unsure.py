"""Which (paragraph, theme) pairs the decision is least sure of: what an analyst is asked.

Shared by `crp themes review` (pipeline/themes/review.py) and the simulated analyst
(pipeline/themes/analyst.py), so that what is measured is what analysts are shown.
"""

from __future__ import annotations

import numpy as np


def log_odds(p: np.ndarray) -> np.ndarray:
    p = np.clip(np.asarray(p, dtype=np.float64), 1e-6, 1 - 1e-6)
    return np.log(p / (1 - p))


def least_sure(
    probs: np.ndarray,
    threshold: float,
    k: int,
    answered: np.ndarray | None = None,
    per_paragraph: int = 1,
) -> list[tuple[int, int]]:
    """The k (paragraph, theme) cells of `probs` nearest the threshold in log-odds, the
    nearest first, skipping `answered` cells; at most `per_paragraph` per paragraph until
    every paragraph has had its turn (so that K answers teach about K paragraphs)."""
    margin = np.abs(log_odds(probs) - log_odds(np.array(threshold)))
    if answered is not None:
        margin = np.where(answered, np.inf, margin)
    order = np.argsort(margin, axis=None, kind="stable")
    order = order[np.isfinite(margin.ravel()[order])]
    chosen: list[tuple[int, int]] = []
    taken: dict[int, int] = {}
    for limit in (per_paragraph, probs.shape[1]):
        for flat in order:
            i, j = divmod(int(flat), probs.shape[1])
            if len(chosen) == k:
                return chosen
            if (i, j) in chosen or taken.get(i, 0) >= limit:
                continue
            chosen.append((i, j))
            taken[i] = taken.get(i, 0) + 1
    return chosen
