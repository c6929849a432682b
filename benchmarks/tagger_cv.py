"""The tagger scored three ways, rules alone against rules + theme classifier.

    python benchmarks/tagger_cv.py [--no-embeddings] [--json metrics/tagger_cv.json]

* in-sample: the classifier fitted on all gold documents and scored on them;
* LODO: for each gold document, fitted on the others and scored on it, pooled;
* first contact: fitted on the documents the rules were written from and scored on the
  two documents kept apart from rule writing (--first-contact).

The gold paragraphs' text is tagged (not the PDFs), so extraction plays no part. Sentence
vectors are cached by content in data/cache/classifier/sentences.safetensors.
"""

from __future__ import annotations

import argparse
import json
import os
import time
from pathlib import Path

from common import ROOT

from pipeline.build_tagger import build_tagger
from pipeline.knowledge.taxonomy import load_taxonomy
from pipeline.tagging.crossval import FIELDS, build_corpus, evaluate_folds, lodo_folds
from pipeline.vectors import Encoder, MiniLM, VectorStore

WEAKEST = (
    "definitions_legislation",
    "instrument_synergies",
    "ammunition",
    "parts_components",
    "awareness_raising",
    "transfers_controls",
)


def table(results: dict, title: str) -> list[str]:
    variants = list(results)
    lines = [f"## {title}", "field".ljust(22) + "".join(v[:24].rjust(26) for v in variants)]
    for field in FIELDS:
        cells = []
        for v in variants:
            m = results[v][0][field]
            cells.append(f"{m['f1']:.3f} (P{m['precision']:.2f} R{m['recall']:.2f})".rjust(26))
        lines.append(field.ljust(22) + "".join(cells))
    for key in ("f1", "by_accuracy", "to_accuracy"):
        cells = [f"{results[v][0]['recommendations'][key]:.3f}".rjust(26) for v in variants]
        lines.append(f"recommendations {key}"[:22].ljust(22) + "".join(cells))
    for label in WEAKEST:
        cells = []
        for v in variants:
            per = results[v][1]
            row = per[(per["field"] == "themes") & (per["label"] == label)]
            cells.append(
                (
                    f"{row['f1'].iloc[0]:.3f} (n={int(row['support'].iloc[0])})"
                    if len(row)
                    else "-"
                ).rjust(26)
            )
        lines.append(f"  {label}"[:22].ljust(22) + "".join(cells))
    return lines


def summary(results: dict) -> dict:
    out = {}
    for variant, (micro, per) in results.items():
        themes = per[per["field"] == "themes"]
        out[variant] = {
            **{f: micro[f] for f in FIELDS},
            "recommendations": micro["recommendations"],
            "weakest_themes": {
                r.label: {"f1": r.f1, "support": int(r.support)}
                for r in themes.itertuples()
                if r.label in WEAKEST
            },
        }
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--gold", type=Path, default=ROOT / "data" / "gold")
    parser.add_argument("--no-embeddings", action="store_true")
    parser.add_argument("--first-contact", default="tip_2023_cd2,ta_2023_cd1")
    parser.add_argument("--json", type=Path, default=None)
    args = parser.parse_args()
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    started = time.perf_counter()
    taxonomy = load_taxonomy()
    nlp = build_tagger()
    encode = None
    if not args.no_embeddings:
        store = VectorStore(ROOT / "data" / "cache" / "vectors", MiniLM.model_id, "benchmark")
        encode = Encoder(MiniLM(), store)
    corpus = build_corpus(nlp, args.gold, taxonomy, encode)
    docs = corpus.doc_ids
    new = [d for d in args.first_contact.split(",") if d in docs]
    old = [d for d in docs if d not in new]
    runs = {
        "in-sample (fitted and scored on all documents)": [(docs, docs)],
        f"LODO over {len(docs)} documents": lodo_folds(docs),
    }
    if new:
        runs[f"first contact (fitted on {len(old)}, scored on {', '.join(new)})"] = [(old, new)]
    report = {}
    for title, folds in runs.items():
        results = evaluate_folds(corpus, folds, in_sample=title.startswith("in-sample"))
        print("\n".join(table(results, title)) + "\n")
        report[title] = summary(results)
    print(f"({time.perf_counter() - started:.0f} s)")
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(report, indent=2, sort_keys=True) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
