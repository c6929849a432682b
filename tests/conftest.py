"""Shared fixtures: the sample corpus, its layout variants, and their extracted tables."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from pipeline.extract import ExtractSettings, extract, input_files
from pipeline.parallel import ParallelSettings
from pipeline.segment import SegmentSettings, segment_corpus
from pipeline.tagging import import_spacy

import_spacy()  # as the stages import spaCy: without torch, which thinc would load with it

REPO = Path(__file__).resolve().parents[1]
RAW = REPO / "data" / "raw"
GOLD = REPO / "data" / "gold"
FIXTURES = Path(__file__).resolve().parent / "fixtures"
GOLDEN = FIXTURES / "golden"
LAYOUTS = {
    "un": RAW,
    "un-narrow": FIXTURES / "pdf" / "un-narrow",
    "letter": FIXTURES / "pdf" / "letter",
    "word": FIXTURES / "pdf" / "word",  # .docx → LibreOffice Writer, as real CRPs are made
}
DOC_IDS = sorted(p.stem for p in RAW.glob("*.pdf"))
BACKENDS = ["pdfium", "pdfplumber"]
CASES = [(backend, layout) for backend in BACKENDS for layout in LAYOUTS]


# Fixtures that run extraction or the whole pipeline over the sample corpus: a test that
# uses one is part of the full suite (`make test`), not of the fast loop (`-m "not slow"`).
CORPUS_FIXTURES = {"layout_tables", "sample_tables", "pipeline_out", "project", "bad_corpus"}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark every test that needs a whole-corpus fixture as slow (see CORPUS_FIXTURES)."""
    for item in items:
        if CORPUS_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.slow)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """The fast loop (`-m "not slow"`) loads no model: it fails if anything imported torch
    (a sentence model's test belongs under `slow`; fast ones use vectors.HashingModel)."""
    import sys

    fast = session.config.getoption("markexpr", "") == "not slow"
    if fast and "torch" in sys.modules and session.testscollected:
        print("\nfast loop: torch was imported; mark the test that loads a model `slow`")
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


def read_jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]


def page_line(
    page: int,
    line_no: int,
    top: float,
    text: str,
    x0: float = 72.0,
    bold: bool = False,
    italic: bool = False,
    x1: float = 500.0,
) -> dict:
    """One row of the pages table: a 10-point body line (for segmentation tests); `x1`
    500 is the text block's right edge, a line that ends short of it ends a block."""
    return {
        "doc_id": "d",
        "page": page,
        "line_no": line_no,
        "x0": x0,
        "x1": x1,
        "top": top,
        "bottom": top + 10,
        "text": text,
        "font": "Times",
        "size": 10.0,
        "bold": bold,
        "italic": italic,
        "markers": [],
        "role": "body",
    }


def document_row(**over) -> dict:
    """One row of the documents table: a read document "d" (override any column)."""
    row = {
        "doc_id": "d",
        "file": "d.pdf",
        "sha256": "0" * 64,
        "n_pages": 1,
        "status": "ok",
        "error": None,
        "doc_type": "crp",
        "symbol": None,
        "title": None,
        "working_group": "firearms",
        "meeting": None,
        "session_ordinal": 2,
        "date": "2023-05-05",
        "year": 2023,
        "reader": "pdfium",
    }
    return row | over


def golden(doc_id: str) -> list[dict]:
    return read_jsonl(GOLDEN / f"{doc_id}.expected.jsonl")


def run_extract_segment(folder: Path, backend: str = "pdfium") -> dict[str, pd.DataFrame]:
    tables = extract(
        input_files(folder), ExtractSettings(backend=backend), ParallelSettings(n_jobs=2)
    )
    tables["paragraphs"] = segment_corpus(
        tables["pages"], SegmentSettings(), ParallelSettings(backend="sequential")
    )
    return tables


@pytest.fixture(scope="session")
def layout_tables() -> dict[tuple[str, str], dict[str, pd.DataFrame]]:
    """extract + segment over the sample corpus, with each reader, in each of its layouts."""
    return {
        (backend, name): run_extract_segment(folder, backend)
        for backend, name in CASES
        for folder in [LAYOUTS[name]]
    }


@pytest.fixture(scope="session")
def sample_tables(layout_tables: dict) -> dict[str, pd.DataFrame]:
    return layout_tables[("pdfium", "un")]


@pytest.fixture(scope="session")
def tagger_dir(tmp_path_factory) -> Path:
    """The tagger compiled from the package's taxonomy and saved with nlp.to_disk."""
    from pipeline.build_tagger import build_tagger

    path = tmp_path_factory.mktemp("models") / "tagger"
    build_tagger().to_disk(path)
    return path


@pytest.fixture(scope="session")
def nlp(tagger_dir: Path):
    import spacy

    return spacy.load(tagger_dir)


def tag_text(nlp, text: str, working_group: str | None = "firearms"):
    """One paragraph through the tagger, as the tag stage runs it."""
    from pipeline.tagging import paragraph_doc

    return nlp(paragraph_doc(nlp, text, "d", working_group))


@pytest.fixture(scope="session")
def pipeline_out(tmp_path_factory) -> Path:
    """The whole pipeline (`crp run`) over the sample corpus, once per test session."""
    from pipeline.cli import run_all
    from pipeline.params import read_params
    from pipeline.paths import Layout

    out = tmp_path_factory.mktemp("run") / "out"
    run_all(Layout.under(out, RAW), read_params())
    return out


def tiny_site(
    paragraphs: list[dict],
    tags: list[dict] = (),
    recommendations: list[dict] = (),
    adopted: list[dict] = (),
    adopted_asks: list[dict] = (),
    uptake: list[dict] = (),
):
    """The report's data (`SiteData`) for a few hand-written rows: paragraphs as {doc_id,
    para_no, text}, tags as {doc_id, para_no, kind, label, start, end}, recommendations as
    {doc_id, para_no, rec_no, text, start, end, themes}, and the adopted, adopted_asks and
    uptake tables' rows; documents "d" (firearms 2023) and "e" (smuggling of migrants
    2024), dialogues, and "r", a report of the Working Group on Firearms of 2024."""
    from pipeline.knowledge.taxonomy import stage_taxonomy
    from pipeline.report_pages import site_data
    from pipeline.schemas import get_table

    def frame(name: str, rows: list[dict], **defaults) -> pd.DataFrame:
        empty = get_table(name).empty()
        full = [{c: None for c in empty.columns} | defaults | row for row in rows]
        return pd.DataFrame(full, columns=empty.columns).astype(empty.dtypes.to_dict())

    documents = [
        document_row(),
        document_row(
            doc_id="e",
            file="e.pdf",
            working_group="smuggling_of_migrants",
            year=2024,
            date="2024-06-03",
            session_ordinal=3,
        ),
        document_row(
            doc_id="r",
            file="r.pdf",
            doc_type="wg_report",
            year=2024,
            date="2024-04-03",
            session_ordinal=None,
        ),
    ]
    tables = {
        "documents": frame("documents", documents),
        "paragraphs": frame("paragraphs", paragraphs, section="I", page_start=1, page_end=1),
        "tags": frame("tags", list(tags), explicit=True, score=1.0, evidence="", rule=""),
        "recommendations": frame(
            "recommendations", list(recommendations), by="", to="", themes=[], rule=""
        ),
        "rec_clusters": frame("rec_clusters", []),
        "clusters": frame("clusters", []),
        "adopted": frame("adopted", list(adopted), themes=[], candidate=None),
        "adopted_asks": frame("adopted_asks", list(adopted_asks), source="matcher"),
        "uptake": frame("uptake", list(uptake), by_types=[], themes=[]),
    }
    return site_data(tables, stage_taxonomy("report"), "../raw")
