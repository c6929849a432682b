"""Uptake: per ask and working group, raised in a dialogue and taken up by a later report;
its scores against the gold; and the analyst's answers on adopted recommendations."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest
from conftest import document_row

from pipeline.adoption.evaluation import catalogue_before
from pipeline.adoption.review import (
    adopted_review_rows,
    apply_adopted,
    apply_decisions,
    read_adopted_decisions,
)
from pipeline.adoption.scoring import score_adopted, score_doc_types, score_links
from pipeline.adoption.timeline import uptake
from pipeline.asks.catalogue import Ask, Example
from pipeline.errors import PipelineError
from pipeline.knowledge.documents import load_adopted
from pipeline.paths import TAXONOMY_DIR
from pipeline.schemas import get_table

DOCUMENTS = pd.DataFrame(
    [
        document_row(doc_id="d22", date="2022-05-06", year=2022),
        document_row(doc_id="d23", date="2023-05-05", year=2023),
        document_row(doc_id="w23", doc_type="wg_report", date="2023-01-10", year=2023),
        document_row(doc_id="w24", doc_type="wg_report", date="2024-04-03", year=2024),
        document_row(doc_id="s24", doc_type="wg_report", date="2024-06-01", year=2024)
        | {"working_group": "smuggling_of_migrants"},
    ]
)
RECS = [  # (doc_id, para_no, by, ask_id, themes)
    ("d22", 3, "ngo", "mark", ["marking_tracing"]),
    ("d23", 5, "academia", "mark", ["marking_tracing", "parts_components"]),
    ("d23", 7, "ngo", "publish", []),
    ("d23", 9, "private_sector", "destroy", ["destruction_disposal"]),
]


def tables(adopted_asks: list[tuple[str, int, str]]) -> tuple[pd.DataFrame, ...]:
    recs = pd.DataFrame(
        [
            {"doc_id": d, "para_no": p, "rec_no": 1, "text": "x", "by": b, "themes": t}
            for d, p, b, _, t in RECS
        ]
    )
    clusters = pd.DataFrame(
        [
            {"doc_id": d, "para_no": p, "rec_no": 1, "ask_id": a, "cluster_label": a.title(),
             "source": "catalogue"}
            for d, p, _, a, _ in RECS
        ]
    )  # fmt: skip
    asks = pd.DataFrame(
        [
            {"doc_id": d, "para_no": p, "ask_id": a, "score": 0.9, "source": "matcher"}
            for d, p, a in adopted_asks
        ],
        columns=get_table("adopted_asks").columns,
    )
    return DOCUMENTS, recs, clusters, asks


def test_uptake_first_raised_then_taken_up_by_a_later_report_of_the_working_group():
    got = uptake(*tables([("w24", 4, "mark")])).set_index("ask_id")
    mark = got.loc["mark"]
    assert (mark["first_doc"], mark["first_para_no"], mark["first_year"]) == ("d22", 3, 2022)
    assert (mark["n_raised"], mark["n_sessions"], mark["last_date"]) == (2, 2, "2023-05-05")
    assert mark["by_types"] == ["academia", "ngo"]
    assert mark["themes"] == ["marking_tracing", "parts_components"]
    assert bool(mark["taken_up"]) and mark["status"] == "taken up"
    assert (mark["report_doc"], mark["report_para_no"], mark["report_year"]) == ("w24", 4, 2024)
    assert mark["lag_years"] == 2
    assert got.loc["publish", "status"] == "not taken up"
    assert pd.isna(got.loc["publish", "lag_years"])


def test_uptake_only_a_report_dated_after_the_dialogue_that_raised_it_counts():
    # w23 predates the dialogue that first raised "publish"; s24 is another working group's
    got = uptake(*tables([("w23", 2, "publish"), ("s24", 3, "destroy")])).set_index("ask_id")
    assert not got["taken_up"].any()


def test_uptake_the_first_later_report_is_named():
    got = uptake(*tables([("w24", 4, "mark"), ("w23", 2, "mark")])).set_index("ask_id")
    # "mark" was first raised in 2022: the report of January 2023 took it up first
    assert (got.loc["mark", "report_doc"], got.loc["mark", "lag_years"]) == ("w23", 1)


def test_uptake_table_fits_its_schema():
    got = uptake(*tables([("w24", 4, "mark")]))
    assert list(got.columns) == get_table("uptake").columns
    assert list(got["working_group"].unique()) == ["firearms"]


# -- scores ----------------------------------------------------------------------------------


GOLD_DOCS = {
    "d22": {"working_group": "firearms", "date": "2022-05-06"},
    "d23": {"working_group": "firearms", "date": "2023-05-05"},
    "d25": {"working_group": "firearms", "date": "2025-05-05"},  # after the report
    "w24": {"working_group": "firearms", "date": "2024-04-03"},
}
GOLD_ADOPTED = [
    {"doc_id": "w24", "para_no": 2, "to": "states", "themes": ["marking_tracing"],
     "asks": ["mark"]},
    {"doc_id": "w24", "para_no": 3, "to": "unodc", "themes": [], "asks": []},
]  # fmt: skip


def test_uptake_links_are_scored_over_dialogue_and_adopted_pairs():
    dialogue = [  # (doc_id, gold cluster, the pipeline's ask)
        ("d22", "mark", "mark"),
        ("d23", "mark", None),  # the pipeline missed this recommendation
        ("d23", "publish", "publish"),
        ("d25", "mark", "mark"),  # after the report: no pair
    ]
    asks = pd.DataFrame(
        [
            {"doc_id": "w24", "para_no": 2, "ask_id": "mark", "score": 0.9, "source": "matcher"},
            {"doc_id": "w24", "para_no": 3, "ask_id": "publish", "score": 0.5, "source": "matcher"},
        ]
    )
    got = score_links(dialogue, GOLD_DOCS, GOLD_ADOPTED, asks)
    # gold links: (d22 mark, 2), (d23 mark, 2); predicted: (d22, 2) and (d23 publish, 3)
    assert (got["precision"], got["recall"], got["support"]) == (0.5, 0.5, 2)
    assert got["by_report"]["w24"]["dialogue_recommendations"] == 3


def test_uptake_adopted_recommendations_are_scored_by_paragraph_with_to_and_themes():
    adopted = pd.DataFrame(
        [
            {"doc_id": "w24", "para_no": 2, "to": "states", "themes": ["marking_tracing", "x"]},
            {"doc_id": "w24", "para_no": 5, "to": "states", "themes": []},
        ]
    )
    got = score_adopted(adopted, GOLD_ADOPTED)
    assert (got["precision"], got["recall"], got["to_accuracy"]) == (0.5, 0.5, 1.0)
    assert got["themes"]["precision"] == 0.5 and got["themes"]["recall"] == 1.0


def test_uptake_document_types_are_scored_on_the_gold_documents_present():
    got = score_doc_types(DOCUMENTS, {"d22": "crp", "w24": "wg_report", "s24": "crp", "zz": "crp"})
    assert got == {"accuracy": 0.6667, "documents": 3, "wrong": ["s24"]}


def test_uptake_a_report_is_scored_with_the_catalogue_as_it_stood_before_it():
    def ask(ask_id: str, *docs: str) -> Ask:
        return Ask(
            ask_id, ask_id, ask_id, (), "states", tuple(Example(d, f"{d} text") for d in docs)
        )

    catalogue = [ask("mark", "d22", "d25", "w24"), ask("late", "d25"), ask("undated", "dx")]
    when = {"d22": "2022-05-06", "d25": "2025-05-05", "w24": "2024-04-03"}
    got = catalogue_before(catalogue, "w24", when)
    assert [(a.id, [e.doc_id for e in a.examples]) for a in got] == [("mark", ["d22"])]


# -- the analyst's answers -------------------------------------------------------------------


ADOPTED = pd.DataFrame(
    [
        {"doc_id": "w24", "para_no": 2, "text": "States parties should mark parts.", "to": "states",
         "themes": ["marking_tracing"], "candidate": "mark", "candidate_score": 0.45},
        {"doc_id": "w24", "para_no": 3, "text": "The secretariat should publish.", "to": "unodc",
         "themes": [], "candidate": "publish", "candidate_score": 0.3},
        {"doc_id": "w24", "para_no": 4, "text": "States should act.", "to": "states",
         "themes": [], "candidate": "publish", "candidate_score": 0.02},
        {"doc_id": "w24", "para_no": 5, "text": "States should trace.", "to": "states",
         "themes": [], "candidate": "trace", "candidate_score": 0.95},
    ]
)  # fmt: skip
TAKEN = pd.DataFrame(
    [
        {"doc_id": "w24", "para_no": 2, "ask_id": "mark", "score": 0.45, "source": "matcher"},
        {"doc_id": "w24", "para_no": 5, "ask_id": "trace", "score": 0.95, "source": "matcher"},
    ]
)


def test_uptake_review_lists_the_unsure_adopted_recommendations_least_sure_first():
    got = adopted_review_rows(ADOPTED, TAKEN, {"mark": "Mark parts"}, below=0.6)
    # para 2: taken up at 0.45 < 0.6; para 3: nothing taken, its best candidate 0.3 is close;
    # para 4: nothing close (0.02); para 5: sure (0.95)
    assert list(got["para_no"]) == [3, 2]
    assert list(got["proposed_ask"]) == ["publish", "mark"]
    assert list(got["proposed_label"]) == ["publish", "Mark parts"]
    assert set(got["source"]) == {"adopted"} and set(got["decision"]) == {""}


def test_uptake_review_answers_are_read_accept_ids_or_none(tmp_path):
    table = adopted_review_rows(ADOPTED, TAKEN, {}, below=0.6).astype({"para_no": str})
    table["decision"] = ["none", "accept"]
    known = {"mark", "publish"}
    got = read_adopted_decisions(table, known, tmp_path / "r.csv")
    assert [(d["para_no"], d["asks"]) for d in got] == [(3, []), (2, ["mark"])]
    table["decision"] = ["publish; ghost", ""]
    with pytest.raises(PipelineError, match=r"r\.csv:2: 'ghost' is not an ask id"):
        read_adopted_decisions(table, known, tmp_path / "r.csv")


def test_uptake_review_answers_go_to_adopted_yaml_and_replace_earlier_ones(tmp_path):
    folder = tmp_path / "taxonomy"
    shutil.copytree(TAXONOMY_DIR, folder)
    known = {"mark_register_parts_components", "publish_review_documents"}
    table = adopted_review_rows(ADOPTED, TAKEN, {}, below=0.6)
    table["decision"] = ["publish_review_documents", "accept"]
    table.loc[1, "proposed_ask"] = "mark_register_parts_components"
    assert apply_adopted(table, folder, known, Path("review.csv")) == 2
    table["decision"] = ["none", ""]
    assert apply_adopted(table, folder, known, Path("review.csv")) == 1
    rules = load_adopted(folder, known)
    assert {(d.doc_id, d.para_no, d.asks) for d in rules.decisions} == {
        ("w24", 3, ()),
        ("w24", 2, ("mark_register_parts_components",)),
    }
    text = (folder / "adopted.yaml").read_text(encoding="utf-8")
    assert text.startswith("# Working group reports")  # the comments are kept


def test_uptake_a_decision_for_an_unknown_ask_is_refused_with_file_and_line(tmp_path):
    folder = tmp_path / "taxonomy"
    shutil.copytree(TAXONOMY_DIR, folder)
    path = folder / "adopted.yaml"
    decisions = [{"doc_id": "w24", "para_no": 2, "asks": ["ghost"], "text": "x"}]
    path.write_text(apply_decisions(path.read_text(encoding="utf-8"), decisions), "utf-8")
    with pytest.raises(PipelineError, match=r"adopted\.yaml:\d+: decisions\.0\.asks\.0: 'ghost'"):
        load_adopted(folder, {"mark"})
