"""Property tests: segmentation loses and duplicates nothing; the tagger survives any text."""

from __future__ import annotations

import re

import pandas as pd
import pytest
from conftest import page_line, tag_text
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pipeline.segment import SegmentSettings, segment
from pipeline.tag import TagSettings, tag

WORD = st.text(alphabet="abcdefghijklmnopqrstuvwxyz", min_size=2, max_size=12)
SENTENCE = st.lists(WORD, min_size=3, max_size=25).map(lambda ws: " ".join(ws) + ".")
PARAGRAPH = st.lists(SENTENCE, min_size=1, max_size=4).map(" ".join)


def letters(text: str) -> str:
    """What must survive segmentation: the letters, in order (spaces and hyphens may move)."""
    return re.sub(r"[^a-z]", "", text.lower())


@st.composite
def documents(draw):
    """A document as lines: numbered paragraphs, optional headings, line wraps, hyphenation
    at line ends and page breaks at random places."""
    n = draw(st.integers(min_value=1, max_value=6))
    start = draw(st.integers(min_value=1, max_value=40))
    paragraphs = [draw(PARAGRAPH) for _ in range(n)]
    rows, page, top = [], 1, 100.0

    def emit(text: str, bold: bool = False, gap: float = 12.0) -> None:
        nonlocal page, top
        top += gap
        if top > 700 or draw(st.integers(0, 30)) == 0:
            page, top = page + 1, 80.0
        rows.append(page_line(page, len(rows), top, text, bold=bold))

    for i, text in enumerate(paragraphs):
        if draw(st.booleans()) and i % 3 == 0:
            emit(f"{'I' * (1 + i % 3)}. Heading {i}", bold=True, gap=24.0)
        words = f"{start + i}. {text}".split(" ")
        width = draw(st.integers(min_value=3, max_value=12))
        first = True
        while words:
            line, words = words[:width], words[width:]
            if words and draw(st.booleans()) and len(words[0]) > 4:  # hyphenate the next word
                head, tail = words[0][:2], words[0][2:]
                line, words = [*line, head + "-"], [tail, *words[1:]]
            emit(" ".join(line), gap=20.0 if first else 12.0)
            first = False
    return paragraphs, start, pd.DataFrame(rows)


@pytest.mark.slow
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(documents())
def test_segment_loses_and_duplicates_nothing(document):
    paragraphs, start, lines = document
    got = segment(lines, SegmentSettings())
    assert list(got["para_no"]) == list(range(start, start + len(paragraphs)))
    for expected, text in zip(paragraphs, got["text"], strict=True):
        assert letters(text) == letters(expected)
    assert (got["page_start"] <= got["page_end"]).all()


@settings(
    max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.text(min_size=0, max_size=400))
def test_tagger_survives_any_unicode(nlp, text):
    doc = tag_text(nlp, text)
    for key in ("themes", "actors", "speakers", "articles", "recommendations"):
        for span in doc.spans[key]:
            assert 0 <= span.start_char <= span.end_char <= len(doc.text)
    tables = tag(
        pd.DataFrame([{"doc_id": "d", "para_no": 1, "text": text}]),
        {"d": "firearms"},
        nlp,
        TagSettings(),
    )
    for row in tables["tags"].itertuples():
        assert text[row.start : row.end] == row.evidence
    for row in tables["recommendations"].itertuples():
        assert 0 <= row.start < row.end <= len(text)
