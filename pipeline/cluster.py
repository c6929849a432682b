"""Stage `cluster`: each recommendation given the ask it makes, tracked across sessions.

Analysts keep a catalogue of known asks (`taxonomy/asks.yaml`: a label, a definition and
example sentences from past sessions). Every recommendation is matched to it by a learned
matcher (pipeline.asks.matcher: embeddings of the ask, its paragraph, TF-IDF, themes and
addressee against each ask's examples, label and definition), which learns from the
catalogue itself, leave-one-session-out. What matches nothing is clustered among itself
as candidate new asks (agglomerative, cosine distance; a neighbour graph beyond
`max_exact`), each labelled by a verb phrase of its most central sentence, for an analyst
to name (`crp asks review`). Cluster ids follow first appearance in time, so the same
input gives the same ids byte for byte.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from pipeline.asks.assign import assign, new_asks
from pipeline.asks.catalogue import Ask, with_contexts
from pipeline.asks.clustering import BLOCK_WEIGHTS, Agglomeration, weighted_blocks
from pipeline.asks.frame import reporting_frame
from pipeline.asks.matcher import AskMatcher
from pipeline.knowledge.compiled import Wording
from pipeline.knowledge.gold import read_gold
from pipeline.knowledge.taxonomy import Taxonomy, stage_taxonomy, taxonomy_folder
from pipeline.learn import unit_rows
from pipeline.params import load_settings
from pipeline.paths import GoldSettings, Layout
from pipeline.schemas import get_table, read_table, write_table
from pipeline.vectors import MODEL_ID, load_vectors, open_encoder, vectors_model

log = logging.getLogger("crp")
KEYS = ["doc_id", "para_no", "rec_no"]
BLOCKS = ("ask", "themes", "addressee")  # the feature blocks `weights` weighs
UNDATED = "9999-12-31"


@dataclass(frozen=True)
class ClusterSettings:
    catalogue: bool = True  # match to the catalogue of known asks (else cluster afresh)
    threshold: float = 0.45  # cosine distance where clusters stop merging, without catalogue
    linkage: str = "complete"
    weights: dict[str, float] = field(
        default_factory=lambda: dict(zip(BLOCKS, BLOCK_WEIGHTS, strict=True))
    )
    max_exact: int = 10_000
    n_neighbors: int = 30

    def __post_init__(self) -> None:
        if not 0 < self.threshold < 2:
            raise ValueError(f"threshold={self.threshold} must lie in (0, 2) (cosine distance)")
        if self.linkage not in ("complete", "average", "single"):
            raise ValueError(f"linkage={self.linkage!r}: use complete, average or single")
        unknown = set(self.weights) - set(BLOCKS)
        if unknown:
            raise ValueError(
                f"weights: unknown block(s) {sorted(unknown)}; use ask, themes, addressee"
            )
        if self.n_neighbors < 2 or self.max_exact < 2:
            raise ValueError("n_neighbors and max_exact must be at least 2")

    @property
    def agglomeration(self) -> Agglomeration:
        return Agglomeration(self.threshold, self.linkage, self.max_exact, self.n_neighbors)

    @property
    def block_weights(self) -> tuple[float, float, float]:
        w = self.weights
        return (w.get("ask", 1.0), w.get("themes", 0.0), w.get("addressee", 0.0))

    def configure(self, matcher: AskMatcher) -> AskMatcher:
        """The matcher set to cluster what it does not match as this stage does."""
        return matcher.set_params(weights=self.block_weights, agglomeration=self.agglomeration)


def features(vectors: np.ndarray, recs: pd.DataFrame, settings: ClusterSettings) -> np.ndarray:
    """The weighted blocks [ask embedding | themes one-hot | addressee one-hot]."""
    themes, to = list(recs["themes"]), list(recs["to"])
    return weighted_blocks(vectors, themes, to, settings.block_weights)


def queries(
    recs: pd.DataFrame, asks: pd.DataFrame, paragraphs: pd.DataFrame, documents: pd.DataFrame
) -> pd.DataFrame:
    """What the matcher reads of each recommendation: its sentence, its ask (frame
    stripped), addressee, themes, working group and the paragraph it stands in."""
    keys = zip(paragraphs["doc_id"], paragraphs["para_no"], strict=True)
    text = dict(zip(keys, paragraphs["text"], strict=True))
    groups = dict(zip(documents["doc_id"], documents["working_group"], strict=True))
    return recs.assign(
        ask=list(asks["ask"]),
        working_group=[g if isinstance(g, str) else None for g in recs["doc_id"].map(groups)],
        context=[text.get(k) for k in zip(recs["doc_id"], recs["para_no"], strict=True)],
    )


def give_asks(
    query: pd.DataFrame,
    vectors: np.ndarray,
    matcher: AskMatcher | None,
    settings: ClusterSettings,
    frame: re.Pattern[str],
    wording: Wording | None = None,
    matches: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """ask_id, label, score and new of each recommendation: matched to the catalogue when
    there is a matcher (`matches`: its matches of `query`, if already made), else all
    clustered afresh as candidate new asks (labelled with the taxonomy's `wording`, the
    matcher's when there is one)."""
    if matcher is not None:
        return assign(
            query, vectors, matcher, agglomeration=settings.agglomeration, matched=matches
        )
    ids, labels = new_asks(
        query,
        vectors,
        settings.threshold,
        frame,
        "new_",
        settings.agglomeration,
        settings.block_weights,
        wording,
    )
    return pd.DataFrame(
        {"ask_id": ids, "label": labels, "score": np.nan, "new": True}, index=query.index
    )


def cluster(
    recs: pd.DataFrame,
    asks: pd.DataFrame,
    vectors: np.ndarray,
    documents: pd.DataFrame,
    paragraphs: pd.DataFrame,
    settings: ClusterSettings,
    frame: re.Pattern[str],
    matcher: AskMatcher | None = None,
    wording: Wording | None = None,
    matches: pd.DataFrame | None = None,
) -> dict[str, pd.DataFrame]:
    """The rec_clusters, clusters and recurrence tables (pure: no I/O). `matches`: the
    matcher's matches of the recommendations sorted by key (`asks.cached.doc_matches`),
    when already made."""
    recs = recs.sort_values(KEYS).reset_index(drop=True)
    asks = asks.sort_values(KEYS).reset_index(drop=True)
    if len(recs) == 0:
        names = ("rec_clusters", "clusters", "recurrence")
        return {name: get_table(name).empty() for name in names}
    query = queries(recs, asks, paragraphs, documents)
    given = give_asks(query, vectors, matcher, settings, frame, wording, matches)
    timeline = chronological(recs.assign(row=np.arange(len(recs))), documents)
    ids = renumber(given["ask_id"].to_numpy(), timeline["row"].to_numpy())
    rec_clusters = recs[KEYS].assign(
        cluster_id=ids,
        cluster_label=list(given["label"]),
        ask_id=list(given["ask_id"]),
        source=np.where(given["new"].to_numpy(dtype=bool), "new", "catalogue"),
        score=given["score"].to_numpy(dtype=float),
    )
    timeline = timeline.assign(cluster_id=ids[timeline["row"].to_numpy()])
    timeline = timeline.merge(rec_clusters[[*KEYS, "ask_id", "source", "cluster_label"]], on=KEYS)
    central = exemplars(unit_rows(np.asarray(vectors, dtype=np.float64)), ids)
    return {
        "rec_clusters": rec_clusters,
        "clusters": _clusters_table(timeline, recs, central),
        "recurrence": _recurrence_table(timeline),
    }


def chronological(recs: pd.DataFrame, documents: pd.DataFrame) -> pd.DataFrame:
    """Recommendations with their session's metadata, in the order the sessions happened."""
    meta = documents[["doc_id", "working_group", "year", "session_ordinal", "date"]]
    out = recs.merge(meta, on="doc_id", how="left")
    out["date"] = out["date"].fillna(UNDATED)
    return out.sort_values(["date", "doc_id", "para_no", "rec_no"], kind="stable")


def renumber(asks: np.ndarray, order: np.ndarray) -> np.ndarray:
    """Cluster ids 1..k by first appearance of each ask in `order` (row positions)."""
    mapping: dict[Any, int] = {}
    for position in order:
        mapping.setdefault(asks[position], len(mapping) + 1)
    return np.array([mapping[a] for a in asks], dtype=np.int64)


def exemplars(x: np.ndarray, ids: np.ndarray) -> dict[int, int]:
    """Row of each cluster's most central member (closest to the centroid; first on ties)."""
    out = {}
    order = np.argsort(ids, kind="stable")
    groups = np.split(order, np.flatnonzero(np.diff(ids[order])) + 1) if len(ids) else []
    for rows in groups:
        centroid = unit_rows(x[rows].mean(axis=0, keepdims=True))[0]
        closeness = np.round(x[rows] @ centroid, 6)  # float noise must not break a tie
        out[int(ids[rows[0]])] = int(rows[np.argmax(closeness)])
    return out


def _clusters_table(
    timeline: pd.DataFrame, recs: pd.DataFrame, central: dict[int, int]
) -> pd.DataFrame:
    rows = []
    for k, group in timeline.groupby("cluster_id", sort=True):
        dates = [d for d in group["date"] if d != UNDATED]
        rows.append(
            {
                "cluster_id": int(k),
                "ask_id": group["ask_id"].iloc[0],
                "source": group["source"].iloc[0],
                "label": group["cluster_label"].iloc[0],
                "exemplar": recs.loc[central[int(k)], "text"],
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
    """Ask × session: how often each ask was made there, and whether it was new then."""
    counts = (
        timeline.groupby(["cluster_id", "doc_id"], sort=True)
        .agg(
            ask_id=("ask_id", "first"),
            working_group=("working_group", "first"),
            year=("year", "first"),
            session_ordinal=("session_ordinal", "first"),
            date=("date", "first"),
            count=("rec_no", "size"),
        )
        .reset_index()
    )
    counts["date"] = counts["date"].replace(UNDATED, None)
    first = counts.sort_values(["cluster_id", "date", "doc_id"]).groupby("cluster_id").head(1)
    counts["new"] = counts.index.isin(first.index)
    return counts[get_table("recurrence").columns]


def without_reports(
    recs: pd.DataFrame, asks: pd.DataFrame, vectors: np.ndarray, documents: pd.DataFrame
) -> tuple[pd.DataFrame, pd.DataFrame, np.ndarray]:
    """The recommendations, asks and vectors (rows in key order) of every document but
    working group reports: a report's recommendations are adopted, not raised (the
    `adopted` stage reads them)."""
    reports = set(documents.loc[documents["doc_type"] == "wg_report", "doc_id"])
    recs, asks = (t.sort_values(KEYS).reset_index(drop=True) for t in (recs, asks))
    keep = ~asks["doc_id"].isin(reports).to_numpy()
    kept = recs[~recs["doc_id"].isin(reports)].reset_index(drop=True)
    return kept, asks[keep].reset_index(drop=True), np.asarray(vectors)[keep]


def catalogue_contexts(
    catalogue: list[Ask], paragraphs: pd.DataFrame, gold: Path, taxonomy: Taxonomy
) -> list[Ask]:
    """The catalogue with each example's paragraph: from this corpus, else from the gold
    the example was taken from (so matching does not depend on which PDFs are run)."""
    texts = [paragraphs[["doc_id", "para_no", "text"]]]
    if any(gold.glob("*.paragraphs.jsonl")):
        _, rows = read_gold(gold, taxonomy.labels)
        texts.insert(
            0,
            pd.DataFrame([{k: r[k] for k in ("doc_id", "para_no", "text")} for r in rows.values()]),
        )
    both = pd.concat(texts).drop_duplicates(["doc_id", "para_no"], keep="last")
    return with_contexts(catalogue, both)


def main(layout: Layout, params: dict[str, Any]) -> dict[str, pd.DataFrame]:
    """`crp cluster`: embedded recommendations → rec_clusters, clusters, recurrence tables.

    The fitted matcher and each document's matches are kept in data/cache/cluster
    (pipeline.asks.cached): a rerun after adding a document matches that document only."""
    from pipeline.asks.cached import doc_matches, fitted_matcher, matcher_fingerprint
    from pipeline.cache import DocCache
    from pipeline.params import as_dict
    from pipeline.provenance import code_digest

    settings = load_settings(ClusterSettings, "cluster", params)
    taxonomy = stage_taxonomy("cluster", taxonomy_folder(params))
    tables = {
        name: read_table(name, layout.table(name))
        for name in ("recommendations", "asks", "documents")
    }
    tables["paragraphs"] = read_table(
        "paragraphs", layout.table("paragraphs"), ["doc_id", "para_no", "text"]
    )
    vectors_path = layout.processed / "embeddings.safetensors"
    recs, asks, vectors = without_reports(
        tables["recommendations"], tables["asks"], load_vectors(vectors_path), tables["documents"]
    )
    frame = reporting_frame(taxonomy)
    matcher, matches = None, None
    (layout.cache / "vectors" / "cluster").mkdir(parents=True, exist_ok=True)  # a persist output
    encoder = open_encoder(layout, params, "cluster")
    if settings.catalogue and vectors_model(vectors_path) == MODEL_ID and taxonomy.asks:
        gold = load_settings(GoldSettings, "gold", params).train_folder
        catalogue = catalogue_contexts(taxonomy.asks, tables["paragraphs"], gold, taxonomy)
        code = code_digest("cluster")
        fingerprint = matcher_fingerprint(
            code, catalogue=catalogue, model=encoder.model_id, settings=as_dict(settings)
        )
        cache = DocCache(layout.cache / "cluster", fingerprint)

        def fit() -> AskMatcher:
            matcher = AskMatcher(encoder=encoder, frame=frame, wording=taxonomy.wording)
            return settings.configure(matcher).fit(catalogue)

        def restore(text: str) -> AskMatcher:
            matcher = AskMatcher.from_json(text, encoder, frame, taxonomy.wording)
            return settings.configure(matcher).index(catalogue)

        matcher = fitted_matcher(fit, restore, fingerprint, cache)
        query = queries(recs, asks, tables["paragraphs"], tables["documents"])
        matches = doc_matches(query, vectors, matcher, cache, fingerprint)
        cache.prune()
    elif settings.catalogue:
        log.warning("cluster: asks not embedded with %s: no catalogue matching", MODEL_ID)
    out = cluster(
        recs,
        asks,
        vectors,
        tables["documents"],
        tables["paragraphs"],
        settings,
        frame,
        matcher,
        taxonomy.wording,
        matches,
    )
    encoder.flush()
    for name, table in out.items():
        write_table(table, name, layout.table(name))
    matched = int((out["rec_clusters"]["source"] == "catalogue").sum())
    log.info(
        "cluster: %d recommendations, %d matched to the catalogue, in %d asks",
        len(out["rec_clusters"]),
        matched,
        len(out["clusters"]),
    )
    return out
