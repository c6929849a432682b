"""Segmentation against the golden paragraphs of every bundled layout."""

from __future__ import annotations

import pandas as pd
import pytest
from conftest import CASES, DOC_IDS, GOLD, golden, page_line, read_jsonl
from rapidfuzz.distance import Levenshtein

from pipeline.segment import SegmentSettings, segment


def similarity(a: str, b: str) -> float:
    return Levenshtein.normalized_similarity(" ".join(a.split()), " ".join(b.split()))


# Known differences that belong to line joining (pipeline/hyphenation.py), not to
# segmentation: strict, so the test says so the day they are fixed.
def _text_cases() -> list:
    return [
        pytest.param(case, doc_id, id=f"{'/'.join(case)}-{doc_id}")
        for case in CASES
        for doc_id in DOC_IDS
    ]


@pytest.mark.parametrize("case", CASES, ids=["/".join(c) for c in CASES])
@pytest.mark.parametrize("doc_id", DOC_IDS)
def test_segment_paragraph_numbers_match_golden(layout_tables, case, doc_id):
    paragraphs = layout_tables[case]["paragraphs"]
    got = paragraphs[paragraphs["doc_id"] == doc_id]
    assert list(got["para_no"]) == [e["para_no"] for e in golden(doc_id)]


@pytest.mark.parametrize(("case", "doc_id"), _text_cases())
def test_segment_paragraph_text_matches_golden_exactly(layout_tables, case, doc_id):
    paragraphs = layout_tables[case]["paragraphs"]
    got = paragraphs[paragraphs["doc_id"] == doc_id].set_index("para_no")["text"]
    wrong = [
        (e["para_no"], round(similarity(e["text"], got.get(e["para_no"], "")), 4))
        for e in golden(doc_id)
        if similarity(e["text"], got.get(e["para_no"], "")) < 1.0
    ]
    assert wrong == []


@pytest.mark.parametrize("case", CASES, ids=["/".join(c) for c in CASES])
def test_segment_corpus_mean_similarity(layout_tables, case):
    paragraphs = layout_tables[case]["paragraphs"].set_index(["doc_id", "para_no"])
    sims = [
        similarity(e["text"], paragraphs.loc[(doc_id, e["para_no"]), "text"])
        for doc_id in DOC_IDS
        for e in golden(doc_id)
    ]
    assert sum(sims) / len(sims) >= 0.9995


@pytest.mark.parametrize("case", CASES, ids=["/".join(c) for c in CASES])
def test_segment_sections_and_subsections_match_gold(layout_tables, case):
    paragraphs = layout_tables[case]["paragraphs"].set_index(["doc_id", "para_no"])
    wrong = []
    for doc_id in DOC_IDS:
        for g in read_jsonl(GOLD / f"{doc_id}.paragraphs.jsonl"):
            row = paragraphs.loc[(doc_id, g["para_no"])]
            subsection = None if pd.isna(row["subsection"]) else row["subsection"]
            if row["section"] != g["section"] or subsection != g["subsection"]:
                wrong.append((doc_id, g["para_no"]))
    assert wrong == []


def test_segment_layouts_and_readers_give_the_same_paragraphs(layout_tables):
    texts = {
        case: tables["paragraphs"].set_index(["doc_id", "para_no"])["text"]
        for case, tables in layout_tables.items()
    }
    base = texts.pop(("pdfium", "un"))
    for case, other in texts.items():
        assert list(other.index) == list(base.index), case
        assert (other == base).mean() >= 0.99, case


def test_segment_page_furniture_and_footnote_markers_never_reach_text(sample_tables):
    documents, paragraphs = sample_tables["documents"], sample_tables["paragraphs"]
    crps = set(documents.loc[documents["doc_type"] == "crp", "doc_id"])  # reports cite CRPs
    text = " ".join(paragraphs.loc[paragraphs["doc_id"].isin(crps), "text"])
    assert "V.2" not in text  # job numbers
    assert "CRP.1" not in text  # running-header symbol
    assert "Distr.:" not in text  # first-page masthead
    assert "thereto through Conference" in text  # marker "1" removed, words kept


def test_segment_paragraph_across_page_break_is_one_paragraph(sample_tables):
    paragraphs = sample_tables["paragraphs"]
    spanning = paragraphs[paragraphs["page_start"] < paragraphs["page_end"]]
    assert len(spanning) >= 5
    for row in spanning.itertuples():
        assert row.text.rstrip().endswith((".", ")", "html")), row.para_no


def _lines(rows: list[tuple]) -> pd.DataFrame:
    """A pages table from (page, top, x0, text, bold, italic[, x1]) tuples; x1 500 is the
    right edge of the text block."""
    return pd.DataFrame(
        [
            page_line(p, i, top, text, x0, bold, italic, *x1)
            for i, (p, top, x0, text, bold, italic, *x1) in enumerate(rows)
        ]
    )


def test_segment_sub_items_stay_inside_their_paragraph():
    lines = _lines(
        [
            (1, 100, 70, "I. Introduction", True, False),
            (1, 120, 70, "1. The meeting focused on:", False, False),
            (1, 132, 90, "(a) marking of firearms;", False, False),
            (1, 144, 90, "(b) record-keeping.", False, False),
            (1, 162, 70, "2. Next paragraph.", False, False),
        ]
    )
    got = segment(lines, SegmentSettings())
    assert list(got["para_no"]) == [1, 2]
    assert (
        got.iloc[0]["text"]
        == "The meeting focused on: (a) marking of firearms; (b) record-keeping."
    )
    assert got.iloc[0]["section"] == "I. Introduction"


def test_segment_number_inside_text_does_not_start_a_paragraph():
    lines = _lines(
        [
            (1, 120, 70, "1. States parties should keep records for", False, False),
            (1, 132, 70, "2. years at least, and more.", False, False),  # wrapped text, no gap
            (1, 150, 70, "2. A real second paragraph.", False, False),
        ]
    )
    got = segment(lines, SegmentSettings())
    assert list(got["para_no"]) == [1, 2]
    assert got.iloc[0]["text"].endswith("2. years at least, and more.")


def test_segment_italic_heading_sets_subsection_until_next_section():
    lines = _lines(
        [
            (1, 100, 70, "II. Topics", True, False, 130),
            (1, 120, 70, "1. First paragraph, which", False, False),
            (1, 132, 70, "runs over two lines.", False, False, 170),
            (1, 152, 70, "Gender dimensions", False, True, 160),
            (1, 172, 70, "2. Second paragraph, which", False, False),
            (1, 184, 70, "also runs over two lines.", False, False, 190),
            (1, 204, 70, "III. Closing", True, False, 130),
            (1, 224, 70, "3. Third.", False, False, 120),
        ]
    )
    got = segment(lines, SegmentSettings()).set_index("para_no")
    assert pd.isna(got.loc[1, "subsection"])
    assert got.loc[2, "subsection"] == "Gender dimensions"
    assert pd.isna(got.loc[3, "subsection"]) and got.loc[3, "section"] == "III. Closing"


def test_segment_italic_line_inside_a_paragraph_is_text_not_a_heading():
    lines = _lines(
        [
            (1, 120, 70, "1. She cited the report", False, False),
            (1, 132, 70, "Gender and Small Arms Control", False, True),
            (1, 144, 70, "published last year.", False, False),
        ]
    )
    got = segment(lines, SegmentSettings())
    assert (
        got.iloc[0]["text"]
        == "She cited the report Gender and Small Arms Control published last year."
    )
    assert pd.isna(got.iloc[0]["subsection"])


def test_segment_empty_input_gives_empty_table():
    got = segment(
        _lines([]).reindex(columns=_lines([(1, 1, 1, "x", False, False)]).columns),
        SegmentSettings(),
    )
    assert got.empty and "para_no" in got.columns


def _by_number(rows: list[tuple]) -> pd.DataFrame:
    return segment(_lines(rows), SegmentSettings()).set_index("para_no")


@pytest.mark.parametrize(("bold", "italic"), [(False, True), (True, False), (True, True)])
def test_segment_sub_heading_without_any_gap_is_a_heading(bold, italic):
    # Word's heading styles may give no space at all: every line 12 pt below the last.
    got = _by_number(
        [
            (1, 100, 70, "1. First paragraph, which", False, False),
            (1, 112, 70, "runs over two lines.", False, False, 170),
            (1, 124, 70, "First panel: markings, record-keeping and ammunition", bold, italic, 330),
            (1, 136, 70, "2. Second paragraph, which", False, False),
            (1, 148, 70, "also runs over two lines.", False, False, 190),
        ]
    )
    assert got.loc[1, "text"] == "First paragraph, which runs over two lines."
    assert got.loc[2, "subsection"] == "First panel: markings, record-keeping and ammunition"


def test_segment_sub_heading_that_fills_its_line_is_a_heading():
    got = _by_number(
        [
            (1, 100, 70, "1. First paragraph.", False, False, 160),
            (1, 112, 70, "Assistance needs of non-governmental stakeholders", False, True),
            (1, 124, 70, "2. Second paragraph.", False, False, 170),
        ]
    )
    assert got.loc[2, "subsection"] == "Assistance needs of non-governmental stakeholders"
    assert got.loc[1, "text"] == "First paragraph."


def test_segment_sub_heading_over_two_lines_may_break_after_a_comma():
    got = _by_number(
        [
            (1, 100, 70, "1. First paragraph.", False, False, 160),
            (1, 112, 70, "Panel two: victim-centred and trauma-informed responses,", True, False),
            (1, 124, 70, "including non-punishment", True, False, 190),
            (1, 136, 70, "2. Second paragraph.", False, False, 170),
        ]
    )
    assert got.loc[2, "subsection"] == (
        "Panel two: victim-centred and trauma-informed responses, including non-punishment"
    )


def test_segment_styled_line_ending_like_a_sentence_is_text():
    got = _by_number(
        [
            (1, 100, 70, "1. She cited a study that ended the", False, False),
            (1, 112, 70, "debate. Its title was:", False, False),
            (1, 124, 70, "Gender and Small Arms Control.", False, True, 230),
            (1, 136, 70, "2. Second paragraph.", False, False, 170),
        ]
    )
    assert got.loc[1, "text"].endswith("Its title was: Gender and Small Arms Control.")
    assert pd.isna(got.loc[2, "subsection"])


def test_segment_bold_sub_heading_after_a_bold_section_heading_is_its_own_heading():
    lines = _lines(
        [
            (
                1,
                100,
                70,
                "V. Collection of inputs and suggestions from participants and",
                True,
                False,
            ),
            (1, 115, 70, "information on technical assistance needs", True, False, 330),
            (1, 130, 70, "Craft production and the conversion of weapons", True, False, 300),
            (1, 142, 70, "1. First paragraph.", False, False, 160),
        ]
    )
    lines.loc[:1, "size"] = 12.0
    got = segment(lines, SegmentSettings()).set_index("para_no")
    assert got.loc[1, "section"] == (
        "V. Collection of inputs and suggestions from participants and information on "
        "technical assistance needs"
    )
    assert got.loc[1, "subsection"] == "Craft production and the conversion of weapons"


def test_segment_line_broken_short_ends_a_paragraph_without_a_sentence_end():
    # UN tab numbering: continuation lines start under the number, and no space between
    # paragraphs; the URL line ends with room to spare, so the writer broke it.
    got = _by_number(
        [
            (1, 100, 70, "3. The contributions have been posted at:", False, False),
            (
                1,
                112,
                70,
                "https://www.unodc.org/unodc/en/organized-crime/intro/",
                False,
                False,
                420,
            ),
            (1, 124, 70, "constructive_dialogues/fa_2022.html", False, False, 250),
            (
                1,
                136,
                70,
                "4. The summary of the dialogue is reproduced in the present",
                False,
                False,
            ),
            (1, 148, 70, "conference room paper.", False, False, 180),
        ]
    )
    assert list(got.index) == [3, 4]
    assert got.loc[3, "text"].endswith("constructive_dialogues/fa_2022.html")


def test_segment_styled_line_before_a_number_out_of_sequence_is_text():
    # "Annex 5." style lines: a sub-heading is followed by the *next* paragraph only.
    got = _by_number(
        [
            (1, 100, 70, "1. First paragraph.", False, False, 160),
            (1, 112, 70, "Summary of the views expressed", False, True, 230),
            (1, 124, 70, "7. Seven is not the next number.", False, False, 250),
            (1, 136, 70, "2. Second paragraph.", False, False, 170),
        ]
    )
    assert list(got.index) == [1, 2]
    assert pd.isna(got.loc[2, "subsection"])
    assert "Summary of the views expressed" in got.loc[1, "text"]


def test_segment_lettered_sub_heading_c_is_not_section_one_hundred():
    # "C." (and "D.", "I.", "V."...) is a roman numeral only when it is the next section's
    # number: after "I. Recommendations" it is the third lettered sub-heading.
    lines = _lines(
        [
            (1, 100, 70, "I. Recommendations", True, False, 160),
            (1, 120, 70, "B. Diversion", True, True, 140),
            (1, 140, 70, "1. First recommendation.", False, False, 200),
            (1, 160, 70, "C. Technical assistance and follow-up", True, True, 240),
            (1, 180, 70, "2. Second recommendation.", False, False, 210),
            (1, 200, 70, "II. Summary of deliberations", True, False, 220),
            (1, 220, 70, "3. Third paragraph.", False, False, 190),
        ]
    )
    got = segment(lines, SegmentSettings()).set_index("para_no")
    assert got.loc[2, "section"] == "I. Recommendations"
    assert got.loc[2, "subsection"] == "C. Technical assistance and follow-up"
    assert got.loc[3, "section"] == "II. Summary of deliberations"


@pytest.mark.parametrize(
    ("text", "value"), [("I. A", 1), ("IV. B", 4), ("IX. C", 9), ("XIV. D", 14), ("C. E", 100)]
)
def test_segment_roman_value(text, value):
    from pipeline.segment import roman_value

    assert roman_value(text) == value
