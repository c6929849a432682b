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
from functools import lru_cache
from typing import Any

import numpy as np
import pandas as pd

from pipeline.embed import load_vectors
from pipeline.errors import PipelineError
from pipeline.params import load_settings
from pipeline.paths import TAXONOMY_DIR, Layout
from pipeline.schemas import get_table, read_table, write_table

log = logging.getLogger("crp")
ADDRESSEES = ("states", "unodc", "working_group", "civil_society", "private_sector", "unspecified")
LABEL_TOKEN = re.compile(r"\b[^\W\d_]{3,}(?:-[^\W\d_]+)*\b")


@lru_cache(maxsize=1)
def label_stop_words() -> frozenset[str]:
    """Words never used in a label: taxonomy/cluster_labels.yaml (an analyst's list)."""
    from pipeline.tagging.taxonomy import read_yaml  # names the file and line of a YAML error

    path = TAXONOMY_DIR / "cluster_labels.yaml"
    data = read_yaml(path) or {}
    if not isinstance(data, dict):
        raise PipelineError(f"{path}: expected the lists function_words and boilerplate")
    words = [w for key in ("function_words", "boilerplate") for w in data.get(key) or []]
    odd = [w for w in words if not isinstance(w, str)]
    if odd:
        raise PipelineError(f"{path}: {odd[:3]} are not words; quote them ('off', 'yes')")
    return frozenset(w.lower() for w in words)


def unit_rows(x: np.ndarray) -> np.ndarray:
    """Rows scaled to length 1 (a zero row stays zero)."""
    norms = np.linalg.norm(x, axis=1, keepdims=True)
    return x / np.where(norms == 0, 1, norms)


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


def features(vectors: np.ndarray, recs: pd.DataFrame, settings: ClusterSettings) -> np.ndarray:
    """The weighted blocks [ask embedding | themes one-hot | addressee one-hot], L2-normalized."""
    w = settings.weights
    themes = sorted({t for ts in recs["themes"] for t in ts})
    index = {t: i for i, t in enumerate(themes)}
    theme_block = np.zeros((len(recs), max(1, len(themes))), dtype=np.float32)
    for row, ts in enumerate(recs["themes"]):
        for t in ts:
            theme_block[row, index[t]] = 1.0
    to_block = np.array(
        [[float(to == a) for a in ADDRESSEES] for to in recs["to"]], dtype=np.float32
    ).reshape(len(recs), len(ADDRESSEES))
    blocks = [
        w.get("ask", 1.0) * unit_rows(vectors) if len(vectors) else vectors,
        w.get("themes", 0.0) * unit_rows(theme_block),
        w.get("addressee", 0.0) * to_block,
    ]
    return unit_rows(np.hstack(blocks)).astype(np.float32)


def linkage_tree(x: np.ndarray, settings: ClusterSettings) -> np.ndarray:
    """The full merge tree (scipy linkage matrix) on cosine distances: cut it at any
    threshold without clustering again (what `--sweep` does)."""
    from scipy.cluster.hierarchy import linkage

    return linkage(cosine_pdist(x), method=settings.linkage)


def cosine_pdist(x: np.ndarray, block: int = 512) -> np.ndarray:
    """Condensed cosine distances (what scipy's `pdist(x, "cosine")` returns), by matrix
    products of a block of rows with the rows after it: scipy's pairwise loop took seconds
    at 5,000 rows. Products are float64 and distances rounded to 1e-10, so that another
    BLAS kernel's summation order (differences near 1e-15) changes a distance, and so
    perhaps a merge, only where it lies within that noise of a rounding boundary."""
    unit = unit_rows(x.astype(np.float64))
    n = len(unit)
    out = np.empty(n * (n - 1) // 2)
    position = 0
    for first in range(0, n, block):
        similarity = unit[first : first + block] @ unit[first:].T
        for offset in range(len(similarity)):
            width = n - first - offset - 1
            target = out[position : position + width]
            np.subtract(1.0, similarity[offset, offset + 1 :], out=target, casting="unsafe")
            position += width
    np.round(out, 10, out=out)
    return np.clip(out, 0.0, 2.0, out=out)


def cut_tree(tree: np.ndarray, threshold: float) -> np.ndarray:
    """Flat clusters of a merge tree: merges at a distance below `threshold`."""
    from scipy.cluster.hierarchy import fcluster

    return fcluster(tree, t=np.nextafter(threshold, 0), criterion="distance").astype(np.int64) - 1


def _agglomerative(
    x: np.ndarray, settings: ClusterSettings, connectivity: Any = None
) -> np.ndarray:
    if len(x) == 1:
        return np.zeros(1, dtype=np.int64)
    if connectivity is None:
        return cut_tree(linkage_tree(x, settings), settings.threshold)
    from sklearn.cluster import AgglomerativeClustering

    model = AgglomerativeClustering(
        n_clusters=None,
        distance_threshold=settings.threshold,
        metric="cosine",
        linkage=settings.linkage,
        connectivity=connectivity,
    )
    return model.fit_predict(x).astype(np.int64)


def cluster_labels(x: np.ndarray, settings: ClusterSettings) -> np.ndarray:
    """Cluster of each row (0..k-1), deterministic.

    With complete or single linkage, identical rows (the same ask, themes and addressee,
    repeated from one session's text to the next) are clustered once: they merge first, at
    distance 0, and a cluster's distance to others is a max or a min, which copies do not
    change; so the partition is the same and the work is that of the distinct rows.
    Average linkage counts every copy, so there all rows are clustered. Up to
    `max_exact` distinct rows: agglomerative clustering on the full distance matrix. Beyond,
    nothing n×n is built: each row's `n_neighbors` nearest neighbours within the threshold
    form a sparse graph (computed in chunks, O(n·k) memory); its connected components are
    clustered one by one, exactly while a component has at most `max_exact` rows, and on
    its own neighbour graph when larger. Two clusters can only merge if some pair of their
    members lies within the threshold, so splitting by components loses nothing that the
    neighbour graph sees.
    """
    n = len(x)
    if n <= 1:
        return np.zeros(n, dtype=np.int64)
    if settings.linkage in ("complete", "single"):
        unique, inverse = np.unique(x, axis=0, return_inverse=True)
        if len(unique) < n:
            return _distinct_labels(unique, settings)[inverse.reshape(-1)]
    return _distinct_labels(x, settings)


def _distinct_labels(x: np.ndarray, settings: ClusterSettings) -> np.ndarray:
    n = len(x)
    if n <= 1:
        return np.zeros(n, dtype=np.int64)
    if n <= settings.max_exact:
        return _agglomerative(x, settings)
    from scipy.sparse.csgraph import connected_components

    k = min(settings.n_neighbors, n - 1)
    graph = neighbour_graph(x, k, settings.threshold)
    n_components, component = connected_components(graph, directed=False)
    order = np.argsort(component, kind="stable")
    bounds = np.flatnonzero(np.diff(component[order])) + 1
    labels = np.zeros(n, dtype=np.int64)
    offset = 0
    for rows in np.split(order, bounds):
        rows = np.sort(rows)
        connectivity = None
        if len(rows) > settings.max_exact:
            connectivity = graph[rows][:, rows]
            connectivity.data[:] = 1
        part = _agglomerative(x[rows], settings, connectivity)
        labels[rows] = part + offset
        offset += int(part.max()) + 1
    log.info("cluster: %d rows in %d neighbour-graph components", n, n_components)
    return labels


def neighbour_graph(x: np.ndarray, k: int, threshold: float, block: int = 512) -> Any:
    """Each row linked to its k nearest rows within `threshold` (cosine distance), as a
    symmetric sparse matrix of distances; built a block of rows at a time in float32, so
    memory is O(block·n + n·k). scikit-learn's `kneighbors_graph` gives the same graph
    3.6 times slower (20,000 rows: 16.1 s against 4.4 s; it works in float64)."""
    from scipy.sparse import csr_matrix

    unit = unit_rows(x.astype(np.float64)).astype(np.float32)
    n = len(unit)
    rows, cols, dists = [], [], []
    for first in range(0, n, block):
        similarity = unit[first : first + block] @ unit.T
        local = np.arange(len(similarity))
        similarity[local, first + local] = -np.inf  # not its own neighbour
        nearest = np.argpartition(-similarity, k - 1, axis=1)[:, :k]
        distance = 1.0 - np.take_along_axis(similarity, nearest, axis=1)
        keep = distance <= threshold
        rows.append(np.repeat(first + local, k)[keep.ravel()])
        cols.append(nearest[keep])
        dists.append(np.maximum(distance[keep], 1e-12))  # a 0 would read as "no edge"
    graph = csr_matrix(
        (np.concatenate(dists), (np.concatenate(rows), np.concatenate(cols))), shape=(n, n)
    )
    return graph.maximum(graph.T).tocsr()


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


def ctfidf_labels(texts: list[str], ids: np.ndarray, n_words: int) -> dict[int, str]:
    """A label per cluster from its most distinctive words (class-based TF-IDF): a word's
    share of the cluster's words × log(1 + mean words per cluster / the word's corpus count).
    """
    stop = label_stop_words()
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
) -> dict[str, pd.DataFrame]:
    """The rec_clusters, clusters and recurrence tables (pure: no I/O)."""
    keys = ["doc_id", "para_no", "rec_no"]
    recs = recs.sort_values(keys).reset_index(drop=True)
    asks = asks.sort_values(keys).reset_index(drop=True)
    if len(recs) == 0:
        return {
            name: get_table(name).empty() for name in ("rec_clusters", "clusters", "recurrence")
        }
    x = features(vectors, recs, settings)
    timeline = chronological(recs.assign(row=np.arange(len(recs))), documents)
    ids = renumber(cluster_labels(x, settings), pd.Index(timeline["row"]))
    labels = ctfidf_labels(list(asks["ask"]), ids, settings.label_words)
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


SWEEP_THRESHOLDS = tuple(round(0.30 + 0.025 * i, 3) for i in range(17))  # 0.30 … 0.70


def sweep(
    recs: pd.DataFrame,
    asks: pd.DataFrame,
    vectors: np.ndarray,
    documents: pd.DataFrame,
    settings: ClusterSettings,
    gold: dict,
    thresholds: tuple[float, ...] = SWEEP_THRESHOLDS,
) -> pd.DataFrame:
    """Clustering scores against gold for a range of thresholds (the default's neighbourhood).

    Only the recommendations of the gold documents are clustered here, from one merge tree
    cut at each threshold, so the sweep stays fast on a large corpus.
    """
    from dataclasses import replace

    from pipeline.evaluate import score_clusters

    keys = ["doc_id", "para_no", "rec_no"]
    order = recs.sort_values(keys).index
    recs, vectors = recs.loc[order].reset_index(drop=True), vectors[np.asarray(order)]
    scored = recs["doc_id"].isin({k[0] for k in gold}).to_numpy()  # the gold documents only
    recs, vectors = recs[scored].reset_index(drop=True), vectors[scored]
    if len(recs) == 0:  # no gold document in this corpus: nothing to score
        log.warning("cluster --sweep: no recommendation of a gold document to score")
        return pd.DataFrame(columns=["threshold", "ari", "v_measure", "n_clusters"])
    x = features(vectors, recs, settings)
    tree = linkage_tree(x, settings) if 1 < len(x) <= settings.max_exact else None
    rows = []
    for threshold in thresholds:
        if tree is not None:
            ids = cut_tree(tree, threshold)
        else:
            ids = cluster_labels(x, replace(settings, threshold=threshold))
        scores = score_clusters(recs, recs[keys].assign(cluster_id=ids), gold)
        rows.append(
            {
                "threshold": threshold,
                "ari": scores["ari"],
                "v_measure": scores["v_measure"],
                "n_clusters": len(set(ids.tolist())),
            }
        )
    return pd.DataFrame(rows)


def run_sweep(layout: Layout, params: dict[str, Any]) -> pd.DataFrame:
    """`crp cluster --sweep`: scores against data/gold by threshold → metrics/cluster_sweep.csv."""
    from pipeline.evaluate import read_gold

    settings = load_settings(ClusterSettings, "cluster", params)
    _, gold = read_gold(layout.gold)
    table = sweep(
        read_table("recommendations", layout.table("recommendations")),
        read_table("asks", layout.table("asks")),
        load_vectors(layout.processed / "embeddings.safetensors"),
        read_table("documents", layout.table("documents")),
        settings,
        gold,
    )
    layout.metrics.mkdir(parents=True, exist_ok=True)
    table.to_csv(layout.metrics / "cluster_sweep.csv", index=False, float_format="%.4f")
    return table


def main(layout: Layout, params: dict[str, Any]) -> dict[str, pd.DataFrame]:
    """`crp cluster`: embedded recommendations → rec_clusters, clusters, recurrence tables."""
    settings = load_settings(ClusterSettings, "cluster", params)
    recs = read_table("recommendations", layout.table("recommendations"))
    asks = read_table("asks", layout.table("asks"))
    documents = read_table("documents", layout.table("documents"))
    vectors = load_vectors(layout.processed / "embeddings.safetensors")
    tables = cluster(recs, asks, vectors, documents, settings)
    for name, frame in tables.items():
        write_table(frame, name, layout.table(name))
    log.info("cluster: %d recommendations in %d clusters", len(recs), len(tables["clusters"]))
    return tables
