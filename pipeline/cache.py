"""Per-document results of a stage, kept between runs and keyed by content.

A stage that DVC reruns because one PDF changed reuses every other document's result:
each entry is keyed by the document's content, the stage's code (the source files it
depends on) and its params, so a changed file, a code change or a params change
invalidates exactly what it should. The folder is a `persist: true` output in dvc.yaml,
so DVC keeps it between runs; entries not used by a run are pruned at its end, and a
removed PDF leaves no trace.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import logging
import shutil
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any, TypeVar

import pandas as pd
import pyarrow as pa

from pipeline.parallel import ParallelSettings, parallel_map
from pipeline.schemas import get_table, nullable_types, to_arrow

T = TypeVar("T")
log = logging.getLogger("crp")


def digest(*parts: Any) -> str:
    """A stable hex digest of parts: JSON values, dataclasses, sets (sorted), paths."""
    blob = json.dumps(parts, sort_keys=True, default=_plain, ensure_ascii=False)
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()


def _plain(value: Any) -> Any:
    """A JSON form that does not depend on the process (set order does, str() of a set)."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: getattr(value, f.name) for f in dataclasses.fields(value)}
    if isinstance(value, (set, frozenset)):
        return sorted(value, key=repr)
    return str(value)


def files_digest(root: Path, files: Iterable[Path]) -> str:
    """A digest of files' paths (relative to `root`) and contents, in sorted order."""
    hasher = hashlib.sha256()
    for path in sorted(files):
        hasher.update(path.relative_to(root).as_posix().encode())
        hasher.update(path.read_bytes())
    return hasher.hexdigest()


def doc_digests(df: pd.DataFrame, by: str = "doc_id") -> dict[str, str]:
    """A digest of each document's rows (the key of its entry in a downstream stage's cache).

    The whole table is hashed in one vectorized pass and sliced per document: hashing
    hundreds of small groups one by one cost more, at corpus scale, than the cache saved.
    """
    hashed = pd.util.hash_pandas_object(df.astype(str), index=False).to_numpy()
    header = ",".join(df.columns).encode()
    return {
        str(doc): hashlib.sha256(hashed[rows].tobytes() + header).hexdigest()
        for doc, rows in sorted(df.groupby(by, sort=True).indices.items())
    }


def _read_ipc(path: Path) -> pa.Table:
    with pa.OSFile(str(path), "rb") as source:
        return pa.ipc.open_file(source).read_all()


class DocCache:
    """`root/<key>/<table>.arrow` for every document a stage has processed.

    Entries are Arrow IPC files, not parquet: a rerun reads hundreds of small entries,
    and an uncompressed IPC file is read in a fraction of a small parquet file's time."""

    def __init__(self, root: Path, fingerprint: str) -> None:
        self.root = root
        self.fingerprint = fingerprint
        self.used: set[str] = set()

    def key(self, doc_key: str) -> str:
        return digest(self.fingerprint, doc_key)[:32]

    def has(self, doc_key: str, names: Sequence[str]) -> bool:
        """Whether a complete entry with these tables exists (without reading it)."""
        done = self.root / self.key(doc_key) / "DONE"
        try:
            return done.exists() and sorted(json.loads(done.read_text("utf-8"))) == sorted(names)
        except (OSError, ValueError):
            return False

    def get(self, doc_key: str, names: Sequence[str]) -> dict[str, pa.Table] | None:
        """The cached tables of a document, or None (never stored, incomplete or unreadable)."""
        folder = self.root / self.key(doc_key)
        done = folder / "DONE"
        if not done.exists():
            return None
        try:
            if sorted(json.loads(done.read_text(encoding="utf-8"))) != sorted(names):
                return None
            tables = {
                name: _read_ipc(folder / f"{name}.arrow").cast(get_table(name).schema)
                for name in names
            }
        except (OSError, ValueError, pa.ArrowException):
            return None
        self.used.add(folder.name)
        return tables

    def put(self, doc_key: str, tables: dict[str, pa.Table]) -> None:
        folder = self._empty_entry(doc_key)
        for name, table in tables.items():
            path = str(folder / f"{name}.arrow")
            with pa.OSFile(path, "wb") as sink, pa.ipc.new_file(sink, table.schema) as writer:
                writer.write_table(table)
        self._seal(folder, sorted(tables))

    def get_text(self, doc_key: str, name: str) -> str | None:
        """A cached text file of a document (a rendered page), or None."""
        path = self._sealed(doc_key, name)
        return path.read_text(encoding="utf-8") if path is not None and path.is_file() else None

    def put_text(self, doc_key: str, name: str, text: str) -> None:
        folder = self._empty_entry(doc_key)
        (folder / name).write_text(text, encoding="utf-8")
        self._seal(folder, [name])

    def get_folder(self, doc_key: str, name: str) -> Path | None:
        """A cached folder of files (a search index), or None: read it, never write into it."""
        path = self._sealed(doc_key, name)
        return path if path is not None and path.is_dir() else None

    def keep(self, doc_key: str, name: str) -> bool:
        """Keep `name` of an entry (not pruned) without reading it: whether it is there."""
        return self._sealed(doc_key, name) is not None

    def _sealed(self, doc_key: str, name: str) -> Path | None:
        """`name` in a complete entry (marked used), or None."""
        folder = self.root / self.key(doc_key)
        if not (folder / "DONE").exists() or not (folder / name).exists():
            return None
        self.used.add(folder.name)
        return folder / name

    def put_folder(self, doc_key: str, name: str, source: Path, files: Sequence[str]) -> None:
        """Keep copies of `files` of the folder `source` as the entry's folder `name`."""
        entry = self._empty_entry(doc_key)
        (entry / name).mkdir()
        for file in files:
            shutil.copyfile(source / file, entry / name / file)
        self._seal(entry, [name])

    def _empty_entry(self, doc_key: str) -> Path:
        folder = self.root / self.key(doc_key)
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir(parents=True)
        return folder

    def _seal(self, folder: Path, names: list[str]) -> None:
        """DONE, written last, marks an entry complete: a run killed mid-write leaves none."""
        (folder / "DONE").write_text(json.dumps(names), encoding="utf-8")
        self.used.add(folder.name)

    def prune(self) -> int:
        """Remove entries this run did not use; returns how many."""
        if not self.root.exists():
            return 0
        stale = [p for p in self.root.iterdir() if p.is_dir() and p.name not in self.used]
        for path in stale:
            shutil.rmtree(path, ignore_errors=True)
        return len(stale)


class _Arrow:
    """`fn`'s frames as typed Arrow tables, converted where `fn` ran (a worker), so the
    main process only stores them: its serial work was a third of a stage's time."""

    def __init__(self, fn: Callable[[Any], dict[str, pd.DataFrame]], names: Sequence[str]):
        self.fn, self.names = fn, tuple(names)

    def __call__(self, item: tuple[str, Any]) -> dict[str, pa.Table]:
        where, payload = item
        frames = self.fn(payload)
        return {name: to_arrow(frames[name], name, where) for name in self.names}


def cached_arrow(
    fn: Callable[[T], dict[str, pd.DataFrame]],
    items: Sequence[tuple[str, T]],
    names: Sequence[str],
    cache: DocCache | None,
    parallel: ParallelSettings,
    desc: str,
    prepare: Callable[[list[T]], list[T]] | None = None,
    chunk: int = 64,
) -> dict[str, pa.Table]:
    """`fn` over (doc_key, payload) items, reusing cached results: each of the tables
    `names` as one Arrow table, the documents' rows concatenated in input order.

    Documents to process go `chunk` at a time: `prepare` (run here, in the main process:
    e.g. looking up the documents' sentence vectors) completes a chunk's payloads just
    before they are handed to the workers, so no more than a chunk of prepared payloads
    is ever held.
    """
    results: list[dict[str, pa.Table] | None] = [
        cache.get(key, names) if cache else None for key, _ in items
    ]
    todo = [i for i, r in enumerate(results) if r is None]
    if cache is not None:
        log.info(
            "%s: %d document(s) from the cache, %d processed",
            desc,
            len(items) - len(todo),
            len(todo),
        )
    convert = _Arrow(fn, names)
    done = 0
    for first in range(0, len(todo), chunk):
        rows = todo[first : first + chunk]
        payloads = [items[i][1] for i in rows]
        payloads = prepare(payloads) if prepare else payloads
        payloads = [(f"document {items[i][0]}", p) for i, p in zip(rows, payloads, strict=True)]
        fresh = parallel_map(convert, payloads, parallel, desc=desc, offset=done, total=len(todo))
        done += len(rows)
        for i, tables in zip(rows, fresh, strict=True):
            results[i] = tables
            if cache is not None:
                cache.put(items[i][0], tables)
    if cache is not None:
        cache.prune()
    out = {}
    for name in names:
        parts = [r[name] for r in results if r is not None]
        out[name] = pa.concat_tables(parts) if parts else get_table(name).schema.empty_table()
    return out


def cached_tables(
    fn: Callable[[T], dict[str, pd.DataFrame]],
    items: Sequence[tuple[str, T]],
    names: Sequence[str],
    cache: DocCache | None,
    parallel: ParallelSettings,
    desc: str,
    prepare: Callable[[list[T]], list[T]] | None = None,
) -> dict[str, pd.DataFrame]:
    """`cached_arrow` as pandas frames (nullable integer and boolean columns).

    Cached entries stay Arrow tables until one concatenation and one conversion to pandas
    at the end, so reusing 200 documents costs about as much as reading one table.
    """
    tables = cached_arrow(fn, items, names, cache, parallel, desc, prepare)
    return {name: t.to_pandas(types_mapper=nullable_types) for name, t in tables.items()}
