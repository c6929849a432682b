"""The extract stage: metadata, footnotes, furniture, and every kind of bad input."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pandas as pd
import pytest
from badfiles import copy_good, make_all
from conftest import BACKENDS, CASES, DOC_IDS, GOLD, RAW

from pipeline.extract import ExtractSettings, extract, extract_document, input_files
from pipeline.parallel import ParallelSettings

EXPECTED_ERRORS = {
    "corrupt": "corrupt",
    "truncated": "truncated",
    "encrypted": "encrypted: a password is required",
    "zero_byte": "empty file",
    "not_a_pdf": "not a PDF",
    "image_only": "no text layer: the PDF is scanned; OCR it first",
    "zero_pages": "no pages",
    "deeply_nested": "no text",
}


@pytest.mark.parametrize("case", CASES, ids=["/".join(c) for c in CASES])
def test_extract_metadata_matches_gold(layout_tables, case):
    documents = layout_tables[case]["documents"].set_index("doc_id")
    for doc_id in DOC_IDS:
        gold = json.loads((GOLD / f"{doc_id}.doc.json").read_text(encoding="utf-8"))
        row = documents.loc[doc_id]
        for key in ("working_group", "date", "year", "session_ordinal", "meeting", "title"):
            value = None if pd.isna(row[key]) else row[key]  # a report has no session ordinal
            assert value == gold.get(key), (doc_id, key, row[key], gold.get(key))
        assert row["doc_type"] == gold.get("doc_type", "crp"), (doc_id, row["doc_type"])
        assert row["status"] == "ok" and row["symbol"].startswith("CTOC/COP/WG.")


def test_extract_documents_row_has_checksum_and_pages(sample_tables):
    documents = sample_tables["documents"]
    assert len(documents) == len(DOC_IDS)
    assert documents["sha256"].str.fullmatch(r"[0-9a-f]{64}").all()
    assert (documents["n_pages"] >= 5).all()


def test_extract_footnotes_are_kept_apart_with_their_marker(sample_tables):
    notes = sample_tables["footnotes"].set_index(["doc_id", "marker"])
    assert notes.loc[("fa_2023_cd2", "1"), "text"] == "Hereinafter: UNTOC review mechanism."
    assert notes.loc[("fa_2023_cd2", "1"), "page"] == 1
    # a footnote split at a line end is joined like body text
    assert "Migrant Smuggling (Paris, 2022)" in notes.loc[("som_2024_cd3", "1"), "text"]
    paragraphs = " ".join(sample_tables["paragraphs"]["text"])
    assert "Hereinafter: UNTOC review mechanism" not in paragraphs


def test_extract_lines_carry_position_font_and_role(sample_tables):
    pages = sample_tables["pages"]
    assert set(pages["role"]) == {"body", "furniture", "footnote"}
    furniture = pages[pages["role"] == "furniture"]["text"]
    assert furniture.str.contains(r"V\.\d\d-\d+").any()  # job numbers
    assert furniture.str.contains("CTOC/COP/WG").any()  # running headers
    headings = pages[pages["text"].str.startswith("I. Introduction")]
    assert headings["bold"].all() and (headings["size"] > 10).all()
    marked = pages[pages["markers"].apply(len) > 0]
    assert "1" in {m for ms in marked["markers"] for m in ms}


@pytest.fixture(scope="module")
def bad_corpus(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("bad")
    make_all(folder, RAW / "fa_2023_cd2.pdf")
    copy_good(folder, [RAW / "som_2022_cd1.pdf", RAW / "tip_2022_cd1.pdf"])
    return folder


@pytest.mark.parametrize("backend", BACKENDS)
def test_extract_bad_files_fail_with_a_reason_and_the_rest_runs(bad_corpus, backend):
    settings = ExtractSettings(backend=backend)
    tables = extract(input_files(bad_corpus), settings, ParallelSettings(n_jobs=2))
    documents = tables["documents"].set_index("doc_id")
    for kind, expected in EXPECTED_ERRORS.items():
        assert documents.loc[kind, "status"] == "failed", kind
        assert expected in documents.loc[kind, "error"], (kind, documents.loc[kind, "error"])
    assert (documents.loc[["som_2022_cd1", "tip_2022_cd1"], "status"] == "ok").all()
    assert set(tables["pages"]["doc_id"]) == {"som_2022_cd1", "tip_2022_cd1"}


@pytest.mark.parametrize("backend", BACKENDS)
def test_extract_a_slow_document_is_stopped_by_the_time_limit(backend):
    settings = ExtractSettings(backend=backend, timeout_s=0.001)
    result = extract_document(RAW / "fa_2023_cd2.pdf", settings)
    assert result.document["status"] == "failed"
    assert result.document["error"].startswith("timed out")
    assert "extract.timeout_s" in result.document["error"]


def test_extract_too_many_pages_is_refused():
    result = extract_document(RAW / "fa_2023_cd2.pdf", ExtractSettings(max_pages=3))
    assert result.document["error"].startswith("too many pages")


def test_extract_duplicate_stems_do_not_share_a_doc_id(tmp_path):
    copy_good(tmp_path, [RAW / "som_2022_cd1.pdf"])
    (tmp_path / "som_2022_cd1.PDF").write_bytes((RAW / "som_2022_cd1.pdf").read_bytes() + b"\n")
    documents = extract(input_files(tmp_path), ExtractSettings(), ParallelSettings(n_jobs=1))[
        "documents"
    ]
    assert documents["doc_id"].is_unique
    assert (documents["status"] == "failed").sum() == 1


def test_extract_cache_reuses_unchanged_documents(tmp_path, caplog):
    caplog.set_level("INFO", logger="crp")

    def reused() -> str:  # the cache's account of the last run
        line = [r.getMessage() for r in caplog.records if "from the cache" in r.getMessage()][-1]
        caplog.clear()
        return line

    folder = tmp_path / "raw"
    copy_good(folder, [RAW / "som_2022_cd1.pdf", RAW / "tip_2022_cd1.pdf"])
    settings, parallel = ExtractSettings(), ParallelSettings(backend="sequential")
    first = extract(input_files(folder), settings, parallel, tmp_path / "cache")
    assert reused() == "extract: 0 document(s) from the cache, 2 processed"
    entries = set((tmp_path / "cache").iterdir())
    assert len(entries) == 2
    (folder / "tip_2022_cd1.pdf").unlink()
    second = extract(input_files(folder), settings, parallel, tmp_path / "cache")
    assert reused() == "extract: 1 document(s) from the cache, 0 processed"
    assert set((tmp_path / "cache").iterdir()) < entries  # the removed file left no entry
    pd.testing.assert_frame_equal(
        first["pages"][first["pages"]["doc_id"] == "som_2022_cd1"].reset_index(drop=True),
        second["pages"].reset_index(drop=True),
        check_dtype=False,
    )
    shutil.copy(RAW / "tip_2022_cd1.pdf", folder / "tip_2022_cd1.pdf")
    extract(input_files(folder), replace(settings, margin_zone=0.1), parallel, tmp_path / "cache")
    assert reused() == "extract: 0 document(s) from the cache, 2 processed"  # new settings


def test_cli_run_names_each_bad_file_once_and_writes_tables(bad_corpus, tmp_path):
    out = tmp_path / "out"
    proc = subprocess.run(
        [sys.executable, "-m", "pipeline.cli", "run", str(bad_corpus), "--out", str(out)],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stderr
    for kind in EXPECTED_ERRORS:
        assert proc.stderr.count(f"skipped {kind}.pdf:") == 1, kind
    paragraphs = pd.read_parquet(out / "paragraphs.parquet")
    assert set(paragraphs["doc_id"]) == {"som_2022_cd1", "tip_2022_cd1"}


def test_cli_missing_folder_is_one_clear_line(tmp_path):
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "pipeline.cli",
            "run",
            str(tmp_path / "nope"),
            "--out",
            str(tmp_path / "out"),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 1
    assert "Traceback" not in proc.stderr
    assert "does not exist" in proc.stderr
