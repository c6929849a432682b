"""Pages per second and peak memory of extract+segment, beside raw pypdfium2 text extraction.

    python benchmarks/extract.py [--pages 500] [--backend pdfium|pdfplumber|both] [--n-jobs 2]

Builds a corpus of at least --pages pages by repeating the sample PDFs, then times, in one
run: raw `pypdfium2` text extraction (the ceiling), and the extract+segment stages with
each reader, in parallel with --n-jobs workers. Figures go to benchmarks/results.json.
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

from common import peak_rss_mb, record, repeat_corpus, timer

from pipeline.extract import ExtractSettings, extract
from pipeline.parallel import ParallelSettings
from pipeline.segment import SegmentSettings, segment_corpus


def raw_pdfium(files: list[Path]) -> int:
    import pypdfium2 as pdfium

    chars = 0
    for path in files:
        pdf = pdfium.PdfDocument(path)
        for page in pdf:
            chars += len(page.get_textpage().get_text_range())
        pdf.close()
    return chars


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=500)
    parser.add_argument("--backend", default="both", choices=["pdfium", "pdfplumber", "both"])
    parser.add_argument("--n-jobs", type=int, default=2)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        files, pages = repeat_corpus(Path(tmp) / "corpus", args.pages)
        with timer() as t:
            raw_pdfium(files)
        figures = {
            "pages": pages,
            "files": len(files),
            "n_jobs": args.n_jobs,
            "raw_pypdfium2_pages_per_s_one_core": round(pages / t["seconds"], 1),
        }
        backends = ["pdfium", "pdfplumber"] if args.backend == "both" else [args.backend]
        parallel = ParallelSettings(n_jobs=args.n_jobs)
        for backend in backends:
            with timer() as t:
                tables = extract(files, ExtractSettings(backend=backend), parallel)
                paragraphs = segment_corpus(tables["pages"], SegmentSettings(), parallel)
            figures[f"{backend}_extract_segment_pages_per_s"] = round(pages / t["seconds"], 1)
            figures[f"{backend}_seconds"] = round(t["seconds"], 2)
            figures[f"{backend}_paragraphs"] = len(paragraphs)
        from joblib.externals.loky import get_reusable_executor

        get_reusable_executor().shutdown(
            wait=True
        )  # reap workers: their peak joins RUSAGE_CHILDREN
        figures["peak_memory"] = peak_rss_mb()
    record("extract", figures)


if __name__ == "__main__":
    main()
