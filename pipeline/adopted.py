"""Stage `adopted`: the recommendations working groups adopted, and the asks they take up.

A working group report (`doc_type` wg_report) opens with the recommendations its meeting
adopted, one numbered paragraph each (pipeline.adoption.chapter: which paragraphs, to
whom, on which themes). Each is matched to the catalogue of known asks with the matcher of
the dialogues' recommendations, fitted on the catalogue (pipeline.adoption.matching): it
may take up several asks, or none. Writes `adopted.parquet` (doc_id, para_no, text, to,
themes, and the best candidate ask with its score, for review) and `adopted_asks.parquet`
(one row per recommendation and ask taken up: score, and whether the matcher or an
analyst decided it).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from pipeline.adoption.chapter import Addressees, adopted_recommendations
from pipeline.adoption.matching import MatchSettings, queries, take_up, with_decisions
from pipeline.asks.cached import fitted_matcher, matcher_fingerprint
from pipeline.asks.catalogue import Ask
from pipeline.asks.frame import reporting_frame
from pipeline.asks.matcher import AskMatcher
from pipeline.cache import DocCache
from pipeline.cluster import catalogue_contexts
from pipeline.knowledge.taxonomy import Taxonomy, stage_taxonomy, taxonomy_folder
from pipeline.params import load_settings
from pipeline.paths import GoldSettings, Layout
from pipeline.provenance import code_digest
from pipeline.schemas import get_table, read_table, write_table
from pipeline.vectors import open_encoder

log = logging.getLogger("crp")


@dataclass(frozen=True)
class AdoptedSettings(MatchSettings):
    """params.yaml `adopted` (the catalogue's examples find their paragraphs in the
    training gold, params.yaml `gold.train`, as the cluster stage's do)."""


def fit_matcher(catalogue: list[Ask], taxonomy: Taxonomy, encoder: Any) -> AskMatcher:
    """The dialogues' matcher (as the cluster stage fits it), fitted on `catalogue`."""
    matcher = AskMatcher(encoder=encoder, frame=reporting_frame(taxonomy), wording=taxonomy.wording)
    return matcher.fit(catalogue)


def cached_matcher(
    catalogue: list[Ask], taxonomy: Taxonomy, encoder: Any, folder: Path
) -> AskMatcher:
    """`fit_matcher`, or the matcher fitted by an earlier run restored from `folder` (JSON,
    bit for bit the fitted one) when the catalogue with its examples' paragraphs, the
    sentence model and the code are unchanged: a new session's PDF refits nothing here."""
    code = code_digest("adopted")
    fingerprint = matcher_fingerprint(code, catalogue=catalogue, model=encoder.model_id)
    cache = DocCache(folder, fingerprint)

    def restore(text: str) -> AskMatcher:
        frame = reporting_frame(taxonomy)
        return AskMatcher.from_json(text, encoder, frame, taxonomy.wording).index(catalogue)

    matcher = fitted_matcher(lambda: fit_matcher(catalogue, taxonomy, encoder), restore,
                             fingerprint, cache)  # fmt: skip
    cache.prune()
    return matcher


def adopted(
    paragraphs: pd.DataFrame,
    documents: pd.DataFrame,
    tags: pd.DataFrame,
    taxonomy: Taxonomy,
    matcher: AskMatcher | None,
    settings: MatchSettings,
) -> dict[str, pd.DataFrame]:
    """The adopted and adopted_asks tables (pure, given a fitted matcher; None: no asks)."""
    rules = taxonomy.adopted
    default = taxonomy.recommendation["addressee_default"]
    recs = adopted_recommendations(
        paragraphs,
        documents,
        tags,
        rules,
        Addressees.from_terms(taxonomy.actors.addressees),
        default,
    )
    if len(recs) == 0:  # no working group report in the corpus
        return {name: get_table(name).empty() for name in ("adopted", "adopted_asks")}
    if matcher is None:
        asks = get_table("adopted_asks").empty()
        recs = recs.assign(candidate=None, candidate_score=float("nan"))
    else:
        query = queries(recs, documents, rules, matcher.frame, settings.strip_hedges)
        asks, best = take_up(query, recs[["doc_id", "para_no"]], matcher, settings)
        recs = pd.concat([recs, best], axis=1)
    asks = with_decisions(asks, recs, rules.decisions)
    return {"adopted": recs, "adopted_asks": asks}


def main(layout: Layout, params: dict[str, Any]) -> dict[str, pd.DataFrame]:
    """`crp adopted`: working group reports → adopted and adopted_asks tables."""
    settings = load_settings(AdoptedSettings, "adopted", params)
    taxonomy = stage_taxonomy("adopted", taxonomy_folder(params))
    tables = {n: read_table(n, layout.table(n)) for n in ("documents", "paragraphs", "tags")}
    matcher = None
    (layout.cache / "vectors" / "adopted").mkdir(parents=True, exist_ok=True)  # persist
    encoder = open_encoder(layout, params, "adopted")
    if taxonomy.asks and (tables["documents"]["doc_type"] == "wg_report").any():
        gold = load_settings(GoldSettings, "gold", params).train_folder
        catalogue = catalogue_contexts(taxonomy.asks, tables["paragraphs"], gold, taxonomy)
        matcher = cached_matcher(catalogue, taxonomy, encoder, layout.cache / "adopted")
    out = adopted(
        tables["paragraphs"], tables["documents"], tables["tags"], taxonomy, matcher, settings
    )
    encoder.flush()
    for name, frame in out.items():
        write_table(frame, name, layout.table(name))
    log.info(
        "adopted: %d recommendations adopted in %d reports, %d take up %d catalogue asks",
        len(out["adopted"]),
        out["adopted"]["doc_id"].nunique(),
        out["adopted_asks"][["doc_id", "para_no"]].drop_duplicates().shape[0],
        out["adopted_asks"]["ask_id"].nunique(),
    )
    return out
