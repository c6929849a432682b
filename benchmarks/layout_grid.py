"""Every combination of the layout grid, every development document: are the golden
paragraphs read exactly?

    python benchmarks/layout_grid.py [--backend pdfium|pdfplumber] [--docs fa_2022_cd1,...]
                                     [--sample | --random N [--seed S]]

The grid (tests/harness/docx_layouts.py) crosses what real producers vary (font, size,
justification, paragraph numbering, sub-heading emphasis, spacing, paper, margins,
header and footer, footnotes) pairwise; each combination typesets each document's
markdown with python-docx and converts it with LibreOffice Writer (cached in
tests/harness/.pdf-cache). Per combination it prints paragraphs exact, mean and minimum
similarity and section/sub-section agreement over the documents, then a summary and the
first differences of every combination that is not exact. Needs `soffice`.
"""

from __future__ import annotations

import argparse
import sys

from common import ROOT, record, timer

sys.path.insert(0, str(ROOT / "tests"))

from harness.docx_layouts import doc_ids, grid, make_pdfs, random_styles, sample, soffice
from harness.scoring import Score, paragraphs_of, score


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", default="pdfium", choices=["pdfium", "pdfplumber"])
    parser.add_argument("--docs", default="", help="comma-separated doc ids (default: all)")
    parser.add_argument("--sample", action="store_true", help="only the test suite's sample")
    parser.add_argument(
        "--random", type=int, default=0, help="instead: N combinations drawn from the full product"
    )
    parser.add_argument("--seed", type=int, default=0, help="seed of --random")
    args = parser.parse_args()
    if soffice() is None:
        sys.exit("LibreOffice (soffice) is not installed: run `make harness-tools`")
    docs = args.docs.split(",") if args.docs else doc_ids()
    styles = random_styles(args.random, args.seed) if args.random else None
    styles = styles or (sample() if args.sample else grid())
    jobs = [(doc, style) for style in styles for doc in docs]
    with timer() as made:
        pdfs = make_pdfs(jobs)
    print(f"{len(styles)} combinations x {len(docs)} documents; PDFs in {made['seconds']:.0f} s")
    failures: list[tuple[str, Score]] = []
    n_exact = 0
    for style in styles:
        scores = [score(doc, paragraphs_of(pdfs[(doc, style)], doc, args.backend)) for doc in docs]
        n_exact += all(s.all_exact for s in scores)
        failures += [(style.key(), s) for s in scores if not s.all_exact]
        print(_line(style.key(), scores))
    summary = {
        "backend": args.backend,
        "combinations": len(styles),
        "documents": len(docs),
        "combinations_all_exact": n_exact,
        "documents_not_exact": len(failures),
    }
    for key, s in failures:
        print(f"NOT EXACT {key} {s.doc_id}: " + "; ".join(s.wrong))
    kind = f"_random{args.random}_seed{args.seed}" if args.random else "_sample" * args.sample
    record(f"layout_grid_{args.backend}{kind}", summary)


def _line(key: str, scores: list[Score]) -> str:
    sims = [x for s in scores for x in s.sims]
    expected = sum(s.expected for s in scores)
    return (
        f"{key:60s} exact {sum(s.exact for s in scores):3d}/{expected}"
        f"  sim mean {sum(sims) / len(sims):.4f} min {min(sims):.4f}"
        f"  headings {sum(s.headings_agree for s in scores):3d}/{expected}"
        f"  counts {sum(s.numbers_match for s in scores)}/{len(scores)}"
    )


if __name__ == "__main__":
    main()
