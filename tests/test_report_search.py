"""The report's search index, built in Python: words, postings, shards, filters, escaping.

What the browser does with it (queries, highlighting, following a hit) is tested in
headless Chromium in tests/test_browser.py.
"""

from __future__ import annotations

import base64
import bisect
import json
import re
import zlib
from pathlib import Path

import pytest
from conftest import tiny_site

from pipeline import report_postings, report_search
from pipeline.cache import DocCache
from pipeline.report_search import search_rows, write_search

SCRIPT = re.compile(r'^CRPSearch\.receive\("([\w-]+)","([A-Za-z0-9+/=]*)"\);\n$')

PARAGRAPHS = [
    {"doc_id": "d", "para_no": 1, "text": "Scam centres in Côte d'Ivoire held victims."},
    {"doc_id": "d", "para_no": 2, "text": "A scam was reported near the centre of town."},
    {"doc_id": "e", "para_no": 1, "text": "Smugglers used hawala brokers and couriers."},
    {"doc_id": "e", "para_no": 2, "text": "<script>alert(1)</script> Trafficking in persons & <b>"},
]
TAGS = [
    {
        "doc_id": "d",
        "para_no": 1,
        "kind": "country",
        "label": "Côte d'Ivoire",
        "start": 16,
        "end": 29,
    },
    {
        "doc_id": "e",
        "para_no": 1,
        "kind": "theme",
        "label": "financial_investigation",
        "start": 16,
        "end": 22,
    },
]
RECOMMENDATIONS = [
    {
        "doc_id": "e",
        "para_no": 1,
        "rec_no": 1,
        "text": "used hawala brokers",
        "start": 10,
        "end": 29,
        "themes": ["financial_investigation"],
    },
]


def unpack(content: str) -> tuple[str, object]:
    """A file of the index as the browser reads it: (name, JSON value)."""
    match = SCRIPT.match(content)
    assert match, content[:80]
    raw = zlib.decompress(base64.b64decode(match[2]), wbits=-15)
    return match[1], json.loads(raw)


@pytest.fixture
def index(tmp_path: Path) -> dict[str, object]:
    """The index of PARAGRAPHS, TAGS and RECOMMENDATIONS, file name → JSON value."""
    site = tiny_site(PARAGRAPHS, TAGS, RECOMMENDATIONS)
    written = write_search(site, tmp_path, {"financial_investigation": "Financial investigation"})
    return {
        p.stem: unpack(p.read_text("utf-8"))[1]
        for p in written
        if p.name not in report_search.STATIC
    }


def postings(index: dict, term: str) -> dict[int, list[int]]:
    """row → positions of `term`, found the way search.js finds it: the term shard named by
    the manifest's first terms (compared as JavaScript compares strings)."""
    firsts = [t.encode("utf-16-be") for t in index["index"]["termShards"]]
    shard = dict(index[f"terms-{bisect.bisect_right(firsts, term.encode('utf-16-be')) - 1:04d}"])
    ints, out, row, i = shard.get(term, []), {}, 0, 0
    while i < len(ints):
        row += ints[i]
        n, i = ints[i + 2], i + 3
        positions = [sum(ints[i : i + k + 1]) for k in range(n)]
        out[row], i = positions, i + n
    return out


def test_report_search_rows_are_paragraphs_and_recommendations_in_reading_order():
    rows = search_rows(tiny_site(PARAGRAPHS, TAGS, RECOMMENDATIONS))
    keys = list(zip(rows["doc_id"], rows["para_no"], rows["kind"], strict=True))
    assert keys == [
        ("d", 1, "paragraph"), ("d", 2, "paragraph"),
        ("e", 1, "paragraph"), ("e", 1, "recommendation"), ("e", 2, "paragraph"),
    ]  # fmt: skip
    assert rows.loc[0, "countries"] == ["Côte d'Ivoire"]
    assert rows.loc[3, "themes"] == ["financial_investigation"]


def test_report_search_postings_keep_positions_for_phrases(index):
    # "scam centres": scam at 0 and centr at 1 in row 0; in row 1 the words are apart
    scam, centre = postings(index, "scam"), postings(index, "centr")
    assert scam == {0: [0], 1: [1]} and centre == {0: [1], 1: [6]}
    assert postings(index, "cote") == {0: [3]}  # accents folded before indexing
    assert postings(index, "in") == {}  # a stop word is not indexed, but counted


def test_report_search_a_prefix_finds_its_terms_in_the_shards_the_manifest_names(index):
    terms = sorted(
        t for name, shard in index.items() if name.startswith("terms-") for t, _ in shard
    )
    for term in terms:
        assert postings(index, term), term
    assert [t for t in terms if t.startswith("smug")] == ["smuggler"]


def test_report_search_filters_list_the_rows_of_each_value(index):
    facets = {f["name"]: f for f in index["index"]["facets"]}
    countries = facets["country"]["values"]
    assert countries == [["Côte d'Ivoire", "Côte d'Ivoire", 1]]
    assert index["facet-country"] == [[0]]  # row 0
    groups = [label for _, label, _ in facets["working_group"]["values"]]
    assert groups == ["Firearms", "Smuggling of migrants"]
    assert facets["theme"]["values"] == [["financial_investigation", "Financial investigation", 2]]
    assert index["facet-kind"] == [[0, 1, 1, 2], [3]]  # paragraphs, the recommendation


def test_report_search_hostile_text_stays_data(tmp_path):
    site = tiny_site(PARAGRAPHS)
    for path in write_search(site, tmp_path, {}):
        if path.name in report_search.STATIC:
            continue
        content = path.read_text("utf-8")
        assert "<" not in content and "&" not in content, path.name
    rows = [row for p in tmp_path.glob("rows-*.js") for row in unpack(p.read_text("utf-8"))[1]]
    assert "<script>alert(1)</script> Trafficking in persons & <b>" in [r[4] for r in rows]


def test_report_search_index_is_rebuilt_only_when_its_rows_change(tmp_path, monkeypatch):
    cache = DocCache(tmp_path / "cache", "fingerprint")
    site = tiny_site(PARAGRAPHS)
    first = {p.name: p.read_bytes() for p in write_search(site, tmp_path / "a", {}, cache)}

    def refuse(*args, **kwargs):
        raise AssertionError("the index was rebuilt")

    monkeypatch.setattr(report_search, "index_files", refuse)
    again = {p.name: p.read_bytes() for p in write_search(site, tmp_path / "b", {}, cache)}
    assert again == first
    edited = [dict(p, text=p["text"] + " Edited.") if p["para_no"] == 2 else p for p in PARAGRAPHS]
    with pytest.raises(AssertionError, match="rebuilt"):
        write_search(tiny_site(edited), tmp_path / "c", {}, cache)


def test_report_search_an_edited_document_is_the_only_one_analysed_again(tmp_path, monkeypatch):
    cache = DocCache(tmp_path / "cache", "fingerprint")
    fresh = {
        p.name: p.read_bytes() for p in write_search(tiny_site(PARAGRAPHS), tmp_path / "a", {})
    }
    analysed: list[list[str]] = []
    row_terms_of = report_postings.RowTerms.of
    monkeypatch.setattr(
        report_postings.RowTerms, "of", lambda texts: analysed.append(texts) or row_terms_of(texts)
    )
    cached = {
        p.name: p.read_bytes()
        for p in write_search(tiny_site(PARAGRAPHS), tmp_path / "b", {}, cache)
    }
    assert cached == fresh and len(analysed) == 2  # documents d and e, each on its own
    edited = [dict(p, text=p["text"] + " Edited.") if p["doc_id"] == "e" else p for p in PARAGRAPHS]
    analysed.clear()
    again = write_search(tiny_site(edited), tmp_path / "c", {}, cache)
    assert [texts[-1] for texts in analysed] == [edited[-1]["text"]]
    rebuilt = write_search(tiny_site(edited), tmp_path / "d", {})
    assert [p.read_bytes() for p in again] == [p.read_bytes() for p in rebuilt]


def test_report_search_run_lengths_count_each_documents_rows():
    assert report_search._run_lengths(["a", "a", "b", "c", "c", "c"]) == [2, 1, 3]
    assert report_search._run_lengths([]) == []
