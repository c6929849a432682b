"""Stage `embed`: each recommendation's ask → a vector, from the shared vector store.

The reporting frame ("One speaker stressed the need to ...") is stripped first
(the taxonomy's `recommendations.yaml: frame`) so that sentences are compared on what they ask.
Vectors come from the encoder every stage shares (pipeline.vectors: all-MiniLM-L6-v2,
offline, over the store of `data/cache/vectors/`), so a sentence already embedded, by this
stage or another, is never embedded again. The `tfidf` embedder (scikit-learn, no torch)
is the fallback for machines without torch; its vectors depend on the whole corpus, so it
is refitted every run and not stored.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from pipeline.asks.frame import ask_of, reporting_frame
from pipeline.knowledge.taxonomy import stage_taxonomy, taxonomy_folder
from pipeline.learn import unit_rows
from pipeline.params import load_settings
from pipeline.paths import Layout
from pipeline.schemas import get_table, read_table, write_table
from pipeline.vectors import MAX_TOKENS, Encoder, open_encoder, save_vectors, text_key

log = logging.getLogger("crp")


@dataclass(frozen=True)
class EmbedSettings:
    model: str = "minilm"  # minilm (the shared encoder) | tfidf
    tfidf_dimensions: int = 256

    def __post_init__(self) -> None:
        if self.model not in ("minilm", "tfidf"):
            raise ValueError(f"model={self.model!r}: use minilm or tfidf")
        if self.tfidf_dimensions < 2:
            raise ValueError(f"tfidf_dimensions={self.tfidf_dimensions} must be at least 2")


def tfidf_vectors(texts: list[str], dimensions: int) -> np.ndarray:
    """TF-IDF reduced by truncated SVD and L2-normalized: corpus-dependent, torch-free."""
    from sklearn.decomposition import TruncatedSVD
    from sklearn.feature_extraction.text import TfidfVectorizer

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
    return unit_rows(out.astype(np.float64), np.float32)


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
    asks: pd.DataFrame, settings: EmbedSettings, encoder: Encoder | None = None
) -> tuple[pd.DataFrame, np.ndarray]:
    """(asks with token counts, vectors aligned with its rows). With `minilm`, the vectors
    and token counts come from `encoder` (the store first, the model only for what it
    lacks; when nothing is missing the model is not even loaded)."""
    texts = list(asks["ask"])
    if settings.model == "tfidf":
        return asks, tfidf_vectors(texts, settings.tfidf_dimensions)
    encoder = encoder or Encoder()
    before = encoder.encoded
    vectors = encoder.encode(texts)
    counts = encoder.n_tokens(texts)
    asks = asks.assign(
        n_tokens=pd.array(counts, dtype="Int64"),
        truncated=pd.array([c > MAX_TOKENS for c in counts], dtype="boolean"),
    )
    log.info("embed: %d asks, %d newly encoded", len(texts), encoder.encoded - before)
    return asks, vectors


def main(layout: Layout, params: dict[str, Any]) -> pd.DataFrame:
    """`crp embed`: recommendations → asks table and their vectors (from the store)."""
    settings = load_settings(EmbedSettings, "embed", params)
    frame = reporting_frame(stage_taxonomy("embed", taxonomy_folder(params)))
    recs = read_table("recommendations", layout.table("recommendations"))
    (layout.cache / "vectors" / "embed").mkdir(parents=True, exist_ok=True)  # a persist output
    encoder = open_encoder(layout, params, "embed") if settings.model == "minilm" else None
    asks, vectors = embed(asks_table(recs, frame), settings, encoder)
    if encoder is not None:
        encoder.flush()
    write_table(asks, "asks", layout.table("asks"))
    model = encoder.model_id if encoder is not None else "tfidf"
    save_vectors(layout.processed / "embeddings.safetensors", list(asks["key"]), vectors, model)
    return asks
