"""What each page of the theme report shows, built from the pipeline's tables.

Pure builders over plain frames: `site_data` indexes the tables once; `theme_page`,
`index_page`, `documents_page` and `document_page` return the context a template renders.
Nothing here reads a file or writes HTML (that is `pipeline.report`); every string of
document text stays text, escaped by the templates or by `highlight`.

Documents whose session cannot be read (a report, an annex: no working group or year) are
still documents: they have a page, their paragraphs are listed on theme pages, and the
index lists them under "Other documents"; only the per-session charts leave them out.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from markupsafe import Markup, escape

from pipeline import report_charts as charts
from pipeline.knowledge.taxonomy import Taxonomy

MAX_BARS = 30  # more sessions than this are pooled by working group and year in charts
MAX_PARAGRAPHS = 200  # a theme page lists at most this many paragraphs, the most recent first
Key = tuple[str, int]


def highlight(text: str, spans: list[tuple[int, int]]) -> Markup:
    """`text` HTML-escaped, with the given character spans wrapped in <mark>."""
    out, cursor = [], 0
    for start, end in sorted(set(spans)):
        if start < cursor or start >= end:
            continue
        out += [escape(text[cursor:start]), Markup("<mark>"), escape(text[start:end])]
        out.append(Markup("</mark>"))
        cursor = end
    out.append(escape(text[cursor:]))
    return Markup("").join(out)


def group_name(taxonomy: Taxonomy, working_group: Any) -> str:
    """The name a reader sees for a working group id ("Firearms")."""
    group = taxonomy.working_groups.get(str(working_group))
    return group.label if group else str(working_group or "unknown").replace("_", " ")


def session_label(row: Any, taxonomy: Taxonomy) -> str:
    """ "Firearms 2023 (no. 2)"; a document of no known session is named by its id."""
    if pd.isna(row.working_group) or not row.working_group:
        return f"{row.doc_id} (not a session summary)"
    year = "" if pd.isna(row.year) else f" {int(row.year)}"
    ordinal = "" if pd.isna(row.session_ordinal) else f" (no. {int(row.session_ordinal)})"
    return f"{group_name(taxonomy, row.working_group)}{year}{ordinal}"


def _plain(frame: pd.DataFrame) -> pd.DataFrame:
    """String columns as Python objects: the report iterates and filters them thousands of
    times, which is several times slower on pandas' Arrow-backed strings."""
    strings = [c for c in frame.columns if isinstance(frame[c].dtype, pd.StringDtype)]
    return frame.astype(dict.fromkeys(strings, object)) if strings else frame


@dataclass
class SiteData:
    """The report's tables, read once, and the lookups every page needs."""

    taxonomy: Taxonomy
    raw_rel: str  # the PDFs' folder relative to the report's folder
    documents: pd.DataFrame
    paragraphs: pd.DataFrame
    tags: pd.DataFrame
    recs: pd.DataFrame
    rec_clusters: pd.DataFrame
    clusters: pd.DataFrame  # indexed by cluster_id
    sessions: pd.DataFrame = field(init=False)  # readable documents with a session, in time
    others: pd.DataFrame = field(init=False)  # readable documents of no known session
    label_of: dict[str, str] = field(init=False)
    order: dict[str, int] = field(init=False)  # doc_id → position in time (others last)
    paragraph_of: dict[Key, dict] = field(init=False)
    tag_rows_of_paragraph: dict[str, np.ndarray] = field(init=False)
    rows_of_doc: dict[str, dict[str, np.ndarray]] = field(init=False)  # table → doc → rows
    file_of: dict[str, str] = field(init=False)
    para_counts: pd.Series = field(init=False)
    recs_clustered: pd.DataFrame = field(init=False)

    def __post_init__(self) -> None:
        ok = self.documents[self.documents["status"] == "ok"].copy()
        ok["date_key"] = ok["date"].fillna("9999")
        ok = ok.sort_values(["date_key", "doc_id"])
        known = ok["working_group"].notna() & ok["year"].notna()
        self.sessions, self.others = ok[known], ok[~known]
        readable = pd.concat([self.sessions, self.others])
        self.label_of = {r.doc_id: session_label(r, self.taxonomy) for r in readable.itertuples()}
        self.order = {d: i for i, d in enumerate(readable["doc_id"])}
        self.paragraph_of = {
            (r["doc_id"], int(r["para_no"])): r for r in self.paragraphs.to_dict("records")
        }
        self.tags["key"] = self.tags["doc_id"] + "#" + self.tags["para_no"].astype(str)
        self.tag_rows_of_paragraph = self.tags.groupby("key").indices
        frames = {"paragraphs": self.paragraphs, "tags": self.tags, "recs": self.recs}
        self.rows_of_doc = {name: f.groupby("doc_id").indices for name, f in frames.items()}
        self.file_of = dict(zip(self.documents["doc_id"], self.documents["file"], strict=True))
        self.para_counts = self.paragraphs.groupby("doc_id").size()
        keys = ["doc_id", "para_no", "rec_no"]
        self.recs_clustered = self.recs.merge(self.rec_clusters, on=keys)

    def pdf_link(self, doc_id: str, page: Any) -> str:
        anchor = f"#page={int(page)}" if page is not None and not pd.isna(page) else ""
        return f"{self.raw_rel}/{self.file_of.get(doc_id, doc_id + '.pdf')}{anchor}"

    def rows(self, table: str, doc_id: str) -> pd.DataFrame:
        """One document's rows of `table` (paragraphs, tags or recs)."""
        frame = {"paragraphs": self.paragraphs, "tags": self.tags, "recs": self.recs}[table]
        found = self.rows_of_doc[table].get(doc_id)
        return frame.iloc[found] if found is not None else frame.head(0)


def site_data(tables: dict[str, pd.DataFrame], taxonomy: Taxonomy, raw_rel: str) -> SiteData:
    """The report's data from the pipeline's tables (documents, paragraphs, tags,
    recommendations, rec_clusters, clusters)."""
    plain = {name: _plain(frame) for name, frame in tables.items()}
    return SiteData(
        taxonomy=taxonomy,
        raw_rel=raw_rel,
        documents=plain["documents"],
        paragraphs=plain["paragraphs"],
        tags=plain["tags"].copy(),
        recs=plain["recommendations"],
        rec_clusters=plain["rec_clusters"],
        clusters=plain["clusters"].set_index("cluster_id"),
    )


# -- the theme pages ----------------------------------------------------------------------


def theme_pages(site: SiteData, index: ThemeIndex) -> list[dict[str, Any]]:
    """One page context per theme, with the clusters and session charts it needs."""
    return [theme_page(site, index, theme_id) for theme_id in sorted(site.taxonomy.themes)]


@dataclass(frozen=True)
class ThemeIndex:
    """Per-theme lookups built once for all theme pages."""

    hits: dict[str, pd.DataFrame]  # theme → its tag rows
    rec_rows: dict[str, list[int]]  # theme → rows of recs_clustered
    cluster_sessions: dict[int, list[str]]  # cluster → session labels, in time
    first_doc: dict[int, str]  # cluster → the document where it was first asked

    @classmethod
    def build(cls, site: SiteData) -> ThemeIndex:
        themes = site.tags[site.tags["kind"] == "theme"]
        rec_rows: dict[str, list[int]] = defaultdict(list)
        for row, labels in enumerate(site.recs_clustered["themes"]):
            for theme in dict.fromkeys(labels):
                rec_rows[theme].append(row)
        placed = site.rec_clusters.assign(order=site.rec_clusters["doc_id"].map(site.order))
        placed = placed.dropna(subset=["order"]).sort_values(["order", "doc_id"])
        sessions = {
            int(cid): list(dict.fromkeys(site.label_of[d] for d in group["doc_id"]))
            for cid, group in placed.groupby("cluster_id")
        }
        first = placed.groupby("cluster_id")["doc_id"].first().to_dict()
        return cls(dict(tuple(themes.groupby("label"))), rec_rows, sessions, first)


def theme_page(site: SiteData, index: ThemeIndex, theme_id: str) -> dict[str, Any]:
    theme = site.taxonomy.themes[theme_id]
    hits = index.hits.get(theme_id, site.tags.head(0))
    keys = sorted(set(zip(hits["doc_id"], hits["para_no"].astype(int), strict=True)))
    rows = [site.tag_rows_of_paragraph[f"{d}#{p}"] for d, p in keys]
    in_theme = site.tags.iloc[np.sort(np.concatenate(rows))] if rows else site.tags.head(0)
    shares = _shares(site, Counter(d for d, _ in keys))
    speakers = _speaker_counts(in_theme)
    return {
        "id": theme_id,
        "label": theme.title,
        "definition": theme.definition[:1].upper() + theme.definition[1:],
        "page": f"theme-{theme_id}.html",
        "n_paragraphs": len(keys),
        "n_documents": len({d for d, _ in keys}),
        "n_other_paragraphs": sum(d in set(site.others["doc_id"]) for d, _ in keys),
        "sparkline": charts.sparkline([s for _, _, s in shares], theme.title),
        "chart": charts.share_by_session(shares, theme.title),
        "speakers": speakers,
        "actor_chart": charts.actor_bars(speakers, theme.title) if speakers else "",
        "orgs": _named(in_theme, "org"),
        "countries": _named(in_theme, "country"),
        "articles": _articles(site, in_theme),
        "clusters": _theme_clusters(site, index, theme_id),
        "paragraphs": _paragraphs(site, keys, hits),
    }


def _speaker_counts(in_theme: pd.DataFrame) -> list[tuple[str, int]]:
    rows = in_theme[in_theme["kind"] == "speaker_type"]
    speakers = rows.drop_duplicates(["doc_id", "para_no", "label"])["label"]
    counts = ((str(k), int(v)) for k, v in speakers.value_counts().items())
    return sorted(counts, key=lambda kv: (-kv[1], kv[0]))


def _shares(site: SiteData, per_doc: Counter) -> list[tuple[str, str, float]]:
    """(session, working group, share of its paragraphs) in time order, sessions only.
    With more than MAX_BARS sessions, sessions are pooled by working group and year."""
    counts = site.para_counts
    rows = [
        (site.label_of[r.doc_id], r.working_group, r.year, r.doc_id)
        for r in site.sessions.itertuples()
    ]
    if len(rows) <= MAX_BARS:
        return [
            (label, group, per_doc[doc] / max(1, int(counts.get(doc, 0))))
            for label, group, _, doc in rows
        ]
    pooled: dict[tuple[str, int], list[int]] = {}
    for _, group, year, doc in rows:
        hit = pooled.setdefault((group, int(year)), [0, 0])
        hit[0] += per_doc[doc]
        hit[1] += int(counts.get(doc, 0))
    ordered = sorted(pooled.items(), key=lambda kv: (kv[0][1], kv[0][0]))
    return [(f"{group_name(site.taxonomy, g)} {y}", g, n / max(1, t)) for (g, y), (n, t) in ordered]


def _articles(site: SiteData, in_theme: pd.DataFrame) -> list[dict[str, Any]]:
    arts = in_theme[in_theme["kind"] == "article"]
    explicit = arts["explicit"].fillna(False).astype(bool)
    by_paragraph = arts.assign(explicit=explicit).groupby(["label", "doc_id", "para_no"])
    out = [
        {
            "label": site.taxonomy.article_name(label),
            "n": len(paras),
            "related": int((~paras).sum()),
        }
        for label, paras in by_paragraph["explicit"].max().groupby(level="label")
    ]
    return sorted(out, key=lambda a: (-a["n"], a["label"]))


def _theme_clusters(site: SiteData, index: ThemeIndex, theme_id: str) -> list[dict[str, Any]]:
    recs = site.recs_clustered.iloc[index.rec_rows.get(theme_id, [])]
    out = []
    for cid, group in recs.groupby("cluster_id"):
        cid = int(cid)
        sessions = index.cluster_sessions.get(cid, [])
        out.append(
            {
                "id": cid,
                "label": site.clusters.loc[cid, "label"] or "(no label)",
                "size": int(site.clusters.loc[cid, "size"]),
                "sessions": sessions,
                "n_sessions": len(sessions),
                "recommendations": [
                    _recommendation(site, r, index.first_doc.get(cid)) for r in group.itertuples()
                ],
            }
        )
    return sorted(out, key=lambda c: (-c["n_sessions"], -c["size"], c["id"]))


def _recommendation(site: SiteData, r: Any, first_doc: str | None) -> dict[str, Any]:
    return {
        "text": r.text,
        "by": r.by.replace("_", " "),
        "to": r.to.replace("_", " "),
        "session": site.label_of.get(r.doc_id, r.doc_id),
        "para_no": int(r.para_no),
        "link": f"doc-{r.doc_id}.html#p{int(r.para_no)}",
        "new": r.doc_id == first_doc,
    }


def _paragraphs(site: SiteData, keys: list[Key], hits: pd.DataFrame) -> list[dict]:
    """The theme's paragraphs, oldest session first; beyond MAX_PARAGRAPHS only the most
    recent ones (every paragraph stays on its document's page)."""
    spans = defaultdict(list)
    for r in hits.itertuples():
        spans[(r.doc_id, int(r.para_no))].append((int(r.start), int(r.end)))
    keys = sorted(keys, key=lambda k: (site.order.get(k[0], 1 << 30), k[1]))[-MAX_PARAGRAPHS:]
    out = []
    for doc_id, para_no in keys:
        row = site.paragraph_of[(doc_id, para_no)]
        subsection = row["subsection"] if isinstance(row["subsection"], str) else None
        out.append(
            {
                "session": site.label_of.get(doc_id, doc_id),
                "para_no": para_no,
                "anchor": f"{doc_id}-p{para_no}",
                "html": highlight(row["text"], spans[(doc_id, para_no)]),
                "pdf": site.pdf_link(doc_id, row["page_start"]),
                "page": int(row["page_start"]),
                "doc_page": f"doc-{doc_id}.html#p{para_no}",
                "section": subsection or row["section"],
            }
        )
    return out


def _named(in_theme: pd.DataFrame, kind: str) -> list[dict[str, Any]]:
    names = in_theme[in_theme["kind"] == kind].groupby("label")["para_no"].size()
    ordered = sorted(names.items(), key=lambda kv: (-kv[1], kv[0]))
    return [{"name": n, "n": int(c)} for n, c in ordered]


# -- the index and the document pages ------------------------------------------------------


def index_page(site: SiteData, index: ThemeIndex, themes: list[dict[str, Any]]) -> dict[str, Any]:
    failed = site.documents[site.documents["status"] == "failed"]
    return {
        "themes": themes,
        "sessions": [{"label": site.label_of[d]} for d in site.sessions["doc_id"]],
        "others": [
            {
                "doc_id": r.doc_id,
                "title": r.title,
                "page": f"doc-{r.doc_id}.html",
                "n_paragraphs": int(site.para_counts.get(r.doc_id, 0)),
            }
            for r in site.others.itertuples()
        ],
        "n_paragraphs": len(site.paragraphs),
        "n_recommendations": len(site.recs),
        "n_clusters": len(site.clusters),
        "recurring": recurring(site, index),
        "skipped": failed[["file", "error"]].to_dict("records"),
    }


def recurring(site: SiteData, index: ThemeIndex, limit: int = 15) -> list[dict[str, Any]]:
    """The asks raised in two sessions or more, the most widely raised first."""
    rows = []
    for cid, sessions in index.cluster_sessions.items():
        if len(sessions) >= 2:
            c = site.clusters.loc[cid]
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


def documents_page(site: SiteData) -> list[dict[str, Any]]:
    out = []
    for row in site.documents.sort_values("doc_id").itertuples():
        ok = row.status == "ok"
        out.append(
            {
                "doc_id": row.doc_id,
                "working_group": group_name(site.taxonomy, row.working_group)
                if isinstance(row.working_group, str)
                else "",
                "date": row.date if isinstance(row.date, str) else "",
                "status": row.status,
                "session_ordinal": "" if pd.isna(row.session_ordinal) else int(row.session_ordinal),
                "error": None if ok else row.error,
                "n_paragraphs": int(site.para_counts.get(row.doc_id, 0)),
                "page": f"doc-{row.doc_id}.html" if ok else None,
            }
        )
    return out


def document_page(site: SiteData, row: Any, theme_labels: dict[str, str]) -> dict[str, Any]:
    doc_id = row.doc_id
    paras = site.rows("paragraphs", doc_id).sort_values("para_no")
    tags = _by_paragraph(site.rows("tags", doc_id))
    recs: dict[int, list[dict[str, str]]] = defaultdict(list)
    for r in site.rows("recs", doc_id).itertuples():
        recs[int(r.para_no)].append({"text": r.text, "by": r.by, "to": r.to})
    items = [
        _document_paragraph(site, p, tags.get(int(p.para_no), {}), recs, theme_labels)
        for p in paras.itertuples()
    ]
    fields = ("doc_id", "title", "symbol", "meeting", "session_ordinal", "date")
    doc = {k: _shown(getattr(row, k)) for k in fields}
    doc["working_group"] = (
        group_name(site.taxonomy, row.working_group) if isinstance(row.working_group, str) else None
    )
    doc["session"] = site.label_of.get(doc_id, doc_id)
    doc["pdf"] = site.pdf_link(doc_id, None)
    return {"doc": doc, "paragraphs": items}


def _shown(value: Any) -> Any:
    """A cell as a page shows it: missing values as None, whole numbers as ints."""
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return None
    return int(value) if isinstance(value, (int, np.integer)) else value


def _document_paragraph(
    site: SiteData, p: Any, t: dict, recs: dict, theme_labels: dict[str, str]
) -> dict[str, Any]:
    themes = t.get("theme", [])
    return {
        "para_no": int(p.para_no),
        "section": p.section,
        "subsection": p.subsection if isinstance(p.subsection, str) else None,
        "html": highlight(p.text, [(start, end) for _, start, end in themes]),
        "pdf": site.pdf_link(p.doc_id, p.page_start),
        "page": int(p.page_start),
        "themes": [
            {"label": theme_labels[i], "page": f"theme-{i}.html"}
            for i in sorted({label for label, _, _ in themes})
            if i in theme_labels
        ],
        "articles": [
            site.taxonomy.article_name(a)
            for a in sorted({lab for lab, _, _ in t.get("article", [])})
        ],
        "speakers": sorted({label for label, _, _ in t.get("speaker_type", [])}),
        "recommendations": recs.get(int(p.para_no), []),
    }


def _by_paragraph(tags: pd.DataFrame) -> dict[int, dict[str, list[tuple[str, int, int]]]]:
    """One document's tags as {para_no: {kind: [(label, start, end), ...]}}: plain Python,
    so that rendering thousands of paragraphs does not filter a DataFrame each time."""
    out: dict[int, dict[str, list[tuple[str, int, int]]]] = defaultdict(lambda: defaultdict(list))
    for para_no, kind, label, start, end in zip(
        tags["para_no"], tags["kind"], tags["label"], tags["start"], tags["end"], strict=True
    ):
        out[int(para_no)][kind].append((label, int(start), int(end)))
    return out
