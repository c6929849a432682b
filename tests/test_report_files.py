"""SiteFiles: the report's files are written only where their content changed."""

from __future__ import annotations

import time

from pipeline.report_files import MANIFEST, SiteFiles


def _run(root, state, files: dict[str, str], keyed: dict[str, tuple[str, str]] | None = None):
    """One run writing `files` (rel → text) and `keyed` (rel → (key, text)); returns the
    rels whose `produce` was called."""
    site = SiteFiles(root, state)
    produced = []
    for rel, text in files.items():
        site.write(rel, text)
    for rel, (key, text) in (keyed or {}).items():
        site.write_keyed(rel, key, lambda rel=rel, text=text: produced.append(rel) or text)
    site.close()
    return produced


def test_site_files_leave_an_unchanged_file_untouched_and_rewrite_a_changed_one(tmp_path):
    root, state = tmp_path / "site", tmp_path / "state"
    _run(root, state, {"a.html": "A", "sub/b.js": "B"})
    written = {rel: (root / rel).stat().st_mtime_ns for rel in ("a.html", "sub/b.js")}
    time.sleep(0.01)
    _run(root, state, {"a.html": "A", "sub/b.js": "B2"})
    assert (root / "a.html").stat().st_mtime_ns == written["a.html"]
    assert (root / "sub/b.js").stat().st_mtime_ns != written["sub/b.js"]
    assert (root / "sub/b.js").read_text() == "B2"


def test_site_files_rewrite_a_file_someone_edited_even_with_the_same_size(tmp_path):
    root, state = tmp_path / "site", tmp_path / "state"
    _run(root, state, {"a.html": "AAAA"})
    (root / "a.html").write_text("ZZZZ")  # same size, a new time
    _run(root, state, {"a.html": "AAAA"})
    assert (root / "a.html").read_text() == "AAAA"


def test_site_files_remove_what_the_run_did_not_produce(tmp_path):
    root, state = tmp_path / "site", tmp_path / "state"
    _run(root, state, {"a.html": "A", "doc-x.html": "X", "search/rows-0001.js": "R"})
    (root / "stray.txt").write_text("left by hand")
    _run(root, state, {"a.html": "A"})
    assert sorted(p.relative_to(root).as_posix() for p in root.rglob("*")) == ["a.html"]


def test_site_files_produce_a_keyed_file_only_when_its_key_changed(tmp_path):
    root, state = tmp_path / "site", tmp_path / "state"
    assert _run(root, state, {}, {"doc-a.html": ("k1", "A"), "doc-b.html": ("k1", "B")}) == [
        "doc-a.html",
        "doc-b.html",
    ]
    produced = _run(root, state, {}, {"doc-a.html": ("k1", "A"), "doc-b.html": ("k2", "B2")})
    assert produced == ["doc-b.html"]
    assert (root / "doc-a.html").read_text() == "A"
    assert (root / "doc-b.html").read_text() == "B2"
    (root / "doc-a.html").unlink()  # gone from disk: made again, whatever the manifest says
    assert _run(root, state, {}, {"doc-a.html": ("k1", "A"), "doc-b.html": ("k2", "B2")}) == [
        "doc-a.html"
    ]


def test_site_files_without_a_readable_manifest_write_everything(tmp_path):
    root, state = tmp_path / "site", tmp_path / "state"
    _run(root, state, {}, {"doc-a.html": ("k1", "A")})
    (state / MANIFEST).write_text("{not json")
    assert _run(root, state, {}, {"doc-a.html": ("k1", "A")}) == ["doc-a.html"]
    assert _run(root, None, {}, {"doc-a.html": ("k1", "A")}) == ["doc-a.html"]  # no state
