"""Stage `report`: a static HTML site of theme reports for policy staff (reports/).

An index of every theme (presence by session, documents, paragraphs, the top recurring
recommendation), one page per theme (definition, share by session, who raised it,
articles alongside, recommendations grouped by ask with the sessions they recurred in and
"new this session", the paragraphs with their evidence highlighted and linked to their
PDF page), a list of documents, one page per document, and the search index every page's
search box reads (`reports/search/`, built by `pipeline.report_search`). What each page
shows is built by `pipeline.report_pages` and `pipeline.report_themes`; this module renders
it with Jinja2, which escapes every piece of document text, and writes the files.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import Any

import pandas as pd
from jinja2 import Environment, FileSystemLoader, select_autoescape

from pipeline.cache import DocCache, digest, doc_digests
from pipeline.knowledge.taxonomy import Taxonomy, stage_taxonomy, taxonomy_folder
from pipeline.paths import TEMPLATES_DIR, Layout
from pipeline.provenance import code_digest
from pipeline.report_files import SiteFiles
from pipeline.report_pages import SiteData, document_page, documents_page, plain, site_data
from pipeline.report_search import write_search
from pipeline.report_themes import ThemeIndex, index_page, theme_pages
from pipeline.report_uptake import ask_labels, uptake_notes, uptake_page
from pipeline.schemas import read_table

log = logging.getLogger("crp")
TABLES = (
    "documents",
    "paragraphs",
    "tags",
    "recommendations",
    "rec_clusters",
    "clusters",
    "adopted",
    "adopted_asks",
    "uptake",
)


def environment() -> Environment:
    return Environment(
        loader=FileSystemLoader(TEMPLATES_DIR),
        autoescape=select_autoescape(["html"]),
        trim_blocks=True,
        lstrip_blocks=True,
    )


def render(layout: Layout, cache_dir: Path | None = None, taxonomy: Taxonomy | None = None) -> Path:
    """Write the site into layout.reports; returns the path of index.html.

    With `cache_dir`, a document page (and the search index) whose inputs are unchanged is
    taken from the last run instead of rendered (built) again, and a file of the site
    already as it should be is not written again (`SiteFiles`)."""
    raw_rel = os.path.relpath(layout.raw, layout.reports)
    site = site_data(_read_tables(layout), taxonomy or stage_taxonomy("report"), raw_rel)
    env, out = environment(), layout.reports
    files = SiteFiles(out, cache_dir)
    common = {"n_documents": len(site.sessions) + len(site.reports) + len(site.others)}
    index = ThemeIndex.build(site)
    themes = theme_pages(site, index)
    notes = uptake_notes(site)
    for theme in themes:
        theme["top_cluster"] = theme["clusters"][0] if theme["clusters"] else None
        for cluster in theme["clusters"]:
            cluster["uptake"] = notes.get(cluster["ask_id"], [])
        files.write(theme["page"], env.get_template("theme.html").render(theme=theme, **common))
    page = index_page(site, index, themes)
    for ask in page["recurring"]:
        ask["uptake"] = notes.get(ask["ask_id"], [])
    page["reports"] = uptake_index(site)
    files.write("index.html", env.get_template("index.html").render(**page, **common))
    labels = {t["id"]: t["label"] for t in themes}
    uptake = uptake_page(site, labels)
    files.write("uptake.html", env.get_template("uptake.html").render(**uptake, **common))
    documents = documents_page(site)
    files.write(
        "documents.html", env.get_template("documents.html").render(documents=documents, **common)
    )
    pages = DocumentPages(site, env, labels, cache_dir)
    for row in site.documents[site.documents["status"] == "ok"].itertuples():
        pages.write(files, row)
    write_search(site, out / "search", labels, pages.cache, files)
    pages.close()
    files.close()
    return out / "index.html"


class DocumentPages:
    """The page of each document, rendered or reused from the cache.

    A document page depends only on that document's rows (documents, paragraphs, tags,
    recommendations), the names it shows (themes, working groups, instruments), the path to
    the PDFs and the report's code and templates; those are its cache key. It shows nothing
    corpus-wide, so adding one PDF renders one page, not two hundred."""

    def __init__(
        self, site: SiteData, env: Environment, labels: dict[str, str], cache_dir: Path | None
    ) -> None:
        self.site, self.env, self.labels = site, env, labels
        shown = (site.taxonomy.working_groups, site.taxonomy.instruments, ask_labels(site))
        fingerprint = digest(code_digest("report"), labels, site.raw_rel, shown)
        self.cache = DocCache(cache_dir, fingerprint) if cache_dir else None
        frames = (
            site.documents,
            site.paragraphs,
            site.tags,
            site.recs,
            site.adopted,
            site.adopted_asks,
        )
        self.keys = [doc_digests(frame) for frame in frames] if self.cache else []

    def write(self, files: SiteFiles, row: Any) -> None:
        """The page of the document `row` into the site: rendered (or read from the cache)
        only when the site's copy was not made from the same inputs."""
        key = self.key(row)
        if files.write_keyed(f"doc-{row.doc_id}.html", key, lambda: self.page(row, key)):
            self.keep(key)

    def key(self, row: Any) -> str:
        """What the page of the document `row` is made from ("" without a cache)."""
        return digest(*(keys.get(row.doc_id) for keys in self.keys)) if self.cache else ""

    def keep(self, key: str) -> None:
        """The page of `key` is in the site already: its cache entry is kept (not pruned)."""
        if self.cache is not None:
            self.cache.keep(key, "page.html")

    def page(self, row: Any, key: str) -> str:
        cached = self.cache.get_text(key, "page.html") if self.cache else None
        if cached is not None:
            return cached
        context = document_page(self.site, row, self.labels)
        html = self.env.get_template("document.html").render(**context)
        if self.cache is not None:
            self.cache.put_text(key, "page.html", html)
        return html

    def close(self) -> None:
        """Forget the pages of documents no longer in the corpus."""
        if self.cache is not None:
            self.cache.prune()


def _read_tables(layout: Layout) -> dict[str, pd.DataFrame]:
    """The report's tables, each as the report reads it (strings as Python objects) as soon
    as it is read: a second copy of every table held the stage's memory up by a third."""
    return {name: plain(read_table(name, layout.table(name))) for name in TABLES}


def uptake_index(site: SiteData) -> dict[str, Any]:
    """What the index says of the working group reports and the uptake page."""
    return {
        "documents": [
            {"label": site.label_of[d], "page": f"doc-{d}.html"} for d in site.reports["doc_id"]
        ],
        "n_adopted": len(site.adopted),
        "n_raised": len(site.uptake),
        "n_taken": int(site.uptake["taken_up"].fillna(False).astype(bool).sum()),
    }


def main(layout: Layout, params: dict[str, Any]) -> Path:
    """`crp report`: the theme reports as a static site in reports/."""
    taxonomy = stage_taxonomy("report", taxonomy_folder(params))
    index = render(layout, layout.cache / "report", taxonomy)
    log.info("report: %s", index)
    return index
