"""The theme report: escaped text, working links, PDF page anchors, notebooks that run."""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

import nbformat
import pandas as pd
import pytest
from conftest import REPO

from pipeline.paths import Layout
from pipeline.report import render
from pipeline.report_pages import highlight
from pipeline.schemas import read_table, write_table

NOTEBOOKS = sorted((REPO / "notebooks").glob("*.ipynb"))
HREF = re.compile(r'href="([^"#]*)(#[^"]*)?"')


def local_links(html_path: Path) -> list[tuple[Path, str]]:
    html = html_path.read_text(encoding="utf-8")
    return [
        ((html_path.parent / target).resolve(), anchor or "")
        for target, anchor in HREF.findall(html)
        if target and "://" not in target
    ]


def test_report_pages_exist_for_every_theme_and_document(pipeline_out):
    reports = pipeline_out / "reports"
    from pipeline.knowledge.taxonomy import load_taxonomy

    for theme in load_taxonomy().themes:
        assert (reports / f"theme-{theme}.html").exists()
    for doc in (REPO / "data" / "raw").glob("*.pdf"):
        assert (reports / f"doc-{doc.stem}.html").exists()
    index = (reports / "index.html").read_text(encoding="utf-8")
    assert "Ghost guns" in index and "<svg" in index and 'lang="en"' in index


def test_report_links_resolve_and_pdf_links_carry_the_page(pipeline_out):
    reports = pipeline_out / "reports"
    pdf_links = 0
    for page in reports.glob("*.html"):
        for target, anchor in local_links(page):
            assert target.exists(), f"{page.name} links to missing {target}"
            if target.suffix == ".pdf" and anchor:
                assert re.fullmatch(r"#page=\d+", anchor)
                pdf_links += 1
    assert pdf_links > 100


def test_report_theme_page_highlights_evidence(pipeline_out):
    html = (pipeline_out / "reports" / "theme-ghost_guns.html").read_text(encoding="utf-8")
    assert "<mark>ghost guns</mark>" in html.lower()
    assert "new this session" in html


def test_report_theme_pages_show_the_strongest_paragraphs_first(pipeline_out):
    checked = 0
    for page in sorted((pipeline_out / "reports").glob("theme-*.html")):
        html = page.read_text(encoding="utf-8")
        strengths = [int(s) for s in re.findall(r"(\d+)% about this theme", html)]
        assert strengths == sorted(strengths, reverse=True), page.name
        checked += len(set(strengths)) >= 3
    assert checked >= 5  # pages where the order is visible


def test_report_recurring_asks_carry_catalogue_labels(pipeline_out):
    clusters = pd.read_parquet(pipeline_out / "clusters.parquet")
    catalogue = clusters[clusters["source"] == "catalogue"]
    index = (pipeline_out / "reports" / "index.html").read_text(encoding="utf-8")
    recurring = index.split('id="recurring"', 1)[1].split("<h2", 1)[0]
    shown = [label for label in catalogue["label"] if label in recurring]
    assert shown and "·" not in recurring  # labels a reader reads, never a bag of words


def test_report_escapes_document_text(pipeline_out, tmp_path):
    out = tmp_path / "out"
    shutil.copytree(pipeline_out, out, ignore=shutil.ignore_patterns("reports", "cache", "models"))
    paragraphs = read_table("paragraphs", out / "paragraphs.parquet")
    paragraphs.loc[0, "text"] = "<script>alert(1)</script> " + paragraphs.loc[0, "text"]
    write_table(paragraphs, "paragraphs", out / "paragraphs.parquet")
    index = render(Layout.under(out, REPO / "data" / "raw"))
    doc = paragraphs.loc[0, "doc_id"]
    html = (index.parent / f"doc-{doc}.html").read_text(encoding="utf-8")
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<script>alert(1)" not in html


def test_highlight_escapes_around_and_inside_marks():
    assert str(highlight("a <b> c", [(2, 5)])) == "a <mark>&lt;b&gt;</mark> c"
    assert str(highlight("x & y", [])) == "x &amp; y"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def test_notebooks_are_committed_without_outputs(path):
    notebook = nbformat.read(path, as_version=4)
    for cell in notebook.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None, path.name


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def test_notebooks_run_top_to_bottom(pipeline_out, path, monkeypatch):
    from nbclient import NotebookClient

    monkeypatch.setenv("CRP_OUTPUTS", str(pipeline_out))
    monkeypatch.setenv("MPLBACKEND", "module://matplotlib_inline.backend_inline")  # figures as PNG
    notebook = nbformat.read(path, as_version=4)
    NotebookClient(
        notebook,
        timeout=600,
        kernel_name="python3",
        resources={"metadata": {"path": str(path.parent)}},
    ).execute()
    errors = [o for c in notebook.cells for o in c.get("outputs", []) if o.output_type == "error"]
    assert errors == []
    checked = [c for c in notebook.cells if "check" in c.get("metadata", {}).get("tags", [])]
    assert len(checked) >= 4, "the notebook's key cells are tagged `check`"
    for cell in checked:
        assert shows_rows_or_a_figure(cell), cell.source[:80]


def shows_rows_or_a_figure(cell) -> bool:
    """A key cell's output is a figure, or a table with at least one row."""
    for output in cell.get("outputs", []):
        data = output.get("data", {})
        if "image/png" in data:
            return True
        html, text = data.get("text/html", ""), data.get("text/plain", "")
        if "<tbody>" in html and "<tr>" in html.split("<tbody>", 1)[1]:
            return not text.startswith("Empty DataFrame")
    return False


def test_report_document_list_names_skipped_files(pipeline_out, tmp_path):
    out = tmp_path / "out"
    shutil.copytree(pipeline_out, out, ignore=shutil.ignore_patterns("reports", "cache", "models"))
    documents = read_table("documents", out / "documents.parquet")
    bad = documents.iloc[[0]].assign(
        doc_id="broken",
        file="broken.pdf",
        status="failed",
        error="encrypted: a password is required to open it",
    )
    write_table(pd.concat([documents, bad]), "documents", out / "documents.parquet")
    index = render(Layout.under(out, REPO / "data" / "raw"))
    html = index.read_text(encoding="utf-8")
    assert "broken.pdf" in html and "encrypted: a password is required" in html
    assert os.path.exists(index.parent / "documents.html")


def test_document_pages_come_from_the_cache_unless_their_document_changed(pipeline_out, tmp_path):
    out = tmp_path / "out"
    shutil.copytree(pipeline_out, out, ignore=shutil.ignore_patterns("reports", "cache", "models"))
    layout = Layout.under(out, REPO / "data" / "raw")
    cache = tmp_path / "page-cache"
    render(layout, cache)
    first = {p.name: p.read_bytes() for p in layout.reports.glob("doc-*.html")}
    paragraphs = read_table("paragraphs", out / "paragraphs.parquet")
    doc = paragraphs.loc[0, "doc_id"]
    paragraphs.loc[0, "text"] = paragraphs.loc[0, "text"] + " Edited."
    write_table(paragraphs, "paragraphs", out / "paragraphs.parquet")
    for page in cache.glob("*/page.html"):  # a reused page would now show this marker
        page.write_text(page.read_text(encoding="utf-8") + "<!-- cached -->", encoding="utf-8")
    stamps = {p.name: p.stat().st_mtime_ns for p in layout.reports.glob("doc-*.html")}
    render(layout, cache)
    second = {p.name: p.read_text(encoding="utf-8") for p in layout.reports.glob("doc-*.html")}
    assert "Edited." in second[f"doc-{doc}.html"]
    assert "<!-- cached -->" not in second[f"doc-{doc}.html"]
    others = [name for name in first if name != f"doc-{doc}.html"]
    # the other pages are in the site already: neither rendered, read nor written again
    assert others and all(second[name].encode() == first[name] for name in others)
    assert all((layout.reports / name).stat().st_mtime_ns == stamps[name] for name in others)
    shutil.rmtree(layout.reports)  # without the site's copies, they come from the cache
    render(layout, cache)
    second = {p.name: p.read_text(encoding="utf-8") for p in layout.reports.glob("doc-*.html")}
    assert all(second[name].endswith("<!-- cached -->") for name in others)
    assert "<!-- cached -->" not in second[f"doc-{doc}.html"]
    render(layout)  # without a cache: the same page as rendered fresh
    fresh = (layout.reports / f"doc-{doc}.html").read_text(encoding="utf-8")
    assert fresh == second[f"doc-{doc}.html"]
    # the edited page's and words' old entries are gone: each document has its page and its
    # words analysed for the search index; one entry more holds the index
    assert len([p for p in cache.iterdir() if p.is_dir()]) == 2 * len(first) + 1
