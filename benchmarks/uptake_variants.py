"""Uptake links under the variants tried for matching adopted recommendations to the asks.

    python benchmarks/uptake_variants.py   # after `dvc repro` (reads data/processed)

Scored as `crp evaluate` scores uptake (metrics/uptake.json `links`): each working group
report's adopted recommendations (as the `adopted` stage read them) matched by a matcher
fitted on the catalogue as it stood before the report (examples of sessions dated before
it, none of the report's own), links over (gold dialogue recommendation of the working
group dated before the report, adopted recommendation) pairs. Variants: the formal hedges
of adopted.yaml left out of what is matched, the matcher's working-group feature, the
theme feature left out; each with an ask taken up by at most one recommendation of a
report (`once_per_report`) or not. The links are taken by the `adopted` stage's own
`take_up` (pipeline.adoption.matching) at every threshold of THRESHOLDS (at most three
asks), and the threshold is chosen leave-one-report-out: for each report, the one giving
the best F1 on the other reports (ties: the higher), applied to it; the pooled figure of
the reports so scored is the honest one of the rule. Prints a table and keeps it in
benchmarks/results.json (`uptake_variants`).
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import pandas as pd
from common import ROOT, record

from pipeline.adoption import evaluation as ev
from pipeline.adoption.matching import MatchSettings, queries, take_up
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
    "- themes": (False, tuple(f for f in DEFAULT_FEATURES if f != "themes")),
}
THRESHOLDS = (0.2, 0.25, 0.3, 0.35, 0.4, 0.45, 0.5, 0.55, 0.6)


class Scored:
    """A matcher's scores computed once (`take_up` reads `scores` and `index_.ids`)."""

    def __init__(self, ids: list[str], cand: np.ndarray, scores: np.ndarray) -> None:
        self.index_ = type("Index", (), {"ids": ids})()
        self.cand, self.s = cand, scores

    def scores(self, query: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
        return self.cand, self.s


def candidate_scores(
    processed: Path, gold: Path, strip: bool, features: tuple
) -> dict[str, tuple[pd.DataFrame, Scored]]:
    """Per report: its adopted recommendations and the scores of their candidate asks by
    a matcher fitted on the catalogue as it stood before the report."""
    taxonomy = stage_taxonomy("evaluate")
    tables = {name: read_table(name, processed / f"{name}.parquet") for name in ev.TABLES}
    when = ev.dates(tables["documents"], gold_documents(gold, taxonomy.labels))
    catalogue = catalogue_contexts(taxonomy.asks, tables["paragraphs"], gold, taxonomy)
    # the pipeline's vectors, read only (a text no stage embedded is encoded, not kept)
    encoder = Encoder(MiniLM(), VectorStore(ROOT / "data" / "cache" / "vectors", MODEL_ID))
    out = {}
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
        out[report] = (adopted, Scored(list(matcher.index_.ids), cand, scores))
    return out


def links_at(scored: dict, threshold: float, once: bool) -> dict[str, pd.DataFrame]:
    settings = MatchSettings(min_score=threshold, max_asks=3, once_per_report=once)
    return {
        report: take_up(adopted, adopted[["doc_id", "para_no"]], matcher, settings)[0]
        for report, (adopted, matcher) in scored.items()
    }


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

    def score(taken: list[pd.DataFrame], reports: set[str]) -> dict:
        gold = [g for g in report_gold.adopted if g["doc_id"] in reports]
        return score_links(dialogue, docs, gold, pd.concat(taken, ignore_index=True))

    figures = {}
    print(f"{'variant':18s} {'once':>5s} {'min_score':>9s}    P     R     F1")
    for name, (strip, features) in VARIANTS.items():
        scored = candidate_scores(args.processed, args.gold, strip, features)
        reports = set(scored)
        for once in (True, False):
            taken = {t: links_at(scored, t, once) for t in THRESHOLDS}
            for t in THRESHOLDS:
                s = score(list(taken[t].values()), reports)
                print(
                    f"{name:18s} {once!s:>5s} {t:9.2f}  {s['precision']:.3f} "
                    f"{s['recall']:.3f} {s['f1']:.3f}"
                )
                figures[f"{name} | once={once} | {t}"] = {
                    k: s[k] for k in ("precision", "recall", "f1")
                }
            chosen = {
                held: max(
                    THRESHOLDS,
                    key=lambda t, held=held: (
                        round(
                            score([taken[t][r] for r in reports - {held}], reports - {held})["f1"],
                            6,
                        ),
                        t,
                    ),
                )
                for held in sorted(reports)
            }
            s = score([taken[chosen[r]][r] for r in sorted(reports)], reports)
            print(
                f"{name:18s} {once!s:>5s} {'LORO':>9s}  {s['precision']:.3f} "
                f"{s['recall']:.3f} {s['f1']:.3f}  chosen {chosen}"
            )
            figures[f"{name} | once={once} | leave-one-report-out"] = {
                **{k: s[k] for k in ("precision", "recall", "f1")},
                "chosen": chosen,
            }
    record("uptake_variants", figures)


if __name__ == "__main__":
    main()
