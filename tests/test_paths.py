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


def test_gold_has_two_roles_and_the_command_line_replaces_only_scoring(tmp_path):
    from pipeline.cli import _scoring
    from pipeline.params import load_settings
    from pipeline.paths import GoldSettings

    params = {"gold": {"train": "data/gold", "score": "data/gold"}}
    given = _scoring(params, tmp_path / "other_gold")
    gold = load_settings(GoldSettings, "gold", given)
    assert gold.score_folder == (tmp_path / "other_gold").resolve()
    assert gold.train_folder == repo_root() / "data" / "gold"  # still what params.yaml says
    assert _scoring(params, None) is params


@pytest.mark.slow
def test_crp_run_says_which_gold_it_trains_on_and_which_it_scores_against(tmp_path):
    raw = tmp_path / "raw"
    raw.mkdir()
    shutil.copy(repo_root() / "data" / "raw" / "som_2022_cd1.pdf", raw)
    gold = tmp_path / "gold"
    gold.mkdir()
    for suffix in (".doc.json", ".paragraphs.jsonl"):
        shutil.copy(repo_root() / "data" / "gold" / f"som_2022_cd1{suffix}", gold)
    import yaml

    params = yaml.safe_load((REPO / "params.yaml").read_text(encoding="utf-8"))
    params["build_tagger"]["decision"] = False  # quick: nothing trained, no model loaded
    params["embed"]["model"] = "tfidf"
    (tmp_path / "params.yaml").write_text(yaml.safe_dump(params), encoding="utf-8")
    command = [sys.executable, "-m", "pipeline.cli", "run", str(raw), "--out", str(tmp_path / "o")]
    command += ["--params", str(tmp_path / "params.yaml"), "--gold", str(gold)]
    proc = subprocess.run(command, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr[-2000:]
    train = repo_root() / "data" / "gold"
    assert f"gold: training on {train} (params.yaml gold.train), scoring against {gold}" in (
        proc.stdout
    )
    assert (tmp_path / "o" / "metrics" / "tagging.json").exists()
