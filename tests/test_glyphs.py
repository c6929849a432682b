"""Odd characters: a glyph the font cannot draw, or one without a usable box, changes one
line at most, with either reader; what the text holds for each kind of odd character."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import pandas as pd
import pikepdf
import pytest
from conftest import BACKENDS, FIXTURES, read_jsonl

from pipeline.extract import ExtractSettings, Knowledge, extract_document
from pipeline.hyphenation import WordKnowledge
from pipeline.knowledge.taxonomy import stage_taxonomy
from pipeline.readers.base import Char, PageChars
from pipeline.readers.glyphs import logical_order, reading
from pipeline.readers.lines import page_lines
from pipeline.segment import SegmentSettings, segment

ODD = FIXTURES / "pdf" / "odd"
ARROW = ODD / "som_2022_cd1_arrow.pdf"


@cache
def knowledge() -> tuple[Knowledge, WordKnowledge]:
    """What extract and segment take from the taxonomy, loaded once for the module."""
    return (
        Knowledge.from_taxonomy(stage_taxonomy("extract")),
        WordKnowledge.from_taxonomy(stage_taxonomy("segment")),
    )


def texts(pdf: Path, backend: str) -> dict[int, str]:
    """Paragraph number → text of one PDF, through extract and segment."""
    extract_knowledge, words = knowledge()
    result = extract_document(pdf, ExtractSettings(backend=backend), extract_knowledge)
    assert result.document["status"] == "ok", result.document["error"]
    table = segment(pd.DataFrame(result.lines), SegmentSettings(), words)
    return dict(zip(table["para_no"], table["text"], strict=True))


# --- what the text holds ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("printed", "read"),
    [
        ("\uf0b7", "•"),  # Symbol's bullet
        ("\uf0a7", "•"),  # Wingdings' square bullet
        ("ﬁnancial ﬂows", "financial flows"),
        ("article\u00a05", "article 5"),
        ("smug\u200bgling", "smuggling"),
        ("traf\u00adficking", "trafficking"),
        ("cafe\u0301", "cafe\u0301"),
        ("States ⇒ review ✓", "States ⇒ review ✓"),
        ("Monash University \x00 and", "Monash University and"),
        ("mark\ufffd", "mark"),
    ],
)
def test_glyphs_reading_of_odd_characters(printed, read):
    assert reading(printed) == read


def test_glyphs_soft_hyphen_ending_a_line_is_the_printed_hyphen():
    assert reading("traf\u00ad", ends_line=True) == "traf-"
    assert reading("traf\u00ad", ends_line=False) == "traf"


def test_glyphs_right_to_left_names_are_put_in_reading_order():
    # placed left to right, "محمد علي" shows its letters in reverse
    assert logical_order("from يلع دمحم and") == "from محمد علي and"
    assert logical_order("يلع 12 دمحم") == "محمد 12 علي"
    assert logical_order("plain text") == "plain text"


def test_glyphs_glyph_without_text_keeps_its_place_in_the_line():
    # a .notdef box with no Unicode inside a word, and one standing as a word of its own
    def glyphs(text: str, x: float) -> list[Char]:
        return [
            Char(ch, x + 5 * i, x + 5 * (i + 1), 100, 110, 10.0, "Serif")
            for i, ch in enumerate(text)
        ]

    chars = [
        *glyphs("Mon\x00ash", 60),
        *glyphs("was", 99),
        *glyphs("\x00", 118),
        *glyphs("it", 127),
    ]
    assert [ln.text for ln in page_lines(PageChars(1, 595, 842, chars))] == ["Monash was it"]


def test_glyphs_zero_width_accent_stays_with_the_letter_before_it():
    chars = [
        Char("n", 60, 65, 100, 110, 10.0, "Serif"),
        Char("a", 65, 70, 100, 110, 10.0, "Serif"),  # starts where the accent stands
        Char("\u0301", 65, 65, 101, 111, 10.0, "Symbol"),
    ]
    assert page_lines(PageChars(1, 595, 842, chars))[0].text == "n\u0301a"


def test_glyphs_pdfminer_boxes_of_a_font_with_a_sunk_descent_are_drawn_from_the_baseline():
    from pipeline.readers.plumber import _char, _descent_shifts

    def glyph(text: str, font: str, descent: float, rise: float = 0.0) -> dict:
        # pdfminer's box: from descent + rise below the origin (baseline at y 700)
        y0 = 700 + (descent + rise) * 10
        return {
            "text": text,
            "fontname": font,
            "size": 10.0,
            "matrix": (1, 0, 0, 1, 60, 700),
            "x0": 60,
            "x1": 65,
            "y0": y0,
            "top": 842 - y0 - 10,
            "bottom": 842 - y0,
        }

    body = [glyph(ch, "Serif", -0.216) for ch in "text"] + [glyph("1", "Serif", -0.216, 0.4)]
    arrow = glyph("⇒", "Symbol", -0.9)
    shifts = _descent_shifts([*body, arrow])
    assert shifts.keys() == {"Symbol"}  # the raised marker is the body font's, not sunk
    placed = _char(arrow, shifts["Symbol"])
    assert (round(placed.top, 6), round(placed.bottom, 6)) == (134.0, 144.0)  # baseline 142


# --- the reproduction ----------------------------------------------------------------------


@pytest.fixture(scope="module")
def arrow_named(tmp_path_factory) -> Path:
    """The reproduction with its ToUnicode map naming the arrow that code 0 draws, as Word
    and LibreOffice write a character drawn with the font's .notdef glyph."""
    path = tmp_path_factory.mktemp("odd") / ARROW.name
    with pikepdf.open(ARROW) as pdf:
        for page in pdf.pages:
            for font in page.Resources.Font.values():
                if "/ToUnicode" in font:
                    cmap = font.ToUnicode.read_bytes()
                    font.ToUnicode.write(cmap.replace(b"<00> <0000>", b"<00> <21D2>"))
        pdf.save(path)
    return path


@pytest.mark.parametrize("backend", BACKENDS)
def test_glyphs_arrow_without_unicode_leaves_the_other_paragraphs_alone(backend):
    # The PDF as shipped holds no arrow (code 0, .notdef, ToUnicode U+0000: see
    # tests/fixtures/pdf/odd/README.md): paragraph 10 reads without it, nothing else moves.
    expected = {e["para_no"]: e["text"] for e in read_jsonl(ARROW.with_suffix(".expected.jsonl"))}
    expected[10] = expected[10].replace(" ⇒ and.", " and.")
    assert texts(ARROW, backend) == expected


@pytest.mark.parametrize("backend", BACKENDS)
def test_glyphs_arrow_drawn_with_notdef_gives_the_expected_paragraphs(arrow_named, backend):
    expected = read_jsonl(ARROW.with_suffix(".expected.jsonl"))
    assert len(expected) == 32
    assert texts(arrow_named, backend) == {e["para_no"]: e["text"] for e in expected}
