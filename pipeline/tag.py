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
from pipeline.tagging.rows import doc_rows

if TYPE_CHECKING:
    from spacy.language import Language
    from spacy.tokens import Doc

    from pipeline.encoder import CachedEncoder

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
    """The saved tagger (cached per process: worker processes load it once).

    spaCy is imported here, not at the top: a rerun where every document is cached never
    pays for importing it."""
    from pipeline.tagging import import_spacy

    spacy = import_spacy()
    import pipeline.tagging.components  # noqa: F401  (registers the factories)

    return spacy.load(path)


def clean_text(text: str, max_chars: int) -> str:
    """Control characters become spaces (offsets stay valid); very long text is cut."""
    return (text or "")[:max_chars].translate(CONTROL)


def make_docs(
    nlp: Language, paragraphs: pd.DataFrame, working_groups: dict[str, str], max_chars: int
) -> Iterator[Doc]:
    for row in paragraphs.itertuples(index=False):
        doc = nlp.make_doc(clean_text(row.text, max_chars))
        doc._.working_group = working_groups.get(row.doc_id)
        doc._.doc_id = row.doc_id  # an analysts' session offsets apply by document
        yield doc


def tag(
    paragraphs: pd.DataFrame, working_groups: dict[str, str], nlp: Language, settings: TagSettings
) -> dict[str, pd.DataFrame]:
    """The tags and recommendations tables of a paragraphs table (pure: no I/O)."""
    docs = nlp.pipe(
        make_docs(nlp, paragraphs, working_groups, settings.max_chars),
        batch_size=settings.batch_size,
    )
    tags: list[dict] = []
    recs: list[dict] = []
    keys = zip(paragraphs["doc_id"], paragraphs["para_no"], strict=True)
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
    args: tuple[str, pd.DataFrame, str | None, TagSettings, dict[str, np.ndarray] | None],
) -> dict[str, pd.DataFrame]:
    model, paragraphs, working_group, settings, vectors = args
    groups = dict.fromkeys(paragraphs["doc_id"], working_group)
    nlp = load_tagger(model)
    if vectors is not None:  # the texts' vectors, computed and cached by the main process
        nlp.get_pipe(THEMES).set_encoder(LookupEncoder(vectors))
    return tag(paragraphs, groups, nlp, settings)


class LookupEncoder:
    """Sentence vectors looked up in what the main process embedded (see `sentence_vectors`)."""

    def __init__(self, vectors: dict[str, np.ndarray]) -> None:
        self.vectors = vectors

    def encode(self, texts: list[str]) -> np.ndarray:
        return np.stack([self.vectors[t] for t in texts]) if texts else np.zeros((0, 384))


def uses_similarity(model: Path) -> bool:
    """Whether the saved tagger's theme decision reads sentence vectors."""
    path = model / THEMES / "decision.json"
    data = json.loads(path.read_text(encoding="utf-8")) if path.exists() else None
    return bool(data) and bool(data["settings"].get("similarity"))


def sentence_vectors(
    model: Path, paragraphs: pd.DataFrame, settings: TagSettings, encoder: CachedEncoder
) -> dict[str, np.ndarray]:
    """The vector of every paragraph of `paragraphs` and of each of its sentences (what the
    theme decision reads), embedded in one batch by an encoder that keeps them by content
    hash, so that no text is ever embedded twice."""
    nlp = load_tagger(str(model))
    texts = [clean_text(t, settings.max_chars) for t in paragraphs["text"]]
    with nlp.select_pipes(enable=["crp_sentences"]):
        wanted = [t for doc in nlp.pipe(texts) for t in (doc.text, *(s.text for s in doc.sents))]
    unique = list(dict.fromkeys(wanted))
    return dict(zip(unique, encoder.encode(unique), strict=True))


def tag_corpus(
    paragraphs: pd.DataFrame,
    documents: pd.DataFrame,
    model: Path,
    settings: TagSettings,
    parallel: ParallelSettings,
    cache_dir: Path | None = None,
) -> dict[str, pd.DataFrame]:
    """`tag` document by document, reusing cached results of unchanged documents."""
    fingerprint = digest(code_digest("tag"), model_digest(model), as_dict(settings))
    cache = DocCache(cache_dir, fingerprint) if cache_dir else None
    groups = dict(zip(documents["doc_id"], documents["working_group"], strict=True))
    keys = doc_digests(paragraphs)
    encoder = None
    if uses_similarity(model):  # one store and one model for the run, loaded when needed
        from pipeline.encoder import CachedEncoder

        encoder = CachedEncoder(cache_dir / "sentences.safetensors" if cache_dir else None)
    items = []
    for doc_id, group in paragraphs.groupby("doc_id", sort=True):
        wg = groups.get(doc_id)
        wg = None if pd.isna(wg) else str(wg)
        key = digest(keys[str(doc_id)], wg)
        vectors = None
        if encoder is not None and not (cache and cache.has(key, TABLES)):
            vectors = sentence_vectors(model, group, settings, encoder)
        items.append((key, (str(model), group, wg, settings, vectors)))
    return cached_tables(_tag_document, items, TABLES, cache, parallel, "tag")


def main(layout: Layout, params: dict[str, Any]) -> dict[str, pd.DataFrame]:
    """`crp tag`: paragraphs → tags and recommendations tables."""
    settings = load_settings(TagSettings, "tag", params)
    parallel = load_settings(ParallelSettings, "parallel", params)
    paragraphs = read_table("paragraphs", layout.table("paragraphs"))
    documents = read_table("documents", layout.table("documents"))
    tables = tag_corpus(
        paragraphs, documents, layout.models / "tagger", settings, parallel, layout.cache / "tag"
    )
    for name, frame in tables.items():
        write_table(frame, name, layout.table(name))
    return tables
