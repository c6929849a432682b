"""`dvc repro` in a copy of the project: a second run does nothing, `dvc status` tells the
truth after a params change, and a removed PDF leaves no trace in outputs or caches."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
import yaml
from badfiles import not_a_crp
from conftest import REPO

pytestmark = pytest.mark.slow  # dvc repro in a copy of the project

COPY = [
    "pipeline",
    "dvc.yaml",
    "dvc.lock",
    "params.yaml",
    ".dvc/config",
    ".dvcignore",
    "data/raw",
    "data/gold",
    "data/labels",
]


@pytest.fixture(scope="module")
def project(tmp_path_factory) -> tuple[Path, dict[str, str]]:
    root = tmp_path_factory.mktemp("dvc") / "project"
    for item in COPY:
        src, dst = REPO / item, root / item
        dst.parent.mkdir(parents=True, exist_ok=True)
        if src.is_dir():
            shutil.copytree(src, dst, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy2(src, dst)
    env = dict(
        os.environ,
        CRP_ROOT=str(root),
        PATH=f"{Path(sys.executable).parent}:{os.environ.get('PATH', '')}",
    )
    not_a_crp(root / "data" / "raw" / "ngo_report.pdf")  # a document of no known session
    subprocess.run(["git", "init", "-q"], cwd=root, check=True)
    return root, env


def dvc(project: tuple[Path, dict[str, str]], *args: str) -> str:
    root, env = project
    proc = subprocess.run(
        ["dvc", *args], cwd=root, env=env, capture_output=True, text=True, timeout=1200
    )
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    return proc.stdout


def test_dvc_repro_twice_then_status_is_clean(project):
    dvc(project, "repro", "-q")
    second = dvc(project, "repro")
    assert "Running stage" not in second
    assert "up to date" in dvc(project, "status")


def crp(project: tuple[Path, dict[str, str]], *args: str) -> str:
    root, env = project
    proc = subprocess.run(
        [sys.executable, "-m", "pipeline.cli", *args],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    return proc.stdout


def test_analysts_answers_round_trip_to_the_theme_pages(project, tmp_path):
    """review → fill → apply → dvc repro: the confirmed tag is on its theme page, marked,
    and the rejected one is gone; applying the same file again changes nothing."""
    root, _ = project
    dvc(project, "repro", "-q")  # nothing to do after the tests above
    csv = tmp_path / "review.csv"
    assert "to review in" in crp(project, "themes", "review", str(csv))
    table = pd.read_csv(csv, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    confirm = table[table["proposed"] == "no"].iloc[0]
    reject = table[table["proposed"] == "yes"].iloc[0]
    table["answer"] = ""
    table.loc[confirm.name, "answer"] = "yes"
    table.loc[reject.name, "answer"] = "no"
    table.to_csv(csv, index=False, encoding="utf-8-sig")
    assert "2 answer(s) added" in crp(project, "themes", "apply", str(csv))
    assert "build_tagger" in changed_stages(project)
    dvc(project, "repro", "-q")
    tags = pd.read_parquet(root / "data" / "processed" / "tags.parquet")
    themes = tags[tags["kind"] == "theme"]

    def rows(row: pd.Series) -> pd.DataFrame:
        key = (themes["doc_id"] == row["doc_id"]) & (themes["para_no"] == int(row["para_no"]))
        return themes[key & (themes["label"] == row["theme"])]

    assert set(rows(confirm)["rule"]) == {f"analyst/{confirm['theme']}"}
    assert rows(reject).empty
    page = (root / "reports" / f"theme-{confirm['theme']}.html").read_text(encoding="utf-8")
    anchor = f'id="{confirm["doc_id"]}-p{confirm["para_no"]}"'
    assert anchor in page
    assert "confirmed by an analyst" in page.split(anchor, 1)[1].split("</h3>", 1)[0]
    page = (root / "reports" / f"theme-{reject['theme']}.html").read_text(encoding="utf-8")
    assert f'id="{reject["doc_id"]}-p{reject["para_no"]}"' not in page
    again = crp(project, "themes", "apply", str(csv))
    assert "0 answer(s) added, 2 already there, 0 replaced" in again
    assert "up to date" in dvc(project, "status")


# a definition is one of its theme's concept sentences (pipeline/themes/concepts.py): the
# theme decision is retrained and paragraphs are tagged again; documents are not re-read
CACHED = ("extract", "segment")


def changed_stages(project: tuple[Path, dict[str, str]]) -> set[str]:
    """The stages `dvc status` names (its lines that are not indented)."""
    return {
        line.strip().rstrip(":")
        for line in dvc(project, "status").splitlines()
        if line and not line.startswith((" ", "\t"))
    }


def test_a_theme_definition_edit_reruns_the_report(project):
    root, _ = project
    labels = root / "pipeline" / "taxonomy" / "labels.yaml"
    text = labels.read_text(encoding="utf-8")
    old = 'ghost_guns: "privately made'
    assert old in text
    labels.write_text(text.replace(old, 'ghost_guns: "home-assembled and privately made'))
    assert "report" in changed_stages(project)
    cached = {stage: set((root / "data" / "cache" / stage).iterdir()) for stage in CACHED}
    dvc(project, "repro", "-q")
    page = (root / "reports" / "theme-ghost_guns.html").read_text(encoding="utf-8")
    assert "Home-assembled and privately made" in page  # the definition, as a sentence
    assert "up to date" in dvc(project, "status")
    # no document was read or segmented again for a definition
    for stage in CACHED:
        assert set((root / "data" / "cache" / stage).iterdir()) == cached[stage], stage


def test_a_params_change_reruns_exactly_the_stages_downstream_of_it(project):
    root, _ = project
    params = yaml.safe_load((root / "params.yaml").read_text())
    params["cluster"]["catalogue"] = False  # every recommendation clustered afresh
    (root / "params.yaml").write_text(yaml.safe_dump(params))
    changed = changed_stages(project)
    assert changed == {"cluster", "evaluate", "crossval"}  # the stages that read cluster params
    ran = {
        line.split("'")[1]
        for line in dvc(project, "repro").splitlines()
        if line.startswith("Running stage")
    }
    assert ran == {"cluster", "uptake", "tables", "report", "evaluate", "crossval"}


def test_a_removed_pdf_leaves_no_trace(project):
    root, _ = project
    (root / "data" / "raw" / "tip_2022_cd1.pdf").unlink()
    dvc(project, "repro", "-q")
    for table in ("documents", "paragraphs", "tags", "recommendations", "rec_clusters"):
        frame = pd.read_parquet(root / "data" / "processed" / f"{table}.parquet")
        assert "tip_2022_cd1" not in set(frame["doc_id"]), table
    for stage in ("extract", "segment", "tag"):
        kept = len(list((root / "data" / "raw").glob("*.pdf")))
        assert len(list((root / "data" / "cache" / stage).iterdir())) == kept, stage
    assert not (root / "reports" / "doc-tip_2022_cd1.html").exists()
    assert "up to date" in dvc(project, "status")
