"""Every variant of the theme decision tried, judged the way issue 18 asks.

    python benchmarks/theme_variants.py [--runs lodo7,first_contact,lodo_all] [--variants ...]

Runs (pipeline.themes.crossval, scored as `crp evaluate` scores the tables):
- `lodo7`: leave-one-document-out over the seven sessions that were development documents
  before the four of evaluate.first_contact arrived: what variants were chosen by;
- `first_contact`: fitted on those seven, scored on the four (`evaluate.first_contact`);
- `lodo_all`: leave-one-document-out over every gold document;
- `lodo_new`: the same, scoring only the documents of evaluate.first_contact (each fitted
  on all the others): the documents the lexicon was not written from.
Variants: `rules` (the lexicon's hits are the themes), `words` (the learned vocabulary,
rates; no sentence vectors), `concept` (words + sentence closeness to the themes' concept
sentences and the nearest training paragraphs: what build_tagger ships), `lexicon`
(concept + the lexicon's hits as features, learned apart on the documents the lexicon was
written from, `themes.yaml: lexicon_read_on`). Prints one line per (run, variant) and
keeps them in benchmarks/results.json under "theme_variants".
"""

from __future__ import annotations

import argparse
from dataclasses import replace

from common import ROOT, record

from pipeline.build_tagger import build_nlp
from pipeline.knowledge.taxonomy import stage_taxonomy
from pipeline.params import read_params
from pipeline.paths import Layout
from pipeline.tagging.gold import tag_gold
from pipeline.themes.crossval import judge, validation_runs
from pipeline.themes.model import ThemeSettings
from pipeline.themes.training import Embedded
from pipeline.vectors import open_encoder

VARIANTS = {
    "words": ThemeSettings(similarity=False),
    "concept": ThemeSettings(similarity=True),
    "lexicon": ThemeSettings(similarity=True, lexicon=True),
}


def folds(run: str, doc_ids: list[str], first_contact: list[str]) -> tuple[list, bool]:
    old = [d for d in doc_ids if d not in first_contact]
    if run == "lodo7":
        return validation_runs(old)["leave_one_out"]
    if run == "first_contact":
        return validation_runs(doc_ids, first_contact)["first_contact"]
    if run == "lodo_new":
        return [([d for d in doc_ids if d != held], [held]) for held in first_contact], False
    return validation_runs(doc_ids)["leave_one_out"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", default="lodo7,first_contact,lodo_all,lodo_new")
    parser.add_argument("--variants", default="rules,words,concept,lexicon")
    args = parser.parse_args()
    params = read_params(ROOT / "params.yaml")
    first_contact = list(params["evaluate"]["first_contact"])
    taxonomy = stage_taxonomy("build_tagger")
    gold = tag_gold(build_nlp(taxonomy), ROOT / params["gold"]["train"], taxonomy)
    encoder = open_encoder(Layout.repo(), params, "evaluate")
    embedded = Embedded.of(gold, taxonomy, encoder)
    doc_ids = sorted({d for d, _ in gold.keys})
    results = {}
    for run in args.runs.split(","):
        run_folds, in_sample = folds(run, doc_ids, first_contact)
        for variant in args.variants.split(","):
            settings = VARIANTS.get(variant, VARIANTS["concept"])
            out = judge(gold, taxonomy, replace(settings), embedded, run_folds, in_sample)
            chosen = out["rules" if variant == "rules" else "decision"]
            s = chosen["scores"]["themes"]
            line = {k: s[k] for k in ("precision", "recall", "f1")}
            if variant != "rules":
                line["work"] = chosen["work"]
            results[f"{run}/{variant}"] = line
            print(
                f"{run:14s} {variant:8s} P={s['precision']:.3f} R={s['recall']:.3f} "
                f"F1={s['f1']:.3f}" + (f"  {chosen['work']}" if variant != "rules" else ""),
                flush=True,
            )
    record("theme_variants", results)


if __name__ == "__main__":
    main()
