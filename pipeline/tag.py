"""Stage `tag`: paragraphs → tags and recommendations, with the tagger of models/tagger.

Each paragraph becomes a spaCy Doc carrying its document's working group (so "the
Protocol" resolves), runs through the pipeline with `nlp.pipe`, and its spans become rows
of the long-format tags table and of the recommendations table.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from pipeline.cache import DocCache, cached_tables, digest, doc_digests, files_digest
from pipeline.parallel import ParallelSettings
from pipeline.params import as_dict, load_settings
from pipeline.paths import Layout
from pipeline.provenance import code_digest
from pipeline.schemas import get_table, read_table, write_table

if TYPE_CHECKING:
    from spacy.language import Language
    from spacy.tokens import Doc

CONTROL = dict.fromkeys(range(32), " ") | {9: "\t", 10: "\n"}
SPAN_KINDS = {
    "actors": "actor_type",
    "speakers": "speaker_type",
    "orgs": "org",
    "countries": "country",
    "themes": "theme",
}


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
        yield doc


def doc_rows(
    doc_id: str, para_no: int, doc: Doc, text: str | None = None
) -> tuple[list[dict], list[dict]]:
    """The tags rows and recommendation rows of one tagged paragraph.

    Evidence and recommendation text are sliced from the paragraph's own `text` (before
    control characters were blanked), so `text[start:end] == evidence` always holds.
    """
    source = text if isinstance(text, str) else doc.text
    return _tag_rows(doc_id, para_no, doc, source), _recommendation_rows(
        doc_id, para_no, doc, source
    )


def _spans(doc: Doc) -> Iterator[tuple[str, Any, bool | None]]:
    """(kind, span, explicit) of every tag span of a paragraph, articles first."""
    for span in doc.spans.get("articles", []):
        yield "article", span, True
    for span in doc.spans.get("articles_related", []):
        yield "article", span, False
    for key, kind in SPAN_KINDS.items():
        for span in doc.spans.get(key, []):
            yield kind, span, None


def _tag_rows(doc_id: str, para_no: int, doc: Doc, source: str) -> list[dict]:
    rows: list[dict[str, Any]] = []
    seen: set[tuple] = set()
    for kind, span, explicit in _spans(doc):
        evidence = source[span.start_char : span.end_char]
        label = evidence if kind in ("org", "country") else span.label_
        key = (kind, label, span.start_char, span.end_char)
        if key in seen:
            continue
        seen.add(key)
        rows.append(
            {
                "doc_id": doc_id,
                "para_no": para_no,
                "kind": kind,
                "label": label,
                "explicit": explicit,
                "start": span.start_char,
                "end": span.end_char,
                "evidence": evidence,
                "rule": span.id_,
            }
        )
    return rows


def _recommendation_rows(doc_id: str, para_no: int, doc: Doc, source: str) -> list[dict]:
    return [
        {
            "doc_id": doc_id,
            "para_no": para_no,
            "rec_no": n,
            "text": source[r["start"] : r["end"]],
            "start": r["start"],
            "end": r["end"],
            "by": r["by"],
            "to": r["to"],
            "themes": list(r["themes"]),
            "rule": r["rule"],
        }
        for n, r in enumerate(doc._.recommendations or [], start=1)
    ]


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
    args: tuple[str, pd.DataFrame, str | None, TagSettings],
) -> dict[str, pd.DataFrame]:
    model, paragraphs, working_group, settings = args
    groups = dict.fromkeys(paragraphs["doc_id"], working_group)
    return tag(paragraphs, groups, load_tagger(model), settings)


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
    items = []
    for doc_id, group in paragraphs.groupby("doc_id", sort=True):
        wg = groups.get(doc_id)
        wg = None if pd.isna(wg) else str(wg)
        items.append((digest(keys[str(doc_id)], wg), (str(model), group, wg, settings)))
    return cached_tables(_tag_document, items, ("tags", "recommendations"), cache, parallel, "tag")


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
