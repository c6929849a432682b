"""Helpers shared by the benchmark scripts: corpora built from the sample, timing, memory."""

from __future__ import annotations

import json
import resource
import shutil
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

# Scripts here run with this folder first on sys.path, where benchmarks/pipeline.py would
# shadow the `pipeline` package: drop it (the scripts have imported `common` already).
HERE = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != HERE]

ROOT = Path(__file__).resolve().parents[1]
RAW = ROOT / "data" / "raw"
RESULTS = ROOT / "benchmarks" / "results.json"


def repeat_corpus(target: Path, min_pages: int, perturb: bool = True) -> tuple[list[Path], int]:
    """Copies of the sample PDFs until `min_pages` pages; each copy is a distinct file
    (a comment appended after %%EOF changes its bytes, not its content)."""
    import pypdfium2 as pdfium

    sources = sorted(RAW.glob("*.pdf"))
    pages = {s: len(pdfium.PdfDocument(s)) for s in sources}
    target.mkdir(parents=True, exist_ok=True)
    files, total, i = [], 0, 0
    while total < min_pages:
        source = sources[i % len(sources)]
        dest = target / f"{source.stem}_{i:04d}.pdf"
        shutil.copyfile(source, dest)
        if perturb:
            with dest.open("ab") as handle:
                handle.write(f"\n% copy {i}\n".encode())
        files.append(dest)
        total += pages[source]
        i += 1
    return files, total


@contextmanager
def timer() -> Iterator[dict[str, float]]:
    box: dict[str, float] = {}
    start = time.perf_counter()
    try:
        yield box
    finally:
        box["seconds"] = time.perf_counter() - start


def peak_rss_mb() -> dict[str, float]:
    """Peak resident memory of this process and of its (finished) child processes."""
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return {"self_mb": round(own, 1), "children_mb": round(children, 1)}


def record(section: str, figures: dict[str, Any]) -> None:
    """Print the figures and keep them in benchmarks/results.json for the next comparison."""
    data = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
    previous = data.get(section)
    data[section] = figures
    RESULTS.write_text(json.dumps(data, indent=2, sort_keys=True) + "\n")
    print(json.dumps({section: figures}, indent=2))
    if previous:
        print(f"(previous {section}: {json.dumps(previous)})", file=sys.stderr)


def best_of(fn: Callable[[], Any], repeat: int = 1) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def theme_folds() -> tuple[dict[str, Any], list[tuple[str, Any, Any]]]:
    """The theme decision leave-one-document-out over the development gold, fitted as
    `crp crossval` fits it: what `simulate` takes (gold, taxonomy, settings, embedded,
    documents, models by training documents) and, per left-out document, (document, its
    fold's model, its rows)."""
    from pipeline.build_tagger import BuildTaggerSettings, build_nlp
    from pipeline.knowledge.taxonomy import stage_taxonomy
    from pipeline.params import load_settings, read_params
    from pipeline.paths import Layout
    from pipeline.tagging.gold import tag_gold
    from pipeline.themes.training import Embedded, train
    from pipeline.vectors import open_encoder

    params = read_params(ROOT / "params.yaml")
    taxonomy = stage_taxonomy("crossval")
    settings = load_settings(BuildTaggerSettings, "build_tagger", params).themes
    gold = tag_gold(build_nlp(taxonomy), ROOT / params["gold"]["train"], taxonomy)
    embedded = Embedded.of(gold, taxonomy, open_encoder(Layout.repo(), params, "crossval"))
    doc_ids = sorted({d for d, _ in gold.keys})
    models, folds = {}, []
    for held in doc_ids:
        keep = tuple(d for d in doc_ids if d != held)
        model = models[keep] = train(gold, taxonomy, settings, embedded, keep)
        full = gold.training_set(taxonomy, [*keep, held])
        folds.append((held, model, full.subset(full.rows_of(held))))
    context = {"gold": gold, "taxonomy": taxonomy, "settings": settings, "embedded": embedded}
    return {**context, "documents": doc_ids, "models": models}, folds
