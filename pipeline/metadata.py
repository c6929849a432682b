"""Document metadata read from the first page and the introduction.

The masthead gives the symbol and the body; the title is the longest display-type
block that stands alone on its lines (the masthead sets the issuing body beside the
distribution and date); the introduction says which meeting of which series it was and
when ("The second meeting of the constructive dialogue on firearms took place on 5 May"),
else the title ("Report on the meeting ... held in Vienna on 3 and 4 April 2024"), else
the masthead's date of issue. The kind of document (CRP, working group report, other) is
told by its title and masthead (`doc_types.yaml`). Names, symbols, meeting kinds and
ordinals come from the taxonomy (`working_groups.yaml`), handed in by the extract stage.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Any

from pipeline.knowledge.compiled import Meetings, WorkingGroup
from pipeline.knowledge.documents import DocTypes
from pipeline.readers.lines import Line

SYMBOL_RE = re.compile(r"\b[A-Z]{2,}(?:/[A-Z0-9][A-Za-z0-9.]*){2,}\b")
MONTHS = {
    m: i
    for i, m in enumerate(
        [
            "january",
            "february",
            "march",
            "april",
            "may",
            "june",
            "july",
            "august",
            "september",
            "october",
            "november",
            "december",
        ],
        start=1,
    )
}
_MONTH = r"(January|February|March|April|May|June|July|August|September|October|November|December)"
DATE_DMY = re.compile(
    rf"\b(\d{{1,2}})(?:\s*(?:and|to|-|–)\s*\d{{1,2}})?\s+{_MONTH}(?:\s+(\d{{4}}))?"
)
WG_REPORT = "wg_report"  # labels.yaml doc_types: a working group's report on its meeting
DATE_MDY = re.compile(rf"\b{_MONTH}\s+(\d{{1,2}}),?\s+(\d{{4}})")


@dataclass(frozen=True)
class Bodies:
    """The working groups and meeting kinds a masthead and introduction may name, and the
    rules that tell the kind of document (None: every document is of no known kind)."""

    working_groups: dict[str, WorkingGroup]
    meetings: Meetings
    doc_types: DocTypes | None = None


def read_metadata(
    first_page: list[Line], intro: str, pdf_metadata: dict[str, str], size: float, bodies: Bodies
) -> dict[str, Any]:
    """doc_type, symbol, title, working_group, meeting, session_ordinal, date and year of a
    document."""
    masthead = " \n".join(line.text for line in first_page)
    symbol = _symbol(masthead, pdf_metadata)
    title = _title(first_page, size) or pdf_metadata.get("Subject") or None
    doc_type = bodies.doc_types.of(title, masthead) if bodies.doc_types else None
    text = f"{title or ''} {intro}"
    working_group = _working_group(masthead, symbol, text, bodies.working_groups)
    meeting = _meeting(text, bodies.meetings)
    issued = _masthead_date(first_page)
    ordinal, when = _session(intro, meeting, issued.year if issued else None, bodies.meetings)
    when = when or _first_date(title or "", issued.year if issued else None) or issued
    if doc_type == WG_REPORT:  # the meeting of a report is the body that met, as titled
        meeting = _body_named(title or "", bodies.working_groups) or meeting
    return {
        "doc_type": doc_type,
        "symbol": symbol,
        "title": title,
        "working_group": working_group,
        "meeting": meeting,
        "session_ordinal": ordinal,
        "date": when.isoformat() if when else None,
        "year": when.year if when else None,
    }


def _symbol(masthead: str, pdf_metadata: dict[str, str]) -> str | None:
    match = SYMBOL_RE.search(masthead) or SYMBOL_RE.search(pdf_metadata.get("Title", ""))
    return match.group(0) if match else None


def _title(lines: list[Line], size: float) -> str | None:
    """The longest block of bold display type on the first page that stands alone on its
    lines: a masthead sets its lines beside others (the issuing body beside the
    distribution and date, "United Nations" beside the symbol), a title spans its column
    alone. When every block has a neighbour, the longest of them."""
    blocks = _display_blocks(lines, size)
    if not blocks:
        return None
    alone = [b for b in blocks if not any(_beside(line, lines) for line in b)]
    best = max(alone or blocks, key=lambda b: sum(len(ln.text) for ln in b))
    return re.sub(r"\s+", " ", " ".join(ln.text for ln in best)).strip()


def _beside(line: Line, lines: list[Line]) -> bool:
    """Whether another line of the page shares `line`'s height without overlapping it."""
    return any(
        other is not line
        and min(other.bottom, line.bottom) - max(other.top, line.top) > 0
        and (other.x0 >= line.x1 or other.x1 <= line.x0)
        for other in lines
    )


def _display_blocks(lines: list[Line], size: float) -> list[list[Line]]:
    """Consecutive lines of bold type larger than the body's, grouped by size and pitch."""
    blocks: list[list[Line]] = []
    for line in sorted(lines, key=lambda ln: ln.top):
        if line.role == "furniture" or not line.bold or line.size < size + 1:
            continue
        if blocks:
            last = blocks[-1][-1]
            if abs(last.size - line.size) < 0.5 and 0 < line.top - last.top <= 1.6 * line.size:
                blocks[-1].append(line)
                continue
        blocks.append([line])
    return blocks


def _working_group(
    masthead: str, symbol: str | None, text: str, groups: dict[str, WorkingGroup]
) -> str | None:
    for wg_id, group in groups.items():
        if any(name.lower() in masthead.lower() for name in group.names):
            return wg_id
    for wg_id, group in groups.items():
        if symbol and any(symbol.startswith(s + "/") for s in group.symbols):
            return wg_id
    lowered = text.lower()
    for wg_id, group in groups.items():
        for topic in group.topics:
            if re.search(rf"(dialogue|working group) on {re.escape(topic)}\b", lowered):
                return wg_id
    return None


def _body_named(title: str, groups: dict[str, WorkingGroup]) -> str | None:
    """The name of a working group as `title` writes it ("Working Group on Firearms")."""
    for group in groups.values():
        for name in sorted(group.names, key=len, reverse=True):
            found = re.search(re.escape(name), title, re.IGNORECASE)
            if found:
                return found.group(0)
    return None


def _meeting(text: str, meetings: Meetings) -> str | None:
    lowered = text.lower()
    for meeting, phrases in meetings.kinds.items():
        if any(p in lowered for p in phrases):
            return meeting
    return None


def _ordinal_pattern(ordinals: dict[str, int]) -> str:
    words = "|".join(sorted(ordinals, key=len, reverse=True))
    return rf"\b(?P<ord>{words}|\d{{1,2}}(?:st|nd|rd|th))\b"


def _session(
    intro: str, meeting: str | None, default_year: int | None, meetings: Meetings
) -> tuple[int | None, date | None]:
    """The ordinal and date of the meeting the document summarizes, from its introduction."""
    if not meeting:
        return None, None
    phrases = "|".join(re.escape(p) for p in meetings.kinds[meeting])
    ordinal = _ordinal_pattern(meetings.ordinals)
    # "The second (meeting of the) constructive dialogue on X took place on ...", or the
    # ordinal in apposition: "The constructive dialogue on X, the first to be ..., took place"
    before = rf"{ordinal}\s+(?:(?:meeting|session|round)\s+of\s+the\s+)?(?:{phrases})"
    after = rf"\b(?:{phrases})\b[^,.;]{{0,80}},\s+the\s+{ordinal}"
    patterns = [re.compile(p, re.IGNORECASE) for p in (before, after)]
    for sentence in re.split(r"(?<=[.;])\s+(?=[A-Z])", intro):
        for pattern in patterns:
            match = pattern.search(sentence)
            if match:
                when = _first_date(sentence[match.end() :], default_year)
                return _ordinal_value(match.group("ord"), meetings.ordinals), when
    return None, None


def _ordinal_value(word: str, ordinals: dict[str, int]) -> int | None:
    word = word.lower()
    if word in ordinals:
        return ordinals[word]
    digits = re.match(r"\d+", word)
    return int(digits.group(0)) if digits else None


def _first_date(text: str, default_year: int | None = None) -> date | None:
    candidates = []
    for m in DATE_DMY.finditer(text):
        candidates.append((m.start(), int(m.group(1)), MONTHS[m.group(2).lower()], m.group(3)))
    for m in DATE_MDY.finditer(text):
        candidates.append((m.start(), int(m.group(2)), MONTHS[m.group(1).lower()], m.group(3)))
    for _, day, month, year in sorted(candidates):
        if not (year or default_year):
            continue
        try:
            return date(int(year) if year else default_year, month, day)  # type: ignore[arg-type]
        except ValueError:
            continue
    return None


def _masthead_date(lines: list[Line]) -> date | None:
    for line in sorted(lines, key=lambda ln: ln.top):
        found = _first_date(line.text)
        if found:
            return found
    return None
