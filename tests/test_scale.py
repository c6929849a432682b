"""Corpus-scale guarantees: byte-identical reruns, no network, a Dask cluster, bad input."""

from __future__ import annotations

import hashlib
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pandas as pd
import pytest
from badfiles import copy_good, long_annex, make_all, not_a_crp
from conftest import RAW

from pipeline.cli import run_all
from pipeline.extract import ExtractSettings, extract, input_files
from pipeline.parallel import ParallelSettings
from pipeline.params import read_params
from pipeline.paths import Layout
from pipeline.schemas import write_table
from pipeline.segment import SegmentSettings, segment_corpus

pytestmark = pytest.mark.slow  # whole-corpus runs, twice or under Dask

SKIP_PARTS = {"cache", "embeddings"}  # working caches, not outputs


def digests(folder: Path) -> dict[str, str]:
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file() and not SKIP_PARTS & set(p.relative_to(folder).parts)
    }


def test_two_runs_from_scratch_give_byte_identical_outputs(pipeline_out, tmp_path):
    second = tmp_path / "out"
    run_all(Layout.under(second, RAW), read_params())
    first, again = digests(pipeline_out), digests(second)
    assert len(first) > 60  # tables, analyst tables, the report's pages, the tagger
    assert any(name.startswith("reports/") for name in first)
    assert first == again


def test_a_document_added_to_a_run_gives_the_outputs_of_a_run_from_scratch(tmp_path):
    """The per-document caches (extract, segment, tag, the matcher's matches, the report's
    pages) and the vector store carried from a run without one document: adding it gives
    the bytes of a run over all documents at once. The earliest session is the one added,
    so every later ask is renumbered and every document's recurrence changes."""
    added = "fa_2022_cd1.pdf"
    runs = {}
    for name in ("scratch", "incremental"):  # siblings: the report links ../raw alike
        raw = tmp_path / name / "raw"
        raw.mkdir(parents=True)
        for path in RAW.iterdir():
            if path.is_file() and (name == "scratch" or path.name != added):
                shutil.copy2(path, raw / path.name)
        runs[name] = Layout.under(tmp_path / name / "out", raw)
    run_all(runs["scratch"], read_params())
    layout = runs["incremental"]
    run_all(layout, read_params())
    before = digests(layout.processed)
    shutil.copy2(RAW / added, layout.raw / added)
    run_all(layout, read_params())
    after = digests(layout.processed)
    assert after == digests(runs["scratch"].processed)
    assert before["clusters.parquet"] != after["clusters.parquet"]


BLOCK_SOCKETS = textwrap.dedent("""
    import socket
    _connect = socket.socket.connect
    def _refuse(self, address):
        if self.family != socket.AF_UNIX:
            raise OSError("network disabled for this test")
        return _connect(self, address)
    socket.socket.connect = _refuse
    socket.create_connection = lambda *a, **k: (_ for _ in ()).throw(OSError("network disabled"))
""")


def test_crp_run_succeeds_without_network(tmp_path):
    (tmp_path / "site").mkdir()
    (tmp_path / "site" / "sitecustomize.py").write_text(BLOCK_SOCKETS)
    env = {
        "PATH": "/usr/bin:/bin",
        "PYTHONPATH": str(tmp_path / "site"),
        "HOME": str(tmp_path),
        "HF_HUB_OFFLINE": "0",
        "TRANSFORMERS_OFFLINE": "0",
    }  # the pipeline must set these
    raw = tmp_path / "raw"
    copy_good(raw, [RAW / "som_2022_cd1.pdf", RAW / "tip_2022_cd1.pdf"])
    command = [sys.executable, "-m", "pipeline.cli", "run", str(raw), "--out", str(tmp_path / "o")]
    unshare = shutil.which("unshare")
    if unshare and subprocess.run([unshare, "-n", "true"], capture_output=True).returncode == 0:
        command = [unshare, "-n", *command]  # no network namespace at all
    proc = subprocess.run(command, capture_output=True, text=True, env=env, timeout=900)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert (tmp_path / "o" / "reports" / "index.html").exists()
    assert len(pd.read_parquet(tmp_path / "o" / "clusters.parquet")) > 0


def test_dask_cluster_gives_byte_identical_tables(tmp_path):
    distributed = pytest.importorskip("dask.distributed")
    files = input_files(RAW)
    tables = {}
    with distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
    ) as cluster:
        for backend in ("loky", "dask"):
            parallel = ParallelSettings(
                backend=backend,
                n_jobs=2,
                scheduler=cluster.scheduler_address if backend == "dask" else None,
            )
            out = extract(files, ExtractSettings(), parallel)
            out["paragraphs"] = segment_corpus(out["pages"], SegmentSettings(), parallel)
            tables[backend] = {
                name: write_table(frame, name, tmp_path / backend / f"{name}.parquet").read_bytes()
                for name, frame in out.items()
            }
    assert tables["dask"] == tables["loky"]


def test_a_mixed_folder_runs_every_stage_and_reports_each_problem_once(tmp_path):
    """Good CRPs, every hostile file, a report and a 300-page annex that are not CRPs, and
    files that are not PDFs: `crp run` exits 0, names each failed file once, ignores the
    non-PDFs with one line, and every stage keeps the documents it cannot place."""
    raw = tmp_path / "raw"
    make_all(raw, RAW / "fa_2023_cd2.pdf")
    copy_good(raw, sorted(RAW.glob("*.pdf")))
    not_a_crp(raw / "ngo_report.pdf")
    long_annex(raw / "annex.pdf")
    (raw / "sources.csv").write_text("file,source\nfa_2023_cd2.pdf,UN\n", encoding="utf-8")
    (raw / "notes.jsonl").write_text('{"note": "read later"}\n', encoding="utf-8")
    out = tmp_path / "out"
    proc = subprocess.run(
        [sys.executable, "-m", "pipeline.cli", "run", str(raw), "--out", str(out)],
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "Traceback" not in proc.stderr
    assert proc.stderr.count("ignored 2 file(s) that are not .pdf: notes.jsonl, sources.csv") == 1
    index = (out / "reports" / "index.html").read_text(encoding="utf-8")
    for bad in ("corrupt", "truncated", "encrypted", "zero_byte", "not_a_pdf", "image_only"):
        assert proc.stderr.count(f"skipped {bad}.pdf:") == 1
        assert f"{bad}.pdf" in index
    assert "sources.csv" not in index
    documents = pd.read_parquet(out / "documents.parquet").set_index("doc_id")
    assert documents.loc["ngo_report", "status"] == "ok"
    assert pd.isna(documents.loc["ngo_report", "year"])
    assert documents["year"].dtype == "Int64" and (documents["year"] == 2023).any()
    good = {p.stem for p in RAW.glob("*.pdf")}
    assert set(pd.read_parquet(out / "paragraphs.parquet")["doc_id"]) == good | {"ngo_report"}
    tags = pd.read_parquet(out / "tags.parquet")
    assert {"ghost_guns", "craft_production"} <= set(tags[tags["doc_id"] == "ngo_report"]["label"])
    clustered = pd.read_parquet(out / "rec_clusters.parquet")
    assert "ngo_report" in set(clustered["doc_id"])
    others = index.split('id="others"', 1)[1].split("<h2", 1)[0]
    assert "ngo_report" in others and "annex" in others and "nan" not in others
    assert (out / "reports" / "doc-ngo_report.html").exists()
    page = (out / "reports" / "theme-ghost_guns.html").read_text(encoding="utf-8")
    assert "ngo_report (not a session summary)" in page and "not charted" in page
    csv = (out / "tables" / "theme_by_session.csv").read_text(encoding="utf-8")
    assert ",2023," in csv and "2023.0" not in csv
