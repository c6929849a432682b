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
from badfiles import copy_good, make_all
from conftest import GOLD, RAW

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
    run_all(Layout.under(second, RAW, GOLD), read_params())
    first, again = digests(pipeline_out), digests(second)
    assert len(first) > 60  # tables, analyst tables, the report's pages, the tagger
    assert any(name.startswith("reports/") for name in first)
    assert first == again


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


def test_bad_files_at_scale_are_reported_once_and_listed_in_the_report(tmp_path):
    raw = tmp_path / "raw"
    make_all(raw, RAW / "fa_2023_cd2.pdf")
    copy_good(raw, sorted(RAW.glob("*.pdf")))
    out = tmp_path / "out"
    proc = subprocess.run(
        [sys.executable, "-m", "pipeline.cli", "run", str(raw), "--out", str(out)],
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    index = (out / "reports" / "index.html").read_text(encoding="utf-8")
    for bad in ("corrupt", "truncated", "encrypted", "zero_byte", "not_a_pdf", "image_only"):
        assert proc.stderr.count(f"skipped {bad}.pdf:") == 1
        assert f"{bad}.pdf" in index
    good = {p.stem for p in RAW.glob("*.pdf")}
    assert set(pd.read_parquet(out / "paragraphs.parquet")["doc_id"]) == good
