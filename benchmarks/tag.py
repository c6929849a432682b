"""Paragraphs per second and peak memory of the tag stage on one core.

    python benchmarks/tag.py [--paragraphs 5000] [--batch-size 64]

Extracts and segments the sample corpus once, repeats its paragraphs until there are at
least --paragraphs of them, and tags them with the compiled tagger in one process
(`nlp.pipe` with batching), without the per-document cache.
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

import pandas as pd
from common import RAW, peak_rss_mb, record, timer

from pipeline.build_tagger import build_tagger
from pipeline.extract import ExtractSettings, extract, input_files
from pipeline.parallel import ParallelSettings
from pipeline.segment import SegmentSettings, segment_corpus
from pipeline.tag import TagSettings, load_tagger, tag


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--paragraphs", type=int, default=5000)
    parser.add_argument("--batch-size", type=int, default=64)
    args = parser.parse_args()
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
    with tempfile.TemporaryDirectory() as tmp:
        build_tagger().to_disk(Path(tmp) / "tagger")
        nlp = load_tagger(str(Path(tmp) / "tagger"))
        tag(corpus.head(200), groups, nlp, TagSettings())  # warm-up
        with timer() as t:
            out = tag(corpus, groups, nlp, TagSettings(batch_size=args.batch_size))
    record(
        "tag",
        {
            "paragraphs": len(corpus),
            "batch_size": args.batch_size,
            "seconds": round(t["seconds"], 2),
            "paragraphs_per_s_one_core": round(len(corpus) / t["seconds"], 1),
            "tags": len(out["tags"]),
            "recommendations": len(out["recommendations"]),
            "peak_memory": peak_rss_mb(),
        },
    )


if __name__ == "__main__":
    main()
