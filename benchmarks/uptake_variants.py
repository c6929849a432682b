"""Uptake links under the variants tried for matching adopted recommendations to the asks.

    python benchmarks/uptake_variants.py   # after `dvc repro` (reads data/processed)

Scored as `crp evaluate` scores uptake (metrics/uptake.json `links`): each working group
report's adopted recommendations (as the `adopted` stage read them) matched by a matcher
fitted on the catalogue as it stood before the report (examples of sessions dated before
it, none of the report's own), links over (gold dialogue recommendation of the working
group dated before the report, adopted recommendation) pairs. Variants: the acceptance
rule (a threshold on the matcher's score for the best ask and for the others, at most
three asks), the formal hedges of adopted.yaml left out of what is matched, the matcher's
working-group feature, and the theme feature left out. Prints a table and keeps it in
benchmarks/results.json (`uptake_variants`).
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import pandas as pd
from common import ROOT, record

from pipeline.adoption import evaluation as ev
from pipeline.adoption.matching import queries
from pipeline.adoption.scoring import dialogue_asks, score_links
from pipeline.asks.features import DEFAULT_FEATURES
from pipeline.asks.frame import reporting_frame
from pipeline.asks.matcher import AskMatcher
from pipeline.cluster import catalogue_contexts
from pipeline.knowledge.gold import gold_documents, read_gold, read_report_gold
from pipeline.knowledge.taxonomy import stage_taxonomy
from pipeline.schemas import read_table
from pipeline.vectors import MODEL_ID, Encoder, MiniLM, VectorStore

VARIANTS = {  # name: (strip hedges, features)
    "shipped": (False, DEFAULT_FEATURES),
    "hedges stripped": (True, DEFAULT_FEATURES),
    "+ working group": (False, (*DEFAULT_FEATURES, "group")),
    "hedges stripped + working group": (True, (*DEFAULT_FEATURES, "group")),
    "- themes": (False, tuple(f for f in DEFAULT_FEATURES if f != "themes")),
}
RULES = [(0.28, 0.28), (0.3, 0.3), (0.3, 0.2), (0.4, 0.4), (0.4, 0.25), (0.5, 0.5), (0.6, 0.6)]


def candidate_scores(processed: Path, gold: Path, strip: bool, features: tuple) -> pd.DataFrame:
    """doc_id, para_no, ask_id, score, rank of every candidate ask of every adopted
    recommendation, each report matched with the catalogue as it stood before it."""
    taxonomy = stage_taxonomy("evaluate")
    tables = {name: read_table(name, processed / f"{name}.parquet") for name in ev.TABLES}
    when = ev.dates(tables["documents"], gold_documents(gold, taxonomy.labels))
    catalogue = catalogue_contexts(taxonomy.asks, tables["paragraphs"], gold, taxonomy)
    # the pipeline's vectors, read only (a text no stage embedded is encoded, not kept)
    encoder = Encoder(MiniLM(), VectorStore(ROOT / "data" / "cache" / "vectors", MODEL_ID))
    rows = []
    for report in sorted(read_report_gold(gold, taxonomy.labels).documents):
        adopted = tables["adopted"][tables["adopted"]["doc_id"] == report].reset_index(drop=True)
        before = ev.catalogue_before(catalogue, report, when)
        matcher = AskMatcher(
            encoder=encoder,
            frame=reporting_frame(taxonomy),
            wording=taxonomy.wording,
            features=features,
        )
        matcher.fit(before)
        query = queries(adopted, tables["documents"], taxonomy.adopted, matcher.frame, strip)
        cand, scores = matcher.scores(query)
        ids = np.asarray(matcher.index_.ids, dtype=object)[cand]
        for i, para_no in enumerate(adopted["para_no"]):
            for rank, j in enumerate(np.argsort(-scores[i], kind="stable")):
                rows.append((report, int(para_no), ids[i][j], float(scores[i][j]), rank))
    return pd.DataFrame(rows, columns=["doc_id", "para_no", "ask_id", "score", "rank"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--processed", type=Path, default=ROOT / "data" / "processed")
    parser.add_argument("--gold", type=Path, default=ROOT / "data" / "gold")
    args = parser.parse_args()
    taxonomy = stage_taxonomy("evaluate")
    docs = gold_documents(args.gold, taxonomy.labels)
    report_gold = read_report_gold(args.gold, taxonomy.labels)
    _, crp = read_gold(args.gold, taxonomy.labels)
    recs = read_table("recommendations", args.processed / "recommendations.parquet")
    clusters = read_table("rec_clusters", args.processed / "rec_clusters.parquet")
    dialogue = dialogue_asks(recs, clusters, crp)
    figures = {}
    print(f"{'variant':34s} {'best ≥':>6s} {'others ≥':>8s}    P     R     F1")
    for name, (strip, features) in VARIANTS.items():
        raw = candidate_scores(args.processed, args.gold, strip, features)
        for first, others in RULES:
            taken = raw[
                (raw["rank"] < 3) & (raw["score"] >= np.where(raw["rank"] == 0, first, others))
            ]
            s = score_links(dialogue, docs, report_gold.adopted, taken)
            print(
                f"{name:34s} {first:6.2f} {others:8.2f}  {s['precision']:.3f} "
                f"{s['recall']:.3f} {s['f1']:.3f}"
            )
            figures[f"{name} | {first}/{others}"] = {k: s[k] for k in ("precision", "recall", "f1")}
    record("uptake_variants", figures)


if __name__ == "__main__":
    main()
