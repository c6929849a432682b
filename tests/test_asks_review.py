"""The analyst's loop: `crp asks review` writes what to decide, `crp asks apply` merges it."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from conftest import document_row

from pipeline.asks.review import apply_asks, review_table, slug
from pipeline.errors import PipelineError
from pipeline.knowledge.taxonomy import load_taxonomy
from pipeline.paths import TAXONOMY_DIR, Layout
from pipeline.schemas import write_table

KNOWN = load_taxonomy(parts=["asks"]).asks[0]  # an ask of the shipped catalogue
RECS = [
    (
        "d",
        1,
        1,
        "She urged States to create referral hotlines for exploited fishers.",
        "new_001",
        "Create referral hotlines for exploited fishers",
        "new",
        None,
    ),
    (
        "d",
        2,
        1,
        "He called on States to staff hotlines for fishers around the clock.",
        "new_001",
        "Create referral hotlines for exploited fishers",
        "new",
        None,
    ),
    (
        "d",
        3,
        1,
        "One speaker asked that the Working Group publish its papers.",
        KNOWN.id,
        KNOWN.label,
        "catalogue",
        0.41,
    ),
    ("d", 4, 1, "States should mark firearms.", KNOWN.id, KNOWN.label, "catalogue", 0.99),
]


@pytest.fixture
def project(tmp_path: Path) -> tuple[Layout, dict, Path]:
    taxonomy = tmp_path / "taxonomy"
    shutil.copytree(TAXONOMY_DIR, taxonomy)
    layout = Layout.under(tmp_path / "out", tmp_path / "raw")
    rows = [dict(zip(("doc_id", "para_no", "rec_no", "text"), r[:4], strict=True)) for r in RECS]
    recs = pd.DataFrame(rows).assign(
        start=0, end=10, by="participant", to="states", themes=[["victims_survivors"]] * 4, rule="r"
    )
    write_table(recs, "recommendations", layout.table("recommendations"))
    clusters = pd.DataFrame(
        [
            {
                "doc_id": r[0],
                "para_no": r[1],
                "rec_no": r[2],
                "cluster_id": i,
                "ask_id": r[4],
                "cluster_label": r[5],
                "source": r[6],
                "score": r[7],
            }
            for i, r in enumerate(RECS)
        ]
    )
    write_table(clusters, "rec_clusters", layout.table("rec_clusters"))
    documents = pd.DataFrame(
        [
            document_row(
                working_group="trafficking_in_persons",
                session_ordinal=3,
                date="2025-07-01",
                year=2025,
            )
        ]
    )
    write_table(documents, "documents", layout.table("documents"))
    return layout, {"taxonomy": {"dir": str(taxonomy)}}, taxonomy


def test_review_lists_new_asks_and_unsure_matches_only(project):
    layout, _, _ = project
    table = review_table(
        pd.read_parquet(layout.table("rec_clusters")),
        pd.read_parquet(layout.table("recommendations")),
        below=0.6,
    )
    assert list(table["para_no"]) == [1, 2, 3]  # the sure match (0.99) is not asked about
    assert set(table["decision"]) == {""}
    assert table.loc[2, "proposed_ask"] == KNOWN.id and table.loc[2, "score"] == 0.41


def test_review_and_apply_round_trip_grows_the_catalogue(project, tmp_path):
    layout, params, taxonomy = project
    csv = tmp_path / "review.csv"
    review_table(
        pd.read_parquet(layout.table("rec_clusters")),
        pd.read_parquet(layout.table("recommendations")),
        below=0.6,
    ).assign(decision=["accept", "accept", KNOWN.id]).to_csv(csv, index=False)
    message = apply_asks(csv, layout, params)
    assert "1 example(s) added to 1 ask(s), 1 new ask(s)" in message
    asks = {a.id: a for a in load_taxonomy(taxonomy, parts=["asks"]).asks}
    new = asks[slug("Create referral hotlines for exploited fishers")]
    assert new.label == "Create referral hotlines for exploited fishers"
    assert [e.para_no for e in new.examples] == [1, 2]
    assert new.examples[0].working_group == "trafficking_in_persons"
    assert new.themes == ("victims_survivors",) and new.addressee == "states"
    assert "One speaker asked that the Working Group publish its papers." in {
        e.text for e in asks[KNOWN.id].examples
    }
    text = (taxonomy / "asks.yaml").read_text(encoding="utf-8")
    assert text.startswith("# Catalogue of known asks")  # the analyst's comments are kept
    assert apply_asks(csv, layout, params).endswith("`dvc repro` matches against them")


def test_apply_refuses_a_table_that_is_not_a_review(project, tmp_path):
    layout, params, taxonomy = project
    before = (taxonomy / "asks.yaml").read_text(encoding="utf-8")
    bad = tmp_path / "other.csv"
    pd.DataFrame({"doc_id": ["d"], "decision": ["accept"]}).to_csv(bad, index=False)
    with pytest.raises(PipelineError, match=r"columns .* are missing"):
        apply_asks(bad, layout, params)
    assert (taxonomy / "asks.yaml").read_text(encoding="utf-8") == before


def test_crp_asks_review_from_the_command_line(project, tmp_path):
    layout, _, _ = project
    csv = tmp_path / "review.csv"
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "pipeline.cli",
            "asks",
            "review",
            str(csv),
            "--out",
            str(layout.processed),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    assert "3 recommendation(s) to review" in proc.stdout
    assert len(pd.read_csv(csv)) == 3
