"""Stage `segment`: body lines → numbered paragraphs with their section and sub-heading.

A paragraph starts at a line that begins with the next paragraph number ("12.") where
the layout agrees (the same indent as other paragraph starts, after a sentence end or a
block boundary: a page break, a gap wider than the line pitch, or a line broken short
of the text block's edge with room for the next word); every other body line continues
it, across page breaks. Headings are told by type and by what surrounds them, never by
one producer's spacing: bold lines with a roman numeral open a section (the next one:
"C." after "II." is the third lettered sub-heading, not section 100); a line wholly in
italic or bold that does not end like a sentence, after a paragraph that ended and
before the next numbered paragraph, opens a sub-section.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from pipeline.cache import DocCache, cached_tables, digest, doc_digests
from pipeline.hyphenation import Vocabulary, WordKnowledge, join_lines
from pipeline.knowledge.taxonomy import Taxonomy, stage_taxonomy
from pipeline.parallel import ParallelSettings
from pipeline.params import as_dict, load_settings
from pipeline.paths import Layout
from pipeline.provenance import code_digest
from pipeline.schemas import get_table, read_table, write_table

PARA_RE = re.compile(r"^(\d{1,3})\.(?:\s+|$)(.*)$", re.DOTALL)
SECTION_RE = re.compile(r"^[IVXLC]{1,7}\.\s+\S")
LETTERED_RE = re.compile(r"^[A-Z]\.\s+\S")
SEPARATOR_RE = re.compile(r"^[\W_]+$")
Line = dict[str, Any]  # one row of the pages table
SENTENCE_END = (".", ":", ";", "!", "?", ")", "”", '"', "’")
HEADING_END = (".", ":", ";", ",")  # a heading never ends like a sentence or a clause


@dataclass(frozen=True)
class SegmentSettings:
    hyphen_min_zipf: float = 2.5

    def __post_init__(self) -> None:
        if not 0 <= self.hyphen_min_zipf <= 8:
            raise ValueError(f"hyphen_min_zipf={self.hyphen_min_zipf} must lie in 0..8")


@dataclass
class _Para:
    number: int
    section: str | None
    subsection: str | None
    texts: list[str] = field(default_factory=list)
    pages: list[int] = field(default_factory=list)


@dataclass
class _Heading:
    kind: str  # "section" | "subsection"
    texts: list[str]
    last: Line


def segment(
    lines: pd.DataFrame, settings: SegmentSettings, known: WordKnowledge | None = None
) -> pd.DataFrame:
    """Paragraphs of every document in `lines` (the pages table; body lines are used)."""
    known = known or WordKnowledge.from_taxonomy(stage_taxonomy("segment"))
    frames = [
        _segment_document(doc_id, group, settings, known)
        for doc_id, group in lines[lines["role"] == "body"].groupby("doc_id", sort=True)
    ]
    frames = [f for f in frames if len(f)]
    table = get_table("paragraphs")
    return pd.concat(frames, ignore_index=True) if frames else table.empty()


def _segment_document(
    doc_id: str, lines: pd.DataFrame, settings: SegmentSettings, known: WordKnowledge
) -> pd.DataFrame:
    lines = lines.sort_values(["page", "line_no"]).reset_index(drop=True)
    vocab = Vocabulary.from_lines(lines["text"], known)
    paras = list(
        _paragraphs(lines, lambda texts: join_lines(texts, vocab, settings.hyphen_min_zipf))
    )
    rows = [
        {
            "doc_id": doc_id,
            "para_no": p.number,
            "section": p.section,
            "subsection": p.subsection,
            "text": join_lines(p.texts, vocab, settings.hyphen_min_zipf),
            "page_start": min(p.pages),
            "page_end": max(p.pages),
        }
        for p in paras
    ]
    return pd.DataFrame(rows, columns=get_table("paragraphs").columns)


@dataclass(frozen=True)
class _Page:
    """What a document's body lines show about its type area, measured once."""

    pitch: float  # usual distance between the tops of consecutive lines
    edge: float  # right edge of the text block


def _measure(lines: pd.DataFrame) -> _Page:
    return _Page(_pitch(lines), _edge(lines))


def _pitch(lines: pd.DataFrame) -> float:
    """The usual distance between baselines of consecutive lines on a page."""
    diffs = [
        round(b - a, 1)
        for (pa, a), (pb, b) in zip(
            zip(lines["page"], lines["top"], strict=True),
            zip(lines["page"].iloc[1:], lines["top"].iloc[1:], strict=True),
            strict=False,
        )
        if pa == pb and b > a
    ]
    # The lower quartile, not the mode: in a document of short paragraphs the most common
    # distance can be the gap between paragraphs rather than the line pitch.
    return sorted(diffs)[len(diffs) // 4] if diffs else 12.0


def _edge(lines: pd.DataFrame) -> float:
    """The right edge of the text block: where the lines of running text end (the 90th
    percentile, so ragged text gives a slightly short edge and fewer forced breaks)."""
    size = lines["size"].round(1).mode()
    body = lines[lines["size"].round(1) == size.iloc[0]] if len(size) else lines
    return float(body["x1"].quantile(0.9)) if len(body) else 0.0


def _forced_break(prev: Line, line: Line, page: _Page) -> bool:
    """Whether `prev` ended with room to spare for the first word of `line`: then the
    writer broke the line (a paragraph or heading ended there), not the typesetter. The
    word's width is estimated from `line`'s own average character width, with a space
    before it and one character more for the estimate's error (bold or wide letters)."""
    text = str(line["text"]).strip()
    if not text:
        return False
    first = text.split(None, 1)[0]
    char_width = (float(line["x1"]) - float(line["x0"])) / len(text)
    return float(prev["x1"]) + char_width * (len(first) + 2) < page.edge


def _ends_block(prev: Line, line: Line, page: _Page) -> bool:
    """Whether the layout shows a block (paragraph, heading) ended at `prev`: a page break,
    a gap wider than the line pitch, or a line broken short. Any one will do, so no one
    producer's spacing is needed: Word's headings often have no gap at all."""
    return (
        line["page"] != prev["page"]
        or line["top"] - prev["top"] > 1.3 * page.pitch
        or _forced_break(prev, line, page)
    )


def _paragraphs(lines: pd.DataFrame, join: Callable[[list[str]], str]) -> Iterator[_Para]:
    page = _measure(lines)
    section: str | None = None
    subsection: str | None = None
    numeral = 0  # the number of the last section heading (0: none yet)
    heading: _Heading | None = None
    para: _Para | None = None
    start_x: float | None = None
    prev: Line | None = None
    rows = lines.to_dict("records")
    for i, line in enumerate(rows):
        text = str(line["text"]).strip()
        if SEPARATOR_RE.match(text):
            prev = line
            continue
        boundary = prev is None or _ends_block(prev, line, page)
        number = _paragraph_number(text, line, para, start_x, boundary or heading is not None)
        if number is not None:
            if heading is not None:
                section, subsection = _apply(heading, section, subsection, join)
                heading = None
            if para is not None:
                yield para
            start_x = start_x if start_x is not None else float(line["x0"])
            body = PARA_RE.match(text).group(2)  # type: ignore[union-attr]
            para = _Para(number, section, subsection, [body] if body else [], [int(line["page"])])
        elif heading is not None and _continues_heading(heading, line, page):
            heading.texts.append(text)
            heading.last = line
        elif _is_section(line, text, numeral):
            heading = _Heading("section", [text], line)
            numeral = roman_value(text)
        elif _is_subsection(rows, i, para, boundary or heading is not None):
            if heading is not None:
                section, subsection = _apply(heading, section, subsection, join)
            heading = _Heading("subsection", [text], line)
        elif para is not None:
            if heading is not None:  # not a heading after all: its words stay in the text
                para.texts.extend(heading.texts)
                heading = None
            para.texts.append(text)
            para.pages.append(int(line["page"]))
        prev = line
    if para is not None:
        yield para


def _apply(
    heading: _Heading, section: str | None, subsection: str | None, join: Callable
) -> tuple[str | None, str | None]:
    text = join(heading.texts)
    if heading.kind == "section":
        return text, None
    return section, text


def _paragraph_number(
    text: str, line: Line, para: _Para | None, start_x: float | None, boundary: bool
) -> int | None:
    """The number of the paragraph `line` starts, if the layout agrees: the next number, at
    the indent of other paragraph starts, after a sentence end or a block boundary."""
    match = PARA_RE.match(text)
    if not match:
        return None
    number = int(match.group(1))
    last = para.number if para else 0
    if start_x is not None and abs(float(line["x0"]) - start_x) > 3.0:
        return None
    ended = not para or not para.texts or para.texts[-1].rstrip().endswith(SENTENCE_END)
    if number == last + 1 and (ended or boundary):
        return number
    if para is None and boundary:  # a document may start at any number (an excerpt, an addendum)
        return number  # (boundary: after a gap, a page break or a heading)
    if last < number <= last + 3 and ended and boundary:
        return number
    return None


ROMAN = {"I": 1, "V": 5, "X": 10, "L": 50, "C": 100}


def roman_value(text: str) -> int:
    """The value of the roman numeral `text` starts with ("IV. Adoption" → 4), 0 if none."""
    match = re.match(r"^([IVXLC]+)\.", text)
    if not match:
        return 0
    values = [ROMAN[c] for c in match.group(1)]
    return sum(-v if v < w else v for v, w in zip(values, [*values[1:], 0], strict=True))


def _is_section(line: Line, text: str, numeral: int = 0) -> bool:
    """A bold heading numbered by the next roman numeral (any, before the first section;
    a number may be skipped): "C." or "I." after "II." letter sub-headings."""
    if not (bool(line["bold"]) and SECTION_RE.match(text)):
        return False
    return numeral == 0 or numeral < roman_value(text) <= numeral + 2


def _same_type(a: Line, b: Line) -> bool:
    """Set in one style and size: the lines of one heading."""
    return (
        bool(a["bold"]) == bool(b["bold"])
        and bool(a["italic"]) == bool(b["italic"])
        and abs(float(a["size"]) - float(b["size"])) < 0.5
    )


def _continues_heading(heading: _Heading, line: Line, page: _Page) -> bool:
    """A wrapped heading line: same type, same page, close below. A sub-heading's line
    also has to follow a full line (a bold sub-heading after a bold section heading of
    the same size is a heading of its own); section headings may wrap short of the edge."""
    last = heading.last
    if not _same_type(last, line) or line["page"] != last["page"]:
        return False
    if line["top"] - last["top"] > 1.6 * max(page.pitch, float(line["size"])):
        return False
    return heading.kind == "section" or not _forced_break(last, line, page)


def _is_subsection(rows: list[Line], i: int, para: _Para | None, boundary: bool) -> bool:
    """A sub-heading, by all the evidence a page gives and no one producer's spacing: a
    line wholly in italic or bold (not a roman-numbered section), that does not end like a
    sentence or clause, after a paragraph that ended (a sentence end or a block boundary),
    alone on its line(s), and followed by the next numbered paragraph. A gap or a short
    last line is not required: a heading may fill its line and have no space around it."""
    line = rows[i]
    if not (bool(line["italic"]) or bool(line["bold"])):
        return False
    ended = para is None or not para.texts or para.texts[-1].rstrip().endswith(SENTENCE_END)
    if not (ended or boundary):
        return False
    last = line
    for nxt in rows[i + 1 : i + 4]:
        match = PARA_RE.match(str(nxt["text"]).strip())
        if match:
            expected = para is None or int(match.group(1)) == para.number + 1
            return expected and not str(last["text"]).rstrip().endswith(HEADING_END)
        if not _same_type(line, nxt):
            return False
        last = nxt
    return False


def _segment_frames(
    args: tuple[pd.DataFrame, SegmentSettings, WordKnowledge],
) -> dict[str, pd.DataFrame]:
    lines, settings, known = args
    return {"paragraphs": segment(lines, settings, known)}


def segment_corpus(
    pages: pd.DataFrame,
    settings: SegmentSettings,
    parallel: ParallelSettings,
    cache_dir: Path | None = None,
    taxonomy: Taxonomy | None = None,
) -> pd.DataFrame:
    """`segment` document by document, reusing cached paragraphs of unchanged documents."""
    taxonomy = taxonomy or stage_taxonomy("segment")
    known = WordKnowledge.from_taxonomy(taxonomy)
    fingerprint = digest(code_digest("segment"), known, as_dict(settings))
    cache = DocCache(cache_dir, fingerprint) if cache_dir else None
    body = pages[pages["role"] == "body"]
    keys = doc_digests(body.drop(columns=["markers"]))
    items = [
        (keys[str(doc)], (group, settings, known))
        for doc, group in body.groupby("doc_id", sort=True)
    ]
    tables = cached_tables(_segment_frames, items, ("paragraphs",), cache, parallel, "segment")
    return tables["paragraphs"]


def main(layout: Layout, params: dict[str, Any]) -> pd.DataFrame:
    """`crp segment`: the pages table → the paragraphs table."""
    settings = load_settings(SegmentSettings, "segment", params)
    parallel = load_settings(ParallelSettings, "parallel", params)
    pages = read_table("pages", layout.table("pages"))
    paragraphs = segment_corpus(pages, settings, parallel, layout.cache / "segment")
    write_table(paragraphs, "paragraphs", layout.table("paragraphs"))
    return paragraphs
