"""The rows evaluate scores, and the key of its cache.

A score reads the rows of a few documents only: those with gold (scoring or training
folder) and the sessions of the catalogue's examples (the uptake scores read their
paragraphs). `evaluate` keeps those rows and keys its metrics by them (with the gold, the
taxonomy, params and code), so a PDF added elsewhere in the corpus copies the scores from
the cache. The rows are made independent of what the rest of the corpus does to their
numbering (clusters are numbered in time, new asks in order): only what a score reads
enters the key.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from pathlib import Path

import numpy as np
import pandas as pd

from pipeline.knowledge.taxonomy import Taxonomy
from pipeline.paths import GoldSettings, Layout
from pipeline.vectors import load_vectors

UPTAKE_TABLES = ("rec_clusters", "adopted", "adopted_asks")


def scored_documents(gold: GoldSettings, taxonomy: Taxonomy) -> set[str]:
    """The documents a score reads: those with a gold file (scoring or training folder)
    and the sessions of the catalogue's examples (the uptake scores read their paragraphs)."""
    kept = {e.doc_id for ask in taxonomy.asks for e in ask.examples}
    for folder in (gold.score_folder, gold.train_folder):
        if folder.is_dir():
            kept |= {path.name.split(".", 1)[0] for path in folder.glob("*.json*")}
    return kept


def scored_rows(
    tables: dict[str, pd.DataFrame], layout: Layout, kept: set[str], thresholds: bool
) -> tuple[dict[str, pd.DataFrame], np.ndarray | None]:
    """The tables' rows of the `kept` documents, and the sentence vectors of the kept
    recommendations (with `thresholds`: the sweep clusters them)."""
    vectors = None
    if thresholds:
        every = load_vectors(layout.processed / "embeddings.safetensors")
        vectors = every[tables["recommendations"]["doc_id"].isin(kept).to_numpy()]
    rows = {
        name: frame[frame["doc_id"].isin(kept)].reset_index(drop=True)
        for name, frame in tables.items()
    }
    if "rec_clusters" in rows:
        rows["rec_clusters"] = canonical_clusters(rows["rec_clusters"])
    return rows, vectors


def canonical_clusters(rec_clusters: pd.DataFrame) -> pd.DataFrame:
    """The same partition numbered by first appearance in these rows, new asks likewise:
    a document added elsewhere in the corpus renumbers clusters (they are numbered in time)
    and new asks without changing what any score reads, so it must not change the key."""
    out = rec_clusters.copy()
    out["cluster_id"] = _first_appearance(out["cluster_id"]).astype(out["cluster_id"].dtype)
    new = (out["source"] == "new").to_numpy()
    if new.any():
        numbers = _first_appearance(out.loc[new, "ask_id"])
        out.loc[new, "ask_id"] = [f"new_{n + 1:03d}" for n in numbers]
        out.loc[new, "cluster_label"] = out.loc[new, "ask_id"]
    return out


def _first_appearance(values: pd.Series) -> pd.Series:
    rank: dict = {}
    return pd.Series([rank.setdefault(v, len(rank)) for v in values], index=values.index)


def table_digest(frame: pd.DataFrame) -> str:
    """A digest of a table's columns and values, in row order."""
    hashed = pd.util.hash_pandas_object(frame.astype(str), index=False).to_numpy().tobytes()
    return hashlib.sha256(",".join(frame.columns).encode() + hashed).hexdigest()


def files_digest_of(paths: Iterable[Path]) -> str:
    """A digest of files and of every file under folders, by path and content."""
    files: list[Path] = []
    for path in paths:
        files += sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path]
    hasher = hashlib.sha256()
    for path in files:
        hasher.update(str(path).encode())
        hasher.update(path.read_bytes() if path.exists() else b"-")
    return hasher.hexdigest()
