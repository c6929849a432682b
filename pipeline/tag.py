"""Stage `tag`: paragraphs → tags and recommendations, with the tagger of models/tagger.

Each paragraph becomes a spaCy Doc carrying its document's working group (so "the
Protocol" resolves), runs through the pipeline with `nlp.pipe`, and its spans become rows
of the long-format tags table and of the recommendations table.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from pipeline.cache import DocCache, cached_tables, digest, doc_digests, files_digest
from pipeline.parallel import ParallelSettings
from pipeline.params import as_dict, load_settings
from pipeline.paths import Layout
from pipeline.provenance import code_digest
from pipeline.schemas import get_table, read_table, write_table
from pipeline.tagging import paragraph_doc
from pipeline.tagging.rows import doc_rows

if TYPE_CHECKING:
    from spacy.language import Language
    from spacy.tokens import Doc

    from pipeline.vectors import Encoder

CONTROL = dict.fromkeys(range(32), " ") | {9: "\t", 10: "\n"}
THEMES = "crp_themes"  # the theme decision's component
TABLES = ("tags", "recommendations")


@dataclass(frozen=True)
class TagSettings:
    batch_size: int = 64
    max_chars: int = 100_000  # longer paragraphs are tagged on their first max_chars

    def __post_init__(self) -> None:
        if self.batch_size < 1:
            raise ValueError(f"batch_size={self.batch_size} must be at least 1")
        if self.max_chars < 1000:
            raise ValueError(f"max_chars={self.max_chars} must be at least 1000")


@lru_cache(maxsize=2)
def load_tagger(path: str) -> Language:
    """The saved tagger (cached per process: worker processes load it once), its span
    rulers' token patterns tried only where their words are (pipeline/tagging/prefilter.py).

    spaCy is imported here, not at the top: a rerun where every document is cached never
    pays for importing it."""
    from pipeline.tagging import import_spacy

    spacy = import_spacy()
    import pipeline.tagging.components  # noqa: F401  (registers the factories)
    from pipeline.tagging.prefilter import install

    return install(spacy.load(path))


def clean_text(text: str, max_chars: int) -> str:
    """Control characters become spaces (offsets stay valid); very long text is cut."""
    return (text or "")[:max_chars].translate(CONTROL)


def make_docs(
    nlp: Language, paragraphs: pd.DataFrame, working_groups: dict[str, str], max_chars: int
) -> Iterator[Doc]:
    for row in paragraphs.itertuples(index=False):
        text = clean_text(row.text, max_chars)
        yield paragraph_doc(nlp, text, str(row.doc_id), working_groups.get(row.doc_id))


def tag(
    paragraphs: pd.DataFrame, working_groups: dict[str, str], nlp: Language, settings: TagSettings
) -> dict[str, pd.DataFrame]:
    """The tags and recommendations tables of a paragraphs table (pure: no I/O).

    On one BLAS thread: the theme decision's matrix products are a few hundred rows by
    384, where a second thread costs more than it saves (several times more on a busy
    machine), and the tag stage's worker processes run on one thread each already."""
    from threadpoolctl import threadpool_limits

    docs = nlp.pipe(
        make_docs(nlp, paragraphs, working_groups, settings.max_chars),
        batch_size=settings.batch_size,
    )
    tags: list[dict] = []
    recs: list[dict] = []
    keys = zip(paragraphs["doc_id"], paragraphs["para_no"], strict=True)
    with threadpool_limits(limits=1, user_api="blas"):
        for (doc_id, para_no), text, doc in zip(keys, paragraphs["text"], docs, strict=True):
            t, r = doc_rows(doc_id, int(para_no), doc, text)
            tags += t
            recs += r
    return {"tags": _frame("tags", tags), "recommendations": _frame("recommendations", recs)}


def _frame(name: str, rows: list[dict]) -> pd.DataFrame:
    table = get_table(name)
    return pd.DataFrame(rows, columns=table.columns) if rows else table.empty()


def model_digest(path: Path) -> str:
    """A digest of the saved tagger's files (the taxonomy as compiled)."""
    return files_digest(path, (p for p in path.rglob("*") if p.is_file()))


def _tag_document(
    args: tuple[str, pd.DataFrame, str | None, TagSettings, dict[str, np.ndarray] | None, int],
) -> dict[str, pd.DataFrame]:
    model, paragraphs, working_group, settings, vectors, width = args
    groups = dict.fromkeys(paragraphs["doc_id"], working_group)
    nlp = load_tagger(model)
    if vectors is not None:  # the texts' vectors, from the store, by the main process
        nlp.get_pipe(THEMES).set_encoder(LookupEncoder(vectors, width))
    return tag(paragraphs, groups, nlp, settings)


class LookupEncoder:
    """Sentence vectors looked up in what the main process embedded (see `sentence_vectors`)."""

    def __init__(self, vectors: dict[str, np.ndarray], width: int) -> None:
        self.vectors = vectors
        self.width = width

    def encode(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.width), np.float32)
        return np.stack([self.vectors[t] for t in texts])


def uses_similarity(model: Path) -> bool:
    """Whether the saved tagger's theme decision reads sentence vectors."""
    path = model / THEMES / "decision.json"
    data = json.loads(path.read_text(encoding="utf-8")) if path.exists() else None
    return bool(data) and bool(data["settings"].get("similarity"))


def sentence_vectors(
    model: Path, documents: list[pd.DataFrame], settings: TagSettings, encoder: Encoder
) -> list[dict[str, np.ndarray]]:
    """For each document's paragraphs, the vector of every paragraph and of each of its
    sentences (what the theme decision reads), from the encoder every stage shares (the
    store first), so that no text is ever embedded twice. The documents' texts go to the
    encoder together: larger batches of equal length, the same vectors."""
    nlp = load_tagger(str(model))
    wanted: list[list[str]] = []
    with nlp.select_pipes(enable=["crp_sentences"]):
        for paragraphs in documents:
            texts = [clean_text(t, settings.max_chars) for t in paragraphs["text"]]
            wanted.append(  # each text and its sentences' (Span.text, cut from the text)
                [
                    t
                    for text, d in zip(texts, nlp.pipe(texts), strict=True)
                    for t in (text, *(text[s.start_char : s.end_char] for s in d.sents))
                ]
            )
    unique = list(dict.fromkeys(t for texts in wanted for t in texts))
    found = dict(zip(unique, encoder.encode(unique), strict=True)) if unique else {}
    return [{t: found[t] for t in texts} for texts in wanted]


def tag_corpus(
    paragraphs: pd.DataFrame,
    documents: pd.DataFrame,
    model: Path,
    settings: TagSettings,
    parallel: ParallelSettings,
    cache_dir: Path | None = None,
    encoder: Encoder | None = None,
) -> dict[str, pd.DataFrame]:
    """`tag` document by document, reusing cached results of unchanged documents; a
    tagger whose theme decision reads sentence vectors gets them from `encoder`."""
    fingerprint = digest(code_digest("tag"), model_digest(model), as_dict(settings))
    cache = DocCache(cache_dir, fingerprint) if cache_dir else None
    groups = dict(zip(documents["doc_id"], documents["working_group"], strict=True))
    keys = doc_digests(paragraphs)
    if uses_similarity(model) and encoder is None:
        from pipeline.vectors import Encoder

        encoder = Encoder()
    elif not uses_similarity(model):
        encoder = None
    items = []
    for doc_id, group in paragraphs.groupby("doc_id", sort=True):
        wg = groups.get(doc_id)
        wg = None if pd.isna(wg) else str(wg)
        items.append((digest(keys[str(doc_id)], wg), (str(model), group, wg, settings, None, 0)))
    prepare = None
    if encoder is not None:  # vectors looked up a chunk of documents at a time, not all at once

        def prepare(payloads: list[tuple]) -> list[tuple]:
            chunk = [p[1] for p in payloads]
            vectors = sentence_vectors(model, chunk, settings, encoder)
            return [(*p[:4], v, encoder.width) for p, v in zip(payloads, vectors, strict=True)]

    return cached_tables(_tag_document, items, TABLES, cache, parallel, "tag", prepare)


def main(layout: Layout, params: dict[str, Any]) -> dict[str, pd.DataFrame]:
    """`crp tag`: paragraphs → tags and recommendations tables."""
    from pipeline.vectors import open_encoder

    settings = load_settings(TagSettings, "tag", params)
    parallel = load_settings(ParallelSettings, "parallel", params)
    paragraphs = read_table("paragraphs", layout.table("paragraphs"))
    documents = read_table("documents", layout.table("documents"))
    (layout.cache / "vectors" / "tag").mkdir(parents=True, exist_ok=True)  # a persist output
    encoder = open_encoder(layout, params, "tag")
    tables = tag_corpus(
        paragraphs,
        documents,
        layout.models / "tagger",
        settings,
        parallel,
        layout.cache / "tag",
        encoder,
    )
    encoder.flush()
    for name, frame in tables.items():
        write_table(frame, name, layout.table(name))
    return tables
