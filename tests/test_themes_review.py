"""The analyst's loop for themes: review the unsure pairs, apply the answers, learn from them."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from conftest import document_row, tiny_site
from test_themes import LABELS, make_nlp, paragraph, tagged, training_set

from pipeline.errors import PipelineError
from pipeline.knowledge.source import TaxonomyError
from pipeline.knowledge.taxonomy import load_taxonomy
from pipeline.paths import Layout
from pipeline.schemas import write_table
from pipeline.themes.answers import apply_answers, read_review, read_table, write_review
from pipeline.themes.labels import (
    ThemeAnswer,
    final_answers,
    merge,
    read_answers,
    text_hash,
    withdraw,
)
from pipeline.themes.model import ThemeModel, ThemeSettings, TrainingSet
from pipeline.themes.review import COLUMNS
from pipeline.themes.unsure import least_sure
from pipeline.themes.vocabulary import ThemeVocabulary

TAXONOMY = load_taxonomy(parts=["labels", "themes"])
TEXT = "Marking of firearms and record-keeping were discussed at length."
OTHER = "Victims of trafficking were referred to shelters."


def answer(theme: str = "marking_tracing", said: str = "yes", **over) -> ThemeAnswer:
    data = {
        "doc_id": "d",
        "para_no": 1,
        "theme": theme,
        "answer": said,
        "text_sha256": text_hash(TEXT),
        "text": TEXT,
        "working_group": "firearms",
        "file": "review.csv",
        "date": "2025-06-02T09:00:00Z",
    }
    return ThemeAnswer(**(data | over))


def write_lines(path: Path, rows: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


# -- the labels file ------------------------------------------------------------------------
def test_labels_text_hash_ignores_whitespace_a_spreadsheet_changes():
    assert text_hash("A  paragraph\nof text. ") == text_hash("A paragraph of text.")
    assert text_hash("A paragraph.") != text_hash("Another paragraph.")


def test_labels_round_trip_and_missing_file_is_empty(tmp_path):
    from pipeline.themes.labels import write_answers

    path = tmp_path / "labels" / "themes.jsonl"
    assert read_answers(path, TAXONOMY.labels) == []
    write_answers(path, [answer("gender", "no"), answer()])
    assert [a.theme for a in read_answers(path, TAXONOMY.labels)] == ["gender", "marking_tracing"]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"theme": "ghost_gun"}, r"themes\.jsonl:2: theme\.0: unknown theme 'ghost_gun'"),
        ({"answer": "maybe"}, r"themes\.jsonl:2: answer: "),
        ({"text": "Edited by hand."}, r"themes\.jsonl:2: text_sha256: does not match the text"),
        ({"para_no": "1"}, r"themes\.jsonl:2: para_no"),
        ({}, r"themes\.jsonl:2: d paragraph 1, marking_tracing is answered twice \(also line 1\)"),
    ],
)
def test_labels_a_bad_line_is_named_by_file_and_line(tmp_path, change, message):
    good = answer().model_dump()
    path = write_lines(tmp_path / "themes.jsonl", [good, good | change])
    with pytest.raises(TaxonomyError, match=message):
        read_answers(path, TAXONOMY.labels)


def test_labels_merge_keeps_a_repeated_answer_and_replaces_a_contradiction():
    first = merge([], [answer(), answer("gender", "no")])
    assert len(first.added) == 2
    again = merge(first.answers, [answer(), answer("gender", "no")])
    assert again.unchanged == 2 and not again.added and not again.replaced
    turned = merge(again.answers, [answer("gender", "yes", file="later.csv")])
    ((old, new),) = turned.replaced
    assert (old.answer, new.answer, new.file) == ("no", "yes", "later.csv")
    assert {a.theme: a.answer for a in turned.answers} == {
        "marking_tracing": "yes",
        "gender": "yes",
    }
    kept, removed = withdraw(turned.answers, "later.csv")
    assert removed == 1 and [a.theme for a in kept] == ["marking_tracing"]


def test_labels_final_answers_are_keyed_by_text():
    final = final_answers([answer(), answer("gender", "no")])
    assert final == {text_hash(TEXT): {"gender": False, "marking_tracing": True}}


# -- choosing what to ask -------------------------------------------------------------------
def test_review_asks_about_the_pairs_nearest_the_threshold_one_per_paragraph_first():
    probs = np.array([[0.49, 0.52, 0.9], [0.1, 0.3, 0.45], [0.02, 0.99, 0.6]])
    assert least_sure(probs, 0.5, 2) == [(0, 0), (1, 2)]  # (0, 1) waits: paragraph 0 had one
    assert least_sure(probs, 0.5, 4) == [(0, 0), (1, 2), (2, 2), (0, 1)]
    answered = np.zeros(probs.shape, dtype=bool)
    answered[0, 0] = True
    assert least_sure(probs, 0.5, 1, answered) == [(0, 1)]
    assert len(least_sure(probs, 0.5, 100)) == probs.size


# -- learning from partial labels ------------------------------------------------------------
def test_vocabulary_learns_a_theme_only_from_texts_whose_answer_it_knows():
    data = training_set()
    texts = [p.text for p in data.paragraphs]
    unknown = data.targets.copy()
    unknown[2:4, 0] = 0  # firearms paragraphs whose firearms answer is not known
    known = np.ones(unknown.shape, dtype=bool)
    known[2:4, 0] = False
    masked = ThemeVocabulary(LABELS).fit(texts, unknown, known=known)
    as_negatives = ThemeVocabulary(LABELS).fit(texts, unknown)
    seized = ["Rifles converted from alarm pistols were seized."]
    assert masked.predict_proba(seized)[0, 0] > as_negatives.predict_proba(seized)[0, 0]


def one_answer(data: TrainingSet, text: str, weight: float) -> TrainingSet:
    """One paragraph of document d9 answered "yes" for the first theme only, at `weight`."""
    return TrainingSet(
        [paragraph(text)],
        np.array([[1, 0]]),
        ["d9"],
        data.examples,
        data.example_targets,
        known=np.array([[True, False]]),
        weights=np.array([weight]),
    )


def test_model_learns_from_partial_rows_and_only_their_known_pairs():
    data = training_set()
    partial = one_answer(data, "Ammunition and pistols were stockpiled by dealers.", 3.0)
    both = data.plus(partial)
    assert both.mask.sum() == data.targets.size + 1
    model = ThemeModel(LABELS, ThemeSettings(similarity=False)).fit(both)
    assert model.predict_proba([paragraph("Dealers stockpiled ammunition.")])[0, 0] > 0.5
    assert np.isclose(model.parts_.rates.overall, data.targets.mean(axis=0)).all()


def test_an_answers_weight_also_weighs_it_in_the_vocabulary():
    """`answer_weight` weighs an analyst's answer in the learned vocabulary too, not only in
    the decision's rows: a session's wording, answered with weight, moves its theme."""
    data = training_set()

    def vocabulary_of(weight: float) -> float:
        answered = one_answer(data, "Dealers stockpiled crossbows in warehouses.", weight)
        both = data.plus(answered).plus(answered)  # twice: min_df keeps its words
        parts = ThemeModel(LABELS, ThemeSettings(similarity=False)).fit_parts(both, None, None)
        return float(parts.vocabulary.predict_proba(["Crossbows in warehouses."])[0, 0])

    assert vocabulary_of(10.0) > vocabulary_of(1.0) + 0.05


# -- answers are final at tag time ----------------------------------------------------------
def test_themes_component_applies_analysts_answers_whatever_the_model_says(tmp_path):
    model = ThemeModel(LABELS, ThemeSettings(similarity=False)).fit(training_set())
    text = "Dealers trafficked rifles and pistols across the border. Victims were found."
    nlp = make_nlp(model)
    nlp.get_pipe("crp_themes").set_answers({text_hash(text): {"firearms": False, "victims": True}})
    doc = tagged(nlp, text, [("victims", 63, 70)], [])
    themes = {s.label_: s.id_ for s in doc.spans["themes"]}
    assert themes == {"victims": "analyst/victims"}
    assert doc._.theme_scores["victims"] == 1.0 and doc._.theme_scores["firearms"] == 0.0
    nlp.get_pipe("crp_themes").to_disk(tmp_path)
    again = make_nlp(None).get_pipe("crp_themes").from_disk(tmp_path)
    assert again.answers == {text_hash(text): {"firearms": False, "victims": True}}


def test_themes_component_without_a_model_applies_answers_to_the_lexicon():
    text = "Pistols were sold. States should support victims."
    nlp = make_nlp(None)
    nlp.get_pipe("crp_themes").set_answers({text_hash(text): {"victims": False, "firearms": True}})
    doc = tagged(nlp, text, [("victims", 41, 48)], [])
    assert [(s.label_, s.id_, s.text) for s in doc.spans["themes"]] == [
        ("firearms", "analyst/firearms", "Pistols were sold.")
    ]


# -- reading a filled review ----------------------------------------------------------------
def review_rows(**over) -> pd.DataFrame:
    rows = [
        {"doc_id": "d", "para_no": "1", "theme": "marking_tracing", "answer": "Yes"},
        {"doc_id": "d", "para_no": "1", "theme": "gender", "answer": "no"},
        {"doc_id": "d", "para_no": "2", "theme": "victims_survivors", "answer": ""},
    ]
    table = pd.DataFrame([{c: "" for c in COLUMNS} | r for r in rows])
    table["text_sha256"] = [text_hash(TEXT), text_hash(TEXT), text_hash(OTHER)]
    for column, values in over.items():
        table[column] = values
    return table


def read(table: pd.DataFrame, tmp_path: Path, texts: dict | None = None):
    path = tmp_path / "review.csv"
    write_review(table, path)
    current = {("d", 1): TEXT, ("d", 2): OTHER} if texts is None else texts
    return read_review(read_table(path), path, TAXONOMY.themes, current, {"d": "firearms"}, "r")


def test_review_file_opens_in_a_spreadsheet_as_utf8_with_one_header(tmp_path):
    path = tmp_path / "review.csv"
    write_review(review_rows(), path)
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf") and raw.count(b"doc_id") == 1
    semicolons = tmp_path / "saved.csv"  # as a spreadsheet in a comma-decimal locale saves it
    review_rows().to_csv(semicolons, sep=";", index=False, encoding="utf-8")
    assert list(read_table(semicolons)["answer"]) == ["Yes", "no", ""]


def test_review_answers_and_other_themes_by_label(tmp_path):
    got = read(review_rows(other_themes=["", "", "Victims and survivors; gender"]), tmp_path)
    answers = {(a.para_no, a.theme): a.answer for a in got.answers}
    assert answers == {
        (1, "marking_tracing"): "yes",
        (1, "gender"): "no",
        (2, "victims_survivors"): "yes",
        (2, "gender"): "yes",
    }
    assert {a.file for a in got.answers} == {"r"} and not got.stale
    assert got.answers[0].working_group == "firearms"


def test_review_rows_whose_paragraph_changed_are_stale(tmp_path):
    got = read(review_rows(), tmp_path, {("d", 1): TEXT + " Re-extracted.", ("d", 2): OTHER})
    assert got.stale == ["d paragraph 1"] and not got.answers


@pytest.mark.parametrize(
    ("over", "message"),
    [
        ({"answer": ["perhaps", "", ""]}, r"review\.csv:2: answer 'perhaps': write yes or no"),
        ({"other_themes": ["", "", "ghosts"]}, r"review\.csv:4: other_themes: unknown theme"),
        (
            {"other_themes": ["", "", ""], "answer": ["yes", "no", ""], "theme": ["gender"] * 3},
            r"review\.csv:3: d paragraph 1, gender: 'no' here but 'yes' on line 2",
        ),
    ],
)
def test_review_errors_name_the_file_and_line(tmp_path, over, message):
    with pytest.raises(PipelineError, match=message):
        read(review_rows(**over), tmp_path)


# -- applying -------------------------------------------------------------------------------
def test_apply_twice_changes_nothing_contradictions_replace_withdraw_removes(tmp_path):
    labels = tmp_path / "labels" / "themes.jsonl"
    first = read(review_rows(), tmp_path)
    lines = apply_answers(labels, first, TAXONOMY.labels)
    assert lines[0].endswith("2 answer(s) added, 0 already there, 0 replaced")
    before = labels.read_text(encoding="utf-8")
    lines = apply_answers(labels, first, TAXONOMY.labels)
    assert "0 answer(s) added, 2 already there" in lines[0]
    assert labels.read_text(encoding="utf-8") == before
    turned = read(review_rows(answer=["no", "no", ""]), tmp_path)
    lines = apply_answers(labels, turned, TAXONOMY.labels)
    assert "1 replaced" in lines[0]
    assert "d paragraph 1, marking_tracing: yes (r) → no" in lines[1]
    extracted_again = {("d", 1): TEXT + " Re-extracted.", ("d", 2): OTHER}
    lines = apply_answers(labels, turned, TAXONOMY.labels, current=extracted_again)
    assert "2 recorded answer(s) no longer match their paragraph's text" in lines[-1]
    lines = apply_answers(labels, turned, TAXONOMY.labels, withdrawn="r")
    assert "2 answer(s) of r withdrawn" in lines[0] and read_answers(labels, TAXONOMY.labels) == []


def test_crp_themes_apply_from_the_command_line(tmp_path, monkeypatch):
    from typer.testing import CliRunner

    from pipeline.cli import app

    layout = Layout.under(tmp_path / "out", tmp_path / "raw")
    paragraphs = pd.DataFrame(
        [
            {"doc_id": "d", "para_no": 1, "text": TEXT},
            {"doc_id": "d", "para_no": 2, "text": OTHER},
        ]
    ).assign(section="I", subsection=None, page_start=1, page_end=1)
    write_table(paragraphs, "paragraphs", layout.table("paragraphs"))
    write_table(pd.DataFrame([document_row()]), "documents", layout.table("documents"))
    csv = tmp_path / "review.csv"
    write_review(review_rows(), csv)
    labels = tmp_path / "themes.jsonl"
    params = tmp_path / "params.yaml"
    params.write_text(f"build_tagger:\n  labels: {labels}\n", encoding="utf-8")
    monkeypatch.setenv("CRP_ROOT", str(tmp_path))
    args = ["themes", "apply", str(csv), "--out", str(layout.processed), "--params", str(params)]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    assert "2 answer(s) added" in result.output
    assert {a.file for a in read_answers(labels, TAXONOMY.labels)} == {"review.csv"}
    result = CliRunner().invoke(app, [*args, "--withdraw"])
    assert "2 answer(s) of review.csv withdrawn" in result.output


# -- the report -----------------------------------------------------------------------------
def test_report_theme_page_marks_the_paragraphs_an_analyst_confirmed():
    from pipeline.report_themes import ThemeIndex, theme_page

    text = "States marked firearms. Records were kept."
    paragraphs = [{"doc_id": "d", "para_no": n, "text": text} for n in (1, 2)]
    tags = [
        {
            "doc_id": "d",
            "para_no": 1,
            "kind": "theme",
            "label": "marking_tracing",
            "start": 7,
            "end": 13,
            "rule": "analyst/marking_tracing",
        },
        {
            "doc_id": "d",
            "para_no": 2,
            "kind": "theme",
            "label": "marking_tracing",
            "start": 7,
            "end": 13,
            "rule": "theme/marking_tracing/marking",
            "score": 0.7,
        },
    ]
    site = tiny_site(paragraphs, tags)
    page = theme_page(site, ThemeIndex.build(site), "marking_tracing")
    assert {p["para_no"]: p["confirmed"] for p in page["paragraphs"]} == {1: True, 2: False}


# -- what answers teach about their session -------------------------------------------------
def test_sessions_offset_moves_a_theme_the_way_the_answers_say():
    from pipeline.themes.sessions import offset

    no = offset(np.array([0.0]), np.array([False]))
    assert -1.0 < no < -0.5  # one "no" at the threshold: about -0.7 log-odds
    assert offset(np.array([0.0, 0.0]), np.array([False, False])) < no  # two say more
    assert offset(np.array([0.0, 0.0]), np.array([True, False])) == pytest.approx(0.0, abs=1e-9)


def test_model_applies_session_offsets_to_its_document_only_and_keeps_them(tmp_path):
    from dataclasses import replace

    model = ThemeModel(LABELS, ThemeSettings(similarity=False)).fit(training_set())
    text = "Rifles and pistols were seized by the police."
    here, elsewhere = replace(paragraph(text), document="s"), paragraph(text)
    before = model.predict_proba([here, elsewhere])
    model.sessions_ = {"s": {"firearms": -2.0}}
    after = model.predict_proba([here, elsewhere])
    assert after[0, 0] < before[0, 0] and after[1, 0] == before[1, 0]
    assert after[0, 1] == pytest.approx(before[0, 1])
    assert np.array_equal(model.predict_proba([here], sessions=False), before[:1])
    model.to_disk(tmp_path)
    assert ThemeModel.from_disk(tmp_path).sessions_ == {"s": {"firearms": -2.0}}


def test_sessions_fitted_only_for_documents_with_answers():
    from pipeline.themes.sessions import fit_sessions

    data = training_set()
    answers = TrainingSet(
        [paragraph("Victims and rifles were mentioned in passing.")],
        np.array([[0, 0]]),
        ["s"],
        data.examples,
        data.example_targets,
        known=np.array([[True, False]]),
    )
    both = data.plus(answers)
    model = ThemeModel(LABELS, ThemeSettings(similarity=False)).fit(both)
    offsets = fit_sessions(model, both, None)
    assert list(offsets) == ["s"] and list(offsets["s"]) == ["firearms"]
    assert offsets["s"]["firearms"] < 0


def test_with_session_refits_with_a_new_sessions_answers_only():
    from pipeline.themes.sessions import with_session

    data = training_set()
    model = ThemeModel(LABELS, ThemeSettings(similarity=False)).fit(data)
    answer_rows = TrainingSet(
        [paragraph("Pistols were converted in workshops.")],
        np.array([[1, 0]]),
        ["s"],
        data.examples,
        data.example_targets,
        known=np.array([[True, False]]),
    )
    again = with_session(model, answer_rows, None, None, data)
    assert len(again.rows_.y) == len(model.rows_.y) + 1
    assert not np.array_equal(again.decision_.coef_, model.decision_.coef_)
    assert model.sessions_ == {}
    with pytest.raises(ValueError, match="among the training documents"):
        with_session(model, data.subset([0]), None, None, data)


def test_simulated_analyst_scores_pairs_and_unreviewed_paragraphs():
    from pipeline.themes.analyst import prf, with_offsets

    assert prf(np.array([[1, 0], [1, 1]]), np.array([[1, 0], [0, 1]])) == {
        "precision": 0.6667,
        "recall": 1.0,
        "f1": 0.8,
    }
    z = np.array([[0.2, 1.0], [0.3, -1.0]])
    answered = np.array([[True, False], [False, False]])
    shifted = with_offsets(z, answered, np.array([[False, True], [True, False]]))
    assert shifted[1, 0] < 0 < z[1, 0]  # the "no" on paragraph 0 carried to paragraph 1
    assert np.array_equal(shifted[:, 1], z[:, 1])


# -- crp themes review ----------------------------------------------------------------------
def test_review_writes_each_documents_least_sure_pairs_and_never_an_answered_one(
    tmp_path, tagger_dir
):
    import spacy

    from pipeline.params import read_params
    from pipeline.themes.review import run_review

    layout = Layout.under(tmp_path / "out", tmp_path / "raw")
    texts = {
        ("d", 1): "Rifles and pistols were seized; victims were supported.",
        ("d", 2): "Dealers sold pistols to victims of trafficking.",
        ("d", 3): "Shelters helped victims; police seized rifles.",
        ("e", 1): "Survivors and pistols were discussed.",
        ("e", 2): "The meeting was opened by the Chair.",
    }
    paragraphs = pd.DataFrame(
        [{"doc_id": d, "para_no": p, "text": t} for (d, p), t in texts.items()]
    ).assign(section="I", subsection=None, page_start=1, page_end=1)
    write_table(paragraphs, "paragraphs", layout.table("paragraphs"))
    documents = [document_row(), document_row(doc_id="e", file="e.pdf")]
    write_table(pd.DataFrame(documents), "documents", layout.table("documents"))
    nlp = spacy.load(tagger_dir)
    model = ThemeModel(LABELS, ThemeSettings(similarity=False)).fit(training_set())
    decider = nlp.get_pipe("crp_themes")
    decider.set_model(model)
    decider.set_answers({text_hash(texts[("d", 1)]): {"firearms": True, "victims": False}})
    layout.models.mkdir(parents=True)
    nlp.to_disk(layout.models / "tagger")
    out = tmp_path / "review.csv"
    message = run_review(layout, read_params(), out, per_document=2)
    assert "4 (paragraph, theme) pair(s) of 2 document(s)" in message
    table = read_table(out)
    assert list(table.columns) == COLUMNS and out.read_bytes().startswith(b"\xef\xbb\xbf")
    assert (table["doc_id"].value_counts() == 2).all()
    assert not ((table["doc_id"] == "d") & (table["para_no"] == "1")).any()  # answered
    assert set(table["proposed"]) <= {"yes", "no"} and (table["evidence"] != "").all()
    only_e = run_review(layout, read_params(), out, per_document=1, documents=["e"])
    assert "1 (paragraph, theme) pair(s) of 1 document(s)" in only_e
    with pytest.raises(PipelineError, match="--documents: \\['x'\\] have no paragraphs"):
        run_review(layout, read_params(), out, documents=["x"])
