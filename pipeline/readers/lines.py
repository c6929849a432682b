"""Characters → text lines, the same for every reader.

Lines are built from what any page shows, not from one producer's quirks: glyphs whose
boxes overlap vertically by at least half the height of the smaller one form a row (so
the tolerance grows with the type size, and runs of another font or size whose
baselines sit a fraction of a point off, as Word writes them, stay on their line); a row
splits where a gap is wider than any word space (side-by-side columns of a masthead);
raised glyphs in a smaller size are superscripts, and a superscript made of digits or
symbols is a footnote marker, moved out of the text.
"""

from __future__ import annotations

import re
import statistics
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from itertools import pairwise
from typing import TypeVar

from pipeline.readers.base import Char, PageChars, font_flags
from pipeline.readers.glyphs import logical_order, reading

SUPERSCRIPT_RATIO = 0.8  # a glyph this much smaller than its line is a super/subscript
ROW_OVERLAP = 0.5  # share of the smaller glyph's height two glyphs of one row share
ROW_LOOKBACK = 3  # rows (sorted by their middle) a glyph may still belong to
MARKER_RE = re.compile(r"^[0-9*†‡§¶]+$")
T = TypeVar("T")
LABEL_RE = re.compile(r"^(\d{1,3}\.|\(?[a-z]\)|[IVXLC]{1,6}\.|[A-Z]\.)$")


@dataclass(slots=True)
class Line:
    page: int
    x0: float
    x1: float
    top: float
    bottom: float
    text: str
    font: str
    size: float
    bold: bool
    italic: bool
    markers: list[str] = field(default_factory=list)
    marker_offsets: list[int] = field(default_factory=list)
    role: str = "body"


def page_lines(page: PageChars) -> list[Line]:
    """The text lines of one page, top to bottom (row by row), left to right in a row."""
    rows = _merge_superscripts(_overlap_rows([c for c in page.chars if c.text]))
    rows.sort(key=_row_middle)
    lines: list[Line] = []
    for row in rows:
        for segment in _split_columns(row):
            line = _build_line(page.number, segment)
            if line is not None:
                lines.append(line)
    return lines


def _overlap(top: float, bottom: float, char: Char) -> float:
    """How much of `char`'s height it shares with the band top..bottom, over the smaller
    of the two heights (1 inside, below 0 apart; a zero-height glyph counts as inside
    when it lies within the band)."""
    shared = min(bottom, char.bottom) - max(top, char.top)
    smaller = min(bottom - top, char.bottom - char.top)
    return shared / smaller if smaller > 0 else (0.0 if shared >= 0 else -1.0)


def _overlap_rows(chars: list[Char]) -> list[list[Char]]:
    """Group glyphs into rows by vertical overlap, never by equal baselines.

    Glyphs are taken by their middle, top to bottom; each joins the recent row it
    overlaps most (at least ROW_OVERLAP of the smaller height), else opens a row. A
    row's band is the union of its glyphs' boxes.
    """
    rows: list[list[Char]] = []
    bands: list[list[float]] = []
    for char in sorted(chars, key=lambda c: ((c.top + c.bottom) / 2, c.x0)):
        best, best_share = None, ROW_OVERLAP
        for j in range(max(0, len(rows) - ROW_LOOKBACK), len(rows)):
            share = _overlap(bands[j][0], bands[j][1], char)
            if share >= best_share:
                best, best_share = j, share
        if best is None:
            rows.append([char])
            bands.append([char.top, char.bottom])
        else:
            rows[best].append(char)
            bands[best][0] = min(bands[best][0], char.top)
            bands[best][1] = max(bands[best][1], char.bottom)
    return rows


def _row_middle(row: list[Char]) -> float:
    return statistics.median((c.top + c.bottom) / 2 for c in row)


def _row_size(row: list[Char]) -> float:
    return statistics.median(c.size for c in row)


def _merge_superscripts(rows: list[list[Char]]) -> list[list[Char]]:
    """Attach rows of small raised (or lowered) glyphs to the row they sit beside."""
    sizes = [_row_size(r) for r in rows]
    merged: list[list[Char] | None] = list(rows)
    for i, row in enumerate(rows):
        host = _host_row(i, rows, sizes)
        if host is not None and merged[host] is not None:
            merged[host].extend(row)  # type: ignore[union-attr]
            merged[i] = None
    return [r for r in merged if r]


def _host_row(i: int, rows: list[list[Char]], sizes: list[float]) -> int | None:
    size = sizes[i]
    mid = sum((c.top + c.bottom) / 2 for c in rows[i]) / len(rows[i])
    x0, x1 = min(c.x0 for c in rows[i]), max(c.x1 for c in rows[i])
    for j in (i - 1, i + 1, i - 2, i + 2):
        if j < 0 or j >= len(rows) or sizes[j] * SUPERSCRIPT_RATIO < size:
            continue
        top = min(c.top for c in rows[j])
        bottom = max(c.bottom for c in rows[j])
        near = any(c.x0 - 3 * sizes[j] <= x1 and c.x1 + 3 * sizes[j] >= x0 for c in rows[j])
        if top - 1 <= mid <= bottom + 1 and near:
            return j
    return None


def _split_columns(row: list[Char]) -> list[list[Char]]:
    """Split a row where a gap is much wider than a word space and than the row's other
    word spaces (side-by-side blocks of a masthead). A justified line stretched before a
    long URL has wide gaps too, but all alike: it stays one line."""
    row = sorted(row, key=lambda c: c.x0)
    spaces = _word_gaps(row)
    segments: list[list[Char]] = [[row[0]]]
    last = row[0]
    for char in row[1:]:
        if char.text.isspace():
            segments[-1].append(char)
            continue
        gap = char.x0 - last.x1
        if _column_gap(gap, max(char.size, last.size), spaces):
            segments.append([char])
        else:
            segments[-1].append(char)
        last = char
    # A hanging label ("12.", "(a)") set off by a tab belongs to the text after it.
    joined: list[list[Char]] = []
    for seg in segments:
        if joined and LABEL_RE.match("".join(c.text for c in joined[-1]).strip()):
            joined[-1].extend(seg)
        else:
            joined.append(seg)
    return joined


def _word_gaps(row: list[Char]) -> list[float]:
    """The gaps between consecutive glyphs of a row (sorted by x) wide enough to be word
    spaces or wider."""
    visible = [c for c in row if not c.text.isspace()]
    return [b.x0 - a.x1 for a, b in pairwise(visible) if b.x0 - a.x1 > 0.2 * min(a.size, b.size)]


def _column_gap(gap: float, size: float, spaces: list[float]) -> bool:
    if gap <= max(2.0 * size, 18.0):
        return False
    others = list(spaces)
    if gap in others:
        others.remove(gap)
    return not others or gap > 3.0 * statistics.median(others)


def _build_line(page: int, chars: list[Char]) -> Line | None:
    visible = [c for c in chars if not c.text.isspace()]
    if not visible:
        return None
    main_size = _most_letters(visible, lambda c: round(c.size, 1))
    main = [c for c in visible if c.size >= main_size * SUPERSCRIPT_RATIO] or visible
    baseline = statistics.median(c.bottom for c in main)
    raw_text, markers, offsets = _line_text(chars, main_size, baseline)
    text = raw_text.lstrip()
    offsets = [max(0, o - (len(raw_text) - len(text))) for o in offsets]
    text = logical_order(text.rstrip())
    if not text and not markers:
        return None
    font = _most_letters(main, lambda c: c.font)
    weights = [(_letters(c), *font_flags(c.font)) for c in main]
    letters = sum(n for n, _, _ in weights)
    n_bold = sum(n for n, bold, _ in weights if bold)
    n_italic = sum(n for n, _, italic in weights if italic)
    return Line(
        page=page,
        x0=round(min(c.x0 for c in visible), 2),
        x1=round(max(c.x1 for c in visible), 2),
        top=round(min(c.top for c in main), 2),
        bottom=round(max(c.bottom for c in main), 2),
        text=text,
        font=font,
        size=float(main_size),
        bold=n_bold * 2 > letters,
        italic=n_italic * 2 > letters,
        markers=markers,
        marker_offsets=offsets,
    )


def _letters(char: Char) -> int:
    """Non-space characters in a glyph run (a reader may hand over whole words as one
    `Char`): styles and sizes are weighed by what is printed, not by runs."""
    return (len(char.text) - char.text.count(" ")) or 1


def _most_letters(chars: list[Char], key: Callable[[Char], T]) -> T:
    weights: Counter[T] = Counter()
    for char in chars:
        weights[key(char)] += _letters(char)
    return weights.most_common(1)[0][0]


def _is_script(char: Char, main_size: float, baseline: float) -> bool:
    return (
        char.size < main_size * SUPERSCRIPT_RATIO and abs(char.bottom - baseline) > 0.12 * main_size
    )


def _line_text(
    chars: list[Char], main_size: float, baseline: float
) -> tuple[str, list[str], list[int]]:
    """The line's text with word spaces restored, odd characters read (`glyphs.reading`),
    and the footnote markers taken out.

    A glyph that reads as nothing still counts as printed: the gap to the next glyph is
    measured from its box, so it neither splits a word nor makes a word space of its own.
    A zero-width glyph (a combining accent) comes before a glyph starting where it stands:
    it belongs to the glyph before it.
    """
    parts: list[str] = []
    markers: list[str] = []
    offsets: list[int] = []
    script: list[str] = []
    prev: Char | None = None
    space_pending = False
    ordered = sorted(chars, key=_reading_order)
    last = next((c for c in reversed(ordered) if not c.text.isspace()), None)

    def flush_script() -> None:
        run = "".join(script)
        if MARKER_RE.match(run):
            markers.append(run)
            offsets.append(sum(len(p) for p in parts))
        elif run:
            parts.append(run)
        script.clear()

    for char in ordered:
        if char.text.isspace():
            space_pending = True
            continue
        gap = char.x0 - prev.x1 if prev is not None else 0.0
        if prev is not None and gap > 0.2 * min(char.size, prev.size) * (
            1.0 if char.size >= main_size * SUPERSCRIPT_RATIO else 2.0
        ):
            space_pending = True
        scripted = _is_script(char, main_size, baseline)
        if script and (not scripted or space_pending):
            flush_script()
        if space_pending and parts and not parts[-1].endswith(" "):
            parts.append(" ")
        space_pending = False
        text = reading(char.text, ends_line=char is last)
        if scripted:
            script.append(text)
        elif text:
            parts.append(text)
        prev = char
    flush_script()
    return "".join(parts), markers, offsets


def _reading_order(char: Char) -> tuple[float, bool]:
    return char.x0, char.x1 > char.x0
