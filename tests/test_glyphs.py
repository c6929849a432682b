"""Odd characters: a glyph the font cannot draw, or one without a box, changes one line at
most, with either reader; what the text holds for each kind of odd character."""

from __future__ import annotations

from pathlib import Path

import pikepdf
import pytest
from conftest import FIXTURES, read_jsonl
from harness.scoring import paragraphs_of

ODD = FIXTURES / "pdf" / "odd"
ARROW = ODD / "som_2022_cd1_arrow.pdf"


def texts(pdf: Path, backend: str) -> dict[int, str]:
    table = paragraphs_of(pdf, "odd", backend)
    return dict(zip(table["para_no"], table["text"], strict=True))


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


@pytest.mark.parametrize("backend", ["pdfium"])
def test_glyphs_arrow_without_unicode_leaves_the_other_paragraphs_alone(backend):
    # The PDF as shipped holds no arrow (code 0, .notdef, ToUnicode U+0000: see
    # tests/fixtures/pdf/odd/README.md): paragraph 10 reads without it, nothing else moves.
    expected = {e["para_no"]: e["text"] for e in read_jsonl(ARROW.with_suffix(".expected.jsonl"))}
    expected[10] = expected[10].replace(" ⇒ and.", " and.")
    assert texts(ARROW, backend) == expected


@pytest.mark.parametrize("backend", ["pdfium"])
def test_glyphs_arrow_drawn_with_notdef_gives_the_expected_paragraphs(arrow_named, backend):
    expected = read_jsonl(ARROW.with_suffix(".expected.jsonl"))
    assert len(expected) == 32
    assert texts(arrow_named, backend) == {e["para_no"]: e["text"] for e in expected}
