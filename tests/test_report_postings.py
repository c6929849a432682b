"""The search index's words and postings: analysis as search.js does it, Lunr's BM25."""

from __future__ import annotations

import json

import pytest

from pipeline import report_postings
from pipeline.report_postings import analyze, fold


def test_report_postings_analysis_stems_and_folds_accents():
    assert [t for _, t in analyze("Scam centres")] == [t for _, t in analyze("scam centre")]
    assert [t for _, t in analyze("Côte d’Ivoire")] == [t for _, t in analyze("cote d'ivoire")]
    assert fold("Ÿ São Tomé, İstanbul, ﬁnance") == "y sao tome, istanbul, finance"
    assert analyze("trafficking in persons") == [(0, "traffick"), (2, "person")]


def reference_postings(texts: list[str]) -> dict[str, list[int]]:
    """The postings by their definition, one Python loop per posting (Lunr's BM25)."""
    rows_of: dict[str, list[tuple[int, list[int]]]] = {}
    lengths = [len(analyze(text)) for text in texts]
    average = sum(lengths) / len(lengths)
    for row, text in enumerate(texts):
        where: dict[str, list[int]] = {}
        for position, term in analyze(text):
            where.setdefault(term, []).append(position)
        for term, found in where.items():
            rows_of.setdefault(term, []).append((row, found))
    out = {}
    for term, found in rows_of.items():
        flat, previous = [], 0
        for row, positions in found:
            tf = len(positions)
            norm = 1 - report_postings.B + report_postings.B * lengths[row] / average
            weight = max(1, round(10 * tf * 2.2 / (tf + 1.2 * norm)))
            deltas = [b - a for a, b in zip([0, *positions], positions, strict=False)]
            flat += [row - previous, weight, tf, *deltas]
            previous = row
        out[term] = flat
    return out


@pytest.mark.parametrize("chunk", [1, 7, 1_000_000])  # words built at once
def test_report_postings_are_lunr_bm25_by_definition_in_javascript_order(chunk, monkeypatch):
    monkeypatch.setattr(report_postings, "POSTINGS_CHUNK", chunk)
    words = "smuggling migrants firearms centre scam victims States trafficking Côte école the of"
    words = words.split(" ")
    texts = [" ".join(words[(i * 7 + j * j) % len(words)] for j in range(i % 9)) for i in range(60)]
    built = list(report_postings.postings(texts))
    terms = [term for term, _ in built]
    assert terms == sorted(terms, key=lambda t: t.encode("utf-16-be")) and "ecol" in terms
    assert {term: json.loads(text)[1] for term, text in built} == reference_postings(texts)
    assert all(json.loads(text)[0] == term for term, text in built)
