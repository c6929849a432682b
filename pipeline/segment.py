"""Stage `segment`: body lines → numbered paragraphs with their section and sub-heading.

A paragraph starts at a line that begins with the next paragraph number ("12.") where
the layout agrees (the same indent as other paragraph starts, after a sentence end, a
wider gap or a page break); every other body line continues it, across page breaks.
Headings are told by type: bold lines with a roman numeral open a section, a fully
italic (or lettered bold) line followed by a paragraph opens a sub-section.
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


@dataclass(frozen=True)
class SegmentSettings:
    hyphen_min_zipf: float = 3.0

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


def _paragraphs(lines: pd.DataFrame, join: Callable[[list[str]], str]) -> Iterator[_Para]:
    pitch = _pitch(lines)
    section: str | None = None
    subsection: str | None = None
    heading: _Heading | None = None
    para: _Para | None = None
    start_x: float | None = None
    prev: Line | None = None
    rows = lines.to_dict("records")
    for i, line in enumerate(rows):
        text = str(line["text"]).strip()
        wide_gap = (
            prev is None
            or line["page"] != prev["page"]
            or (line["top"] - prev["top"] > 1.3 * pitch)
        )
        if SEPARATOR_RE.match(text):
            prev = line
            continue
        number = _paragraph_number(text, line, para, start_x, wide_gap or heading is not None)
        if number is not None:
            if heading is not None:
                section, subsection = _apply(heading, section, subsection, join)
                heading = None
            if para is not None:
                yield para
            start_x = start_x if start_x is not None else float(line["x0"])
            body = PARA_RE.match(text).group(2)  # type: ignore[union-attr]
            para = _Para(number, section, subsection, [body] if body else [], [int(line["page"])])
        elif heading is not None and _continues_heading(heading, line, pitch):
            heading.texts.append(text)
            heading.last = line
        elif _is_section(line, text):
            heading = _Heading("section", [text], line)
        elif _is_subsection(rows, i, line, text, para, wide_gap, pitch):
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
    text: str, line: Line, para: _Para | None, start_x: float | None, wide_gap: bool
) -> int | None:
    match = PARA_RE.match(text)
    if not match:
        return None
    number = int(match.group(1))
    last = para.number if para else 0
    if start_x is not None and abs(float(line["x0"]) - start_x) > 3.0:
        return None
    ended = not para or not para.texts or para.texts[-1].rstrip().endswith(SENTENCE_END)
    if number == last + 1 and (ended or wide_gap):
        return number
    if para is None and wide_gap:  # a document may start at any number (an excerpt, an addendum)
        return number  # (wide_gap: after a gap, a page break or a heading)
    if last < number <= last + 3 and ended and wide_gap:
        return number
    return None


def _is_section(line: Line, text: str) -> bool:
    return bool(line["bold"]) and bool(SECTION_RE.match(text))


def _continues_heading(heading: _Heading, line: Line, pitch: float) -> bool:
    styled = bool(line["bold"]) if heading.kind == "section" else bool(line["italic"])
    same_page = line["page"] == heading.last["page"]
    close = line["top"] - heading.last["top"] <= 1.6 * max(pitch, float(line["size"]))
    return styled and same_page and close


def _is_subsection(
    rows: list[Line],
    i: int,
    line: Line,
    text: str,
    para: _Para | None,
    wide_gap: bool,
    pitch: float,
) -> bool:
    """An italic (or lettered bold) heading line, after a paragraph end, before a paragraph."""
    styled = bool(line["italic"]) or (bool(line["bold"]) and bool(LETTERED_RE.match(text)))
    if not styled or not wide_gap:
        return False
    if para is not None and para.texts and not para.texts[-1].rstrip().endswith(SENTENCE_END):
        return False
    for nxt in rows[i + 1 : i + 4]:
        nxt_text = str(nxt["text"]).strip()
        if PARA_RE.match(nxt_text):
            return True
        if not (bool(nxt["italic"]) or bool(nxt["bold"])):
            return False
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
