"""Row normalization: the one place vectors are scaled to unit length."""

from __future__ import annotations

import numpy as np


def unit_rows(x: np.ndarray, dtype: type | None = None) -> np.ndarray:
    """Rows of `x` scaled to length 1 (a zero row stays zero), computed in `x`'s own
    dtype; `dtype` casts the result (e.g. float64 for similarities summed later)."""
    norms = np.linalg.norm(x, axis=1, keepdims=True)
    out = x / np.where(norms == 0, 1, norms)
    return out.astype(dtype) if dtype is not None else out
