"""The uptake scores `crp evaluate` writes to metrics/uptake.json.

The honest figure is the one an analyst would have had: when a report is scored, the
catalogue the matcher learns from and matches against holds only examples from sessions
dated before the report, and none of the report's own sentences (an example whose
session's date is unknown is left out too). Each report's adopted recommendations (as the
`adopted` stage read them: paragraphs, addressee, themes) are matched again by a matcher
fitted on that catalogue, and the links are scored (pipeline.adoption.scoring). The
`adopted_asks` table as the pipeline wrote it (catalogue of every session, so flattering)
is scored beside it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from pipeline.adoption.matching import ASK_COLUMNS, MatchSettings, queries, take_up
from pipeline.adoption.scoring import dialogue_asks, score_adopted, score_doc_types, score_links
from pipeline.asks.catalogue import Ask, without_docs
from pipeline.knowledge.gold import gold_documents, read_gold, read_report_gold
from pipeline.knowledge.taxonomy import Taxonomy
from pipeline.scoring import score_extraction

TABLES = (
    "documents",
    "paragraphs",
    "recommendations",
    "rec_clusters",
    "adopted",
    "adopted_asks",
)


def dates(documents: pd.DataFrame, gold_docs: dict[str, dict]) -> dict[str, str]:
    """The date of every document: the gold's, else the one the pipeline read."""
    out = {
        d: str(v)
        for d, v in zip(documents["doc_id"], documents["date"], strict=True)
        if isinstance(v, str)
    }
    out.update({d: str(g["date"]) for d, g in gold_docs.items() if g.get("date")})
    return out


def catalogue_before(catalogue: list[Ask], report: str, when: dict[str, str]) -> list[Ask]:
    """The catalogue as it stood before `report`: examples of sessions dated before it."""
    sessions = {e.doc_id for ask in catalogue for e in ask.examples}
    limit = when.get(report)
    late = {d for d in sessions if limit is None or d not in when or when[d] >= limit}
    return without_docs(catalogue, late | {report})


def honest_asks(
    tables: dict[str, pd.DataFrame],
    reports: list[str],
    catalogue: list[Ask],
    when: dict[str, str],
    fit: Any,
    taxonomy: Taxonomy,
    settings: MatchSettings,
) -> pd.DataFrame:
    """The asks each report's adopted recommendations take up, matched by a matcher fitted
    (`fit(catalogue)`) on the catalogue as it stood before the report."""
    adopted, parts = tables["adopted"], []
    for report in reports:
        rows = adopted[adopted["doc_id"] == report].reset_index(drop=True)
        before = catalogue_before(catalogue, report, when)
        if len(rows) == 0 or not before:
            continue
        matcher = fit(before)
        query = queries(
            rows, tables["documents"], taxonomy.adopted, matcher.frame, settings.strip_hedges
        )
        asks, _ = take_up(query, rows[["doc_id", "para_no"]], matcher, settings)
        parts.append(asks)
    return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=ASK_COLUMNS)


def uptake_metrics(
    tables: dict[str, pd.DataFrame],
    gold_dir: Path,
    taxonomy: Taxonomy,
    catalogue: list[Ask],
    fit: Any,
    settings: MatchSettings,
) -> dict[str, Any]:
    """Document types, the reports' extraction, adopted recommendations and uptake links
    (honest, and as the pipeline's table has them) against the gold of `gold_dir`."""
    labels = taxonomy.labels
    docs = gold_documents(gold_dir, labels)
    report_gold = read_report_gold(gold_dir, labels)
    _, crp_gold = read_gold(gold_dir, labels)
    documents = tables["documents"]
    present = [d for d in sorted(report_gold.documents) if d in set(documents["doc_id"])]
    scored = [g for g in report_gold.adopted if g["doc_id"] in present]
    meta = {
        d: {k: v for k, v in g.items() if v is not None} for d, g in report_gold.documents.items()
    }
    dialogue = dialogue_asks(tables["recommendations"], tables["rec_clusters"], crp_gold)
    when = dates(documents, docs)
    honest = honest_asks(tables, present, catalogue, when, fit, taxonomy, settings)
    return {
        "doc_types": score_doc_types(documents, {d: g["doc_type"] for d, g in docs.items()}),
        "reports_extraction": score_extraction(
            tables["paragraphs"], documents, meta, report_gold.paragraphs
        ),
        "adopted": score_adopted(tables["adopted"], scored),
        "links": score_links(dialogue, docs, scored, honest),
        "links_catalogue_of_every_session": score_links(
            dialogue, docs, scored, tables["adopted_asks"]
        ),
        "reports": present,
    }


def summary_lines(m: dict[str, Any]) -> list[str]:
    a, links = m["adopted"], m["links"]
    full = m["links_catalogue_of_every_session"]
    return [
        f"{'doc_types':18s} accuracy={m['doc_types']['accuracy']:.3f} "
        f"(n={m['doc_types']['documents']})",
        f"{'adopted':18s} P={a['precision']:.3f} R={a['recall']:.3f} F1={a['f1']:.3f} "
        f"to={a['to_accuracy']:.3f} themes F1={a['themes']['f1']:.3f}",
        f"{'uptake links':18s} P={links['precision']:.3f} R={links['recall']:.3f} "
        f"F1={links['f1']:.3f} (catalogue before each report; every session: F1={full['f1']:.3f})",
    ]


def evaluate_uptake(
    layout: Any,
    params: dict[str, Any],
    taxonomy: Taxonomy,
    encoder: Any,
    tables: dict[str, pd.DataFrame] | None = None,
) -> dict[str, Any]:
    """`crp evaluate`'s uptake scores of the tables of layout.processed (or of `tables`,
    the same tables already read) against the scoring gold (see module doc); `encoder`:
    evaluate's, over the one vector store."""
    from pipeline.adopted import AdoptedSettings, fit_matcher
    from pipeline.cluster import catalogue_contexts
    from pipeline.params import load_settings
    from pipeline.paths import GoldSettings
    from pipeline.schemas import read_table

    settings = load_settings(AdoptedSettings, "adopted", params)
    gold = load_settings(GoldSettings, "gold", params)
    if tables is None:
        tables = {name: read_table(name, layout.table(name)) for name in TABLES}
    catalogue = catalogue_contexts(taxonomy.asks, tables["paragraphs"], gold.train_folder, taxonomy)
    return uptake_metrics(
        tables,
        gold.score_folder,
        taxonomy,
        catalogue,
        lambda before: fit_matcher(before, taxonomy, encoder),
        settings,
    )
