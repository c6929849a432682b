"""Per ask and working group: when civil society raised it, and whether it was taken up.

The asks raised are those of the recommendations of the constructive dialogues (documents
of `doc_type` crp), each with the ask the `cluster` stage gave it (a catalogue ask or a
candidate new one). An ask raised in a working group's dialogues is taken up when a report
of the same working group (`doc_type` wg_report) dated after the first dialogue that raised
it adopted a recommendation taking it up (`adopted_asks`); the first such report is the one
named, with the lag in years. An ask raised or adopted without a date cannot be placed in
time and counts as not taken up.
"""

from __future__ import annotations

import pandas as pd

CRP, REPORT = "crp", "wg_report"  # labels.yaml doc_types
TAKEN_UP, OPEN = "taken up", "not taken up"
KEYS = ["doc_id", "para_no", "rec_no"]
COLUMNS = [
    "ask_id",
    "working_group",
    "label",
    "source",
    "first_doc",
    "first_para_no",
    "first_date",
    "first_year",
    "n_raised",
    "n_sessions",
    "last_date",
    "by_types",
    "themes",
    "taken_up",
    "report_doc",
    "report_para_no",
    "report_date",
    "report_year",
    "lag_years",
    "status",
]


def _of_type(documents: pd.DataFrame, doc_type: str) -> pd.DataFrame:
    docs = documents[(documents["doc_type"] == doc_type) & (documents["status"] == "ok")]
    docs = docs[docs["working_group"].notna()]
    return docs[["doc_id", "working_group", "date", "year"]].astype({"date": object})


def raised_asks(
    documents: pd.DataFrame, recommendations: pd.DataFrame, rec_clusters: pd.DataFrame
) -> pd.DataFrame:
    """The dialogues' recommendations with their ask and session, oldest first."""
    recs = recommendations.merge(
        rec_clusters[[*KEYS, "ask_id", "cluster_label", "source"]], on=KEYS
    )
    recs = recs.merge(_of_type(documents, CRP), on="doc_id")
    order = recs.assign(_date=recs["date"].fillna("9999-12-31"))
    return order.sort_values(["_date", *KEYS], kind="stable").drop(columns="_date")


def adoptions(documents: pd.DataFrame, adopted_asks: pd.DataFrame) -> pd.DataFrame:
    """The asks taken up by dated working group reports, oldest report first."""
    taken = adopted_asks.merge(_of_type(documents, REPORT), on="doc_id")
    taken = taken[taken["date"].notna()]
    return taken.sort_values(["date", "doc_id", "para_no", "ask_id"], kind="stable")


def uptake(
    documents: pd.DataFrame,
    recommendations: pd.DataFrame,
    rec_clusters: pd.DataFrame,
    adopted_asks: pd.DataFrame,
) -> pd.DataFrame:
    """The uptake table: one row per (ask, working group) raised in the dialogues (pure)."""
    raised = raised_asks(documents, recommendations, rec_clusters)
    taken = adoptions(documents, adopted_asks)
    by_key = {key: group for key, group in taken.groupby(["ask_id", "working_group"], sort=False)}
    rows = []
    for (ask_id, group_id), group in raised.groupby(["ask_id", "working_group"], sort=True):
        first = group.iloc[0]
        dated = group["date"].dropna()
        found = by_key.get((ask_id, group_id))
        report = None
        if found is not None and pd.notna(first["date"]):
            later = found[found["date"] > first["date"]]
            report = later.iloc[0] if len(later) else None
        rows.append(
            {
                "ask_id": ask_id,
                "working_group": group_id,
                "label": first["cluster_label"],
                "source": first["source"],
                "first_doc": first["doc_id"],
                "first_para_no": int(first["para_no"]),
                "first_date": first["date"] if pd.notna(first["date"]) else None,
                "first_year": _int(first["year"]),
                "n_raised": len(group),
                "n_sessions": group["doc_id"].nunique(),
                "last_date": max(dated) if len(dated) else None,
                "by_types": sorted({str(b) for b in group["by"].dropna()}),
                "themes": sorted({t for themes in group["themes"] for t in themes}),
                "taken_up": report is not None,
                "report_doc": None if report is None else report["doc_id"],
                "report_para_no": None if report is None else int(report["para_no"]),
                "report_date": None if report is None else report["date"],
                "report_year": None if report is None else _int(report["year"]),
                "lag_years": None
                if report is None or _int(first["year"]) is None or _int(report["year"]) is None
                else _int(report["year"]) - _int(first["year"]),
                "status": TAKEN_UP if report is not None else OPEN,
            }
        )
    out = pd.DataFrame(rows, columns=COLUMNS)
    for column in ("first_para_no", "first_year", "report_para_no", "report_year", "lag_years"):
        out[column] = out[column].astype("Int64")
    return out


def _int(value: object) -> int | None:
    return None if value is None or pd.isna(value) else int(value)  # type: ignore[arg-type]
