"""Characters → lines: rows by vertical overlap, word spaces, columns and footnote markers."""

from __future__ import annotations

from conftest import FIXTURES

from pipeline.readers.base import Char, PageChars, font_flags
from pipeline.readers.lines import page_lines

WORD = FIXTURES / "pdf" / "word"


def word(
    text: str,
    x: float,
    top: float,
    size: float = 10.0,
    font: str = "Times-Roman",
    raise_by: float = 0.0,
) -> list[Char]:
    chars, width = [], size * 0.5
    for i, ch in enumerate(text):
        x0 = x + i * width
        chars.append(Char(ch, x0, x0 + width, top - raise_by, top + size - raise_by, size, font))
    return chars


def page(*chars: list[Char]) -> PageChars:
    return PageChars(1, 595, 842, [c for group in chars for c in group])


def test_lines_spaces_come_from_gaps():
    lines = page_lines(page(word("arms", 100, 100), word("control", 125, 100)))
    assert [ln.text for ln in lines] == ["arms control"]


def test_lines_superscript_digits_become_markers():
    lines = page_lines(
        page(
            word("thereto", 100, 100),
            word("1", 135, 100, size=6.0, raise_by=3.0),
            word("through", 145, 100),
        )
    )
    assert lines[0].text == "thereto through"
    assert lines[0].markers == ["1"] and lines[0].marker_offsets == [7]


def test_lines_superscript_letters_stay_in_text():
    lines = page_lines(
        page(
            word("10", 100, 100),
            word("th", 110, 100, size=6.0, raise_by=3.0),
            word("meeting", 125, 100),
        )
    )
    assert lines[0].text == "10th meeting"
    assert lines[0].markers == []


def test_lines_side_by_side_blocks_are_split():
    lines = page_lines(page(word("Conference", 60, 70), word("Distr.:", 400, 70)))
    assert [ln.text for ln in lines] == ["Conference", "Distr.:"]


def test_lines_hanging_paragraph_number_joins_its_text():
    lines = page_lines(page(word("12.", 60, 100), word("The", 100, 100)))
    assert [ln.text for ln in lines] == ["12. The"]


def test_lines_font_flags_from_font_names():
    assert font_flags("ABCDEF+TimesNewRomanPS-BoldMT") == (True, False)
    assert font_flags("Arial,Italic") == (False, True)
    lines = page_lines(page(word("Heading", 60, 70, font="Times-Bold")))
    assert lines[0].bold and not lines[0].italic


def test_lines_empty_page_gives_no_lines():
    assert page_lines(PageChars(1, 595, 842, [])) == []


def test_lines_runs_a_fraction_of_a_point_off_the_baseline_share_a_line():
    # Word writes runs of another font or size with baselines 0.36 pt apart; they are one
    # printed line, read left to right, never two lines sorted by their tops.
    lines = page_lines(
        page(
            word("22.", 60, 100.36, font="Arial-BoldMT"),
            word("The", 100, 100),
            word("training", 125, 100.36, size=10.5),
            word("officers", 60, 112),
        )
    )
    assert [ln.text for ln in lines] == ["22. The training", "officers"]


def test_lines_words_with_uneven_boxes_share_a_line():
    # Boxes that follow each glyph (ascenders, descenders), as some readers give them:
    # "process" starts with a descender and reaches 2.6 pt lower than its neighbours.
    chars = [
        Char("mechanism.", 100, 150, 101.8, 110, 11.0, "Serif"),
        Char("process", 155, 190, 101.8, 112.6, 11.0, "Serif"),
        Char("itself", 195, 220, 99.9, 110, 11.0, "Serif"),
        *word("next", 100, 114, size=11.0, font="Serif"),
    ]
    lines = page_lines(PageChars(1, 595, 842, chars))
    assert [ln.text for ln in lines] == ["mechanism. process itself", "next"]


def test_lines_lines_set_solid_stay_apart():
    # 10-point type on a 10-point pitch: the boxes touch but do not overlap.
    lines = page_lines(page(word("first", 60, 100), word("second", 60, 110)))
    assert [ln.text for ln in lines] == ["first", "second"]


def test_lines_zero_height_glyph_inside_a_line_joins_it():
    space = Char(" ", 84, 84, 106, 106, 1.0, "")
    lines = page_lines(
        PageChars(1, 595, 842, [*word("arms", 60, 100), space, *word("trade", 86, 100)])
    )
    assert [ln.text for ln in lines] == ["arms trade"]


def test_lines_style_is_weighed_by_letters_not_by_runs():
    # A reader may hand a whole italic phrase over as one run and each roman glyph alone.
    chars = [
        Char("Gender dimensions of armed violence", 60, 230, 100, 110, 10.0, "Serif-Italic"),
        *word("ab", 235, 100, font="Serif"),
    ]
    line = page_lines(PageChars(1, 595, 842, chars))[0]
    assert line.italic and line.font == "Serif-Italic"


def test_pdfium_boxes_follow_the_baseline_not_each_glyph():
    # LibreOffice's embedded fonts give PDFium loose boxes whose tops follow each glyph;
    # the reader draws them from the baseline, so one printed line has one top.
    from pipeline.readers.pdfium import read_pdf

    pages = read_pdf(WORD / "fa_2022_cd1.pdf").pages
    tops: dict[float, set[float]] = {}
    for char in pages[3].chars:
        tops.setdefault(round(char.bottom, 1), set()).add(round(char.top, 1))
    assert len(tops) > 40
    assert all(len(t) == 1 for t in tops.values())
    assert all(c.size > 1.0 for p in pages for c in p.chars)  # no invented spaces


def test_lines_justified_line_stretched_before_a_url_stays_one_line():
    # "page   of   the   dialogue:" spread over the measure because the URL after it did
    # not fit: wide gaps, but all alike, unlike the one gap between masthead blocks.
    words = [word("page", 90, 700), word("of", 230, 700), word("the", 360, 700)]
    lines = page_lines(page(*words, word("dialogue:", 500, 700)))
    assert [ln.text for ln in lines] == ["page of the dialogue:"]
