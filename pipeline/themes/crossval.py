"""The tagger judged on documents its learned parts never saw.

The gold paragraphs run through the rules once (`training.tag_gold`); then, per fold, the
theme decision is fitted on the training documents and decides the scored ones, and the
rows are scored exactly as `crp evaluate` scores the pipeline's tables. Three runs:
`in_sample` (fitted and scored on every document: what the development gold flatters),
`leave_one_out` (each document scored by a decision fitted on the others) and
`first_contact` (fitted without the documents that arrived last, scored on them: the
honest estimate of a new session). Two variants: `rules` (the lexicon's hits are the
themes) and `decision` (what build_tagger ships). Besides the scores, the decision's
work: how many lexicon hits it rejected and how many themes it added without one, with
the precision of each group.
"""

from __future__ import annotations

import copy
from collections import Counter
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from pipeline.knowledge.taxonomy import Taxonomy
from pipeline.scoring import score_recommendations, score_tags
from pipeline.tagging.rows import doc_rows
from pipeline.themes.component import ThemeDecider
from pipeline.themes.model import ThemeModel, ThemeSettings
from pipeline.themes.training import Embedded, GoldParagraphs, train

Folds = list[tuple[list[str], list[str]]]
VARIANTS = ("rules", "decision")


def validation_runs(
    doc_ids: Sequence[str], first_contact: Sequence[str] = ()
) -> dict[str, tuple[Folds, bool]]:
    """run → (folds of (training documents, scored documents), in_sample)."""
    docs = sorted(doc_ids)
    runs: dict[str, tuple[Folds, bool]] = {
        "in_sample": ([(docs, docs)], True),
        "leave_one_out": ([([d for d in docs if d != held], [held]) for held in docs], False),
    }
    new = [d for d in docs if d in set(first_contact)]
    old = [d for d in docs if d not in set(first_contact)]
    if new and old:
        runs["first_contact"] = ([(old, new)], False)
    return runs


def decide_rows(
    gold: GoldParagraphs, rows: Sequence[int], model: ThemeModel | None, embedded: Embedded | None
) -> tuple[list[dict], list[dict], np.ndarray | None]:
    """Tags and recommendation rows of the gold paragraphs `rows`, themes decided by
    `model` (None: the lexicon alone), and the decision's probabilities."""
    decider = ThemeDecider()
    decider.set_model(model)
    if embedded is not None:
        decider.set_encoder(_Lookup(embedded.vectors))
    docs = []
    for i in rows:
        doc = gold.docs[i].copy()
        doc._.recommendations = copy.deepcopy(gold.docs[i]._.recommendations)
        docs.append(doc)
    decided = decider._decide(docs) if docs else []
    tags: list[dict] = []
    recs: list[dict] = []
    for i, doc in zip(rows, decided, strict=True):
        doc_id, para_no = gold.keys[i]
        t, r = doc_rows(doc_id, para_no, doc, gold.rows[i]["text"])
        tags += t
        recs += r
    probs = None
    if model is not None:
        probs = np.array([[d._.theme_scores[label] for label in model.labels] for d in decided])
    return tags, recs, probs


class _Lookup:
    """Vectors looked up in a dict; texts missing from it (a recommendation's sentence is
    always one of its paragraph's sentences) are an error."""

    def __init__(self, vectors: dict[str, np.ndarray]) -> None:
        self.vectors = vectors

    def encode(self, texts: list[str]) -> np.ndarray:
        return np.stack([self.vectors[t] for t in texts])


def score_rows(
    gold: GoldParagraphs, rows: Sequence[int], tags: list[dict], recs: list[dict]
) -> tuple[dict, pd.DataFrame]:
    from pipeline.schemas import get_table

    scored = {gold.keys[i]: gold.rows[i] for i in rows}
    tags_df = pd.DataFrame(tags, columns=get_table("tags").columns)
    recs_df = pd.DataFrame(recs, columns=get_table("recommendations").columns)
    micro, per_label = score_tags(tags_df, scored)
    micro["recommendations"] = score_recommendations(recs_df, scored)
    return micro, per_label


def decision_counts(
    gold: GoldParagraphs,
    rows: Sequence[int],
    labels: list[str],
    keep: np.ndarray,
) -> Counter[str]:
    """The decision against the lexicon, counted: right and wrong hits (by the gold) kept
    and rejected, themes added without a hit and how many of those are right."""
    counts: Counter[str] = Counter()
    for k, i in enumerate(rows):
        hit = {h.label for h in gold.paragraphs[i].hits}
        truth = set(gold.rows[i].get("themes", []))
        for j, label in enumerate(labels):
            kept = bool(keep[k, j])
            right = label in truth
            if label in hit:
                counts[f"{'right' if right else 'wrong'}_{'kept' if kept else 'rejected'}"] += 1
            elif kept:
                counts["added"] += 1
                counts["added_right"] += right
    return counts


def work_summary(c: Counter[str]) -> dict[str, Any]:
    """Hits rejected and themes added, each with its precision (the share the gold says
    the decision was right about), and the shares of wrong and right hits it rejected and
    kept."""

    def share(a: int, b: int) -> float:
        return round(a / b, 4) if b else 0.0

    rejected = c["right_rejected"] + c["wrong_rejected"]
    return {
        "lexicon_hits": rejected + c["right_kept"] + c["wrong_kept"],
        "rejected": rejected,
        "rejected_precision": share(c["wrong_rejected"], rejected),
        "wrong_hits_rejected_share": share(
            c["wrong_rejected"], c["wrong_rejected"] + c["wrong_kept"]
        ),
        "right_hits_kept_share": share(c["right_kept"], c["right_kept"] + c["right_rejected"]),
        "added": c["added"],
        "added_precision": share(c["added_right"], c["added"]),
    }


def judge(
    gold: GoldParagraphs,
    taxonomy: Taxonomy,
    settings: ThemeSettings,
    embedded: Embedded | None,
    folds: Folds,
    in_sample: bool = False,
    models: dict[tuple[str, ...], ThemeModel] | None = None,
) -> dict[str, dict[str, Any]]:
    """variant → {"scores", "per_label", and for the decision "work"}, pooled over folds.
    `models` keeps each fold's decision by its training documents (the simulated analyst
    starts from the same ones)."""
    pooled: dict[str, dict[str, list]] = {v: {"tags": [], "recs": [], "rows": []} for v in VARIANTS}
    counts: Counter[str] = Counter()
    for train_ids, test_ids in folds:
        if not in_sample and set(train_ids) & set(test_ids):
            raise ValueError(f"fold scores {test_ids} but trains on {train_ids}")
        rows = [i for i, (d, _) in enumerate(gold.keys) if d in set(test_ids)]
        model = train(gold, taxonomy, settings, embedded, train_ids)
        if models is not None:
            models[tuple(sorted(train_ids))] = model
        for variant, m in (("rules", None), ("decision", model)):
            tags, recs, probs = decide_rows(gold, rows, m, embedded if m else None)
            pooled[variant]["tags"] += tags
            pooled[variant]["recs"] += recs
            pooled[variant]["rows"] += rows
            if probs is not None:
                keep = model.keep(probs)
                counts += decision_counts(gold, rows, model.labels, keep)
    out = {}
    for variant, p in pooled.items():
        micro, per_label = score_rows(gold, p["rows"], p["tags"], p["recs"])
        out[variant] = {"scores": micro, "per_label": per_label}
    out["decision"]["work"] = work_summary(counts)
    return out
