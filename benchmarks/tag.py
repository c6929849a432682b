"""Paragraphs per second and peak memory of the tag stage on one core.

    python benchmarks/tag.py [--paragraphs 5000] [--batch-size 64] [--label before]

Extracts and segments the sample corpus once, repeats its paragraphs until there are at
least --paragraphs of them, and tags them in one process (`nlp.pipe` with batching),
without the per-document cache, with three taggers: the lexicon alone; the theme
decision without sentence vectors (build_tagger.similarity false); and the decision as
build_tagger ships it (with sentence vectors), first with an empty vector store (every
text embedded), then again with the store the first run filled (nothing embedded).
Recorded as `tag` (`tag_<label>` with --label) with the load averages before and after:
the machine may be shared, so compare runs made back to back.
"""

from __future__ import annotations

import argparse
import os
import tempfile
from pathlib import Path

import pandas as pd
from common import RAW, peak_rss_mb, record, timer

from pipeline.build_tagger import BuildTaggerSettings, build
from pipeline.extract import ExtractSettings, extract, input_files
from pipeline.knowledge.taxonomy import stage_taxonomy
from pipeline.parallel import ParallelSettings
from pipeline.segment import SegmentSettings, segment_corpus
from pipeline.tag import THEMES, LookupEncoder, TagSettings, load_tagger, sentence_vectors, tag
from pipeline.vectors import Encoder, MiniLM, VectorStore

GOLD = RAW.parent / "gold"


def tagger(folder: Path, decision: bool, similarity: bool) -> Path:
    """A tagger saved to `folder`: rules, and the theme decision as build_tagger trains it."""
    settings = BuildTaggerSettings(decision=decision, similarity=similarity)
    nlp = build(stage_taxonomy("build_tagger"), settings, GOLD, store_encoder(folder / "train"))
    folder.mkdir(parents=True, exist_ok=True)
    nlp.to_disk(folder / "tagger")
    return folder / "tagger"


def store_encoder(root: Path) -> Encoder:
    """The shared encoder over a store of its own under `root`."""
    return Encoder(MiniLM(), VectorStore(root, MiniLM.model_id, "benchmark"))


def timed(
    model: Path, corpus: pd.DataFrame, groups: dict, settings: TagSettings, store: Path | None
) -> dict:
    """Tag `corpus` with the saved tagger; with `store`, sentence vectors come from it (and
    whatever it lacks is embedded), as the tag stage does."""
    nlp = load_tagger(str(model))
    with timer() as t:
        if store is not None:
            encoder = store_encoder(store)
            [vectors] = sentence_vectors(model, [corpus], settings, encoder)
            encoder.flush()
            nlp.get_pipe(THEMES).set_encoder(LookupEncoder(vectors, encoder.width))
        out = tag(corpus, groups, nlp, settings)
    return {
        "seconds": round(t["seconds"], 2),
        "paragraphs_per_s_one_core": round(len(corpus) / t["seconds"], 1),
        "tags": len(out["tags"]),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--paragraphs", type=int, default=5000)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--label", default="")
    args = parser.parse_args()
    load_before = os.getloadavg()
    sequential = ParallelSettings(backend="sequential")
    tables = extract(input_files(RAW), ExtractSettings(), sequential)
    paragraphs = segment_corpus(tables["pages"], SegmentSettings(), sequential)
    copies = -(-args.paragraphs // len(paragraphs))
    corpus = pd.concat(
        [paragraphs.assign(doc_id=paragraphs["doc_id"] + f"_{i}") for i in range(copies)],
        ignore_index=True,
    )
    groups = {
        f"{d}_{i}": wg
        for d, wg in zip(
            tables["documents"]["doc_id"], tables["documents"]["working_group"], strict=True
        )
        for i in range(copies)
    }
    settings = TagSettings(batch_size=args.batch_size)
    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        for name, decision, similarity in (
            ("lexicon", False, False),
            ("decision_without_vectors", True, False),
            ("decision_with_vectors", True, True),
        ):
            model = tagger(root / name, decision, similarity)
            tag(corpus.head(200), groups, load_tagger(str(model)), settings)  # warm-up
            store = root / name / "vectors" if similarity else None
            results[name] = timed(model, corpus, groups, settings, store)
            if similarity:  # again, every sentence now in the store: nothing embedded
                results[name + "_cached"] = timed(model, corpus, groups, settings, store)
    record(
        "tag" + (f"_{args.label}" if args.label else ""),
        {
            "paragraphs": len(corpus),
            "batch_size": args.batch_size,
            **results,
            "peak_memory": peak_rss_mb(),
            "load_before": [round(x, 2) for x in load_before],
            "load_after": [round(x, 2) for x in os.getloadavg()],
        },
    )


if __name__ == "__main__":
    main()
