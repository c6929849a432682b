"""What each page of the theme report shows, built from the pipeline's tables.

Pure builders over plain frames: `site_data` indexes the tables once; `documents_page` and
`document_page` here, `theme_pages` and `index_page` in `pipeline.report_themes`, return the
context a template renders.
Nothing here reads a file or writes HTML (that is `pipeline.report`); every string of
document text stays text, escaped by the templates or by `highlight`.

The sessions are the constructive dialogues (documents of `doc_type` crp with a working
group and a year); working group reports (wg_report) are listed apart, with the
recommendations they adopted (pipeline.report_uptake). Other documents (an annex, an NGO
report, a CRP whose session cannot be read) are still documents: they have a page, their
paragraphs are listed on theme pages, and the index lists them under "Other documents";
only the per-session charts leave them and the reports out.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from markupsafe import Markup, escape

from pipeline.knowledge.taxonomy import Taxonomy

Key = tuple[str, int]
CRP, REPORT = "crp", "wg_report"  # labels.yaml doc_types


def _empty(name: str) -> pd.DataFrame:
    from pipeline.schemas import get_table

    return get_table(name).empty()


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
    """ "Firearms 2023 (no. 2)"; "Firearms Working Group report 2024"; a document of no
    known session is named by its id."""
    if pd.isna(row.working_group) or not row.working_group:
        return f"{row.doc_id} (not a session summary)"
    year = "" if pd.isna(row.year) else f" {int(row.year)}"
    if getattr(row, "doc_type", None) == REPORT:
        return f"{group_name(taxonomy, row.working_group)} Working Group report{year}"
    ordinal = "" if pd.isna(row.session_ordinal) else f" (no. {int(row.session_ordinal)})"
    return f"{group_name(taxonomy, row.working_group)}{year}{ordinal}"


def plain(frame: pd.DataFrame) -> pd.DataFrame:
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
    # working group reports: their adopted recommendations, the asks those take up, and
    # per ask and working group of the dialogues whether and when it was taken up
    adopted: pd.DataFrame = field(default_factory=lambda: _empty("adopted"))
    adopted_asks: pd.DataFrame = field(default_factory=lambda: _empty("adopted_asks"))
    uptake: pd.DataFrame = field(default_factory=lambda: _empty("uptake"))
    sessions: pd.DataFrame = field(init=False)  # readable dialogues with a session, in time
    reports: pd.DataFrame = field(init=False)  # readable working group reports, in time
    others: pd.DataFrame = field(init=False)  # readable documents of no known session
    label_of: dict[str, str] = field(init=False)
    order: dict[str, int] = field(init=False)  # doc_id → position in time (others last)
    paragraph_of: dict[Key, dict] = field(init=False)
    tag_rows_of_paragraph: dict[Key, np.ndarray] = field(init=False)
    rows_of_doc: dict[str, dict[str, np.ndarray]] = field(init=False)  # table → doc → rows
    file_of: dict[str, str] = field(init=False)
    para_counts: pd.Series = field(init=False)
    recs_clustered: pd.DataFrame = field(init=False)

    def __post_init__(self) -> None:
        ok = self.documents[self.documents["status"] == "ok"].copy()
        ok["date_key"] = ok["date"].fillna("9999")
        ok = ok.sort_values(["date_key", "doc_id"])
        known = ok["working_group"].notna() & ok["year"].notna()
        kind = ok["doc_type"] if "doc_type" in ok else pd.Series(CRP, index=ok.index)
        report = known & (kind == REPORT)
        dialogue = known & ~report & kind.fillna(CRP).isin([CRP])
        self.sessions, self.reports = ok[dialogue], ok[report]
        self.others = ok[~dialogue & ~report]
        readable = pd.concat([self.sessions, self.reports, self.others])
        self.label_of = {r.doc_id: session_label(r, self.taxonomy) for r in readable.itertuples()}
        self.order = {d: i for i, d in enumerate(readable["doc_id"])}
        self.paragraph_of = {
            (r["doc_id"], int(r["para_no"])): r for r in self.paragraphs.to_dict("records")
        }
        by_paragraph = self.tags.groupby(["doc_id", "para_no"]).indices
        self.tag_rows_of_paragraph = {(d, int(p)): rows for (d, p), rows in by_paragraph.items()}
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
    frames = {name: plain(frame) for name, frame in tables.items()}
    reports = {n: frames[n] for n in ("adopted", "adopted_asks", "uptake") if n in frames}
    return SiteData(
        taxonomy=taxonomy,
        raw_rel=raw_rel,
        documents=frames["documents"],
        paragraphs=frames["paragraphs"],
        tags=frames["tags"],
        recs=frames["recommendations"],
        rec_clusters=frames["rec_clusters"],
        clusters=frames["clusters"].set_index("cluster_id"),
        **reports,
    )


# -- the document pages ------------------------------------------------------------------


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
    adopted = adopted_of(site, doc_id)
    for item in items:
        item["adopted"] = adopted.get(item["para_no"])
    fields = ("doc_id", "title", "symbol", "meeting", "session_ordinal", "date")
    doc = {k: _shown(getattr(row, k)) for k in fields}
    doc["working_group"] = (
        group_name(site.taxonomy, row.working_group) if isinstance(row.working_group, str) else None
    )
    doc["session"] = site.label_of.get(doc_id, doc_id)
    doc["pdf"] = site.pdf_link(doc_id, None)
    return {"doc": doc, "paragraphs": items}


def adopted_of(site: SiteData, doc_id: str) -> dict[int, dict[str, Any]]:
    """para_no → {to, asks (labels)} of a report's adopted recommendations."""
    rows = site.adopted[site.adopted["doc_id"] == doc_id]
    if len(rows) == 0:
        return {}
    labels = {a.id: a.label for a in site.taxonomy.asks}
    taken = site.adopted_asks[site.adopted_asks["doc_id"] == doc_id].sort_values(
        ["para_no", "score"], ascending=[True, False]
    )
    asks: dict[int, list[str]] = defaultdict(list)
    for para_no, ask_id in zip(taken["para_no"], taken["ask_id"], strict=True):
        asks[int(para_no)].append(labels.get(str(ask_id), str(ask_id)))
    return {
        int(p): {"to": str(to).replace("_", " "), "asks": asks.get(int(p), [])}
        for p, to in zip(rows["para_no"], rows["to"], strict=True)
    }


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
