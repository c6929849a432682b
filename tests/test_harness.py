"""The layout harness: its own expectations (fast), then a sample of producer layouts made
with python-docx and LibreOffice Writer, read exactly (slow; needs `soffice`)."""

from __future__ import annotations

from dataclasses import asdict, fields, replace
from itertools import combinations

import pytest
from conftest import DOC_IDS, GOLD, golden, read_jsonl
from harness.crp_markdown import parse
from harness.docx_build import Style, build_docx
from harness.docx_layouts import (
    AXES,
    MARKDOWN,
    cache_key,
    grid,
    make_pdfs,
    sample,
    sample_jobs,
    soffice,
)
from harness.scoring import paragraphs_of, score


@pytest.mark.parametrize("doc_id", DOC_IDS)
def test_harness_markdown_gives_the_golden_paragraphs_and_gold_headings(doc_id):
    crp = parse((MARKDOWN / f"{doc_id}.md").read_text(encoding="utf-8"))
    assert [(b.number, b.text) for b in crp.paragraphs()] == [
        (e["para_no"], e["text"]) for e in golden(doc_id)
    ]
    section = subsection = None
    headings = []
    for block in crp.blocks:
        if block.kind == "section":
            section, subsection = block.text, None
        elif block.kind == "subsection":
            subsection = block.text
        elif block.kind == "paragraph":
            headings.append((section, subsection))
    gold = read_jsonl(GOLD / f"{doc_id}.paragraphs.jsonl")
    assert headings == [(g["section"], g["subsection"]) for g in gold]


def test_harness_markdown_undoes_page_break_artefacts():
    crp = parse(
        "12. She added that finan-\n\n---\n\n<sup>1</sup> A *Report* (Paris, 2022).\n\n"
        "cial units should share [data](#) on routes.<sup>2</sup>\n\n---\n\n<sup>2</sup> Note."
    )
    (para,) = crp.paragraphs()
    assert para.text == "She added that financial units should share data on routes."
    assert [r.note for r in para.runs if r.note] == ["2"]
    assert [(r.text, r.italic) for r in crp.notes["1"]] == [
        ("A ", False),
        ("Report", True),
        (" (Paris, 2022).", False),
    ]


def test_harness_axes_are_the_fields_of_a_style():
    assert [f.name for f in fields(Style)] == list(AXES)


def test_harness_grid_covers_every_pair_of_values():
    styles = [asdict(s) for s in grid()]
    for a, b in combinations(AXES, 2):
        shown = {(s[a], s[b]) for s in styles}
        assert shown == {(x, y) for x in AXES[a] for y in AXES[b]}, (a, b)
    assert len(styles) < 30  # pairwise, not the full product of the axes


def test_harness_sample_shows_every_value_of_every_axis_and_every_document():
    chosen = sample()
    assert 6 <= len(chosen) <= 8
    for axis, values in AXES.items():
        assert {asdict(s)[axis] for s in chosen} == set(values), axis
    assert {doc for doc, _ in sample_jobs()} == set(DOC_IDS)


def test_harness_cache_key_follows_the_combination_and_the_markdown():
    style = Style()
    assert cache_key("fa_2022_cd1", style) == cache_key("fa_2022_cd1", Style())
    assert cache_key("fa_2022_cd1", style) != cache_key("fa_2022_cd1", replace(style, size=11))
    assert cache_key("fa_2022_cd1", style) != cache_key("som_2022_cd1", style)


@pytest.mark.parametrize("notes", ["notes", "none"])
def test_harness_docx_numbers_paragraphs_and_writes_word_footnotes(notes):
    crp = parse((MARKDOWN / "fa_2022_cd1.md").read_text(encoding="utf-8"))
    doc = build_docx(crp, Style(numbering="tab", footnotes=notes), "fa_2022_cd1", 2022)
    texts = [p.text for p in doc.paragraphs]
    assert "24.\tA researcher from the University of Ibadan" in "\n".join(texts)
    parts = {str(p.partname) for p in doc.part.package.iter_parts()}
    references = doc.element.body.xpath(".//w:footnoteReference")
    assert ("/word/footnotes.xml" in parts) == (notes == "notes")
    assert len(references) == (len(crp.notes) if notes == "notes" else 0)


@pytest.fixture(scope="module")
def sample_pdfs():
    if soffice() is None:
        pytest.skip("LibreOffice (soffice) is not installed; `make harness-tools` installs it")
    return make_pdfs(sample_jobs())


def _jobs() -> list:
    return [
        pytest.param(doc_id, style, id=f"{style.key()}-{doc_id}") for doc_id, style in sample_jobs()
    ]


@pytest.mark.slow
@pytest.mark.parametrize(("doc_id", "style"), _jobs())
def test_harness_layout_gives_the_paragraph_numbers_and_headings_of_the_gold(
    sample_pdfs, doc_id, style
):
    got = score(doc_id, paragraphs_of(sample_pdfs[(doc_id, style)], doc_id))
    assert got.numbers_match, got.wrong
    assert got.headings_agree == got.expected, got.wrong


@pytest.mark.slow
@pytest.mark.parametrize(("doc_id", "style"), _jobs())
def test_harness_layout_gives_the_golden_paragraph_text_exactly(sample_pdfs, doc_id, style):
    got = score(doc_id, paragraphs_of(sample_pdfs[(doc_id, style)], doc_id))
    assert got.exact == got.expected, got.wrong
