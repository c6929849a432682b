"""Matching recommendations to the catalogue of known asks, leave-one-session-out.

    python benchmarks/asks_variants.py [--out /tmp/asks_out] [--quick]

For each development document D (data/gold): every catalogue example from D is removed
(an ask left without examples goes with them), the matcher is trained on what is left
(its own leave-one-session-out inside: D is in nothing fitted, TF-IDF vocabulary
included), D's recommendations are matched, and those that match nothing are clustered
among themselves as new asks (ids unique to D). The seven assignments are concatenated
and scored over the gold recommendations against the gold `cluster`: ARI and V-measure
(as `evaluate` scores clustering), share matched, match precision (matched to the gold
ask) and recall of the known (recommendations whose gold ask still had examples, matched
to it).

Inputs: `gold` = the gold sentences with their gold addressee, the themes the tagger finds
in the sentence and the gold paragraph as context; `gold·pthemes` = the same with the
gold paragraph's themes; `pred` = the pipeline's own recommendations and paragraphs
(`crp run data/raw --out OUT`), scored as `evaluate` does (a gold recommendation no
prediction overlaps is a cluster of its own). Prints the table and writes
benchmarks/asks_variants.json.
"""

from __future__ import annotations

import argparse
import json
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from common import ROOT
from sklearn.metrics import adjusted_rand_score, v_measure_score

from pipeline.asks.assign import cluster_new
from pipeline.asks.catalogue import with_contexts, without_docs
from pipeline.asks.features import DEFAULT_FEATURES, FEATURES
from pipeline.asks.features import ask_text as _ask_text
from pipeline.asks.frame import reporting_frame
from pipeline.asks.matcher import AskMatcher
from pipeline.knowledge.taxonomy import load_taxonomy
from pipeline.vectors import Encoder, MiniLM

GOLD = ROOT / "data" / "gold"
TAXONOMY = load_taxonomy(parts=["labels", "recommendations", "asks", "wording"])
FRAME = reporting_frame(TAXONOMY)


def ask_text(sentence: str) -> str:
    return _ask_text(sentence, FRAME)


def load_catalogue() -> list:
    return TAXONOMY.asks


WITHOUT = {
    "context": ("context_max",),
    "label/definition": ("emb_label", "tfidf_label"),
    "themes/addressee": ("themes", "addressee"),
    "TF-IDF": ("tfidf_max", "tfidf_label"),
}


def features(drop: str = "", add: tuple[str, ...] = ()) -> tuple[str, ...]:
    gone = WITHOUT.get(drop, ())
    return tuple(f for f in FEATURES if (f in DEFAULT_FEATURES and f not in gone) or f in add)


def gold_paragraphs() -> pd.DataFrame:
    rows = []
    for path in sorted(GOLD.glob("*.paragraphs.jsonl")):
        rows += [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    return pd.DataFrame(rows)


def gold_queries(catalogue: list, paragraphs: pd.DataFrame) -> pd.DataFrame:
    """The gold recommendations (= the catalogue's examples), in gold file order, with
    their paragraph as context."""
    rows = []
    for para in paragraphs.itertuples():
        for n, rec in enumerate(para.recommendations, start=1):
            text = " ".join(rec["text"].split())
            example = next(
                e
                for a in catalogue
                for e in a.examples
                if (e.doc_id, e.para_no, e.text) == (para.doc_id, para.para_no, text)
            )
            rows.append(
                {
                    "doc_id": para.doc_id,
                    "para_no": para.para_no,
                    "rec_no": n,
                    "text": text,
                    "to": example.to,
                    "themes": example.themes,
                    "working_group": example.working_group,
                    "paragraph_themes": tuple(para.themes),
                    "context": para.text,
                    "gold": rec["cluster"],
                }
            )
    return pd.DataFrame(rows)


def predicted_queries(out: Path) -> tuple[pd.DataFrame, list, pd.DataFrame]:
    """The pipeline's recommendations with their paragraph and the gold cluster of the
    gold recommendation each matches (None for a false positive); the gold↔prediction
    pairs; the pipeline's paragraphs."""
    from pipeline.knowledge.gold import read_gold as read_gold_folder
    from pipeline.schemas import read_table
    from pipeline.scoring import match_recommendations

    def read_gold(folder: Path) -> tuple:
        return read_gold_folder(folder, TAXONOMY.labels)

    recs = read_table("recommendations", out / "recommendations.parquet")
    paragraphs = read_table("paragraphs", out / "paragraphs.parquet")
    documents = read_table("documents", out / "documents.parquet")
    _, gold = read_gold(GOLD)
    recs = recs[recs["doc_id"].isin({k[0] for k in gold})].reset_index(drop=True)
    pairs = match_recommendations(recs, gold)
    cluster = {
        (p["doc_id"], int(p["para_no"]), int(p["rec_no"])): g["cluster"]
        for g, p, _ in pairs
        if p is not None
    }
    keys = list(
        zip(recs["doc_id"], recs["para_no"].astype(int), recs["rec_no"].astype(int), strict=True)
    )
    para_keys = zip(paragraphs["doc_id"], paragraphs["para_no"], strict=True)
    text = dict(zip(para_keys, paragraphs["text"], strict=True))
    groups = dict(zip(documents["doc_id"], documents["working_group"], strict=True))
    recs = recs.assign(
        gold=[cluster.get(k) for k in keys],
        themes=[tuple(t) for t in recs["themes"]],
        working_group=[groups.get(d) for d in recs["doc_id"]],
        context=[text.get((d, p)) for d, p, _ in keys],
    )
    return recs, pairs, paragraphs


def loso(
    queries: pd.DataFrame, catalogue: list, encoder: Encoder, variant: dict[str, Any]
) -> tuple[list[str], list[bool], list[tuple[float, float]]]:
    """Each query's assigned ask (catalogue id, or a new ask unique to its document),
    whether it was matched, and the thresholds (match, new asks) chosen for each left-out
    document."""
    new_threshold = variant.get("new_threshold", 0.45)  # the `cluster` stage's default
    if variant.get("corpus"):  # today's `cluster`: every recommendation, all sessions at once
        vectors = encoder.encode([ask_text(t) for t in queries["text"]])
        groups = cluster_new(vectors, list(queries["themes"]), list(queries["to"]), new_threshold)
        return [f"c{g}" for g in groups], [False] * len(queries), []
    assigned = pd.Series("", index=queries.index, dtype=object)
    matched = pd.Series(False, index=queries.index)
    thresholds = []
    for doc in sorted(set(queries["doc_id"])):
        mine = queries[queries["doc_id"] == doc]
        rest = without_docs(catalogue, [doc])
        vectors = encoder.encode([ask_text(t) for t in mine["text"]])
        if variant.get("oracle"):
            known = {a.id for a in rest}
            ids = [g if g in known else None for g in mine["gold"]]
        elif variant.get("matcher") is None:
            ids = [None] * len(mine)
        else:
            matcher = AskMatcher(
                encoder=encoder, frame=FRAME, wording=TAXONOMY.wording, **variant["matcher"]
            ).fit(rest)
            ids = list(matcher.match(mine, vectors)["ask_id"])
            new_threshold = variant.get("new_threshold", matcher.new_threshold_)
            thresholds.append((matcher.threshold_, new_threshold))
        unmatched = [i for i, a in enumerate(ids) if a is None]
        groups = cluster_new(
            vectors[unmatched],
            [mine["themes"].iloc[i] for i in unmatched],
            [mine["to"].iloc[i] for i in unmatched],
            new_threshold,
        )
        for i, g in zip(unmatched, groups, strict=True):
            ids[i] = f"{doc}#new{g}"
        assigned[mine.index] = ids
        matched[mine.index] = [not str(a).startswith(f"{doc}#new") for a in ids]
    return list(assigned), list(matched), thresholds


def figures(
    queries: pd.DataFrame,
    assigned: list[str],
    matched: list[bool],
    catalogue: list,
    pairs: list | None = None,
) -> dict[str, float]:
    """ARI and V over the gold recommendations; share matched, match precision and recall
    of the known over the queries (those with a gold cluster, for precision and recall)."""
    if pairs is None:
        truth, predicted = list(queries["gold"]), assigned
    else:  # predicted recommendations: each gold one takes its matched prediction's ask
        by_key = {
            (r.doc_id, int(r.para_no), int(r.rec_no)): a
            for r, a in zip(queries.itertuples(), assigned, strict=True)
        }
        truth, predicted = [], []
        for n, (g, p, _) in enumerate(pairs):
            truth.append(g["cluster"])
            key = (p["doc_id"], int(p["para_no"]), int(p["rec_no"])) if p else None
            predicted.append(by_key.get(key, f"unmatched#{n}"))
    gold = list(queries["gold"])
    m = np.array(matched)
    right = np.array([a == g for a, g in zip(assigned, gold, strict=True)])
    has_gold = np.array([g is not None for g in gold])
    kept = {d: {a.id for a in without_docs(catalogue, [d])} for d in set(queries["doc_id"])}
    known = np.array([g in kept[d] for g, d in zip(gold, queries["doc_id"], strict=True)])
    return {
        "ari": float(adjusted_rand_score(truth, predicted)),
        "v": float(v_measure_score(truth, predicted)),
        "matched": float(m.mean()),
        "precision": float(right[m & has_gold].mean()) if (m & has_gold).any() else 0.0,
        "known_recall": float(right[known].mean()),
    }


def variants(quick: bool) -> list[tuple[str, dict[str, Any]]]:
    main = [
        ("no catalogue: cluster all sessions at once", {"corpus": True}),
        ("no catalogue: cluster each session alone", {"matcher": None}),
        ("oracle matching + clustering the rest", {"oracle": True}),
        ("nearest example, threshold LOSO", {"matcher": {"model": "nearest"}}),
        ("logistic, no context (paragraph)", {"matcher": {"features": features("context")}}),
        ("logistic, default features [DEFAULT]", {"matcher": {}}),
        (
            "logistic, labels only (definitions blanked)",
            {"matcher": {}, "blank_definitions": True},
        ),
        (
            "logistic, no label/definition",
            {"matcher": {"features": features("label/definition")}},
        ),
    ]
    if quick:
        return main
    return [
        *main,
        ("nearest example, threshold 0.60", {"matcher": {"model": "nearest", "threshold": 0.6}}),
        ("nearest example, threshold 0.70", {"matcher": {"model": "nearest", "threshold": 0.7}}),
        (
            "logistic, no themes/addressee",
            {"matcher": {"features": features("themes/addressee")}},
        ),
        ("logistic, no TF-IDF", {"matcher": {"features": features("TF-IDF")}}),
        ("logistic, + working group", {"matcher": {"features": features(add=("group",))}}),
        (
            "logistic, + whole-sentence embedding",
            {"matcher": {"features": features(add=("sentence_max",))}},
        ),
        ("logistic, all asks as candidates", {"matcher": {"candidates": 1000}}),
        ("logistic, precision >= 0.90", {"matcher": {"min_precision": 0.9}}),
        ("logistic, threshold 0.50", {"matcher": {"threshold": 0.5}}),
        ("logistic, C=0.1", {"matcher": {"C": 0.1}}),
        ("logistic, new asks cut at 0.45 (cluster's)", {"matcher": {}, "new_threshold": 0.45}),
        ("logistic, new asks kept apart (cut at 0)", {"matcher": {}, "new_threshold": 0.0}),
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("/tmp/asks_out"))
    parser.add_argument("--quick", action="store_true", help="the main variants only")
    args = parser.parse_args()
    catalogue = load_catalogue()
    encoder = Encoder(MiniLM())  # every text encoded once (the matcher re-encodes per fold)
    paragraphs = gold_paragraphs()
    gold_catalogue = with_contexts(catalogue, paragraphs)
    queries = gold_queries(catalogue, paragraphs)
    inputs = {
        "gold": (queries, None, gold_catalogue),
        "gold·pthemes": (queries.assign(themes=queries["paragraph_themes"]), None, gold_catalogue),
    }
    if (args.out / "recommendations.parquet").exists():
        recs, pairs, pipeline_paragraphs = predicted_queries(args.out)
        inputs["pred"] = (recs, pairs, with_contexts(catalogue, pipeline_paragraphs))
    else:
        print(
            f"{args.out}/recommendations.parquet missing: run `crp run data/raw --out {args.out}`"
        )
    n_examples = sum(len(a.examples) for a in catalogue)
    print(f"catalogue: {len(catalogue)} asks, {n_examples} examples")
    print(
        f"{'variant':46s} {'input':12s} {'ARI':>6s} {'V':>6s} {'match':>6s} {'prec':>6s} "
        f"{'recall':>6s}  thresholds (LOSO range)"
    )
    results = []
    for name, variant in variants(args.quick):
        for input_name, (queries, pairs, cat) in inputs.items():
            if input_name == "gold·pthemes" and variant.get("matcher") is None:
                continue
            start = time.perf_counter()
            if variant.get("blank_definitions"):  # written knowing every session: leak-free?
                cat = [replace(a, definition="") for a in cat]
            assigned, matched, thresholds = loso(queries, cat, encoder, variant)
            f = figures(queries, assigned, matched, cat, pairs)
            shown = "-"
            if thresholds:
                match_t, new_t = zip(*thresholds, strict=True)
                shown = f"{min(match_t):.2f}–{max(match_t):.2f}, new {min(new_t)}–{max(new_t)}"
            print(
                f"{name:46s} {input_name:12s} {f['ari']:6.3f} {f['v']:6.3f} {f['matched']:6.3f} "
                f"{f['precision']:6.3f} {f['known_recall']:6.3f}  {shown}"
                f"  ({time.perf_counter() - start:.0f} s)",
                flush=True,
            )
            results.append({"variant": name, "input": input_name, **f, "thresholds": thresholds})
    (ROOT / "benchmarks" / "asks_variants.json").write_text(
        json.dumps(results, indent=1) + "\n", encoding="utf-8"
    )


if __name__ == "__main__":
    main()
