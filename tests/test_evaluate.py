"""Scoring exactly as GOLD_FORMAT.md says."""

from __future__ import annotations

import json

import pandas as pd
import pytest
from conftest import document_row

from pipeline.evaluate import score_folder
from pipeline.schemas import write_table
from pipeline.scoring import match_recommendations, name_key, score_tags

TEXT = "One speaker urged States to act. She also thanked the Chair. UNODC should help."


def gold_row(**over) -> dict:
    row = {
        "doc_id": "d",
        "para_no": 1,
        "section": "I",
        "subsection": None,
        "text": TEXT,
        "articles": [
            {"instrument": "firearms_protocol", "article": "8", "explicit": True},
            {"instrument": "firearms_protocol", "article": "7", "explicit": False},
        ],
        "actor_types": ["participant"],
        "speaker_types": ["participant"],
        "orgs": ["UNODC"],
        "countries": [],
        "themes": ["marking_tracing"],
        "recommendations": [
            {
                "text": "One speaker urged States to act.",
                "by": "participant",
                "to": "states",
                "cluster": "c1",
            }
        ],
    }
    row.update(over)
    return row


def tags(rows: list[tuple]) -> pd.DataFrame:
    return pd.DataFrame(
        [
            {
                "doc_id": "d",
                "para_no": 1,
                "kind": k,
                "label": lab,
                "explicit": e,
                "score": None,
                "start": 0,
                "end": 1,
                "evidence": "x",
                "rule": "r",
            }
            for k, lab, e in rows
        ]
    )


def test_score_tags_explicit_and_all_articles():
    gold = {("d", 1): gold_row()}
    scores, per_label = score_tags(
        tags([("article", "firearms_protocol:8", True), ("article", "other:11", True)]), gold
    )
    assert scores["articles_explicit"]["precision"] == 0.5
    assert scores["articles_explicit"]["recall"] == 1.0
    assert scores["articles_all"]["recall"] == 0.5
    assert set(per_label["field"]) >= {"articles_all"}


def test_orgs_compare_as_written_but_case_and_spacing_folded():
    assert name_key("Global Action on Gun  violence") == name_key("Global Action on Gun Violence")
    gold = {("d", 1): gold_row()}
    scores, _ = score_tags(tags([("org", "UNODC", None)]), gold)
    assert scores["orgs"]["f1"] == 1.0


def test_recommendation_matches_at_80_percent_of_the_shorter_text():
    gold = {("d", 1): gold_row()}
    sentence = "One speaker urged States to act."
    start = TEXT.index(sentence)
    recs = pd.DataFrame(
        [
            {"doc_id": "d", "para_no": 1, "rec_no": 1, "start": start + 2, "end": start + 30},
            {
                "doc_id": "d",
                "para_no": 1,
                "rec_no": 2,
                "start": TEXT.index("UNODC"),
                "end": len(TEXT),
            },
        ]
    )
    [(_g, p, _)] = match_recommendations(recs, gold)
    assert p is not None and p["rec_no"] == 1
    straddling = recs.assign(start=start + 20, end=len(TEXT)).head(1)  # 12 of 32 chars shared
    [(_g, p, _)] = match_recommendations(straddling, gold)
    assert p is None


def write_folder(tmp_path):
    """A gold folder of one document `d` and the output tables of a run over it."""
    gold_dir, out = tmp_path / "gold", tmp_path / "out"
    gold_dir.mkdir()
    (gold_dir / "d.doc.json").write_text(
        json.dumps(
            {
                "doc_id": "d",
                "working_group": "firearms",
                "date": "2023-05-05",
                "year": 2023,
                "session_ordinal": 2,
                "n_paragraphs": 1,
            }
        ),
        encoding="utf-8",
    )
    (gold_dir / "d.paragraphs.jsonl").write_text(json.dumps(gold_row()) + "\n", encoding="utf-8")
    write_table(
        pd.DataFrame([document_row(reader="pdfplumber")]), "documents", out / "documents.parquet"
    )
    write_table(
        pd.DataFrame(
            [
                {
                    "doc_id": "d",
                    "para_no": 1,
                    "section": "I",
                    "subsection": None,
                    "text": TEXT,
                    "page_start": 1,
                    "page_end": 1,
                }
            ]
        ),
        "paragraphs",
        out / "paragraphs.parquet",
    )
    tag_rows = tags([("article", "firearms_protocol:8", True), ("theme", "marking_tracing", None)])
    write_table(tag_rows.assign(start=[0, 1], end=[1, 2]), "tags", out / "tags.parquet")
    write_table(
        pd.DataFrame(
            [
                {
                    "doc_id": "d",
                    "para_no": 1,
                    "rec_no": 1,
                    "text": "One speaker urged States to act.",
                    "start": 0,
                    "end": 32,
                    "by": "participant",
                    "to": "unodc",
                    "themes": [],
                    "rule": "r",
                }
            ]
        ),
        "recommendations",
        out / "recommendations.parquet",
    )
    return gold_dir, out


def test_evaluate_a_folder(tmp_path):
    gold_dir, out = write_folder(tmp_path)
    metrics, _per_label = score_folder(out, gold_dir)
    assert metrics["extraction"]["text_similarity_mean"] == 1.0
    assert metrics["extraction"]["metadata_exact"] == 1.0
    assert metrics["themes"]["f1"] == 1.0
    assert metrics["recommendations"]["f1"] == 1.0
    assert metrics["recommendations"]["by_accuracy"] == 1.0
    assert metrics["recommendations"]["to_accuracy"] == 0.0


def test_evaluate_scores_again_only_when_a_scored_document_changed(tmp_path, monkeypatch):
    from pipeline import evaluate
    from pipeline.paths import Layout

    gold_dir, out = write_folder(tmp_path)
    layout = Layout.under(out, tmp_path / "raw")
    params = {"gold": {"score": str(gold_dir), "train": str(gold_dir)}}
    evaluate.main(layout, params, thresholds=False)
    first = (layout.metrics / "tagging.json").read_bytes()

    # a document without gold: no score reads it, so the scores are copied from the cache
    other = pd.read_parquet(out / "paragraphs.parquet")
    write_table(
        pd.concat([other, other.assign(doc_id="e")]), "paragraphs", out / "paragraphs.parquet"
    )
    computed = []
    real = evaluate.metrics_files
    monkeypatch.setattr(evaluate, "metrics_files", lambda *a: computed.append(1) or real(*a))
    (layout.metrics / "tagging.json").unlink()
    evaluate.main(layout, params, thresholds=False)
    assert computed == [] and (layout.metrics / "tagging.json").read_bytes() == first

    # a changed tag of the gold document is scored again: its theme is gone
    tag_rows = tags([("article", "firearms_protocol:8", True)])
    write_table(tag_rows.assign(start=[0], end=[1]), "tags", out / "tags.parquet")
    metrics = evaluate.main(layout, params, thresholds=False)
    assert computed == [1] and metrics["themes"]["f1"] == 0.0


def test_evaluate_missing_outputs_is_a_clear_error(tmp_path):
    from pipeline.errors import PipelineError

    (tmp_path / "gold").mkdir()
    (tmp_path / "gold" / "d.paragraphs.jsonl").write_text(json.dumps(gold_row()) + "\n")
    with pytest.raises(PipelineError, match="missing: run the pipeline first"):
        score_folder(tmp_path / "out", tmp_path / "gold")


def test_validation_runs_never_train_on_what_they_score():
    from pipeline.themes.crossval import validation_runs

    runs = validation_runs(["a", "b", "c", "new"], first_contact=["new", "absent"])
    assert set(runs) == {"in_sample", "leave_one_out", "first_contact"}
    folds, in_sample = runs["first_contact"]
    assert folds == [(["a", "b", "c"], ["new"])] and not in_sample
    for train, scored in runs["leave_one_out"][0]:
        assert not set(train) & set(scored) and len(scored) == 1
    assert runs["in_sample"] == ([(["a", "b", "c", "new"], ["a", "b", "c", "new"])], True)
    assert "first_contact" not in validation_runs(["a", "b"], first_contact=["zz"])


def test_evaluate_renumbered_clusters_and_new_asks_read_the_same():
    """Clusters are numbered in time and new asks in order: a document added elsewhere
    renumbers them; the rows evaluate keys its cache by do not change, a new partition does."""
    from pipeline.scored_rows import canonical_clusters

    def rows(ids, asks, sources=("catalogue", "new", "new")):
        return pd.DataFrame(
            {
                "doc_id": "d",
                "para_no": [1, 2, 3],
                "rec_no": 1,
                "cluster_id": ids,
                "cluster_label": ["Mark", "some text", "other text"],
                "ask_id": asks,
                "source": list(sources),
                "score": 0.5,
            }
        )

    first = canonical_clusters(rows([4, 9, 2], ["mark", "new_007", "new_002"]))
    again = canonical_clusters(rows([1, 3, 8], ["mark", "new_001", "new_005"]))
    pd.testing.assert_frame_equal(first, again)
    assert list(first["cluster_id"]) == [0, 1, 2] and first["ask_id"][1] == "new_001"
    merged = canonical_clusters(rows([4, 9, 9], ["mark", "new_007", "new_007"]))
    assert not merged.equals(first)
