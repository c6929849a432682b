"""What the theme pages and the index of the report show (pure builders over SiteData).

A theme page: its definition, its share of each session's paragraphs, who raised it, the
articles discussed alongside, its recommendations grouped by ask, and its paragraphs with
the evidence highlighted. The index: every theme with its presence by session, the asks
that recur across sessions, the documents of no known session and the files skipped.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from pipeline import report_charts as charts
from pipeline.report_pages import SiteData, group_name, highlight

MAX_BARS = 30  # more sessions than this are pooled by working group and year in charts
MAX_PARAGRAPHS = 200  # a theme page lists at most this many paragraphs, the most recent first
ANALYST_RULE = "analyst/"  # the rule of a theme tag an analyst confirmed (crp themes apply)
Key = tuple[str, int]


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
    session_ids: frozenset[str] = frozenset()  # the dialogues (charted by session)
    cluster_rows: dict[int, dict[str, Any]] = field(default_factory=dict)  # clusters table

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
        return cls(
            dict(tuple(themes.groupby("label"))),
            rec_rows,
            sessions,
            first,
            frozenset(site.sessions["doc_id"]),
            # a row lookup per cluster and theme (`.loc` four times) took a second at scale
            site.clusters[["ask_id", "label", "source", "size"]].to_dict("index"),
        )


def theme_page(site: SiteData, index: ThemeIndex, theme_id: str) -> dict[str, Any]:
    theme = site.taxonomy.themes[theme_id]
    hits = index.hits.get(theme_id, site.tags.head(0))
    keys = sorted(set(zip(hits["doc_id"], hits["para_no"].astype(int), strict=True)))
    rows = [site.tag_rows_of_paragraph[(d, int(p))] for d, p in keys]
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
        "n_other_paragraphs": sum(d not in index.session_ids for d, _ in keys),
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
    groups: dict[int, list[Any]] = defaultdict(list)
    for r in recs.itertuples():  # once: an itertuples per cluster cost a second at scale
        groups[int(r.cluster_id)].append(r)
    out = []
    for cid, group in sorted(groups.items()):
        sessions = index.cluster_sessions.get(cid, [])
        cluster = index.cluster_rows[cid]
        out.append(
            {
                "id": cid,
                "ask_id": cluster["ask_id"],
                "label": cluster["label"] or "(no label)",
                "candidate": cluster["source"] == "new",
                "size": int(cluster["size"]),
                "sessions": sessions,
                "n_sessions": len(sessions),
                "recommendations": [
                    _recommendation(site, r, index.first_doc.get(cid)) for r in group
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
    """The theme's paragraphs, those the classifier is surest are about it first (then the
    oldest session first); at most MAX_PARAGRAPHS (every paragraph stays on its document's
    page). A paragraph an analyst confirmed (its rows' rule `analyst/<theme>`) says so."""
    spans = defaultdict(list)
    strength: dict[Key, float] = {}
    confirmed: set[Key] = set()
    for r in hits.itertuples():
        key = (r.doc_id, int(r.para_no))
        spans[key].append((int(r.start), int(r.end)))
        if not pd.isna(r.score):
            strength[key] = max(strength.get(key, 0.0), float(r.score))
        if isinstance(r.rule, str) and r.rule.startswith(ANALYST_RULE):
            confirmed.add(key)
    order = site.order
    keys = sorted(keys, key=lambda k: (-strength.get(k, 0.0), order.get(k[0], 1 << 30), k[1]))
    out = []
    for doc_id, para_no in keys[:MAX_PARAGRAPHS]:
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
                "strength": strength.get((doc_id, para_no)),
                "confirmed": (doc_id, para_no) in confirmed,
            }
        )
    return out


def _named(in_theme: pd.DataFrame, kind: str) -> list[dict[str, Any]]:
    names = in_theme[in_theme["kind"] == kind].groupby("label")["para_no"].size()
    ordered = sorted(names.items(), key=lambda kv: (-kv[1], kv[0]))
    return [{"name": n, "n": int(c)} for n, c in ordered]


def index_page(site: SiteData, index: ThemeIndex, themes: list[dict[str, Any]]) -> dict[str, Any]:
    failed = site.documents[site.documents["status"] == "failed"]
    return {
        "themes": themes,
        "sessions": [{"label": site.label_of[d]} for d in site.sessions["doc_id"]],
        "others": [
            {
                "doc_id": r.doc_id,
                "title": r.title if isinstance(r.title, str) else None,
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
                    "ask_id": c["ask_id"],
                    "label": c["label"],
                    "size": int(c["size"]),
                    "sessions": sessions,
                    "n_sessions": len(sessions),
                    "exemplar": c["exemplar"],
                }
            )
    return sorted(rows, key=lambda r: (-r["n_sessions"], -r["size"], r["label"]))[:limit]
