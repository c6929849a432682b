"""Stage `cluster`: recommendations grouped by what they ask, and tracked across sessions.

Each recommendation is a vector of its ask's embedding beside the tags the pipeline
already has (the themes inside the sentence, the addressee), each block weighted in
params.yaml. Agglomerative clustering with a cosine distance threshold groups them; an
ask made once is a cluster of one. Up to `max_exact` sentences the full distance matrix
is used; beyond, clustering is restricted to a k-nearest-neighbour graph, so memory grows
with n·k, not n². Cluster ids follow first appearance in time, so the same input gives
the same ids byte for byte.
"""

from __future__ import annotations

import logging
import re
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from pipeline.clustering import Agglomeration, cluster_labels, unit_rows
from pipeline.encoder import load_vectors
from pipeline.knowledge.taxonomy import Taxonomy, stage_taxonomy, taxonomy_folder
from pipeline.params import load_settings
from pipeline.paths import Layout
from pipeline.schemas import get_table, read_table, write_table

log = logging.getLogger("crp")
LABEL_TOKEN = re.compile(r"\b[^\W\d_]{3,}(?:-[^\W\d_]+)*\b")


@dataclass(frozen=True)
class ClusterVocabulary:
    """What clustering takes from the taxonomy: the addressee ids (one feature column each)
    and the words never used in a cluster label."""

    addressees: list[str]
    stop_words: frozenset[str]

    @classmethod
    def from_taxonomy(cls, taxonomy: Taxonomy) -> ClusterVocabulary:
        return cls(list(taxonomy.labels.addressee_types), taxonomy.label_stop_words)


@dataclass(frozen=True)
class ClusterSettings:
    threshold: float = 0.45
    linkage: str = "complete"
    weights: dict[str, float] = field(
        default_factory=lambda: {"ask": 1.0, "themes": 0.8, "addressee": 0.3}
    )
    max_exact: int = 10_000
    n_neighbors: int = 30
    label_words: int = 4

    def __post_init__(self) -> None:
        if not 0 < self.threshold < 2:
            raise ValueError(f"threshold={self.threshold} must lie in (0, 2) (cosine distance)")
        if self.linkage not in ("complete", "average", "single"):
            raise ValueError(f"linkage={self.linkage!r}: use complete, average or single")
        unknown = set(self.weights) - {"ask", "themes", "addressee"}
        if unknown:
            raise ValueError(
                f"weights: unknown block(s) {sorted(unknown)}; use ask, themes, addressee"
            )
        if self.n_neighbors < 2 or self.max_exact < 2:
            raise ValueError("n_neighbors and max_exact must be at least 2")

    @property
    def agglomeration(self) -> Agglomeration:
        return Agglomeration(self.threshold, self.linkage, self.max_exact, self.n_neighbors)


def features(
    vectors: np.ndarray, recs: pd.DataFrame, settings: ClusterSettings, addressees: list[str]
) -> np.ndarray:
    """The weighted blocks [ask embedding | themes one-hot | addressee one-hot], L2-normalized.

    `addressees`: the addressee ids of the label contract, in a fixed order."""
    w = settings.weights
    themes = sorted({t for ts in recs["themes"] for t in ts})
    index = {t: i for i, t in enumerate(themes)}
    theme_block = np.zeros((len(recs), max(1, len(themes))), dtype=np.float32)
    for row, ts in enumerate(recs["themes"]):
        for t in ts:
            theme_block[row, index[t]] = 1.0
    to_block = np.array(
        [[float(to == a) for a in addressees] for to in recs["to"]], dtype=np.float32
    ).reshape(len(recs), len(addressees))
    blocks = [
        w.get("ask", 1.0) * unit_rows(vectors) if len(vectors) else vectors,
        w.get("themes", 0.0) * unit_rows(theme_block),
        w.get("addressee", 0.0) * to_block,
    ]
    return unit_rows(np.hstack(blocks)).astype(np.float32)


def chronological(recs: pd.DataFrame, documents: pd.DataFrame) -> pd.DataFrame:
    """Recommendations with their session's metadata, in the order the sessions happened."""
    meta = documents[["doc_id", "working_group", "year", "session_ordinal", "date"]]
    out = recs.merge(meta, on="doc_id", how="left")
    out["date"] = out["date"].fillna("9999-12-31")
    return out.sort_values(["date", "doc_id", "para_no", "rec_no"], kind="stable")


def renumber(raw: np.ndarray, order: pd.Index) -> np.ndarray:
    """Cluster ids 1..k by first appearance in `order` (row positions, chronological)."""
    mapping: dict[int, int] = {}
    for position in order:
        mapping.setdefault(int(raw[position]), len(mapping) + 1)
    return np.array([mapping[int(r)] for r in raw], dtype=np.int64)


def ctfidf_labels(
    texts: list[str], ids: np.ndarray, n_words: int, stop: frozenset[str]
) -> dict[int, str]:
    """A label per cluster from its most distinctive words (class-based TF-IDF): a word's
    share of the cluster's words × log(1 + mean words per cluster / the word's corpus count).
    `stop`: words never used in a label (the taxonomy's cluster_labels.yaml)."""
    counts: dict[int, Counter[str]] = {int(k): Counter() for k in sorted(set(ids.tolist()))}
    for text, k in zip(texts, ids.tolist(), strict=True):
        words = (w.lower() for w in LABEL_TOKEN.findall(text or ""))
        counts[k].update(w for w in words if w not in stop)
    totals: Counter[str] = Counter()
    for words in counts.values():
        totals.update(words)
    mean_words = float(np.mean([sum(c.values()) for c in counts.values()]))
    labels = {}
    for k, words in counts.items():
        size = max(sum(words.values()), 1)
        score = {w: (n / size) * np.log(1 + mean_words / totals[w]) for w, n in words.items()}
        top = sorted(score, key=lambda w: (-score[w], w))[:n_words]
        labels[k] = " · ".join(top)
    return labels


def exemplars(x: np.ndarray, ids: np.ndarray) -> dict[int, int]:
    """Row of each cluster's most central member (closest to the centroid; first on ties)."""
    out = {}
    order = np.argsort(ids, kind="stable")
    groups = np.split(order, np.flatnonzero(np.diff(ids[order])) + 1) if len(ids) else []
    for rows in groups:
        k = int(ids[rows[0]])
        centroid = unit_rows(x[rows].mean(axis=0, keepdims=True))[0]
        closeness = np.round(x[rows] @ centroid, 6)  # float noise must not break a tie
        out[k] = int(rows[np.argmax(closeness)])
    return out


def cluster(
    recs: pd.DataFrame,
    asks: pd.DataFrame,
    vectors: np.ndarray,
    documents: pd.DataFrame,
    settings: ClusterSettings,
    vocabulary: ClusterVocabulary,
) -> dict[str, pd.DataFrame]:
    """The rec_clusters, clusters and recurrence tables (pure: no I/O)."""
    keys = ["doc_id", "para_no", "rec_no"]
    recs = recs.sort_values(keys).reset_index(drop=True)
    asks = asks.sort_values(keys).reset_index(drop=True)
    if len(recs) == 0:
        return {
            name: get_table(name).empty() for name in ("rec_clusters", "clusters", "recurrence")
        }
    x = features(vectors, recs, settings, vocabulary.addressees)
    timeline = chronological(recs.assign(row=np.arange(len(recs))), documents)
    ids = renumber(cluster_labels(x, settings.agglomeration), pd.Index(timeline["row"]))
    labels = ctfidf_labels(list(asks["ask"]), ids, settings.label_words, vocabulary.stop_words)
    central = exemplars(x, ids)
    rec_clusters = recs[keys].assign(cluster_id=ids, cluster_label=[labels[i] for i in ids])
    timeline = timeline.assign(cluster_id=ids[timeline["row"].to_numpy()])
    return {
        "rec_clusters": rec_clusters,
        "clusters": _clusters_table(timeline, recs, labels, central, ids),
        "recurrence": _recurrence_table(timeline),
    }


def _clusters_table(
    timeline: pd.DataFrame,
    recs: pd.DataFrame,
    labels: dict[int, str],
    central: dict[int, int],
    ids: np.ndarray,
) -> pd.DataFrame:
    rows = []
    for k, group in timeline.groupby("cluster_id", sort=True):
        dates = [d for d in group["date"] if d != "9999-12-31"]
        rows.append(
            {
                "cluster_id": int(k),
                "label": labels[k],
                "exemplar": recs.loc[central[k], "text"],
                "size": len(group),
                "n_docs": group["doc_id"].nunique(),
                "working_groups": sorted({str(w) for w in group["working_group"].dropna()}),
                "years": sorted({int(y) for y in group["year"].dropna()}),
                "first_seen": min(dates) if dates else None,
                "last_seen": max(dates) if dates else None,
                "by_types": sorted(set(group["by"])),
                "to_types": sorted(set(group["to"])),
                "themes": sorted({t for ts in group["themes"] for t in ts}),
            }
        )
    return pd.DataFrame(rows, columns=get_table("clusters").columns)


def _recurrence_table(timeline: pd.DataFrame) -> pd.DataFrame:
    counts = (
        timeline.groupby(["cluster_id", "doc_id"], sort=True)
        .agg(
            working_group=("working_group", "first"),
            year=("year", "first"),
            session_ordinal=("session_ordinal", "first"),
            date=("date", "first"),
            count=("rec_no", "size"),
        )
        .reset_index()
    )
    counts["date"] = counts["date"].replace("9999-12-31", None)
    first = counts.sort_values(["cluster_id", "date", "doc_id"]).groupby("cluster_id").head(1)
    counts["new"] = counts.index.isin(first.index)
    return counts[get_table("recurrence").columns]


def main(layout: Layout, params: dict[str, Any]) -> dict[str, pd.DataFrame]:
    """`crp cluster`: embedded recommendations → rec_clusters, clusters, recurrence tables."""
    settings = load_settings(ClusterSettings, "cluster", params)
    recs = read_table("recommendations", layout.table("recommendations"))
    asks = read_table("asks", layout.table("asks"))
    documents = read_table("documents", layout.table("documents"))
    vectors = load_vectors(layout.processed / "embeddings.safetensors")
    vocabulary = ClusterVocabulary.from_taxonomy(stage_taxonomy("cluster", taxonomy_folder(params)))
    tables = cluster(recs, asks, vectors, documents, settings, vocabulary)
    for name, frame in tables.items():
        write_table(frame, name, layout.table(name))
    log.info("cluster: %d recommendations in %d clusters", len(recs), len(tables["clusters"]))
    return tables
