"""`dvc repro` at corpus scale: a full run, then one more document, stage by stage.

    python benchmarks/scale.py N [--rev REV] [--no-similarity] [--label NAME] [--keep]

Clones this repository (at REV, default HEAD: commit first) into a temporary folder, adds
to the sample's PDFs of data/raw as many documents that differ in their text as make N
(benchmarks/recombine.py: the sample's paragraphs recombined, names, numbers and words
varied, seeded; kept in /tmp/crp-scale-corpus between runs), runs `dvc repro` there with
this environment's tools, adds one more new document, runs it again, and prints: the time
of each run, of each stage within it (from the start DVC announces for each stage to the
next), the peak resident memory of the largest process of each stage (sampled every 0.1 s)
and of each run (its largest process: getrusage), the machine's load average before and
after each run, and whether `dvc status` is clean at the end. --no-similarity sets
params.yaml build_tagger.similarity to false in the clone (the theme decision then reads
words only). Figures go to benchmarks/results.json as `scale_<N>[_no_similarity][_NAME]`.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

# isort: off
from recombine import make_corpus  # first: importing common drops this folder from sys.path
from common import ROOT, record

# isort: on

CORPUS = Path(tempfile.gettempdir()) / "crp-scale-corpus"
STAGE_LINE = re.compile(r"^(?:Running stage '([\w-]+)'|Stage '([\w-]+)' didn't change)")


def _children() -> dict[int, list[int]]:
    out: dict[int, list[int]] = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            stat = Path(entry.path, "stat").read_text()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        out.setdefault(ppid, []).append(int(entry.name))
    return out


def _rss_mb(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


class Sampler(threading.Thread):
    """The largest resident memory of any process under `pid`, per stage, every 0.1 s."""

    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        self.pid, self.stage, self.done = pid, "dvc", False
        self.peaks: dict[str, float] = {}

    def run(self) -> None:
        while not self.done:
            tree, todo = _children(), [self.pid]
            largest = 0.0
            while todo:
                pid = todo.pop()
                largest = max(largest, _rss_mb(pid))
                todo += tree.get(pid, [])
            self.peaks[self.stage] = max(self.peaks.get(self.stage, 0.0), largest)
            time.sleep(0.1)


def repro(project: Path, env: dict[str, str]) -> dict[str, Any]:
    """One `dvc repro`: its time, the time and peak memory of each stage, the load."""
    load_before = os.getloadavg()
    start = time.perf_counter()
    proc = subprocess.Popen(
        ["dvc", "repro"], cwd=project, env=env, stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    sampler = Sampler(proc.pid)
    sampler.start()
    starts: list[tuple[str, float, bool]] = []
    log = []
    assert proc.stdout is not None
    for line in proc.stdout:
        log.append(line)
        match = STAGE_LINE.match(line)
        if match:
            stage = match.group(1) or match.group(2)
            starts.append((stage, time.perf_counter() - start, bool(match.group(1))))
            sampler.stage = stage
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    total = time.perf_counter() - start
    sampler.done = True
    sampler.join()
    if proc.returncode:
        sys.stderr.write("".join(log[-60:]))
        raise SystemExit(f"dvc repro failed ({proc.returncode}) in {project}")
    stages = {}
    for i, (stage, at, ran) in enumerate(starts):
        end = starts[i + 1][1] if i + 1 < len(starts) else total
        stages[stage] = {
            "start_s": round(at, 1),
            "seconds": round(end - at, 1),
            "ran": ran,
            "peak_rss_mb": round(sampler.peaks.get(stage, 0.0)),
        }
    return {
        "seconds": round(total, 1),
        "peak_rss_mb": round(usage.ru_maxrss / 1024),
        "load_before": [round(x, 2) for x in load_before],
        "load_after": [round(x, 2) for x in os.getloadavg()],
        "stages": stages,
    }


def clone(project: Path, rev: str, similarity: bool) -> str:
    subprocess.run(["git", "clone", "-q", str(ROOT), str(project)], check=True)
    subprocess.run(["git", "checkout", "-q", rev], cwd=project, check=True)
    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], cwd=project, check=True, capture_output=True,
        text=True,
    ).stdout.strip()  # fmt: skip
    if not similarity:
        params = project / "params.yaml"
        text = params.read_text(encoding="utf-8")
        text, n = re.subn(r"(?m)^(\s+similarity:\s*)true\b", r"\1false", text)
        if n != 1:
            raise SystemExit("params.yaml: build_tagger.similarity not found")
        params.write_text(text, encoding="utf-8")
    return commit


def corpus_figures(project: Path) -> dict[str, Any]:
    """Pages, paragraphs and how distinct their text is, from the run's own tables."""
    import pandas as pd

    processed = project / "data" / "processed"
    documents = pd.read_parquet(processed / "documents.parquet")
    paragraphs = pd.read_parquet(processed / "paragraphs.parquet", columns=["text"])
    sentences = [s for t in paragraphs["text"] for s in re.split(r"(?<=[.;])\s+(?=[A-Z])", t)]
    return {
        "documents": len(documents),
        "pages": int(documents["n_pages"].sum()),
        "paragraphs": len(paragraphs),
        "distinct_paragraphs_share": round(paragraphs["text"].nunique() / len(paragraphs), 3),
        "distinct_sentences_share": round(len(set(sentences)) / len(sentences), 3),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("n", type=int, help="documents in the full run (the sample's included)")
    parser.add_argument("--rev", default="HEAD")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--no-similarity", dest="similarity", action="store_false")
    parser.add_argument("--label", default="")
    parser.add_argument("--keep", action="store_true", help="keep the temporary project")
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="crp-scale-"))
    project = tmp / "project"
    try:
        commit = clone(project, args.rev, args.similarity)
        raw = project / "data" / "raw"
        sample = len(list(raw.glob("*.pdf")))
        made = make_corpus(CORPUS / f"seed{args.seed}", args.n - sample + 1, args.seed)
        for path in made[:-1]:
            shutil.copyfile(path, raw / path.name)
        env = dict(os.environ)
        env.update(
            PATH=f"{Path(sys.executable).parent}:{env['PATH']}",
            PYTHONPATH=str(project),
            CRP_ROOT=str(project),
            HF_HUB_OFFLINE="1",
        )
        print(f"{args.n} documents in {project} (commit {commit}); dvc repro ...", file=sys.stderr)
        full = repro(project, env)
        print(f"full: {full['seconds']} s; adding {made[-1].name} ...", file=sys.stderr)
        shutil.copyfile(made[-1], raw / made[-1].name)
        plus_one = repro(project, env)
        status = subprocess.run(["dvc", "status", "-q"], cwd=project, env=env)
        name = f"scale_{args.n}" + ("" if args.similarity else "_no_similarity")
        record(
            name + (f"_{args.label}" if args.label else ""),
            {
                "commit": commit,
                "similarity": args.similarity,
                "cores": os.cpu_count(),
                **corpus_figures(project),
                "full_s": full["seconds"],
                "plus_one_s": plus_one["seconds"],
                "peak_rss_mb": max(full["peak_rss_mb"], plus_one["peak_rss_mb"]),
                "dvc_status_clean_afterwards": status.returncode == 0,
                "full": full,
                "plus_one": plus_one,
            },
        )
    finally:
        if args.keep:
            print(f"kept {tmp}", file=sys.stderr)
        else:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
