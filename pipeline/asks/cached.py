"""The matcher's work kept between runs: its fitted weights, and each document's matches.

Matching a recommendation to the catalogue depends on the recommendation (its sentence,
ask, addressee, themes, working group, paragraph and ask vector) and on the matcher
(the catalogue with its examples' paragraphs, the sentence model, the code and params that
fit it), never on the other documents of the corpus. So the `cluster` stage matches one
document at a time, always (a document's scores are then the same bits whether it came
alone or with two thousand others: a matrix product's summation can depend on how many
rows it multiplies), and keeps each document's matches in its cache (`DocCache`,
data/cache/cluster), keyed by exactly those inputs; the fitted matcher is kept there too,
as JSON (`AskMatcher.to_json`), keyed by what fitting reads. Adding a document matches
that document only; what matches nothing is then clustered with the other unmatched
recommendations of the corpus (`assign`).
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa

from pipeline.asks.features import Query
from pipeline.asks.matcher import AskMatcher
from pipeline.cache import DocCache, digest, doc_digests
from pipeline.schemas import get_table, nullable_types, to_arrow

log = logging.getLogger("crp")
KEYS = ["doc_id", "para_no", "rec_no"]
READ = ["text", "ask", "to", "themes", "working_group", "context"]  # what match() reads
MATCHER_FILE = "matcher.json"
WARM_CHUNK = 2048  # texts embedded per call by warm_encoder


def fitted_matcher(
    fit: Callable[[], AskMatcher],
    restore: Callable[[str], AskMatcher],
    fingerprint: str,
    cache: DocCache | None,
) -> AskMatcher:
    """The matcher `fit()` gives, or the one restored from the cache entry of
    `fingerprint` (what fitting reads: catalogue, paragraphs, model, code, params)."""
    text = cache.get_text(fingerprint, MATCHER_FILE) if cache else None
    if text is not None:
        return restore(text)
    matcher = fit()
    if cache is not None:
        cache.put_text(fingerprint, MATCHER_FILE, matcher.to_json())
    return matcher


def doc_matches(
    query: pd.DataFrame,
    vectors: np.ndarray,
    matcher: AskMatcher,
    cache: DocCache | None,
    fingerprint: str,
) -> pd.DataFrame:
    """`matcher.match` of `query` (rows aligned with `vectors`), one document at a time,
    each document's matches reused from the cache when its rows, its vectors and the
    matcher (`fingerprint`) are unchanged. Returns ask_id, score, candidate on query's
    index."""
    if len(query) == 0:
        return matcher.match(query, vectors)
    keys = doc_digests(query[[*KEYS, *READ]])
    docs = []
    for doc, rows in sorted(query.groupby("doc_id", sort=True).indices.items()):
        rows = np.sort(rows)
        doc_vectors = np.ascontiguousarray(vectors[rows], dtype=np.float32)
        key = digest(fingerprint, keys[str(doc)], hashlib.sha256(doc_vectors).hexdigest())
        docs.append((doc, rows, doc_vectors, key, cache.get(key, ["matches"]) if cache else None))
    todo = [rows for _, rows, _, _, entry in docs if entry is None]
    if todo:
        warm_encoder(matcher, query.iloc[np.concatenate(todo)])
    parts: list[pa.Table] = []
    fresh = 0
    for doc, rows, doc_vectors, key, entry in docs:
        if entry is None:
            part = query.iloc[rows]
            found = matcher.match(part, doc_vectors)
            table = to_arrow(part[KEYS].assign(**found), "matches", f"document {doc}")
            entry = {"matches": table}
            fresh += 1
            if cache is not None:
                cache.put(key, entry)
        parts.append(entry["matches"].append_column("row", pa.array(rows)))
    log.info("cluster: %d document(s) matched, %d from the cache", fresh, len(parts) - fresh)
    table = pa.concat_tables(parts).to_pandas(types_mapper=nullable_types)
    table = table.set_index("row").sort_index()
    out = pd.DataFrame(
        {
            "ask_id": pd.Series(list(table["ask_id"]), dtype=object),
            "score": table["score"].to_numpy(dtype=float),
            "candidate": pd.Series(list(table["candidate"]), dtype=object),
        }
    )
    out.index = query.index[table.index.to_numpy()]
    return out


def warm_encoder(matcher: AskMatcher, recs: pd.DataFrame) -> None:
    """Embed, in one call, the sentences and paragraphs of `recs` that the matcher's
    features read (sentence_max, context_max), so that matching them one document at a
    time finds every vector in the store: the model runs on large batches, not on one
    document's thirty paragraphs at a time (`WARM_CHUNK` texts per call: one call over a
    whole corpus held 2 GB)."""
    encoder = matcher.encoder
    if encoder is None or not hasattr(encoder, "encode"):
        return
    query = Query.of(recs, matcher.frame)
    names = set(matcher.feature_names_)
    texts = [*(query.texts if "sentence_max" in names else ()),
             *(query.contexts if "context_max" in names else ())]  # fmt: skip
    unique = list(dict.fromkeys(texts))
    for first in range(0, len(unique), WARM_CHUNK):  # memory: a chunk's tensors at a time
        encoder.encode(unique[first : first + WARM_CHUNK])


def matcher_fingerprint(code: str, **parts: Any) -> str:
    """What fitting the matcher reads, as one key (the catalogue as given, with its
    examples' paragraphs; the model; the stage's code and params)."""
    return digest("matcher", code, get_table("matches").columns, parts)
