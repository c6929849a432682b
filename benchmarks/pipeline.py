"""The whole pipeline at corpus scale: full `dvc repro`, `crp run`, and the incremental rerun.

    python benchmarks/pipeline.py [--docs 200] [--keep]

Builds, in a temporary copy of the project (git + DVC), a corpus of --docs distinct PDFs by
repeating and perturbing the sample (a changed byte is a new document), then prints in one
run: the time and peak memory of a full `dvc repro` and of `crp run`; the time of
`dvc repro` after adding one document, as a ratio to the full run (target <= 0.10); and
the extract stage's pages per second beside raw pypdfium2 text extraction on the same
files. Figures go to benchmarks/results.json.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pypdfium2 as pdfium
from common import ROOT, record

COPY = ["pipeline", "dvc.yaml", "params.yaml", ".dvc/config", ".dvcignore", "data/gold"]
SAMPLE = sorted((ROOT / "data" / "raw").glob("*.pdf"))


def run(args: list[str], cwd: Path, env: dict[str, str]) -> float:
    start = time.perf_counter()
    subprocess.run(args, cwd=cwd, env=env, check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - start


def perturbed_copy(index: int, dest: Path) -> Path:
    shutil.copyfile(SAMPLE[index % len(SAMPLE)], dest)
    with dest.open("ab") as handle:
        handle.write(f"\n% benchmark copy {index}\n".encode())
    return dest


def make_project(root: Path, docs: int) -> list[Path]:
    for item in COPY:
        src, dst = ROOT / item, root / item
        dst.parent.mkdir(parents=True, exist_ok=True)
        if src.is_dir():
            shutil.copytree(src, dst, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy2(src, dst)
    raw = root / "data" / "raw"
    raw.mkdir(parents=True)
    return [
        perturbed_copy(i, raw / f"{SAMPLE[i % len(SAMPLE)].stem}_{i:04d}.pdf") for i in range(docs)
    ]


def raw_pdfium_seconds(files: list[Path]) -> float:
    start = time.perf_counter()
    for path in files:
        pdf = pdfium.PdfDocument(path)
        for page in pdf:
            page.get_textpage().get_text_range()
        pdf.close()
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, default=200)
    parser.add_argument("--keep", action="store_true", help="keep the temporary project")
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="crp-bench-"))
    project = tmp / "project"
    env = dict(
        os.environ,
        CRP_ROOT=str(project),
        PATH=f"{Path(sys.executable).parent}:{os.environ['PATH']}",
    )
    try:
        files = make_project(project, args.docs)
        pages = sum(len(pdfium.PdfDocument(f)) for f in files)
        run(["git", "init", "-q"], project, env)
        full = run(["dvc", "repro", "-q"], project, env)
        full_peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        perturbed_copy(args.docs, project / "data" / "raw" / "added.pdf")
        incremental = run(["dvc", "repro", "-q"], project, env)
        clean = subprocess.run(["dvc", "status", "-q"], cwd=project, env=env).returncode == 0
        crp_run = run(
            ["crp", "run", str(project / "data" / "raw"), "--out", str(tmp / "run")], project, env
        )
        raw_s = raw_pdfium_seconds(files)
        extract_s = run(
            [
                "crp",
                "extract",
                "--raw",
                str(project / "data" / "raw"),
                "--out",
                str(tmp / "extract"),
            ],
            project,
            env,
        )
        record(
            "pipeline",
            {
                "documents": len(files),
                "pages": pages,
                "dvc_repro_full_s": round(full, 1),
                "dvc_repro_full_peak_rss_mb": round(full_peak, 1),
                "dvc_repro_after_adding_one_s": round(incremental, 1),
                "incremental_ratio": round(incremental / full, 3),
                "dvc_status_clean_afterwards": clean,
                "crp_run_s": round(crp_run, 1),
                "extract_stage_pages_per_s_incl_startup": round(pages / extract_s, 1),
                "raw_pypdfium2_pages_per_s_one_core": round(pages / raw_s, 1),
            },
        )
    finally:
        if args.keep:
            print(f"kept {tmp}", file=sys.stderr)
        else:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
