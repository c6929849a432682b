"""Embedding throughput and clustering time/memory at 2,000, 10,000 and 50,000 sentences.

    python benchmarks/cluster.py [--device cpu|cuda] [--embed-sentences N] [--sizes N ...]

Embedding: the sample corpus's recommendation asks, repeated with a numbered suffix so
every sentence is distinct, encoded with all-MiniLM-L6-v2 (sentences per second).
Clustering: the real ask vectors repeated and perturbed (Gaussian noise, renormalized),
with their themes and addressees, clustered with the params.yaml settings in a fresh
process per size so each peak memory figure is its own. Up to `cluster.max_exact`
(10,000) sentences the exact distance matrix is used; beyond it a k-NN graph.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
from common import ROOT, record

PROCESSED = ROOT / "data" / "processed"


def embed_throughput(n: int, device: str) -> dict:
    from pipeline.vectors import MiniLM

    asks = list(pd.read_parquet(PROCESSED / "asks.parquet")["ask"])
    texts = [f"{asks[i % len(asks)]} (case {i})" for i in range(n)]
    encoder = MiniLM(device=device)
    encoder.encode(texts[:64])  # warm-up
    start = time.perf_counter()
    encoder.encode(texts)
    seconds = time.perf_counter() - start
    return {
        "sentences": n,
        "device": encoder.device,
        "seconds": round(seconds, 2),
        "sentences_per_s": round(n / seconds, 1),
    }


def cluster_once(n: int) -> dict:
    """Run in a child process: cluster n perturbed sentences, report time and peak RSS."""
    import resource

    from pipeline.asks.clustering import cluster_labels
    from pipeline.cluster import ClusterSettings, features
    from pipeline.params import load_settings
    from pipeline.vectors import load_vectors

    settings = load_settings(ClusterSettings, "cluster")
    recs = (
        pd.read_parquet(PROCESSED / "recommendations.parquet")
        .sort_values(["doc_id", "para_no", "rec_no"])
        .reset_index(drop=True)
    )
    vectors = load_vectors(PROCESSED / "embeddings.safetensors")
    rng = np.random.default_rng(0)
    pick = rng.integers(0, len(recs), n)
    noisy = vectors[pick] + rng.normal(0, 0.01, (n, vectors.shape[1])).astype(np.float32)
    x = features(noisy, recs.iloc[pick].reset_index(drop=True), settings)
    start = time.perf_counter()
    labels = cluster_labels(x, settings.agglomeration)
    seconds = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {
        "sentences": n,
        "method": "exact" if n <= settings.max_exact else "knn_graph_components",
        "seconds": round(seconds, 2),
        "clusters": len(set(labels.tolist())),
        "peak_rss_mb": round(peak, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--device", default="cpu", choices=["cpu", "cuda", "auto"])
    parser.add_argument("--embed-sentences", type=int, default=2000)
    parser.add_argument("--sizes", type=int, nargs="+", default=[2000, 10000, 50000])
    parser.add_argument("--child", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(cluster_once(args.child)))
        return
    if not (PROCESSED / "embeddings.safetensors").exists():
        sys.exit("run `dvc repro` (or make repro) first: benchmarks read data/processed")
    figures = {"embedding": embed_throughput(args.embed_sentences, args.device), "clustering": []}
    for n in args.sizes:
        out = subprocess.run(
            [sys.executable, __file__, "--child", str(n)],
            capture_output=True,
            text=True,
            check=True,
            cwd=Path(__file__).parent,
        )
        figures["clustering"].append(json.loads(out.stdout.strip().splitlines()[-1]))
        print(figures["clustering"][-1], file=sys.stderr)
    record(f"cluster_{figures['embedding']['device']}", figures)


if __name__ == "__main__":
    main()
