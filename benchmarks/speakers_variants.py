"""Every variant of who speaks and to whom tried for issue 19, judged as the issue asks.

    python benchmarks/speakers_variants.py [--runs lodo7,first_contact] [--variants ...]

Runs (the gold paragraphs through the rules as the tag stage runs them,
pipeline/tagging/gold.py, scored as `crp evaluate` scores the tables: `by` and `to`
accuracy over matched recommendations, speaker types micro F1):
- `lodo7`: leave-one-document-out over the seven sessions that were development documents
  before the four of evaluate.first_contact arrived: what variants were chosen by;
- `first_contact`: the learned part fitted on those seven, scored on the four.
Rules learn nothing, so their leave-one-out is their score on the seven. Variants change
the rules' data (actors.yaml) or the learned decision; `shipped` is what build_tagger
builds. Prints one line per (run, variant), with how many unnamed asks the learned
decision changed against the rules (and how many of those the gold reads as it does),
and keeps them in benchmarks/results.json under "speakers_variants" (`--section`: the
figures of the commit whose first contact was recorded stay there; later runs go under
"speakers_variants_after_first_contact").
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from dataclasses import replace
from typing import Any

import pandas as pd
from common import ROOT, record

from pipeline.build_tagger import build_nlp
from pipeline.knowledge.taxonomy import stage_taxonomy
from pipeline.params import read_params
from pipeline.schemas import get_table
from pipeline.scoring import score_recommendations, score_tags
from pipeline.tagging.addressees import POSITIVE, fit_implied
from pipeline.tagging.gold import RESOLVER, implied_rows, tag_gold
from pipeline.tagging.recommendations import decide
from pipeline.tagging.rows import doc_rows


def speakers(change: Callable[[Any], Any]) -> Callable[[Any], None]:
    """A variant of the speaker rules: `change(rules) -> rules` set in the resolver."""

    def apply(nlp: Any) -> None:
        resolver = nlp.get_pipe(RESOLVER)
        resolver.speaker = change(resolver.speaker)

    return apply


def words(**changes: Any) -> Callable[[Any], None]:
    """A variant of how addressees are named (actors.yaml `addressing`)."""

    def apply(nlp: Any) -> None:
        rules = nlp.get_pipe(RESOLVER).recommendation
        named = replace(rules, words=replace(rules.words, **changes))
        nlp.get_pipe(RESOLVER).recommendation = named

    return apply


def no_gender(rules: Any) -> Any:
    """Pronouns tell a person or a group, never a gender; titles neither."""
    kinds = {w: ("group" if k == "group" else "person") for w, k in rules.pronouns.items()}
    return replace(rules, pronouns=kinds, title_genders={})


OLD_NAMING = {"pronouns": frozenset(), "agent_words": frozenset(), "clause_openers": frozenset()}

# variant → (change to the rules, learned decision: None for the rules', else its settings)
VARIANTS: dict[str, tuple[Callable[[Any], None] | None, dict[str, Any] | None]] = {
    "rules": (None, None),
    "rules_no_gender": (speakers(no_gender), None),
    "rules_no_group_fallback": (speakers(lambda r: replace(r, group_fallback=False)), None),
    "rules_old_naming": (words(**OLD_NAMING), None),
    "shipped": (None, {}),
    "learned_c1": (None, {"c": 1.0}),
    "learned_threshold_05": (None, {"threshold": 0.5}),
    "learned_without_open_asks": (None, {"drop": ("open_asks",)}),
    "learned_without_actors": (None, {"drop": ("state_named", "other_named")}),
    "learned_cue_state_national": (
        None,
        {"drop": ("open_asks", "passive", "state_named", "other_named")},
    ),
}


def scores(gold: Any, documents: set[str]) -> dict[str, float]:
    rows = [i for i, (d, _) in enumerate(gold.keys) if d in documents]
    tags, recs = [], []
    for i in rows:
        t, r = doc_rows(*gold.keys[i], gold.docs[i], gold.rows[i]["text"])
        tags, recs = tags + t, recs + r
    scored = {gold.keys[i]: gold.rows[i] for i in rows}
    micro, _ = score_tags(pd.DataFrame(tags, columns=get_table("tags").columns), scored)
    r = score_recommendations(
        pd.DataFrame(recs, columns=get_table("recommendations").columns), scored
    )
    return {
        "by": r["by_accuracy"],
        "to": r["to_accuracy"],
        "speaker_types_f1": micro["speaker_types"]["f1"],
        "matched": round(r["recall"] * r["support"]),
    }


def decide_learned(
    gold: Any, rules: Any, folds: list[tuple[list[str], list[str]]], settings: dict[str, Any]
) -> dict[str, int]:
    """The unnamed asks of each fold's scored documents decided by a decision fitted on
    its training documents with `settings` (evidence dropped, C, a fixed threshold)."""
    rows = implied_rows(gold)
    truth = dict(zip(rows.where, rows.states, strict=True))
    drop = set(settings.get("drop", ()))

    def kept(e: dict[str, float]) -> dict[str, float]:
        return {k: v for k, v in e.items() if k not in drop}

    counts = {"changed": 0, "changed_scored": 0, "changed_right": 0}
    for train, test in folds:
        part = rows.of(train)
        model = fit_implied(
            [kept(e) for e in part.evidence], part.states, part.documents, settings.get("c", 0.3)
        )
        if model is not None and "threshold" in settings:
            model.threshold = settings["threshold"]
        for i, (doc_id, _) in enumerate(gold.keys):
            if doc_id not in test:
                continue
            for n, rec in enumerate(gold.docs[i]._.recommendations or []):
                if not rec.get("evidence"):
                    continue
                ruled = decide(rec["evidence"], rules, None)
                rec["to"] = decide(kept(rec["evidence"]), rules, model)
                if rec["to"] != ruled:
                    counts["changed"] += 1
                    if (i, n) in truth:
                        counts["changed_scored"] += 1
                        counts["changed_right"] += (rec["to"] == POSITIVE) == truth[(i, n)]
    return counts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", default="lodo7")
    parser.add_argument("--variants", default=",".join(VARIANTS))
    parser.add_argument(
        "--section",
        default="speakers_variants",
        help="results.json section (the run at first contact is kept as speakers_variants)",
    )
    args = parser.parse_args()
    params = read_params(ROOT / "params.yaml")
    first_contact = sorted(params["evaluate"]["first_contact"])
    taxonomy = stage_taxonomy("build_tagger")
    figures: dict[str, Any] = {}
    for name in args.variants.split(","):
        change, learned = VARIANTS[name]
        nlp = build_nlp(taxonomy)
        if change is not None:
            change(nlp)
        gold = tag_gold(nlp, ROOT / params["gold"]["train"], taxonomy)
        documents = sorted({d for d, _ in gold.keys})
        seven = [d for d in documents if d not in first_contact]
        rules = nlp.get_pipe(RESOLVER).recommendation
        for run in args.runs.split(","):
            if run == "lodo7":
                folds = [([d for d in seven if d != held], [held]) for held in seven]
                scored = set(seven)
            else:
                folds, scored = [(seven, first_contact)], set(first_contact)
            work = decide_learned(gold, rules, folds, learned) if learned is not None else {}
            line = {**scores(gold, scored), **work}
            figures[f"{run}/{name}"] = line
            cells = " ".join(
                f"{k}={v:.3f}" if isinstance(v, float) else f"{k}={v}" for k, v in line.items()
            )
            print(f"{run:14s} {name:28s} {cells}", flush=True)
    record(args.section, figures)


if __name__ == "__main__":
    main()
