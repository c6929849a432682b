"""Stage `extract`: every file in data/raw → lines, footnotes and document metadata.

Each document is read on its own (in parallel); a file that cannot be read gets
`status=failed` and an `error` a person understands, and the rest of the corpus runs.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from pipeline.cache import DocCache, cached_tables, digest
from pipeline.errors import DocumentError
from pipeline.furniture import FurnitureSettings, body_size, mark_footnotes, mark_furniture
from pipeline.hyphenation import Vocabulary, WordKnowledge, join_lines
from pipeline.knowledge.taxonomy import Taxonomy, stage_taxonomy
from pipeline.metadata import Bodies, read_metadata
from pipeline.parallel import ParallelSettings, time_limit
from pipeline.params import as_dict, load_settings
from pipeline.paths import Layout
from pipeline.provenance import code_digest
from pipeline.readers import check_pdf_header, get_reader
from pipeline.readers.lines import Line, page_lines
from pipeline.schemas import get_table, write_table

log = logging.getLogger("crp")


@dataclass(frozen=True)
class ExtractSettings:
    backend: str = "pdfium"
    timeout_s: float = 120.0
    max_pages: int = 2000
    margin_zone: float = 0.12
    repeat_min_pages: int = 2

    def __post_init__(self) -> None:
        if self.backend not in ("pdfplumber", "pdfium"):
            raise ValueError(f"backend={self.backend!r}: use pdfplumber or pdfium")
        if self.timeout_s <= 0:
            raise ValueError(f"timeout_s={self.timeout_s} must be positive")
        if not 0 < self.margin_zone < 0.5:
            raise ValueError(f"margin_zone={self.margin_zone} must lie in (0, 0.5)")

    @property
    def furniture(self) -> FurnitureSettings:
        return FurnitureSettings(self.margin_zone, self.repeat_min_pages)


@dataclass(frozen=True)
class Knowledge:
    """What extraction takes from the taxonomy: the bodies a masthead may name, and the
    words that decide line-end hyphens. Small and picklable: it travels to workers."""

    bodies: Bodies
    words: WordKnowledge

    @classmethod
    def from_taxonomy(cls, taxonomy: Taxonomy) -> Knowledge:
        return cls(
            Bodies(taxonomy.working_groups, taxonomy.meetings, taxonomy.doc_types),
            WordKnowledge.from_taxonomy(taxonomy),
        )


@dataclass
class Extracted:
    """What one file gives: its documents row, its lines and its footnotes."""

    document: dict[str, Any]
    lines: list[dict[str, Any]] = field(default_factory=list)
    footnotes: list[dict[str, Any]] = field(default_factory=list)


def input_files(raw_dir: Path) -> list[Path]:
    """The PDFs of a corpus folder (`*.pdf`, any case), in a stable order.

    Other files (a `sources.csv`, a README, notes) are not documents: they are left alone,
    and `ignored_files` names them. A `.pdf` that is not a PDF is still read, and fails
    with its reason."""
    return [p for p in _visible_files(raw_dir) if p.suffix.lower() == ".pdf"]


def ignored_files(raw_dir: Path) -> list[Path]:
    """The visible files of a corpus folder that are not `*.pdf`."""
    return [p for p in _visible_files(raw_dir) if p.suffix.lower() != ".pdf"]


def _visible_files(raw_dir: Path) -> list[Path]:
    if not raw_dir.is_dir():
        raise DocumentError("no input folder", f"{raw_dir} does not exist or is not a folder")
    return sorted(p for p in raw_dir.iterdir() if p.is_file() and not p.name.startswith("."))


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def extract_document(
    path: Path,
    settings: ExtractSettings,
    knowledge: Knowledge | None = None,
    sha: str | None = None,
) -> Extracted:
    """Read one file; never raises for a bad file, it reports it in the documents row."""
    knowledge = knowledge or Knowledge.from_taxonomy(stage_taxonomy("extract"))
    row: dict[str, Any] = {
        "doc_id": path.stem,
        "file": path.name,
        "sha256": sha or sha256_of(path),
        "n_pages": 0,
        "status": "ok",
        "error": None,
        "doc_type": None,
        "symbol": None,
        "title": None,
        "working_group": None,
        "meeting": None,
        "session_ordinal": None,
        "date": None,
        "year": None,
        "reader": settings.backend,
    }
    try:
        with time_limit(settings.timeout_s, "reading"):
            return _extract(path, settings, knowledge, row)
    except DocumentError as exc:
        row.update(status="failed", error=str(exc))
    except MemoryError:
        row.update(status="failed", error="too large: ran out of memory while reading")
    return Extracted(document=row)


def _extract(
    path: Path, settings: ExtractSettings, knowledge: Knowledge, row: dict[str, Any]
) -> Extracted:
    check_pdf_header(path)
    document = get_reader(settings.backend)(path, settings.timeout_s, settings.max_pages)
    row["n_pages"] = len(document.pages)
    if not any(page.chars for page in document.pages):
        if any(page.n_images for page in document.pages):
            raise DocumentError("no text layer", "the PDF is scanned; OCR it first")
        raise DocumentError("no text", "the pages contain no text")
    pages = [page_lines(page) for page in document.pages]
    heights = [page.height for page in document.pages]
    mark_furniture(pages, heights, settings.furniture)
    all_lines = [line for lines in pages for line in lines]
    size = body_size([ln for ln in all_lines if ln.role == "body"])
    vocab = Vocabulary.from_lines(
        (ln.text for ln in all_lines if ln.role == "body"), knowledge.words
    )
    notes = mark_footnotes(pages, heights, size, vocab)
    intro = _intro_text(pages, knowledge.words)
    row.update(read_metadata(pages[0], intro, document.metadata, size, knowledge.bodies))
    return Extracted(
        document=row,
        lines=[
            _line_row(row["doc_id"], n, line) for lines in pages for n, line in enumerate(lines)
        ],
        footnotes=[
            {"doc_id": row["doc_id"], "page": f.page, "marker": f.marker, "text": f.text}
            for f in _unique_markers(notes)
        ],
    )


def _intro_text(pages: list[list[Line]], words: WordKnowledge) -> str:
    """The body text of the first pages, enough for the meeting's ordinal and date."""
    texts = [ln.text for lines in pages[:2] for ln in lines if ln.role == "body"]
    return join_lines(texts, Vocabulary.from_lines(texts, words))


def _unique_markers(notes: list) -> list:
    """Footnotes keyed by (page, marker); a repeated or missing marker gets a suffix."""
    seen: dict[tuple[int, str], int] = {}
    out = []
    for note in notes:
        key = (note.page, note.marker)
        seen[key] = seen.get(key, 0) + 1
        if seen[key] > 1 or not note.marker:
            note = type(note)(note.page, f"{note.marker or '?'}#{seen[key]}", note.text)
        out.append(note)
    return out


def _line_row(doc_id: str, line_no: int, line: Line) -> dict[str, Any]:
    return {
        "doc_id": doc_id,
        "page": line.page,
        "line_no": line_no,
        "x0": line.x0,
        "x1": line.x1,
        "top": line.top,
        "bottom": line.bottom,
        "text": line.text,
        "font": line.font,
        "size": line.size,
        "bold": line.bold,
        "italic": line.italic,
        "markers": list(line.markers),
        "role": line.role,
    }


def _extract_frames(
    args: tuple[Path, str, ExtractSettings, Knowledge],
) -> dict[str, pd.DataFrame]:
    path, sha, settings, knowledge = args
    result = extract_document(path, settings, knowledge, sha)
    return {
        "documents": _frame("documents", [result.document]),
        "pages": _frame("pages", result.lines),
        "footnotes": _frame("footnotes", result.footnotes),
    }


def extract(
    files: list[Path],
    settings: ExtractSettings,
    parallel: ParallelSettings,
    cache_dir: Path | None = None,
    taxonomy: Taxonomy | None = None,
) -> dict[str, pd.DataFrame]:
    """The documents, pages and footnotes tables of a list of files.

    With `cache_dir`, a file whose content and name, the stage's code and libraries, the
    taxonomy parts it reads and its settings are unchanged since the last run is not read
    again.
    """
    taxonomy = taxonomy or stage_taxonomy("extract")
    knowledge = Knowledge.from_taxonomy(taxonomy)
    # keyed by what extraction takes from the taxonomy, not by its files: a theme or a
    # definition edited in labels.yaml does not make 200 PDFs be read again
    fingerprint = digest(code_digest("extract"), knowledge, as_dict(settings))
    cache = DocCache(cache_dir, fingerprint) if cache_dir else None
    items = []
    for path in files:
        sha = sha256_of(path)
        items.append((digest(path.name, sha), (path, sha, settings, knowledge)))
    tables = cached_tables(
        _extract_frames, items, ("documents", "pages", "footnotes"), cache, parallel, "extract"
    )
    documents = _dedupe_ids(tables["documents"])
    ok = set(documents.loc[documents["status"] == "ok", "doc_id"])
    return {
        "documents": documents,
        "pages": _only(tables["pages"], ok),
        "footnotes": _only(tables["footnotes"], ok),
    }


def _dedupe_ids(documents: pd.DataFrame) -> pd.DataFrame:
    """Two files with one stem ('a.pdf', 'a.PDF') cannot share a doc_id: the later fails."""
    documents = documents.copy()
    repeated = documents["doc_id"].duplicated(keep="first")
    for i in documents.index[repeated]:
        doc_id, sha = documents.at[i, "doc_id"], documents.at[i, "sha256"]
        documents.loc[i, ["doc_id", "status", "error"]] = [
            f"{doc_id}~{sha[:8]}",
            "failed",
            f"duplicate doc_id: another file is named {doc_id}.*",
        ]
    return documents


def _only(frame: pd.DataFrame, keep: set[str]) -> pd.DataFrame:
    """The rows of documents in `keep` (a file renamed into a duplicate id loses its rows)."""
    kept = frame["doc_id"].isin(keep)
    return frame if kept.all() else frame[kept].reset_index(drop=True)


def _frame(name: str, rows: list[dict[str, Any]]) -> pd.DataFrame:
    table = get_table(name)
    return pd.DataFrame(rows, columns=table.columns) if rows else table.empty()


def report_failures(documents: pd.DataFrame) -> None:
    """One line per file that could not be processed, naming the file and the reason."""
    for row in documents[documents["status"] == "failed"].itertuples():
        log.warning("skipped %s: %s", row.file, row.error)


def main(layout: Layout, params: dict[str, Any]) -> dict[str, pd.DataFrame]:
    """`crp extract`: data/raw → documents, pages and footnotes tables."""
    settings = load_settings(ExtractSettings, "extract", params)
    parallel = load_settings(ParallelSettings, "parallel", params)
    ignored = ignored_files(layout.raw)
    if ignored:
        names = ", ".join(p.name for p in ignored[:5]) + (", ..." if len(ignored) > 5 else "")
        log.info("ignored %d file(s) that are not .pdf: %s", len(ignored), names)
    tables = extract(input_files(layout.raw), settings, parallel, layout.cache / "extract")
    for name, frame in tables.items():
        write_table(frame, name, layout.table(name))
    report_failures(tables["documents"])
    return tables
