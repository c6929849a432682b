"""Per-document caches: keys that change with a document's rows only, entries that
round-trip in the declared schema, broken entries recomputed, unused entries pruned."""

from __future__ import annotations

import pandas as pd
import pytest

from pipeline.cache import DocCache, cached_tables, doc_digests
from pipeline.parallel import ParallelSettings

SEQUENTIAL = ParallelSettings(backend="sequential", n_jobs=1)


def paragraphs(texts: dict[str, list[str]]) -> pd.DataFrame:
    rows = [
        {"doc_id": doc, "para_no": n, "text": text}
        for doc, items in texts.items()
        for n, text in enumerate(items, start=1)
    ]
    return pd.DataFrame(rows)


def test_doc_digests_change_for_the_changed_document_only():
    before = doc_digests(paragraphs({"a": ["x", "y"], "b": ["z"]}))
    after = doc_digests(paragraphs({"a": ["x", "y!"], "b": ["z"]}))
    assert before["b"] == after["b"] and before["a"] != after["a"]
    shuffled = paragraphs({"b": ["z"], "a": ["x", "y"]})
    assert doc_digests(shuffled) == before  # the order of documents does not matter


calls: list[str] = []  # the documents footnotes_of was called for


def footnotes_of(doc_id: str) -> dict[str, pd.DataFrame]:
    calls.append(doc_id)
    return {
        "footnotes": pd.DataFrame(
            {"doc_id": [doc_id], "page": [1], "marker": ["1"], "text": [f"note of {doc_id}"]}
        )
    }


def run(tmp_path, docs: list[str]) -> pd.DataFrame:
    cache = DocCache(tmp_path / "cache", fingerprint="v1")
    items = [(f"key-{d}", d) for d in docs]
    return cached_tables(footnotes_of, items, ("footnotes",), cache, SEQUENTIAL, "test")[
        "footnotes"
    ]


def test_cached_tables_reuse_entries_and_keep_input_order(tmp_path):
    calls.clear()
    first = run(tmp_path, ["a", "b"])
    assert calls == ["a", "b"]
    second = run(tmp_path, ["b", "c", "a"])
    assert calls == ["a", "b", "c"]  # only the new document was computed
    assert list(second["doc_id"]) == ["b", "c", "a"]
    assert second["page"].dtype == first["page"].dtype == "Int64"
    assert len(list((tmp_path / "cache").iterdir())) == 3


def test_a_broken_entry_is_computed_again_and_unused_entries_are_pruned(tmp_path):
    calls.clear()
    run(tmp_path, ["a", "b"])
    cache = DocCache(tmp_path / "cache", fingerprint="v1")
    (tmp_path / "cache" / cache.key("key-a") / "footnotes.arrow").write_bytes(b"not arrow")
    calls.clear()
    out = run(tmp_path, ["a"])
    assert calls == ["a"] and list(out["text"]) == ["note of a"]
    assert [p.name for p in (tmp_path / "cache").iterdir()] == [cache.key("key-a")]


def test_text_entries_round_trip(tmp_path):
    cache = DocCache(tmp_path, fingerprint="v1")
    assert cache.get_text("doc", "page.html") is None
    cache.put_text("doc", "page.html", "<p>é</p>")
    assert DocCache(tmp_path, fingerprint="v1").get_text("doc", "page.html") == "<p>é</p>"
    assert DocCache(tmp_path, fingerprint="v2").get_text("doc", "page.html") is None


def test_a_document_whose_rows_do_not_fit_the_schema_is_named(tmp_path):
    from pipeline.errors import SchemaError

    def bad_page(doc_id: str) -> dict[str, pd.DataFrame]:
        row = {"doc_id": [doc_id], "page": ["1a"], "marker": ["1"], "text": ["x"]}
        return {"footnotes": pd.DataFrame(row)}

    cache = DocCache(tmp_path, fingerprint="v1")
    with pytest.raises(SchemaError, match=r"footnotes \(document key-a\).*declared type"):
        cached_tables(bad_page, [("key-a", "a")], ("footnotes",), cache, SEQUENTIAL, "test")


def test_cache_keeps_a_folder_of_files_and_gives_none_for_an_unsealed_entry(tmp_path):
    source = tmp_path / "index"
    source.mkdir()
    (source / "a.js").write_text("one", encoding="utf-8")
    (source / "b.js").write_text("two", encoding="utf-8")
    cache = DocCache(tmp_path / "cache", "fingerprint")
    assert cache.get_folder("key", "search") is None
    cache.put_folder("key", "search", source, ["a.js"])
    kept = cache.get_folder("key", "search")
    assert kept is not None and sorted(p.name for p in kept.iterdir()) == ["a.js"]
    assert (kept / "a.js").read_text(encoding="utf-8") == "one"
    assert cache.get_text("key", "search") is None  # a folder is not a text
    (kept.parent / "DONE").unlink()  # a run killed before sealing leaves no entry
    assert DocCache(tmp_path / "cache", "fingerprint").get_folder("key", "search") is None
