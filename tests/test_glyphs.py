"""Odd characters: a glyph the font cannot draw, or one without a usable box, changes one
line at most, with either reader; what the text holds for each kind of odd character.

The property tests typeset the development documents (tests/fixtures/markdown) with
tests/harness/pdf_direct.py, a producer that draws a character the way the case says
(body font, another font, a font with a broken descriptor, `.notdef` named or not: see
tests/harness/odd_chars.py), insert one odd character and compare with the golden
paragraphs: every other paragraph exactly, the touched one but for white space next to
the character.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import pandas as pd
import pikepdf
import pytest
from conftest import BACKENDS, FIXTURES, golden, read_jsonl
from harness.crp_markdown import parse
from harness.odd_chars import (
    GLYPHS,
    KIND,
    KINDS,
    UNLISTED,
    differs_only_near,
    expected_text,
    insertion,
    places,
)
from harness.pdf_direct import typeset
from harness.pdf_fonts import MARKDOWN, fonts_dir
from hypothesis import given, seed, settings
from hypothesis import strategies as st

from pipeline.extract import ExtractSettings, Knowledge, extract_document
from pipeline.hyphenation import WordKnowledge
from pipeline.knowledge.taxonomy import stage_taxonomy
from pipeline.readers.base import Char, PageChars
from pipeline.readers.glyphs import logical_order, reading
from pipeline.readers.lines import page_lines
from pipeline.segment import SegmentSettings, segment

ODD = FIXTURES / "pdf" / "odd"
ARROW = ODD / "som_2022_cd1_arrow.pdf"
MARKDOWN_IDS = sorted(p.stem for p in MARKDOWN.glob("*.md"))
needs_fonts = pytest.mark.skipif(
    fonts_dir() is None,
    reason="the harness draws with matplotlib's DejaVu fonts (pip install .[dev])",
)


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


# --- one odd character in a golden document ------------------------------------------------


def check_insertion(
    folder: Path,
    doc_id: str,
    para_no: int,
    offset: int,
    kind: str,
    glyph: str,
    backend: str,
    window: int | None = None,
) -> None:
    """Typeset `doc_id` (the paragraphs within `window` of `para_no`, or all) with `kind`
    inserted at `offset` of paragraph `para_no`, drawn the `glyph` way; read it back."""
    numbers = (para_no - window, para_no + window) if window is not None else None
    expected = {
        e["para_no"]: e["text"]
        for e in golden(doc_id)
        if numbers is None or numbers[0] <= e["para_no"] <= numbers[1]
    }
    crp = parse((MARKDOWN / f"{doc_id}.md").read_text(encoding="utf-8"))
    odd = KIND[kind]
    pdf = folder / f"{doc_id}-{para_no}-{offset}-{kind}-{glyph}.pdf"
    pdf.write_bytes(typeset(crp, insertion(para_no, offset, odd, glyph), numbers))
    got = texts(pdf, backend)
    touched = expected_text(expected[para_no], offset, odd, glyph)
    assert sorted(got) == sorted(expected)
    assert {n: t for n, t in got.items() if n != para_no} == {
        n: t for n, t in expected.items() if n != para_no
    }
    assert differs_only_near(got[para_no], touched, offset), (got[para_no], touched)


def middle_place(doc_id: str, para_no: int, kind: str) -> int:
    text = next(e["text"] for e in golden(doc_id) if e["para_no"] == para_no)
    choices = places(text, KIND[kind])
    return choices[len(choices) // 2]


# (document, paragraph, kind, how it is drawn): every kind and every way at least once
FIXED = [
    ("som_2022_cd1", 10, "arrow", "notdef"),  # the case, as Word writes it
    ("fa_2022_cd1", 5, "symbol-bullet", "body"),
    ("fa_2023_cd2", 12, "wingdings-bullet", "unnamed"),
    ("tip_2022_cd1", 8, "check-mark", "misplaced"),
    ("ta_2023_cd1", 6, "arabic-name", "fallback"),
    ("som_2024_cd3", 9, "zero-width-space", "notdef"),
    ("ic_2025_cd2", 14, "soft-hyphen", "fallback"),
    ("tip_2023_cd2", 11, "combining-acute", "misplaced"),
    ("ta_2024_cd2", 7, "ligature-fi", "body"),
    ("tip_2025_cd4", 20, "ligature-fl", "notdef"),
    ("som_2025_cd4", 3, "no-break-space", "fallback"),
]


@needs_fonts
@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize(("doc_id", "para_no", "kind", "glyph"), FIXED)
def test_glyphs_odd_character_changes_its_own_paragraph_only(
    tmp_path, doc_id, para_no, kind, glyph, backend
):
    offset = middle_place(doc_id, para_no, kind)
    check_insertion(tmp_path, doc_id, para_no, offset, kind, glyph, backend, window=1)


@needs_fonts
@pytest.mark.parametrize("backend", BACKENDS)
def test_glyphs_glyph_missing_from_tounicode_changes_its_word_only(tmp_path, backend):
    # .notdef with no ToUnicode entry: pdfminer knows no character ("(cid:47)") and reads
    # nothing; PDFium reads the glyph's code as its character (telling it apart would cost a
    # call per character), so that word holds one stray character.
    doc_id, para_no, odd = "som_2022_cd1", 10, KIND["arrow"]
    offset = middle_place(doc_id, para_no, odd.name)
    crp = parse((MARKDOWN / f"{doc_id}.md").read_text(encoding="utf-8"))
    pdf = tmp_path / "unlisted.pdf"
    pdf.write_bytes(typeset(crp, insertion(para_no, offset, odd, UNLISTED), (9, 11)))
    expected = {e["para_no"]: e["text"] for e in golden(doc_id) if 9 <= e["para_no"] <= 11}
    got = texts(pdf, backend)
    assert got[9] == expected[9] and got[11] == expected[11]
    text, want = got[10], expected[10]
    if backend == "pdfplumber":
        assert text == want
    else:
        assert text[:offset] == want[:offset] and text.endswith(want[offset:])
        assert len(text) == len(want) + 2  # "X " where the arrow stood


@st.composite
def insertions(draw) -> tuple[str, int, int, str, str]:
    doc_id = draw(st.sampled_from(MARKDOWN_IDS))
    paragraph = draw(st.sampled_from(golden(doc_id)))
    odd = draw(st.sampled_from(KINDS))
    offset = draw(st.sampled_from(places(paragraph["text"], odd)))
    return doc_id, paragraph["para_no"], offset, odd.name, draw(st.sampled_from(GLYPHS))


@pytest.mark.slow
@needs_fonts
@pytest.mark.parametrize("backend", BACKENDS)
@seed(17)
@settings(max_examples=25, deadline=None, database=None)
@given(case=insertions())
def test_glyphs_any_odd_character_anywhere_changes_its_own_paragraph_only(
    tmp_path_factory, backend, case
):
    check_insertion(tmp_path_factory.mktemp("odd"), *case, backend)
