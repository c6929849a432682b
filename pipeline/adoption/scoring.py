"""Scores of document types, adopted recommendations and uptake links against the gold
(GOLD_FORMAT.md, "Working group reports"). Pure functions over tables and gold rows.

- Document type: the share of gold documents whose `doc_type` the pipeline read right (a
  CRP's gold leaves it out: "crp").
- Adopted recommendations: found by paragraph (doc_id, para_no), precision, recall, F1;
  then, over those found, `to` accuracy and the themes' micro precision, recall, F1.
- Uptake links, over pairs (a gold dialogue recommendation of the report's working group
  dated before it, an adopted recommendation of the report): linked in the gold when the
  dialogue recommendation's `cluster` is among the adopted one's `asks`; linked by the
  pipeline when the ask of the pipeline's recommendation overlapping the dialogue one (as
  for the other recommendation scores) is among the asks the pipeline gives the adopted one.
"""

from __future__ import annotations

from collections import defaultdict

import pandas as pd

from pipeline.scoring import PRF, match_recommendations

Key = tuple[str, int]


def score_doc_types(documents: pd.DataFrame, gold_types: dict[str, str]) -> dict:
    """Accuracy of `doc_type` over the gold documents the corpus holds, and the misses."""
    got = dict(zip(documents["doc_id"], documents["doc_type"], strict=True))
    judged = {d: t for d, t in gold_types.items() if d in got}
    wrong = sorted(d for d, t in judged.items() if got[d] != t)
    right = len(judged) - len(wrong)
    return {
        "accuracy": round(right / len(judged), 4) if judged else 0.0,
        "documents": len(judged),
        "wrong": wrong,
    }


def score_adopted(adopted: pd.DataFrame, gold: list[dict]) -> dict:
    """Adopted recommendations found by paragraph; `to` and themes of those found."""
    reports = {g["doc_id"] for g in gold}
    predicted = {
        (str(r.doc_id), int(r.para_no)): r
        for r in adopted[adopted["doc_id"].isin(reports)].itertuples(index=False)
    }
    truth = {(g["doc_id"], int(g["para_no"])): g for g in gold}
    found = PRF()
    found.add(set(predicted), set(truth))
    themes, to_right = PRF(), 0
    matched = sorted(set(predicted) & set(truth))
    for key in matched:
        to_right += predicted[key].to == truth[key]["to"]
        themes.add(set(predicted[key].themes), set(truth[key]["themes"]))
    return {
        **found.scores(),
        "predicted": len(predicted),
        "to_accuracy": round(to_right / len(matched), 4) if matched else 0.0,
        "themes": themes.scores(),
    }


def dialogue_asks(
    recommendations: pd.DataFrame, rec_clusters: pd.DataFrame, gold: dict[Key, dict]
) -> list[tuple[str, str, str | None]]:
    """(doc_id, gold cluster, the pipeline's ask or None) of every gold dialogue
    recommendation: the ask of the prediction that overlaps it, as recommendations are
    matched for their scores."""
    recs = recommendations[recommendations["doc_id"].isin({k[0] for k in gold})]
    ask = {
        (r.doc_id, int(r.para_no), int(r.rec_no)): r.ask_id
        for r in rec_clusters.itertuples(index=False)
    }
    out = []
    for g, p, key in match_recommendations(recs, gold):
        given = ask.get((p["doc_id"], int(p["para_no"]), int(p["rec_no"]))) if p else None
        out.append((key[0], g["cluster"], given))
    return out


def score_links(
    dialogue: list[tuple[str, str, str | None]],
    gold_docs: dict[str, dict],
    gold_adopted: list[dict],
    adopted_asks: pd.DataFrame,
) -> dict:
    """Uptake links over (dialogue recommendation, adopted recommendation) pairs, pooled
    over the reports; `by_report` gives each report's own."""
    taken: dict[Key, set[str]] = defaultdict(set)
    for r in adopted_asks.itertuples(index=False):
        taken[(str(r.doc_id), int(r.para_no))].add(str(r.ask_id))
    pooled, by_report = PRF(), {}
    for report in sorted({g["doc_id"] for g in gold_adopted}):
        meta = gold_docs[report]
        before = [
            (cluster, given)
            for doc_id, cluster, given in dialogue
            if gold_docs[doc_id]["working_group"] == meta["working_group"]
            and _before(gold_docs[doc_id].get("date"), meta.get("date"))
        ]
        own = PRF()
        for a in (g for g in gold_adopted if g["doc_id"] == report):
            predicted = taken.get((report, int(a["para_no"])), set())
            for n, (cluster, given) in enumerate(before):
                gold_link = {n} if cluster in a["asks"] else set()
                link = {n} if given is not None and given in predicted else set()
                own.add(link, gold_link)
                pooled.add(link, gold_link)
        by_report[report] = {**own.scores(), "dialogue_recommendations": len(before)}
    return {**pooled.scores(), "by_report": by_report}


def _before(date: str | None, report_date: str | None) -> bool:
    return bool(date) and bool(report_date) and str(date) < str(report_date)
