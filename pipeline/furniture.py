"""Page furniture and footnotes, told apart from body text by what any page shows.

Running headers and footers are lines at the top or bottom edge of a page that repeat
on other pages (digits ignored, so "4/7" and "5/7" are the same line) or that consist
only of furniture tokens: page numbers, job numbers such as "V.23-08912 (E)", document
symbols, bar codes. Footnotes are the block of smaller-type lines at the foot of a page
that starts with a marker. Nothing here depends on one producer's fonts or coordinates.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass

from pipeline.hyphenation import Vocabulary, join_lines
from pipeline.readers.lines import Line

FURNITURE_TOKEN = re.compile(
    r"""^(
        [A-Z]\.\d{2}-\d{3,6}            # job number V.23-08912
      | \([A-Z]{1,2}\)                  # language code (E)
      | \d{1,8}                         # page number, date stamp 050523
      | \d{1,4}/\d{1,4}                 # page x/y
      | page | of | [-–—|]              # "Page 3 of 8", "- 3 -"
      | \*[0-9A-Z]+\*                   # bar code *2353828*
      | [A-Z]{1,6}(/[A-Za-z0-9.()-]+){2,}  # document symbol CTOC/COP/WG.6/2023/CRP.1
    )$""",
    re.IGNORECASE | re.VERBOSE,
)


@dataclass(frozen=True)
class FurnitureSettings:
    margin_zone: float = 0.12
    repeat_min_pages: int = 2


@dataclass(frozen=True)
class Footnote:
    page: int
    marker: str
    text: str


def body_size(lines: list[Line]) -> float:
    """The font size of running text: the size carrying the most characters."""
    weights: Counter[float] = Counter()
    for line in lines:
        weights[round(line.size, 1)] += len(line.text)
    return weights.most_common(1)[0][0] if weights else 10.0


def _norm(text: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"\d+", "#", text.lower())).strip()


def is_furniture_text(text: str) -> bool:
    tokens = text.split()
    return bool(tokens) and all(FURNITURE_TOKEN.match(t) for t in tokens)


def mark_furniture(
    pages: list[list[Line]], heights: list[float], settings: FurnitureSettings
) -> None:
    """Set `role='furniture'` on running headers and footers (lines edge-in from each page).

    A margin line counts as repeated if its exact text recurs on other pages, or if it
    recurs with other digits ("4/7", "5/7") and is not set in the body's type size.
    """
    size = body_size([line for lines in pages for line in lines])
    exact, numbered = _repeated_margin_lines(pages, heights, settings)

    def repeated(line: Line) -> bool:
        if line.text in exact:
            return True
        return _norm(line.text) in numbered and abs(line.size - size) >= 0.5

    for lines, height in zip(pages, heights, strict=True):
        top_zone, bottom_zone = height * settings.margin_zone, height * (1 - settings.margin_zone)
        ordered = sorted(lines, key=lambda ln: ln.top)
        for line in ordered:  # peel from the top edge down
            if line.top > top_zone or not _furniture(line, repeated):
                break
            line.role = "furniture"
        for n in range(len(ordered) - 1, -1, -1):  # and from the bottom edge up, over footnotes
            line = ordered[n]
            if line.bottom < bottom_zone:
                break
            if repeated(line) or (
                is_furniture_text(line.text) and not _continues(ordered[n - 1] if n else None, line)
            ):
                line.role = "furniture"


def _repeated_margin_lines(
    pages: list[list[Line]], heights: list[float], settings: FurnitureSettings
) -> tuple[set[str], set[str]]:
    """Margin-line texts found on several pages: exactly, and with digits ignored."""
    exact: defaultdict[str, set[int]] = defaultdict(set)
    numbered: defaultdict[str, set[int]] = defaultdict(set)
    for lines, height in zip(pages, heights, strict=True):
        for line in lines:
            in_margin = line.top < height * settings.margin_zone or line.bottom > height * (
                1 - settings.margin_zone
            )
            if in_margin:
                exact[line.text].add(line.page)
                numbered[_norm(line.text)].add(line.page)
    needed = max(2, settings.repeat_min_pages)
    return (
        {text for text, on in exact.items() if len(on) >= needed},
        {text for text, on in numbered.items() if len(on) >= needed},
    )


SENTENCE_END = (".", ":", ";", "!", "?", ")", "”", '"', "’")


def _continues(above: Line | None, line: Line) -> bool:
    """A line of the body's text finishing the sentence of the line above it, at the line
    pitch ("... is contained in document" | "CTOC/COP/WG.4/2024/INF/1."): body text, though
    its words look like a footer's."""
    return (
        above is not None
        and above.role != "furniture"
        and abs(above.size - line.size) < 0.5
        and not above.text.rstrip().endswith(SENTENCE_END)
        and 0 < line.top - above.top <= 1.6 * line.size
    )


def _furniture(line: Line, repeated: Callable[[Line], bool]) -> bool:
    return repeated(line) or is_furniture_text(line.text)


def mark_footnotes(
    pages: list[list[Line]], heights: list[float], size: float, vocab: Vocabulary
) -> list[Footnote]:
    """Set `role='footnote'` on footnote lines and return the footnotes of every page.

    A footnote that does not end on its page (no sentence end) continues at the foot of
    the next page without a marker, as Word and LibreOffice break long notes: the
    small-type lines there before any marker are the rest of it."""
    notes: list[_Note] = []
    for lines, height in zip(pages, heights, strict=True):
        page = lines[0].page if lines else 0
        last = notes[-1] if notes else None
        open_note = last if last and last.page == page - 1 and not _ended(last) else None
        notes.extend(_page_footnotes(lines, height, size, open_note))
    return [Footnote(n.page, n.marker, join_lines(n.texts, vocab)) for n in notes]


@dataclass
class _Note:
    page: int
    marker: str
    texts: list[str]


def _ended(note: _Note) -> bool:
    return note.texts[-1].rstrip().endswith((".", "!", "?", ")", "”", '"'))


def _starts_note(line: Line, size: float) -> str | None:
    """The marker a footnote line starts with, or None."""
    if line.size > size - 0.4:
        return None
    if line.markers and line.marker_offsets and line.marker_offsets[0] == 0:
        return line.markers[0]
    match = re.match(r"^([0-9]{1,3}|[*†‡§])\s+\S", line.text)
    return match.group(1) if match else None


def _page_footnotes(
    lines: list[Line], height: float, size: float, open_note: _Note | None
) -> list[_Note]:
    """The notes starting on this page; lines continuing `open_note` are added to it."""
    block = _foot_block(
        sorted((ln for ln in lines if ln.role == "body"), key=lambda ln: ln.top), height, size
    )
    starts = [i for i, line in enumerate(block) if _starts_note(line, size) is not None]
    first = starts[0] if starts else len(block)
    if open_note is not None:
        for line in block[:first]:
            line.role = "footnote"
            open_note.texts.append(line.text)
    notes: list[_Note] = []
    for line in block[first:]:
        marker = _starts_note(line, size)
        text = line.text
        if marker is not None and not (line.markers and line.marker_offsets[0] == 0):
            text = text[len(marker) :].lstrip()
        line.role = "footnote"
        if marker is not None or not notes:
            notes.append(_Note(line.page, marker or "", [text]))
        else:
            notes[-1].texts.append(text)
    return notes


def _foot_block(candidates: list[Line], height: float, size: float) -> list[Line]:
    """The lines at the foot of a page below which everything is in smaller type than the
    body (and that lie in its lower part): where footnotes can be."""
    start = len(candidates)
    for i in range(len(candidates) - 1, -1, -1):
        line = candidates[i]
        if line.size > size - 0.4 or line.top <= height * 0.4:
            break
        start = i
    return candidates[start:]
