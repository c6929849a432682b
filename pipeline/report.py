"""Stage `report`: a static HTML site of theme reports for policy staff (reports/).

An index of every theme (presence by session, documents, paragraphs, the top recurring
recommendation), one page per theme (definition, share by session, who raised it,
articles alongside, recommendations grouped by cluster with the sessions they recurred
in and "new this session", the paragraphs with their evidence highlighted and linked to
their PDF page) and one page per document. Jinja2 escapes every piece of document text.
"""

from __future__ import annotations

import os
import shutil
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup, escape

from pipeline import report_charts as charts
from pipeline.cache import DocCache, digest, doc_digests
from pipeline.knowledge.taxonomy import Taxonomy, stage_taxonomy, taxonomy_folder
from pipeline.paths import TEMPLATES_DIR, Layout
from pipeline.provenance import code_digest
from pipeline.schemas import read_table

MAX_BARS = 30  # more sessions than this are pooled by working group and year in charts
MAX_PARAGRAPHS = 200  # a theme page lists at most this many paragraphs, the most recent first


def highlight(text: str, spans: list[tuple[int, int]]) -> Markup:
    """`text` HTML-escaped, with the given character spans wrapped in <mark>."""
    out, cursor = [], 0
    for start, end in sorted(set(spans)):
        if start < cursor or start >= end:
            continue
        out += [
            escape(text[cursor:start]),
            Markup("<mark>"),
            escape(text[start:end]),
            Markup("</mark>"),
        ]
        cursor = end
    out.append(escape(text[cursor:]))
    return Markup("").join(out)


def group_name(taxonomy: Taxonomy, working_group: Any) -> str:
    """The name a reader sees for a working group id ("Firearms")."""
    group = taxonomy.working_groups.get(str(working_group))
    return group.label if group else str(working_group or "unknown").replace("_", " ")


def session_label(row: Any, taxonomy: Taxonomy) -> str:
    group = group_name(taxonomy, row.working_group)
    year = "" if pd.isna(row.year) else f" {int(row.year)}"
    ordinal = "" if pd.isna(row.session_ordinal) else f" (no. {int(row.session_ordinal)})"
    return f"{group}{year}{ordinal}"


def _plain(frame: pd.DataFrame) -> pd.DataFrame:
    """String columns as Python objects: the report iterates and filters them thousands of
    times, which is several times slower on pandas' Arrow-backed strings."""
    strings = [c for c in frame.columns if isinstance(frame[c].dtype, pd.StringDtype)]
    return frame.astype(dict.fromkeys(strings, object)) if strings else frame


class Site:
    """The report's data, read once, and the pages built from it."""

    def __init__(self, layout: Layout, taxonomy: Taxonomy) -> None:
        read = lambda name: _plain(read_table(name, layout.table(name)))  # noqa: E731
        self.layout = layout
        self.documents = read("documents")
        self.paragraphs = read("paragraphs")
        self.tags = read("tags")
        self.recs = read("recommendations")
        self.rec_clusters = read("rec_clusters")
        self.clusters = read("clusters").set_index("cluster_id")
        self.taxonomy = taxonomy
        ok = self.documents[self.documents["status"] == "ok"].copy()
        ok["date_key"] = ok["date"].fillna("9999")
        self.sessions = ok.sort_values(["date_key", "doc_id"])
        self.label_of = {r.doc_id: session_label(r, taxonomy) for r in self.sessions.itertuples()}
        self.file_of = dict(zip(self.documents["doc_id"], self.documents["file"], strict=True))
        self.raw_rel = os.path.relpath(layout.raw, layout.reports)
        self.para_counts = self.paragraphs.groupby("doc_id").size()
        self.paragraph_of = {
            (r["doc_id"], int(r["para_no"])): r for r in self.paragraphs.to_dict("records")
        }
        self.paragraphs_by_doc = {
            doc: group.sort_values("para_no") for doc, group in self.paragraphs.groupby("doc_id")
        }
        self.cluster_sessions = self._cluster_sessions()
        self.tags["key"] = self.tags["doc_id"] + "#" + self.tags["para_no"].astype(str)
        self.tag_rows_of_doc = self.tags.groupby("doc_id").indices
        self.tag_rows_of_paragraph = self.tags.groupby("key").indices
        themes = self.tags[self.tags["kind"] == "theme"]
        self.hits_of_theme = {label: group for label, group in themes.groupby("label")}
        self.recs_by_doc = {doc: group for doc, group in self.recs.groupby("doc_id")}
        self.recs_clustered = self.recs.merge(self.rec_clusters, on=["doc_id", "para_no", "rec_no"])
        self.rec_rows_of_theme: dict[str, list[int]] = defaultdict(list)
        for row, themes in enumerate(self.recs_clustered["themes"]):
            for theme in dict.fromkeys(themes):
                self.rec_rows_of_theme[theme].append(row)
        order = {d: i for i, d in enumerate(self.sessions["doc_id"])}
        firsts = self.rec_clusters.assign(order=self.rec_clusters["doc_id"].map(order))
        firsts = firsts.dropna(subset=["order"]).sort_values(["order", "doc_id"])
        self.first_doc = firsts.groupby("cluster_id")["doc_id"].first().to_dict()

    def pdf_link(self, doc_id: str, page: int | None) -> str:
        anchor = f"#page={int(page)}" if page is not None and not pd.isna(page) else ""
        return f"{self.raw_rel}/{self.file_of.get(doc_id, doc_id + '.pdf')}{anchor}"

    def _cluster_sessions(self) -> dict[int, list[str]]:
        merged = self.rec_clusters.merge(self.sessions[["doc_id", "date_key"]], on="doc_id")
        out: dict[int, list[str]] = {}
        for cid, group in merged.sort_values(["date_key", "doc_id"]).groupby("cluster_id"):
            out[int(cid)] = list(dict.fromkeys(self.label_of[d] for d in group["doc_id"]))
        return out

    def theme_pages(self) -> list[dict[str, Any]]:
        return [self.theme_context(theme_id) for theme_id in sorted(self.taxonomy.themes)]

    def theme_context(self, theme_id: str) -> dict[str, Any]:
        theme = self.taxonomy.themes[theme_id]
        label = theme.pref_label[:1].upper() + theme.pref_label[1:]
        hits = self.hits_of_theme.get(theme_id, self.tags.head(0))
        keys = sorted(set(zip(hits["doc_id"], hits["para_no"].astype(int), strict=True)))
        rows = [self.tag_rows_of_paragraph[f"{d}#{p}"] for d, p in keys]
        in_theme = self.tags.iloc[np.sort(np.concatenate(rows))] if rows else self.tags.head(0)
        shares = self._shares(Counter(d for d, _ in keys))
        speaker_rows = in_theme[in_theme["kind"] == "speaker_type"]
        speakers = speaker_rows.drop_duplicates(["doc_id", "para_no", "label"])["label"]
        speaker_counts = sorted(
            ((str(k), int(v)) for k, v in speakers.value_counts().items()),
            key=lambda kv: (-kv[1], kv[0]),
        )
        return {
            "id": theme_id,
            "label": label,
            "definition": theme.definition[:1].upper() + theme.definition[1:],
            "page": f"theme-{theme_id}.html",
            "n_paragraphs": len(keys),
            "n_documents": len({d for d, _ in keys}),
            "shares": shares,
            "sparkline": charts.sparkline([s for _, _, s in shares], label),
            "chart": charts.share_by_session(shares, label),
            "speakers": speaker_counts,
            "actor_chart": charts.actor_bars(speaker_counts, label) if speaker_counts else "",
            "orgs": _named(in_theme, "org"),
            "countries": _named(in_theme, "country"),
            "articles": self._articles(in_theme),
            "clusters": self._theme_clusters(theme_id),
            "paragraphs": self._paragraphs(keys, hits),
        }

    def _shares(self, per_doc: Counter) -> list[tuple[str, str, float]]:
        """(session, working group, share of its paragraphs) in time order. With more than
        MAX_BARS sessions, sessions are pooled by working group and year."""
        rows = [
            (self.label_of[r.doc_id], r.working_group or "unknown", r.year, r.doc_id)
            for r in self.sessions.itertuples()
        ]
        if len(rows) <= MAX_BARS:
            return [
                (label, group, per_doc[doc] / max(1, int(self.para_counts.get(doc, 0))))
                for label, group, _, doc in rows
            ]
        pooled: dict[tuple, list[int]] = {}
        for _, group, year, doc in rows:
            key = (group, "" if pd.isna(year) else int(year))
            hit, total = pooled.setdefault(key, [0, 0]), int(self.para_counts.get(doc, 0))
            hit[0] += per_doc[doc]
            hit[1] += total
        ordered = sorted(pooled.items(), key=lambda kv: (str(kv[0][1]), kv[0][0]))
        return [
            (f"{group_name(self.taxonomy, g)} {y}", g, n / max(1, t)) for (g, y), (n, t) in ordered
        ]

    def _articles(self, in_theme: pd.DataFrame) -> list[dict[str, Any]]:
        arts = in_theme[in_theme["kind"] == "article"]
        explicit = arts["explicit"].fillna(False).astype(bool)
        by_paragraph = arts.assign(explicit=explicit).groupby(["label", "doc_id", "para_no"])
        out = []
        for label, paras in by_paragraph["explicit"].max().groupby(level="label"):
            out.append(
                {
                    "label": self.taxonomy.article_name(label),
                    "n": len(paras),
                    "related": int((~paras).sum()),
                }
            )
        return sorted(out, key=lambda a: (-a["n"], a["label"]))

    def _theme_clusters(self, theme_id: str) -> list[dict[str, Any]]:
        recs = self.recs_clustered
        recs = recs.iloc[self.rec_rows_of_theme.get(theme_id, [])]
        out = []
        for cid, group in recs.groupby("cluster_id"):
            cid = int(cid)
            first_doc = self.first_doc.get(cid)
            items = [
                {
                    "text": r.text,
                    "by": r.by.replace("_", " "),
                    "to": r.to.replace("_", " "),
                    "session": self.label_of.get(r.doc_id, r.doc_id),
                    "para_no": int(r.para_no),
                    "link": f"doc-{r.doc_id}.html#p{int(r.para_no)}",
                    "new": r.doc_id == first_doc,
                }
                for r in group.itertuples()
            ]
            sessions = self.cluster_sessions.get(cid, [])
            out.append(
                {
                    "id": cid,
                    "label": self.clusters.loc[cid, "label"] or "(no label)",
                    "size": int(self.clusters.loc[cid, "size"]),
                    "sessions": sessions,
                    "n_sessions": len(sessions),
                    "recommendations": items,
                }
            )
        return sorted(out, key=lambda c: (-c["n_sessions"], -c["size"], c["id"]))

    def _paragraphs(self, keys: list[tuple[str, int]], hits: pd.DataFrame) -> list[dict]:
        """The theme's paragraphs, oldest session first; beyond MAX_PARAGRAPHS only the most
        recent ones (every paragraph stays on its document's page)."""
        spans = defaultdict(list)
        for r in hits.itertuples():
            spans[(r.doc_id, int(r.para_no))].append((int(r.start), int(r.end)))
        order = {d: i for i, d in enumerate(self.sessions["doc_id"])}
        keys = sorted(keys, key=lambda k: (order.get(k[0], 1e9), k[1]))[-MAX_PARAGRAPHS:]
        out = []
        for doc_id, para_no in keys:
            row = self.paragraph_of[(doc_id, para_no)]
            out.append(
                {
                    "session": self.label_of.get(doc_id, doc_id),
                    "para_no": para_no,
                    "anchor": f"{doc_id}-p{para_no}",
                    "html": highlight(row["text"], spans[(doc_id, para_no)]),
                    "pdf": self.pdf_link(doc_id, row["page_start"]),
                    "page": int(row["page_start"]),
                    "doc_page": f"doc-{doc_id}.html#p{para_no}",
                    "section": row["subsection"]
                    if isinstance(row["subsection"], str)
                    else row["section"],
                }
            )
        return out

    def recurring(self, limit: int = 15) -> list[dict[str, Any]]:
        rows = []
        for cid, sessions in self.cluster_sessions.items():
            if len(sessions) >= 2:
                c = self.clusters.loc[cid]
                rows.append(
                    {
                        "label": c["label"],
                        "size": int(c["size"]),
                        "sessions": sessions,
                        "n_sessions": len(sessions),
                        "exemplar": c["exemplar"],
                    }
                )
        return sorted(rows, key=lambda r: (-r["n_sessions"], -r["size"], r["label"]))[:limit]

    def document_context(self, row: Any, theme_labels: dict[str, str]) -> dict[str, Any]:
        doc_id = row.doc_id
        paras = self.paragraphs_by_doc.get(doc_id, self.paragraphs.head(0))
        rows = self.tag_rows_of_doc.get(doc_id)
        tags = _by_paragraph(self.tags.iloc[rows]) if rows is not None else {}
        recs: dict[int, list[dict[str, str]]] = defaultdict(list)
        for r in self.recs_by_doc.get(doc_id, self.recs.head(0)).itertuples():
            recs[int(r.para_no)].append({"text": r.text, "by": r.by, "to": r.to})
        items = []
        for p in paras.itertuples():
            t = tags.get(int(p.para_no), {})
            themes = t.get("theme", [])
            items.append(
                {
                    "para_no": int(p.para_no),
                    "section": p.section,
                    "subsection": p.subsection if isinstance(p.subsection, str) else None,
                    "html": highlight(p.text, [(start, end) for _, start, end in themes]),
                    "pdf": self.pdf_link(doc_id, p.page_start),
                    "page": int(p.page_start),
                    "themes": [
                        {"label": theme_labels[i], "page": f"theme-{i}.html"}
                        for i in sorted({label for label, _, _ in themes})
                        if i in theme_labels
                    ],
                    "articles": [
                        self.taxonomy.article_name(a)
                        for a in sorted({lab for lab, _, _ in t.get("article", [])})
                    ],
                    "speakers": sorted({label for label, _, _ in t.get("speaker_type", [])}),
                    "recommendations": recs.get(int(p.para_no), []),
                }
            )
        doc = {
            k: getattr(row, k)
            for k in (
                "doc_id",
                "title",
                "symbol",
                "working_group",
                "meeting",
                "session_ordinal",
                "date",
            )
        }
        doc["pdf"] = self.pdf_link(doc_id, None)
        return {"doc": doc, "paragraphs": items}


def _by_paragraph(tags: pd.DataFrame) -> dict[int, dict[str, list[tuple[str, int, int]]]]:
    """One document's tags as {para_no: {kind: [(label, start, end), ...]}}: plain Python,
    so that rendering thousands of paragraphs does not filter a DataFrame each time."""
    out: dict[int, dict[str, list[tuple[str, int, int]]]] = defaultdict(lambda: defaultdict(list))
    for para_no, kind, label, start, end in zip(
        tags["para_no"], tags["kind"], tags["label"], tags["start"], tags["end"], strict=True
    ):
        out[int(para_no)][kind].append((label, int(start), int(end)))
    return out


def _named(in_theme: pd.DataFrame, kind: str) -> list[dict[str, Any]]:
    names = in_theme[in_theme["kind"] == kind].groupby("label")["para_no"].size()
    return [
        {"name": n, "n": int(c)} for n, c in sorted(names.items(), key=lambda kv: (-kv[1], kv[0]))
    ]


def render(
    layout: Layout, cache_dir: Path | None = None, taxonomy: Taxonomy | None = None
) -> Path:
    """Write the site into layout.reports; returns the path of index.html.

    With `cache_dir`, a document page whose inputs are unchanged is copied from the last
    run instead of rendered again."""
    site = Site(layout, taxonomy or stage_taxonomy("report"))
    env = Environment(
        loader=FileSystemLoader(TEMPLATES_DIR),
        autoescape=select_autoescape(["html"]),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    out = layout.reports
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    common = {"n_documents": len(site.sessions)}
    themes = site.theme_pages()
    for theme in themes:
        top = theme["clusters"][0] if theme["clusters"] else None
        theme["top_cluster"] = top
        _write(out / theme["page"], env.get_template("theme.html").render(theme=theme, **common))
    _write(
        out / "index.html",
        env.get_template("index.html").render(
            themes=themes,
            sessions=[{"label": site.label_of[d]} for d in site.sessions["doc_id"]],
            n_paragraphs=len(site.paragraphs),
            n_recommendations=len(site.recs),
            n_clusters=len(site.clusters),
            recurring=site.recurring(),
            skipped=site.documents[site.documents["status"] == "failed"][["file", "error"]].to_dict(
                "records"
            ),
            **common,
        ),
    )
    labels = {t["id"]: t["label"] for t in themes}
    pages = DocumentPages(site, env, labels, cache_dir)
    documents = []
    for row in site.documents.sort_values("doc_id").itertuples():
        ok = row.status == "ok"
        documents.append(
            {
                "doc_id": row.doc_id,
                "working_group": row.working_group or "",
                "date": row.date or "",
                "status": row.status,
                "session_ordinal": "" if pd.isna(row.session_ordinal) else int(row.session_ordinal),
                "error": row.error if not ok else None,
                "n_paragraphs": int(site.para_counts.get(row.doc_id, 0)),
                "page": f"doc-{row.doc_id}.html" if ok else None,
            }
        )
        if ok:
            _write(out / f"doc-{row.doc_id}.html", pages.page(row))
    _write(
        out / "documents.html",
        env.get_template("documents.html").render(documents=documents, **common),
    )
    pages.close()
    return out / "index.html"


class DocumentPages:
    """The page of each document, rendered or reused from the cache.

    A document page depends only on that document's rows (documents, paragraphs, tags,
    recommendations), the theme names, the path to the PDFs and the report's code and
    templates; those are its cache key. It shows nothing corpus-wide, so adding one PDF
    renders one page, not two hundred."""

    def __init__(
        self, site: Site, env: Environment, labels: dict[str, str], cache_dir: Path | None
    ) -> None:
        self.site, self.env, self.labels = site, env, labels
        shown = (site.taxonomy.working_groups, site.taxonomy.instruments)  # names on the page
        fingerprint = digest(code_digest("report"), labels, site.raw_rel, shown)
        self.cache = DocCache(cache_dir, fingerprint) if cache_dir else None
        self.keys = [
            doc_digests(frame)
            for frame in (site.documents, site.paragraphs, site.tags, site.recs)
            if self.cache is not None
        ]

    def page(self, row: Any) -> str:
        key = digest(*(keys.get(row.doc_id) for keys in self.keys))
        cached = self.cache.get_text(key, "page.html") if self.cache else None
        if cached is not None:
            return cached
        html = self.env.get_template("document.html").render(
            **self.site.document_context(row, self.labels)
        )
        if self.cache is not None:
            self.cache.put_text(key, "page.html", html)
        return html

    def close(self) -> None:
        """Forget the pages of documents no longer in the corpus."""
        if self.cache is not None:
            self.cache.prune()


def _write(path: Path, html: str) -> None:
    path.write_text(html, encoding="utf-8")


def main(layout: Layout, params: dict[str, Any]) -> Path:
    """`crp report`: the theme reports as a static site in reports/."""
    import logging

    taxonomy = stage_taxonomy("report", taxonomy_folder(params))
    index = render(layout, layout.cache / "report", taxonomy)
    logging.getLogger("crp").info("report: %s", index)
    return index
