"""Stage `crossval`: the learned parts judged on documents they never saw (metrics/cv.json).

Cross-validation depends on the gold, the taxonomy, the saved tagger and the code and
params of what it refits, never on which PDFs are in data/raw: so it is a stage of its
own, and `dvc repro` after adding a PDF skips it. Its inputs come from the gold alone:
the tagger is judged on the gold paragraphs (`evaluate.tagger_cv`: in-sample,
leave-one-document-out, first contact), and the matcher on the recommendations the saved
tagger (models/tagger) finds in those same gold paragraphs, each session matched by a
matcher whose catalogue holds none of its examples (`evaluate.asks_cv`). Before this stage
existed, asks_cv read the pipeline's tables of the gold documents, which made it depend on
their PDFs' extraction (and, through the tables, on every PDF); extraction is scored by
`evaluate`, on the tables, in-sample.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from pipeline.embed import EmbedSettings, asks_table, embed
from pipeline.evaluate import asks_cv, cv_lines, tagger_cv, write_confusion
from pipeline.knowledge.gold import read_gold
from pipeline.knowledge.taxonomy import Taxonomy, stage_taxonomy, taxonomy_folder
from pipeline.parallel import ParallelSettings
from pipeline.params import load_settings
from pipeline.paths import GoldSettings, Layout
from pipeline.vectors import Encoder, open_encoder

log = logging.getLogger("crp")


def gold_tables(
    gold_dir: Path, model: Path, taxonomy: Taxonomy, params: dict[str, Any], encoder: Encoder
) -> tuple[dict[str, pd.DataFrame], np.ndarray]:
    """The tables the pipeline would make of the gold documents, from their gold text:
    documents (working group), paragraphs, and the recommendations and asks the saved
    tagger finds there, with the asks' vectors (rows aligned with asks, sorted by key)."""
    from pipeline.asks.frame import reporting_frame
    from pipeline.tag import TagSettings, tag_corpus

    meta, rows = read_gold(gold_dir, taxonomy.labels)
    paragraphs = pd.DataFrame(
        [{"doc_id": d, "para_no": p, "text": rows[(d, p)]["text"]} for d, p in sorted(rows)],
        columns=["doc_id", "para_no", "text"],
    )
    documents = pd.DataFrame(
        {
            "doc_id": sorted(meta),
            "working_group": [meta[d].get("working_group") for d in sorted(meta)],
        }
    )
    tagged = tag_corpus(
        paragraphs,
        documents,
        model,
        load_settings(TagSettings, "tag", params),
        ParallelSettings(backend="sequential"),
        encoder=encoder,
    )
    asks, vectors = embed(
        asks_table(tagged["recommendations"], reporting_frame(taxonomy)), EmbedSettings(), encoder
    )
    tables = {
        "recommendations": tagged["recommendations"],
        "asks": asks,
        "paragraphs": paragraphs,
        "documents": documents,
    }
    return tables, vectors


def crossval(
    layout: Layout, params: dict[str, Any], taxonomy: Taxonomy, encoder: Encoder
) -> dict[str, Any]:
    """cv.json's content, the leave-one-document-out per-label table and the confusion rows
    of `by` and `to` (pure of writes)."""
    score_gold = load_settings(GoldSettings, "gold", params).score_folder
    scores, per_label, confusion = tagger_cv(score_gold, params, taxonomy, encoder)
    _, gold = read_gold(score_gold, taxonomy.labels)
    tables, vectors = gold_tables(score_gold, layout.models / "tagger", taxonomy, params, encoder)
    asks = {"leave_one_session_out": asks_cv(tables, vectors, params, taxonomy, gold, encoder)}
    return {"cv": {"tagger": scores, "asks": asks}, "per_label": per_label, "confusion": confusion}


def main(layout: Layout, params: dict[str, Any]) -> dict[str, Any]:
    """`crp crossval`: metrics/cv.json, per_label.csv, confusion_by.csv, confusion_to.csv."""
    taxonomy = stage_taxonomy("crossval", taxonomy_folder(params))
    (layout.cache / "vectors" / "crossval").mkdir(parents=True, exist_ok=True)  # persist
    encoder = open_encoder(layout, params, "crossval")
    out = crossval(layout, params, taxonomy, encoder)
    encoder.flush()
    layout.metrics.mkdir(parents=True, exist_ok=True)
    text = json.dumps(out["cv"], indent=2, sort_keys=True) + "\n"
    (layout.metrics / "cv.json").write_text(text, encoding="utf-8")
    out["per_label"].to_csv(layout.metrics / "per_label.csv", index=False, float_format="%.4f")
    write_confusion(out["confusion"], layout.metrics)
    for line in cv_lines(out["cv"]["tagger"]):
        log.info(line)
    a = out["cv"]["asks"]["leave_one_session_out"]
    log.info(
        "asks (leave-one-session-out): ARI=%.3f V=%.3f matched=%.2f precision=%.2f",
        a["ari"],
        a["v_measure"],
        a["matched_share"],
        a["match_precision"],
    )
    return out
