"""Characters → lines: baselines, word spaces, columns and superscript footnote markers."""

from __future__ import annotations

from pipeline.readers.base import Char, PageChars, font_flags
from pipeline.readers.lines import page_lines


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
