"""Each recommendation's ask: the catalogue's, or a candidate new one.

`assign` gives every recommendation an ask: the catalogue ask the matcher finds
(pipeline/asks/matcher.py), or, for what matches nothing, a candidate new ask:
`cluster_new` groups those recommendations among themselves (the weighted blocks [ask
embedding | themes | addressee], params.yaml `cluster.weights`, clustered as
pipeline/asks/clustering.py does), `new_asks` labels each group by the verb phrase of its
most central sentence (labels.py). The cluster stage, the matcher's choice of
new_threshold and evaluate's leave-one-session-out all group recommendations here.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import replace
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from pipeline.asks.clustering import (
    BLOCK_WEIGHTS,
    Agglomeration,
    cluster_labels,
    first_appearance,
    weighted_blocks,
)
from pipeline.asks.features import Query
from pipeline.asks.labels import new_ask_label
from pipeline.knowledge.compiled import Wording
from pipeline.learn import unit_rows

if TYPE_CHECKING:
    from pipeline.asks.matcher import AskMatcher


def cluster_new(
    vectors: np.ndarray,
    themes: Sequence[Sequence[str]],
    to: Sequence[str],
    threshold: float = 0.45,
    weights: tuple[float, float, float] = BLOCK_WEIGHTS,
    agglomeration: Agglomeration | None = None,
) -> np.ndarray:
    """Cluster (0..k-1, by first appearance) of each unmatched recommendation: the `cluster`
    stage's method (pipeline.asks.clustering: a cosine distance threshold, complete linkage by
    default, a neighbour graph beyond what a distance matrix allows) on the weighted blocks
    [ask embedding | themes | addressee]. Threshold 0 keeps every recommendation apart
    but for identical rows."""
    if len(vectors) <= 1:
        return np.zeros(len(vectors), dtype=np.int64)
    x = weighted_blocks(vectors, list(themes), list(to), weights)
    how = replace(agglomeration or Agglomeration(), threshold=threshold)
    return first_appearance(cluster_labels(x, how))


def new_asks(
    recs: pd.DataFrame,
    vectors: np.ndarray,
    threshold: float,
    frame: re.Pattern[str] | None,
    prefix: str = "new_",
    agglomeration: Agglomeration | None = None,
    weights: tuple[float, float, float] = BLOCK_WEIGHTS,
    wording: Wording | None = None,
) -> tuple[list[str], list[str]]:
    """(id, label) of each recommendation clustered as a candidate new ask: ids `prefix` +
    number, each group labelled by the verb phrase of its most central sentence (the
    taxonomy's `wording`)."""
    if wording is None:
        raise ValueError("new_asks: give the taxonomy's wording (Taxonomy.wording)")
    if len(recs) == 0:
        return [], []
    query = Query.of(recs, frame)
    unit = unit_rows(np.asarray(vectors, dtype=np.float64))
    groups = cluster_new(unit, query.themes, query.to, threshold, weights, agglomeration)
    ids, labels = [""] * len(recs), [""] * len(recs)
    for g in range(int(groups.max()) + 1):
        members = np.flatnonzero(groups == g)
        centroid = unit[members].mean(0)
        central = members[np.argmax(np.round(unit[members] @ centroid, 6))]
        label = new_ask_label(query.texts[central], frame, wording)
        for m in members:
            ids[m], labels[m] = f"{prefix}{g + 1:03d}", label
    return ids, labels


def assign(
    recs: pd.DataFrame,
    vectors: np.ndarray,
    matcher: AskMatcher,
    new_threshold: float | None = None,
    new_prefix: str = "new_",
    agglomeration: Agglomeration | None = None,
    matched: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Each recommendation's ask: a catalogue ask when matched, else a candidate new ask
    (the unmatched clustered among themselves at `new_threshold`, by default the matcher's
    `new_threshold_`, with the matcher's weights and, unless given, agglomeration; see
    `new_asks`). recs: as `AskMatcher.match` reads them; vectors: the asks' embeddings,
    aligned with recs; matched: `matcher.match(recs, vectors)` if already computed (the
    cluster stage matches and caches one document at a time). Returns, in recs' order:
    ask_id, label, score, new."""
    matched = matcher.match(recs, vectors) if matched is None else matched
    labels = dict(zip(matcher.index_.ids, matcher.index_.labels, strict=True))
    out = pd.DataFrame(
        {
            "ask_id": matched["ask_id"],
            "label": pd.Series(
                [labels.get(a) if isinstance(a, str) else None for a in matched["ask_id"]],
                index=recs.index,
                dtype=object,
            ),
            "score": matched["score"],
            "new": matched["ask_id"].isna(),
        },
        index=recs.index,
    )
    rows = np.flatnonzero(out["new"].to_numpy())
    threshold = matcher.new_threshold_ if new_threshold is None else new_threshold
    ids, names = new_asks(
        recs.iloc[rows],
        np.asarray(vectors)[rows],
        threshold,
        matcher.frame,
        new_prefix,
        agglomeration or matcher.agglomeration,
        matcher.weights,
        matcher.wording,
    )
    out.loc[out.index[rows], "ask_id"] = ids
    out.loc[out.index[rows], "label"] = names
    return out
