"""The analyst tables: one loading line each, consistent with the tags they summarize."""

from __future__ import annotations

import pandas as pd
import pytest

import pipeline
from pipeline.errors import PipelineError
from pipeline.schemas import ANALYST_TABLES, get_table


@pytest.mark.parametrize("name", ANALYST_TABLES)
def test_load_returns_each_table_with_its_schema(pipeline_out, name):
    df = pipeline.load(name, pipeline_out)
    assert list(df.columns) == get_table(name).columns
    assert len(df) > 0
    csv = pd.read_csv(pipeline_out / "tables" / f"{name}.csv")
    assert len(csv) == len(df)


def test_load_reads_crp_outputs_from_the_environment(pipeline_out, monkeypatch):
    monkeypatch.setenv("CRP_OUTPUTS", str(pipeline_out))
    assert len(pipeline.load("theme_by_session")) > 0


def test_load_missing_folder_says_what_to_run(tmp_path):
    with pytest.raises(PipelineError, match="make repro"):
        pipeline.load("theme_by_session", tmp_path)


def test_theme_tables_agree_with_the_tags(pipeline_out):
    tags = pipeline.load("tags", pipeline_out)
    themes = tags[tags["kind"] == "theme"][["doc_id", "para_no", "label"]].drop_duplicates()
    documents = pipeline.load("documents", pipeline_out)
    reports = set(documents.loc[documents["doc_type"] == "wg_report", "doc_id"])
    by_session = pipeline.load("theme_by_session", pipeline_out)
    assert by_session["paragraphs"].sum() == (~themes["doc_id"].isin(reports)).sum()
    assert ((by_session["share"] > 0) & (by_session["share"] <= 1)).all()
    co = pipeline.load("theme_cooccurrence", pipeline_out)
    diagonal = co[co["theme_a"] == co["theme_b"]].set_index("theme_a")["paragraphs"]
    assert diagonal.to_dict() == themes.groupby("label").size().to_dict()


def test_paragraph_index_has_every_paragraph_with_list_columns(pipeline_out):
    index = pipeline.load("paragraph_index", pipeline_out)
    paragraphs = pipeline.load("paragraphs", pipeline_out)
    assert len(index) == len(paragraphs)
    row = index.set_index(["doc_id", "para_no"]).loc[("fa_2022_cd1", 13)]
    assert "firearms_protocol:8" in list(row["articles"])
    assert row["n_recommendations"] >= 1 and len(row["clusters"]) >= 1


def test_csv_tables_join_list_cells_readably(pipeline_out):
    csv = pd.read_csv(pipeline_out / "tables" / "paragraph_index.csv", keep_default_na=False)
    parquet = pipeline.load("paragraph_index", pipeline_out)
    assert len(csv) == len(parquet)
    several = parquet[parquet["themes"].apply(len) >= 2].iloc[0]
    row = csv[(csv["doc_id"] == several["doc_id"]) & (csv["para_no"] == several["para_no"])]
    assert row["themes"].item() == "; ".join(several["themes"])
    assert "[" not in "".join(csv["themes"])


def test_article_by_session_separates_explicit_and_related(pipeline_out):
    articles = pipeline.load("article_by_session", pipeline_out)
    assert articles["article"].str.startswith("firearms_protocol:").all()
    assert articles["explicit"].sum() > 0 and articles["related"].sum() > 0


def test_tables_by_session_leave_working_group_reports_out():
    from conftest import document_row

    from pipeline.tables import article_by_session, theme_by_session

    documents = pd.DataFrame(
        [document_row(), document_row(doc_id="r", doc_type="wg_report", session_ordinal=None)]
    )
    paragraphs = pd.DataFrame({"doc_id": ["d", "r"], "para_no": [1, 1]})
    tags = pd.DataFrame(
        [
            {"doc_id": d, "para_no": 1, "kind": kind, "label": label, "explicit": True}
            for d in ("d", "r")
            for kind, label in (("theme", "ghost_guns"), ("article", "firearms_protocol:8"))
        ]
    )
    assert set(theme_by_session(paragraphs, tags, documents)["doc_id"]) == {"d"}
    assert set(article_by_session(tags, documents)["doc_id"]) == {"d"}
