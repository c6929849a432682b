"""Stage `evaluate`: the pipeline's tables scored against the development gold.

Writes `metrics/tagging.json` (what `dvc metrics show` prints), `metrics/per_label.csv`
and `metrics/cluster_sweep.csv` (clustering scores by distance threshold, from one merge
tree). The scores themselves are `pipeline.scoring`'s; gold files are read and validated
by `pipeline.knowledge.gold`.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from pipeline.asks.clustering import cluster_labels, cut_tree, linkage_tree
from pipeline.cache import DocCache, digest
from pipeline.cluster import ClusterSettings, features
from pipeline.errors import PipelineError
from pipeline.knowledge.gold import read_gold
from pipeline.knowledge.taxonomy import Taxonomy, stage_taxonomy, taxonomy_folder
from pipeline.params import load_settings
from pipeline.paths import GoldSettings, Layout
from pipeline.provenance import code_digest
from pipeline.schemas import read_table
from pipeline.scored_rows import (
    UPTAKE_TABLES,
    files_digest_of,
    scored_documents,
    scored_rows,
    table_digest,
)
from pipeline.scoring import (
    SET_FIELDS,
    match_recommendations,
    score_clusters,
    score_extraction,
    score_recommendations,
    score_tags,
)
from pipeline.vectors import Encoder, open_encoder

if TYPE_CHECKING:
    from pipeline.themes.training import GoldParagraphs

log = logging.getLogger("crp")


Gold = dict[tuple[str, int], dict]


def read_tables(out_dir: Path, names: Iterable[str]) -> dict[str, pd.DataFrame]:
    """The output tables a score needs, or an error saying to run the pipeline first."""
    tables = {}
    for name in names:
        path = out_dir / f"{name}.parquet"
        if not path.exists():
            raise PipelineError(f"{path} is missing: run the pipeline first (crp run / dvc repro)")
        tables[name] = read_table(name, path)
    return tables


def evaluate(
    tables: dict[str, pd.DataFrame], gold_docs: dict[str, dict], gold: Gold
) -> tuple[dict[str, Any], pd.DataFrame]:
    """Every score of the output tables against the gold (pure: no I/O)."""
    tag_scores, per_label = score_tags(tables["tags"], gold)
    theme_f1 = per_label[(per_label["field"] == "themes") & (per_label["support"] > 0)]
    metrics = {
        "extraction": score_extraction(tables["paragraphs"], tables["documents"], gold_docs, gold),
        **tag_scores,
        "themes_min_f1": round(float(theme_f1["f1"].min()), 4) if len(theme_f1) else 0.0,
        "recommendations": score_recommendations(tables["recommendations"], gold),
    }
    if "rec_clusters" in tables:
        metrics["clustering"] = score_clusters(
            tables["recommendations"], tables["rec_clusters"], gold
        )
    return metrics, per_label


def score_folder(
    out_dir: Path, gold_dir: Path, taxonomy: Taxonomy | None = None
) -> tuple[dict[str, Any], pd.DataFrame]:
    """Every score of the tables in `out_dir` against the gold files of `gold_dir`."""
    taxonomy = taxonomy or stage_taxonomy("evaluate")
    gold_docs, gold = read_gold(gold_dir, taxonomy.labels)
    return evaluate(read_tables(out_dir, _scored_tables(out_dir)), gold_docs, gold)


def _scored_tables(out_dir: Path) -> list[str]:
    names = ["documents", "paragraphs", "tags", "recommendations"]
    return names + ["rec_clusters"] * (out_dir / "rec_clusters.parquet").exists()


def _json_text(data: dict) -> str:
    return json.dumps(data, indent=2, sort_keys=True) + "\n"


CONFUSION_FILES = {"by": "confusion_by.csv", "to": "confusion_to.csv"}


def write_confusion(confusion: pd.DataFrame, metrics_dir: Path) -> None:
    """metrics/confusion_by.csv and confusion_to.csv: one row (gold, predicted) per matched
    recommendation, leave-one-document-out, for `dvc plots show` (template confusion)."""
    for name, file in CONFUSION_FILES.items():
        rows = confusion[confusion["field"] == name][["gold", "predicted"]]
        rows.to_csv(metrics_dir / file, index=False)


def cv_lines(scores: dict[str, Any]) -> Iterable[str]:
    """One line per run and field: the shipped variant's F1 beside the rules alone."""
    for run in ("in_sample", "leave_one_out", "first_contact"):
        if run not in scores:
            continue
        variants = scores[run]
        shipped = next(v for v, s in variants.items() if s["shipped"])
        cells = [f"{f}={variants[shipped][f]['f1']:.3f}" for f in ("themes", "speaker_types")]
        recs = variants[shipped]["recommendations"]
        cells.append(f"by={recs['by_accuracy']:.3f} to={recs['to_accuracy']:.3f}")
        yield f"{run:18s} {shipped}: " + " ".join(cells)
    analyst = scores.get("simulated_analyst")
    if analyst:
        curve = " ".join(
            f"K={k[1:]}: {v['shipped']['f1']:.3f} (unreviewed {v['unreviewed']['before']:.3f}"
            f"→{v['unreviewed']['shipped']:.3f})"
            for k, v in analyst.items()
            if k.startswith("k")
        )
        yield f"{'simulated analyst':18s} themes F1, {curve}"


def summary_lines(metrics: dict) -> Iterable[str]:
    for name in SET_FIELDS:
        m = metrics[name]
        scores = f"P={m['precision']:.3f} R={m['recall']:.3f} F1={m['f1']:.3f}"
        yield f"{name:18s} {scores} (n={m['support']})"
    r = metrics["recommendations"]
    yield (
        f"{'recommendations':18s} P={r['precision']:.3f} R={r['recall']:.3f} F1={r['f1']:.3f} "
        f"by={r['by_accuracy']:.3f} to={r['to_accuracy']:.3f}"
    )
    yield f"{'themes_min_f1':18s} {metrics['themes_min_f1']:.3f}"
    if "clustering" in metrics:
        c = metrics["clustering"]
        yield f"{'clustering':18s} ARI={c['ari']:.3f} V-measure={c['v_measure']:.3f}"


SWEEP_THRESHOLDS = tuple(round(0.30 + 0.025 * i, 3) for i in range(17))  # 0.30 … 0.70


def sweep(
    recs: pd.DataFrame,
    vectors: np.ndarray,
    settings: ClusterSettings,
    gold: Gold,
    thresholds: tuple[float, ...] = SWEEP_THRESHOLDS,
) -> pd.DataFrame:
    """Clustering scores against gold for a range of thresholds (the default's neighbourhood).

    Only the recommendations of the gold documents are clustered here, from one merge tree
    cut at each threshold, so the sweep stays fast on a large corpus.
    """
    keys = ["doc_id", "para_no", "rec_no"]
    order = recs.sort_values(keys).index
    recs, vectors = recs.loc[order].reset_index(drop=True), vectors[np.asarray(order)]
    scored = recs["doc_id"].isin({k[0] for k in gold}).to_numpy()  # the gold documents only
    recs, vectors = recs[scored].reset_index(drop=True), vectors[scored]
    if len(recs) == 0:  # no gold document in this corpus: nothing to score
        log.warning("evaluate --sweep: no recommendation of a gold document to score")
        return pd.DataFrame(columns=["threshold", "ari", "v_measure", "n_clusters"])
    x = features(vectors, recs, settings)
    agglomeration = settings.agglomeration
    tree = linkage_tree(x, agglomeration) if 1 < len(x) <= settings.max_exact else None
    rows = []
    for threshold in thresholds:
        if tree is not None:
            ids = cut_tree(tree, threshold)
        else:
            ids = cluster_labels(x, replace(agglomeration, threshold=threshold))
        scores = score_clusters(recs, recs[keys].assign(cluster_id=ids), gold)
        rows.append(
            {
                "threshold": threshold,
                "ari": scores["ari"],
                "v_measure": scores["v_measure"],
                "n_clusters": len(set(ids.tolist())),
            }
        )
    return pd.DataFrame(rows)


@dataclass(frozen=True)
class EvaluateSettings:
    # the documents whose score before any rule was written for them is kept as the
    # honest estimate of a new session (fitted without them, scored on them)
    first_contact: list[str] = field(default_factory=list)


CV_FIELDS = (
    "themes",
    "articles_explicit",
    "articles_all",
    "speaker_types",
    "actor_types",
    "orgs",
    "countries",
)


def tagger_cv(
    gold_dir: Path, params: dict[str, Any], taxonomy: Taxonomy, encoder: Encoder
) -> tuple[dict[str, Any], pd.DataFrame, pd.DataFrame]:
    """The tagger judged on the gold paragraphs of `gold_dir`: in-sample,
    leave-one-document-out and first contact, the lexicon alone (`rules`) and with the
    theme decision (`decision`, as build_tagger trains it, with what it rejected and added;
    sentence vectors from `encoder` when it reads them); in every run the addressee of an
    ask that names none is decided by a decision fitted on the fold's training documents
    (`implied_addressee`: how many it changed against the rules, and how many of those
    the gold reads as it does); and the simulated analyst (pipeline/themes/analyst.py: F1
    after answering K = 0, 5, 10, 20 pairs of the session, leave-one-document-out, from
    the same fold decisions). Returns (scores by run and variant, LODO per-label table of
    the shipped variant, LODO `by` and `to` of the matched recommendations)."""
    from pipeline.build_tagger import BuildTaggerSettings, build_nlp
    from pipeline.tagging.gold import decide_folds, resolver_rules, tag_gold
    from pipeline.themes.analyst import simulate
    from pipeline.themes.crossval import judge, validation_runs
    from pipeline.themes.training import Embedded

    tagger = load_settings(BuildTaggerSettings, "build_tagger", params)
    settings = load_settings(EvaluateSettings, "evaluate", params)
    nlp = build_nlp(taxonomy)
    gold = tag_gold(nlp, gold_dir, taxonomy)
    embedded = Embedded.of(gold, taxonomy, encoder) if tagger.similarity else None
    shipped = "decision" if tagger.decision else "rules"
    summary: dict[str, Any] = {}
    per_label = pd.DataFrame()
    confusion = pd.DataFrame()
    doc_ids = sorted({d for d, _ in gold.keys})
    models: dict = {}  # the fold decisions, kept for the simulated analyst
    for run, (folds, in_sample) in validation_runs(doc_ids, settings.first_contact).items():
        # the addressee an unnamed ask implies, decided in each fold by a decision fitted
        # on its training documents, before the rows are scored
        addressees = decide_folds(gold, folds, resolver_rules(nlp))
        results = judge(gold, taxonomy, tagger.themes, embedded, folds, in_sample, models)
        summary[run] = {
            variant: {
                **{f: result["scores"][f] for f in CV_FIELDS},
                "recommendations": result["scores"]["recommendations"],
                **({"decision_work": result["work"]} if "work" in result else {}),
                "shipped": variant == shipped,
            }
            for variant, result in results.items()
        }
        summary.setdefault("implied_addressee", {})[run] = addressees
        if run == "leave_one_out":
            per_label = results[shipped]["per_label"]
            confusion = recommendation_confusion(gold)
    summary["first_contact_documents"] = sorted(settings.first_contact)
    if tagger.decision:  # answers to a session's least sure pairs, leave-one-document-out
        summary["simulated_analyst"] = simulate(
            gold, taxonomy, tagger.themes, embedded, doc_ids, models
        )
    return summary, per_label, confusion


def recommendation_confusion(gold: GoldParagraphs) -> pd.DataFrame:
    """`by` and `to` of every gold recommendation matched by a tagged one: (field, gold,
    predicted) rows, for the confusion matrices (dvc plots)."""
    from pipeline.schemas import get_table
    from pipeline.tagging.rows import doc_rows

    recs = []
    for doc, (doc_id, para_no), row in zip(gold.docs, gold.keys, gold.rows, strict=True):
        recs += doc_rows(doc_id, para_no, doc, row["text"])[1]
    table = pd.DataFrame(recs, columns=get_table("recommendations").columns)
    pairs = match_recommendations(table, dict(zip(gold.keys, gold.rows, strict=True)))
    return pd.DataFrame(
        [
            {"field": f, "gold": g[f], "predicted": p[f]}
            for g, p, _ in pairs
            if p is not None
            for f in ("by", "to")
        ],
        columns=["field", "gold", "predicted"],
    )


def asks_cv(
    tables: dict[str, pd.DataFrame],
    vectors: np.ndarray,
    params: dict[str, Any],
    taxonomy: Taxonomy,
    gold: Gold,
    encoder: Encoder,
) -> dict[str, Any]:
    """The catalogue matcher leave-one-session-out on the recommendations of the gold
    documents (`tables`: recommendations, asks, paragraphs, documents, such as
    pipeline.crossval.gold_tables makes them; `vectors`: the asks', rows aligned with asks
    sorted by key): ARI and V-measure against the gold asks, share matched, precision of
    the matches (pipeline.asks.validation)."""
    from pipeline.asks.frame import reporting_frame
    from pipeline.asks.matcher import AskMatcher
    from pipeline.asks.validation import leave_one_session_out, match_quality
    from pipeline.cluster import ClusterSettings, catalogue_contexts, queries

    settings = load_settings(ClusterSettings, "cluster", params)
    t, names = tables, ("recommendations", "asks")
    keys = ["doc_id", "para_no", "rec_no"]
    recs, asks = (t[n].sort_values(keys).reset_index(drop=True) for n in names)
    query = queries(recs, asks, t["paragraphs"], t["documents"])
    train_gold = load_settings(GoldSettings, "gold", params).train_folder
    catalogue = catalogue_contexts(taxonomy.asks, t["paragraphs"], train_gold, taxonomy)
    frame = reporting_frame(taxonomy)
    sessions = sorted({d for d, _ in gold} & set(query["doc_id"]))
    assigned = leave_one_session_out(
        query,
        vectors,
        catalogue,
        lambda: settings.configure(
            AskMatcher(encoder=encoder, frame=frame, wording=taxonomy.wording)
        ),
        sessions,
    )
    ids = {a: i for i, a in enumerate(sorted(set(assigned["ask_id"])), start=1)}
    clusters = assigned.assign(cluster_id=assigned["ask_id"].map(ids))
    gold_cluster = {
        (p["doc_id"], int(p["para_no"]), int(p["rec_no"])): g["cluster"]
        for g, p, _ in match_recommendations(recs, gold)
        if p is not None
    }
    return {
        **score_clusters(recs, clusters, gold),
        **match_quality(assigned, gold_cluster),
        "sessions": len(sessions),
    }


def main(layout: Layout, params: dict[str, Any], thresholds: bool = True) -> dict[str, Any]:
    """`crp evaluate`: score the tables of layout.processed against the scoring gold
    (params.yaml `gold.score`); writes metrics/ (with `thresholds`, also the clustering
    scores by threshold). The learned parts' cross-validation (metrics/cv.json) is the
    `crossval` stage's: it depends on the gold, not on the tables.

    Only the rows of the documents the scores can read are kept (gold documents, and the
    sessions of the catalogue's examples), and the metrics files are cached under
    `data/cache/evaluate` by those rows, the gold, the taxonomy, the params and the code: a
    new PDF that is none of them changes no score, so the scores are copied, not computed
    (the uptake scores refit the ask matcher once per report)."""
    taxonomy = stage_taxonomy("evaluate", taxonomy_folder(params))
    gold_settings = load_settings(GoldSettings, "gold", params)
    names = _scored_tables(layout.processed)
    names += [n for n in UPTAKE_TABLES if n not in names and layout.table(n).exists()]
    kept = scored_documents(gold_settings, taxonomy)
    tables, vectors = scored_rows(read_tables(layout.processed, names), layout, kept, thresholds)
    key = digest(
        {name: table_digest(frame) for name, frame in sorted(tables.items())},
        None if vectors is None else hashlib.sha256(vectors.tobytes()).hexdigest(),
        files_digest_of([gold_settings.score_folder, gold_settings.train_folder]),
        files_digest_of(taxonomy.files()),
        {k: params.get(k) for k in ("cluster", "adopted", "gold")},
    )
    cache = DocCache(layout.cache / "evaluate", code_digest("evaluate"))
    cached = cache.get_text(key, "metrics.json")
    files = json.loads(cached) if cached is not None else None
    if files is None:
        files = metrics_files(layout, params, taxonomy, tables, vectors)
        cache.put_text(key, "metrics.json", json.dumps(files, sort_keys=True))
    cache.prune()
    layout.metrics.mkdir(parents=True, exist_ok=True)
    for name, text in sorted(files.items()):
        (layout.metrics / name).write_text(text, encoding="utf-8")
    metrics = json.loads(files["tagging.json"])
    for line in summary_lines(metrics):
        log.info(line)
    if "uptake.json" in files:
        from pipeline.adoption.evaluation import summary_lines as uptake_lines

        for line in uptake_lines(json.loads(files["uptake.json"])):
            log.info(line)
    return metrics


def metrics_files(
    layout: Layout,
    params: dict[str, Any],
    taxonomy: Taxonomy,
    tables: dict[str, pd.DataFrame],
    vectors: np.ndarray | None,
) -> dict[str, str]:
    """The metrics files (name → text) of the scored rows."""
    gold_docs, gold = read_gold(
        load_settings(GoldSettings, "gold", params).score_folder, taxonomy.labels
    )
    scored = {n: tables[n] for n in _scored_tables(layout.processed)}
    metrics, per_label = evaluate(scored, gold_docs, gold)
    files = {
        "tagging.json": _json_text(metrics),
        "per_label_in_sample.csv": per_label.to_csv(index=False, float_format="%.4f"),
    }
    (layout.cache / "vectors" / "evaluate").mkdir(parents=True, exist_ok=True)  # persist
    if "adopted" in tables:  # working group reports: metrics/uptake.json
        from pipeline.adoption import evaluation

        encoder = open_encoder(layout, params, "evaluate")
        uptake_tables = {n: tables[n] for n in evaluation.TABLES}
        uptake = evaluation.evaluate_uptake(layout, params, taxonomy, encoder, uptake_tables)
        files["uptake.json"] = _json_text(uptake)
        encoder.flush()
    if vectors is not None:
        settings = load_settings(ClusterSettings, "cluster", params)
        table = sweep(tables["recommendations"], vectors, settings, gold)
        files["cluster_sweep.csv"] = table.to_csv(index=False, float_format="%.4f")
    return files
