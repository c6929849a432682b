"""Per-document results of a stage, kept between runs and keyed by content.

A stage that DVC reruns because one PDF changed reuses every other document's result:
each entry is keyed by the document's content, the stage's code (the source files it
depends on) and its params, so a changed file, a code change or a params change
invalidates exactly what it should. The folder is a `persist: true` output in dvc.yaml,
so DVC keeps it between runs; entries not used by a run are pruned at its end, and a
removed PDF leaves no trace.
"""

from __future__ import annotations

import hashlib
import json
import shutil
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any, TypeVar

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from pipeline.parallel import ParallelSettings, parallel_map
from pipeline.paths import PACKAGE_DIR
from pipeline.schemas import nullable_types

T = TypeVar("T")


def digest(*parts: Any) -> str:
    """A stable hex digest of JSON-serializable parts."""
    blob = json.dumps(parts, sort_keys=True, default=str, ensure_ascii=False)
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()


def files_digest(root: Path, files: Iterable[Path]) -> str:
    """A digest of files' paths (relative to `root`) and contents, in sorted order."""
    hasher = hashlib.sha256()
    for path in sorted(files):
        hasher.update(path.relative_to(root).as_posix().encode())
        hasher.update(path.read_bytes())
    return hasher.hexdigest()


def code_version(patterns: Iterable[str]) -> str:
    """A digest of the package files a stage depends on (globs relative to pipeline/)."""
    files = {p for pattern in patterns for p in PACKAGE_DIR.glob(pattern)}
    return files_digest(PACKAGE_DIR, files)


def frame_digest(df: pd.DataFrame) -> str:
    """A digest of a frame's content (used to key a document's rows from an upstream table)."""
    hashed = pd.util.hash_pandas_object(df.astype(str), index=False)
    return hashlib.sha256(hashed.to_numpy().tobytes() + ",".join(df.columns).encode()).hexdigest()


class DocCache:
    """`root/<key>/<table>.parquet` for every document a stage has processed."""

    def __init__(self, root: Path, fingerprint: str) -> None:
        self.root = root
        self.fingerprint = fingerprint
        self.used: set[str] = set()

    def key(self, doc_key: str) -> str:
        return digest(self.fingerprint, doc_key)[:32]

    def get(self, doc_key: str) -> dict[str, pd.DataFrame] | None:
        folder = self.root / self.key(doc_key)
        done = folder / "DONE"
        if not done.exists():
            return None
        self.used.add(folder.name)
        names = json.loads(done.read_text(encoding="utf-8"))
        return {
            name: pq.read_table(folder / f"{name}.parquet").to_pandas(types_mapper=nullable_types)
            for name in names
        }

    def put(self, doc_key: str, frames: dict[str, pd.DataFrame]) -> None:
        folder = self.root / self.key(doc_key)
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir(parents=True)
        for name, frame in frames.items():
            pq.write_table(
                pa.Table.from_pandas(frame, preserve_index=False), folder / f"{name}.parquet"
            )
        (folder / "DONE").write_text(json.dumps(sorted(frames)), encoding="utf-8")
        self.used.add(folder.name)

    def prune(self) -> int:
        """Remove entries this run did not use; returns how many."""
        if not self.root.exists():
            return 0
        stale = [p for p in self.root.iterdir() if p.is_dir() and p.name not in self.used]
        for path in stale:
            shutil.rmtree(path, ignore_errors=True)
        return len(stale)


def cached_map(
    fn: Callable[[T], dict[str, pd.DataFrame]],
    items: Sequence[tuple[str, T]],
    cache: DocCache | None,
    parallel: ParallelSettings,
    desc: str,
) -> list[dict[str, pd.DataFrame]]:
    """`fn` over (doc_key, payload) items, reusing cached results; results in input order."""
    results: list[dict[str, pd.DataFrame] | None] = [
        cache.get(key) if cache else None for key, _ in items
    ]
    todo = [i for i, r in enumerate(results) if r is None]
    fresh = parallel_map(fn, [items[i][1] for i in todo], parallel, desc=desc)
    for i, frames in zip(todo, fresh, strict=True):
        results[i] = frames
        if cache is not None:
            cache.put(items[i][0], frames)
    if cache is not None:
        cache.prune()
    return results  # type: ignore[return-value]
