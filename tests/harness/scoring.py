"""One PDF through extract + segment, scored against the golden paragraphs and the gold's
section and sub-section: what the harness test asserts and the grid benchmark prints."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
from rapidfuzz.distance import Levenshtein

from pipeline.extract import ExtractSettings, extract_document
from pipeline.segment import SegmentSettings, segment

REPO = Path(__file__).resolve().parents[2]
GOLDEN = REPO / "tests" / "fixtures" / "golden"
GOLD = REPO / "data" / "gold"


def similarity(a: str, b: str) -> float:
    """Normalized Levenshtein similarity of two texts, runs of white space made one."""
    return Levenshtein.normalized_similarity(" ".join(a.split()), " ".join(b.split()))


@dataclass
class Score:
    doc_id: str
    expected: int
    got: int
    numbers_match: bool
    exact: int
    sims: list[float]
    headings_agree: int
    wrong: list[str] = field(default_factory=list)  # the first paragraphs that differ

    @property
    def all_exact(self) -> bool:
        """Every paragraph, with its number, text, section and sub-section, as the gold."""
        return self.numbers_match and self.exact == self.expected == self.headings_agree


def paragraphs_of(pdf: Path, doc_id: str, backend: str = "pdfium") -> pd.DataFrame:
    """The paragraphs table of one PDF, read as `doc_id`."""
    result = extract_document(pdf, ExtractSettings(backend=backend))
    if result.document["status"] != "ok":
        raise RuntimeError(f"{pdf.name}: {result.document['error']}")
    pages = pd.DataFrame(result.lines).assign(doc_id=doc_id)
    return segment(pages, SegmentSettings())


def score(doc_id: str, paragraphs: pd.DataFrame) -> Score:
    expected = _jsonl(GOLDEN / f"{doc_id}.expected.jsonl")
    gold = {g["para_no"]: g for g in _jsonl(GOLD / f"{doc_id}.paragraphs.jsonl")}
    got = paragraphs[paragraphs["doc_id"] == doc_id].set_index("para_no")
    sims, agree, wrong = [], 0, []
    for e in expected:
        number = e["para_no"]
        if number not in got.index:
            sims.append(0.0)
            wrong.append(f"{number}: missing")
            continue
        row = got.loc[number]
        sims.append(similarity(e["text"], row["text"]))
        subsection = None if pd.isna(row["subsection"]) else row["subsection"]
        headings = (row["section"], subsection) == (
            gold[number]["section"],
            gold[number]["subsection"],
        )
        agree += headings
        if sims[-1] < 1.0 or not headings:
            wrong.append(_describe(number, e["text"], row, gold[number], sims[-1]))
    return Score(
        doc_id=doc_id,
        expected=len(expected),
        got=len(got),
        numbers_match=list(got.index) == [e["para_no"] for e in expected],
        exact=sum(s == 1.0 for s in sims),
        sims=sims,
        headings_agree=agree,
        wrong=wrong[:3],
    )


def _describe(number: int, expected: str, row: pd.Series, gold: dict, sim: float) -> str:
    if sim < 1.0:
        return f"{number}: similarity {sim:.4f}, ends {str(row['text'])[-60:]!r}"
    return f"{number}: sub-section {row['subsection']!r}, gold {gold['subsection']!r}"


def _jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]
