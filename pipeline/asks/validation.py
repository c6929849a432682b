"""The catalogue matcher judged leave-one-session-out: the only honest figure.

In production the development sessions would match their own examples, so an in-sample
score says nothing. Here each development session is scored as a new session would be:
every catalogue example that came from it is removed (an ask left without examples goes
too), the matcher is fitted on what remains (TF-IDF vocabulary included), the session's
recommendations are matched, and the unmatched ones are clustered among themselves as new
asks (ids unique to the session). The sessions' assignments are then pooled and scored.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
import pandas as pd

from pipeline.asks.assign import assign
from pipeline.asks.catalogue import Ask, without_docs
from pipeline.asks.matcher import AskMatcher

KEYS = ["doc_id", "para_no", "rec_no"]


def leave_one_session_out(
    query: pd.DataFrame,
    vectors: np.ndarray,
    catalogue: Sequence[Ask],
    make_matcher: Callable[[], AskMatcher],
    sessions: Sequence[str],
) -> pd.DataFrame:
    """doc_id, para_no, rec_no, ask_id, source of the recommendations of `sessions` in
    `query` (rows aligned with `vectors`), each session matched by a matcher that never
    saw its examples."""
    parts = []
    for session in sessions:
        rows = np.flatnonzero((query["doc_id"] == session).to_numpy())
        rest = without_docs(catalogue, [session])
        if len(rows) == 0 or not rest:
            continue
        if any(e.doc_id == session for ask in rest for e in ask.examples):
            raise AssertionError(f"{session}: its own examples are still in the catalogue")
        matcher = make_matcher().fit(rest)
        given = assign(query.iloc[rows], vectors[rows], matcher, new_prefix=f"{session}/new_")
        parts.append(
            query.iloc[rows][KEYS].assign(
                ask_id=list(given["ask_id"]),
                source=np.where(given["new"].to_numpy(dtype=bool), "new", "catalogue"),
            )
        )
    columns = [*KEYS, "ask_id", "source"]
    return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=columns)


def match_quality(assigned: pd.DataFrame, gold_cluster: dict[tuple, str]) -> dict[str, float]:
    """Share of the recommendations matched to a catalogue ask, and the precision of those
    matches (the gold recommendation each overlaps has that ask) where a gold one exists."""
    if len(assigned) == 0:
        return {"matched_share": 0.0, "match_precision": 0.0, "n_matched": 0}
    matched = assigned[assigned["source"] == "catalogue"]
    keys = zip(matched["doc_id"], matched["para_no"], matched["rec_no"], strict=True)
    judged = [(a, gold_cluster[k]) for a, k in zip(matched["ask_id"], keys, strict=True)
              if k in gold_cluster]  # fmt: skip
    right = sum(a == g for a, g in judged)
    return {
        "matched_share": round(len(matched) / len(assigned), 4),
        "match_precision": round(right / len(judged), 4) if judged else 0.0,
        "n_matched": len(matched),
    }
