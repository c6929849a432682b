"""Document metadata read from the first page and the introduction.

The masthead gives the symbol and the body; the title is the longest display-type
block; the introduction says which meeting of which series it was and when
("The second meeting of the constructive dialogue on firearms took place on 5 May").
Names, symbols and ordinals come from `taxonomy/working_groups.yaml`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from typing import Any

import yaml

from pipeline.paths import TAXONOMY_DIR
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
DATE_MDY = re.compile(rf"\b{_MONTH}\s+(\d{{1,2}}),?\s+(\d{{4}})")


@dataclass(frozen=True)
class Vocab:
    working_groups: dict[str, dict[str, Any]]
    meetings: dict[str, list[str]]
    ordinals: dict[str, int]


@lru_cache(maxsize=1)
def vocab() -> Vocab:
    data = yaml.safe_load((TAXONOMY_DIR / "working_groups.yaml").read_text(encoding="utf-8"))
    return Vocab(data["working_groups"], data["meetings"], data["ordinals"])


def read_metadata(
    first_page: list[Line], intro: str, pdf_metadata: dict[str, str], size: float
) -> dict[str, Any]:
    """symbol, title, working_group, meeting, session_ordinal, date and year of a document."""
    masthead = " \n".join(line.text for line in first_page)
    symbol = _symbol(masthead, pdf_metadata)
    title = _title(first_page, size) or pdf_metadata.get("Subject") or None
    working_group = _working_group(masthead, symbol, f"{title or ''} {intro}")
    meeting = _meeting(f"{title or ''} {intro}")
    issued = _masthead_date(first_page)
    ordinal, when = _session(intro, meeting, issued.year if issued else None)
    when = when or issued
    return {
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
    """The longest block of bold display type on the first page."""
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
    if not blocks:
        return None
    best = max(blocks, key=lambda b: sum(len(ln.text) for ln in b))
    return re.sub(r"\s+", " ", " ".join(ln.text for ln in best)).strip()


def _working_group(masthead: str, symbol: str | None, text: str) -> str | None:
    groups = vocab().working_groups
    for wg_id, spec in groups.items():
        if any(name.lower() in masthead.lower() for name in spec.get("names", [])):
            return wg_id
    for wg_id, spec in groups.items():
        if symbol and any(symbol.startswith(s + "/") for s in spec.get("symbols", [])):
            return wg_id
    lowered = text.lower()
    for wg_id, spec in groups.items():
        for topic in spec.get("topics", []):
            if re.search(rf"(dialogue|working group) on {re.escape(topic)}\b", lowered):
                return wg_id
    return None


def _meeting(text: str) -> str | None:
    lowered = text.lower()
    for meeting, phrases in vocab().meetings.items():
        if any(p in lowered for p in phrases):
            return meeting
    return None


def _ordinal_pattern() -> str:
    words = "|".join(sorted(vocab().ordinals, key=len, reverse=True))
    return rf"\b(?P<ord>{words}|\d{{1,2}}(?:st|nd|rd|th))\b"


def _session(
    intro: str, meeting: str | None, default_year: int | None
) -> tuple[int | None, date | None]:
    """The ordinal and date of the meeting the document summarizes, from its introduction."""
    if not meeting:
        return None, None
    phrases = "|".join(re.escape(p) for p in vocab().meetings[meeting])
    pattern = re.compile(
        _ordinal_pattern() + rf"\s+(?:(?:meeting|session|round)\s+of\s+the\s+)?(?:{phrases})",
        re.IGNORECASE,
    )
    for sentence in re.split(r"(?<=[.;])\s+(?=[A-Z])", intro):
        match = pattern.search(sentence)
        if match:
            when = _first_date(sentence[match.end() :], default_year)
            return _ordinal_value(match.group("ord")), when
    return None, None


def _ordinal_value(word: str) -> int | None:
    word = word.lower()
    if word in vocab().ordinals:
        return vocab().ordinals[word]
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
