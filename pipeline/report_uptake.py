"""The report's page "From dialogue to recommendation", and the uptake notes of other pages.

Per working group: the asks civil society raised in its constructive dialogues, those a
report of the working group later took up (linked to the adopted recommendation and to
the paragraph where the ask was first raised), those still open, and the share taken up
by theme and by who asked. Theme pages and the recurring asks of the index say "taken up
by the Working Group on Firearms in 2024" where it applies (`uptake_notes`). Pure builders
over SiteData (pipeline.report_pages), like the other pages.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import pandas as pd

from pipeline.report_pages import SiteData, group_name

WHO = ("ngo", "academia", "private_sector")  # the non-governmental stakeholders, in this order
WHO_LABELS = {"ngo": "NGOs", "academia": "Academia", "private_sector": "Private sector"}
SPEAKERS = {"ngo": "NGOs", "academia": "academia", "private_sector": "the private sector"} | {
    "member_state": "States",
    "participant": "participants",
    "chair": "the Chair",
}  # who asked, as a sentence names them


def body_name(site: SiteData, working_group: str) -> str:
    """ "the Working Group on Firearms": the body as its reports name it."""
    group = site.taxonomy.working_groups.get(working_group)
    return (
        f"the {group.names[0]}" if group and group.names else f"the {working_group} working group"
    )


def ask_labels(site: SiteData) -> dict[str, str]:
    """ask id → label: the catalogue's, else the label the cluster stage gave a new ask."""
    labels = {
        str(a): str(b)
        for a, b in zip(site.uptake["ask_id"], site.uptake["label"], strict=True)
        if isinstance(b, str)
    }
    labels.update({a.id: a.label for a in site.taxonomy.asks})
    return labels


def uptake_notes(site: SiteData) -> dict[str, list[dict[str, Any]]]:
    """ask id → where it was taken up: [{text: "taken up by the Working Group on Firearms
    in 2024", link}] (one per working group that took it up)."""
    notes: dict[str, list[dict[str, Any]]] = defaultdict(list)
    taken = site.uptake[site.uptake["taken_up"].fillna(False).astype(bool)]
    for r in taken.sort_values(["report_date", "working_group"]).itertuples():
        year = "" if pd.isna(r.report_year) else f" in {int(r.report_year)}"
        notes[str(r.ask_id)].append(
            {
                "text": f"taken up by {body_name(site, r.working_group)}{year}",
                "link": f"doc-{r.report_doc}.html#p{int(r.report_para_no)}",
            }
        )
    return dict(notes)


def _session(site: SiteData, doc_id: str) -> str:
    return site.label_of.get(doc_id, doc_id)


def _adopted_text(site: SiteData) -> dict[tuple[str, int], str]:
    return {
        (str(d), int(p)): str(t)
        for d, p, t in zip(
            site.adopted["doc_id"], site.adopted["para_no"], site.adopted["text"], strict=True
        )
    }


def _row(
    site: SiteData, r: Any, adopted: dict[tuple[str, int], str], theme_labels: dict[str, str]
) -> dict[str, Any]:
    out = {
        "label": r.label if isinstance(r.label, str) and r.label else r.ask_id,
        "ask_id": r.ask_id,
        "candidate": r.source == "new",
        "first": _session(site, r.first_doc),
        "first_link": f"doc-{r.first_doc}.html#p{int(r.first_para_no)}",
        "first_para_no": int(r.first_para_no),
        "n_raised": int(r.n_raised),
        "n_sessions": int(r.n_sessions),
        "by": ", ".join(SPEAKERS.get(b, b.replace("_", " ")) for b in r.by_types),
        "themes": [theme_labels.get(t, t.replace("_", " ")) for t in r.themes],
    }
    if bool(r.taken_up):
        key = (str(r.report_doc), int(r.report_para_no))
        out |= {
            "report": _session(site, r.report_doc),
            "report_link": f"doc-{r.report_doc}.html#p{int(r.report_para_no)}",
            "report_para_no": int(r.report_para_no),
            "report_year": None if pd.isna(r.report_year) else int(r.report_year),
            "lag": None if pd.isna(r.lag_years) else int(r.lag_years),
            "adopted": adopted.get(key, ""),
        }
    return out


def _shares(rows: pd.DataFrame, values: Any, labels: dict[str, str]) -> list[dict[str, Any]]:
    """Per value (a theme, a kind of speaker): asks raised with it, taken up, the share."""
    raised: dict[str, int] = defaultdict(int)
    taken: dict[str, int] = defaultdict(int)
    for items, up in zip(values, rows["taken_up"].fillna(False).astype(bool), strict=True):
        for item in set(items):
            raised[item] += 1
            taken[item] += int(up)
    order = sorted(raised, key=lambda v: (-taken[v] / raised[v], -raised[v], labels.get(v, v)))
    return [
        {
            "label": labels.get(v, v.replace("_", " ")),
            "raised": raised[v],
            "taken": taken[v],
            "share": round(100 * taken[v] / raised[v]),
        }
        for v in order
    ]


def uptake_page(site: SiteData, theme_labels: dict[str, str]) -> dict[str, Any]:
    """The context of uptake.html: one section per working group with dialogue asks."""
    adopted = _adopted_text(site)
    reports = site.reports
    groups = []
    for group_id, rows in site.uptake.groupby("working_group", sort=True):
        rows = rows.sort_values(["first_date", "ask_id"], na_position="last")
        own = reports[reports["working_group"] == group_id].sort_values("date")
        last_report = own["date"].dropna().max() if len(own) else None
        up = rows["taken_up"].fillna(False).astype(bool)
        items = [_row(site, r, adopted, theme_labels) for r in rows.itertuples()]
        for item, first_date in zip(items, rows["first_date"], strict=True):
            item["no_report_since"] = not (
                isinstance(last_report, str)
                and isinstance(first_date, str)
                and last_report > first_date
            )
        groups.append(
            {
                "id": group_id,
                "name": group_name(site.taxonomy, group_id),
                "body": body_name(site, group_id),
                "sessions": list(dict.fromkeys(_session(site, d) for d in rows["first_doc"])),
                "reports": [
                    {"label": _session(site, d), "page": f"doc-{d}.html", "date": dt}
                    for d, dt in zip(own["doc_id"], own["date"], strict=True)
                ],
                "n_raised": len(rows),
                "n_taken": int(up.sum()),
                "taken": [i for i, u in zip(items, up, strict=True) if u],
                "open": [i for i, u in zip(items, up, strict=True) if not u],
                "by_theme": _shares(rows, rows["themes"], theme_labels),
                "by_who": [
                    s
                    for s in _shares(rows, rows["by_types"], WHO_LABELS)
                    if s["label"] in WHO_LABELS.values()
                ],
            }
        )
    n_raised = len(site.uptake)
    n_taken = int(site.uptake["taken_up"].fillna(False).astype(bool).sum()) if n_raised else 0
    return {
        "groups": groups,
        "n_raised": n_raised,
        "n_taken": n_taken,
        "n_reports": len(reports),
        "n_adopted": len(site.adopted),
    }
