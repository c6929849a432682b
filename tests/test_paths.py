"""The project root is found from the working directory, as DVC and git find theirs."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import RAW, REPO

from pipeline.paths import PACKAGE_DIR, repo_root


def test_repo_root_is_the_nearest_folder_with_dvc_yaml(tmp_path, monkeypatch):
    monkeypatch.delenv("CRP_ROOT", raising=False)
    (tmp_path / "dvc.yaml").write_text("stages: {}\n")
    deeper = tmp_path / "notebooks" / "scratch"
    deeper.mkdir(parents=True)
    assert repo_root(deeper) == tmp_path
    monkeypatch.setenv("CRP_ROOT", str(deeper))
    assert repo_root(tmp_path) == deeper  # CRP_ROOT still overrides


def test_outside_any_project_the_package_folder_is_used(tmp_path, monkeypatch):
    monkeypatch.delenv("CRP_ROOT", raising=False)
    assert repo_root(tmp_path) == PACKAGE_DIR.parent


def clone(folder: Path, pdf: str) -> Path:
    """A copy of the project with one PDF, as a second `git clone` would be."""
    for item in ("pipeline", "dvc.yaml", "params.yaml"):
        src = REPO / item
        if src.is_dir():
            shutil.copytree(src, folder / item, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            folder.mkdir(parents=True, exist_ok=True)
            shutil.copy(src, folder / item)
    (folder / "data" / "raw").mkdir(parents=True)
    shutil.copy(RAW / pdf, folder / "data" / "raw" / pdf)
    return folder


@pytest.mark.slow
def test_two_clones_with_one_installed_package_keep_their_outputs_apart(tmp_path):
    first = clone(tmp_path / "first", "som_2022_cd1.pdf")
    second = clone(tmp_path / "second", "tip_2022_cd1.pdf")
    env = {k: v for k, v in os.environ.items() if k != "CRP_ROOT"}
    for project in (first, second):
        proc = subprocess.run(
            [sys.executable, "-m", "pipeline.cli", "extract"],
            cwd=project / "data",  # anywhere inside the project
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert proc.returncode == 0, proc.stderr
    import pandas as pd

    for project, doc in ((first, "som_2022_cd1"), (second, "tip_2022_cd1")):
        documents = pd.read_parquet(project / "data" / "processed" / "documents.parquet")
        assert list(documents["doc_id"]) == [doc]
