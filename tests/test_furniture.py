"""Furniture and footnotes from what a page shows."""

from __future__ import annotations

import pytest

from pipeline.furniture import FurnitureSettings, is_furniture_text, mark_footnotes, mark_furniture
from pipeline.hyphenation import Vocabulary
from pipeline.readers.lines import Line


def line(page: int, top: float, text: str, size: float = 10.0, **kw) -> Line:
    return Line(page, 70, 500, top, top + size, text, "Times", size, False, False, **kw)


@pytest.mark.parametrize(
    "text",
    [
        "V.23-08912 (E) 050523 080523",
        "4/7 V.23-53828",
        "Page 3 of 8",
        "*2353828*",
        "12",
        "CTOC/COP/WG.6/2023/CRP.1",
        "- 3 -",
    ],
)
def test_furniture_tokens(text):
    assert is_furniture_text(text)


@pytest.mark.parametrize("text", ["2023.", "Firearms Protocol", "article 8 (1)", ""])
def test_not_furniture_tokens(text):
    assert not is_furniture_text(text)


def test_running_header_repeated_on_pages_is_furniture_but_body_is_not():
    pages = [
        [
            line(p, 36, "Working Group on Firearms", 8.5),
            line(p, 80, f"Body text line {p} of a long paragraph that runs on and on."),
            line(p, 800, f"{p}/3", 8.0),
        ]
        for p in (1, 2, 3)
    ]
    mark_furniture(pages, [842.0] * 3, FurnitureSettings())
    roles = [[ln.role for ln in lines] for lines in pages]
    assert roles == [["furniture", "body", "furniture"]] * 3


def test_a_symbol_finishing_the_sentence_above_it_is_body_text_not_a_footer():
    lines = [
        line(1, 720, "A list of participants is contained in document"),
        line(1, 733, "CTOC/COP/WG.4/2024/INF/1."),  # in the bottom margin, at the line pitch
        line(1, 797, "6/7", 8.0),
        line(1, 797 + 0.0, "CTOC/COP/WG.4/2024/3"),  # a footer symbol far below the text
    ]
    lines[3].x0, lines[3].x1 = 400, 500
    mark_furniture([lines], [842.0], FurnitureSettings())
    assert [ln.role for ln in lines] == ["body", "body", "furniture", "furniture"]


def test_footnote_block_is_separated_with_markers():
    lines = [
        line(1, 100, "Body text with a marker.", markers=["1"], marker_offsets=[23]),
        line(1, 740, "Hereinafter: the mechanism, which", 8.5, markers=["1"], marker_offsets=[0]),
        line(1, 750, "is reviewed.", 8.5),
        line(1, 760, "2 Second note.", 8.5),
    ]
    notes = mark_footnotes([lines], [842.0], 10.0, Vocabulary())
    assert [(n.marker, n.text) for n in notes] == [
        ("1", "Hereinafter: the mechanism, which is reviewed."),
        ("2", "Second note."),
    ]
    assert [ln.role for ln in lines] == ["body", "footnote", "footnote", "footnote"]


def test_footnote_continued_on_the_next_page_joins_its_note():
    # Word and LibreOffice carry the rest of a long note to the foot of the next page,
    # without a marker; the small-type lines there belong to the note, not to the body.
    first = [
        line(1, 100, "Body text with a marker.", markers=["1"], marker_offsets=[23]),
        line(
            1,
            760,
            "Indicator 16.4.2 measures the share of arms traced in line",
            8.5,
            markers=["1"],
            marker_offsets=[0],
        ),
    ]
    second = [
        line(2, 100, "More body text that ends the paragraph."),
        line(2, 770, "with international instruments.", 8.5),
    ]
    notes = mark_footnotes([first, second], [842.0] * 2, 10.0, Vocabulary())
    assert [(n.page, n.marker, n.text) for n in notes] == [
        (
            1,
            "1",
            "Indicator 16.4.2 measures the share of arms traced in line with "
            "international instruments.",
        ),
    ]
    assert [ln.role for ln in second] == ["body", "footnote"]


def test_small_type_at_a_page_foot_without_an_open_note_stays_body():
    lines = [line(1, 100, "Body text."), line(1, 770, "A caption in small type", 8.5)]
    assert mark_footnotes([lines], [842.0], 10.0, Vocabulary()) == []
    assert [ln.role for ln in lines] == ["body", "body"]
