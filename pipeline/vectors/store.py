"""The vector store: sentence vectors by the sha256 of their text, in safetensors shards.

One store for every stage (`data/cache/vectors/`). Each stage that embeds writes its new
vectors as shards into its own folder (`data/cache/vectors/<stage>/`, the `persist`
output dvc.yaml declares for it: a folder has one writer) and reads the shards of every
folder, so a sentence embedded by any stage is never embedded again. A shard is written
once and never rewritten: adding a document adds a shard. Each shard holds `keys` (sha256
bytes), `vectors` (float32) and `n_tokens` (int64, the text's length in model tokens),
and names its model and format in the metadata; shards of another model or format are
not read.

A vector is a function of its text alone (see `models.MiniLM.encode`), so which stage
computed it, in which run, never changes an output: the store only saves work.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
from pathlib import Path

import numpy as np
from safetensors.numpy import load_file, save_file

log = logging.getLogger("crp")
FORMAT = "crp-vectors/2"  # /2: vectors of a text alone (models.MiniLM.encode)


def text_key(text: str) -> str:
    """The store's key of a text: the sha256 of its UTF-8 bytes, in hex."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _raw_keys(keys: list[str]) -> np.ndarray:
    return np.array([list(bytes.fromhex(k)) for k in keys], dtype=np.uint8).reshape(-1, 32)


def _packed(keys: list[str]) -> np.ndarray:
    """Hex keys as a sortable array of 32-byte strings (numpy `S32`)."""
    return np.array([bytes.fromhex(k) for k in keys], dtype="S32")


DTYPES = {"F32": np.float32, "I64": np.int64, "U8": np.uint8}


def _header(path: Path) -> tuple[int, dict]:
    """Where a safetensors file's data starts, and its header (tensors and metadata)."""
    with path.open("rb") as handle:
        size = int.from_bytes(handle.read(8), "little")
        return 8 + size, json.loads(handle.read(size))


def _metadata(path: Path) -> dict[str, str]:
    return _header(path)[1].get("__metadata__") or {}


class _Shard:
    """One shard: its keys and token counts read, its vectors read row by row on demand
    (never the whole file: memory stays that of the keys, whatever the store's size)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        start, header = _header(path)
        self.keys = self._tensor(start, header["keys"]).view("S32").reshape(-1)
        self.n_tokens = self._tensor(start, header["n_tokens"])
        info = header["vectors"]
        self.width = int(info["shape"][1])
        self.offset = start + int(info["data_offsets"][0])

    def _tensor(self, start: int, info: dict) -> np.ndarray:
        first, last = info["data_offsets"]
        dtype = np.dtype(DTYPES[info["dtype"]])
        with self.path.open("rb") as handle:
            handle.seek(start + first)
            data = handle.read(last - first)
        return np.frombuffer(data, dtype=dtype).reshape(info["shape"]).copy()

    def read(self, rows: np.ndarray) -> np.ndarray:
        """The vectors of `rows` (in that order), read by ranges of consecutive rows."""
        out = np.empty((len(rows), self.width), dtype=np.float32)
        if not len(rows):
            return out
        order = np.argsort(rows, kind="stable")
        ranked = rows[order]
        breaks = np.flatnonzero(np.diff(ranked) != 1) + 1
        row_bytes = 4 * self.width
        with self.path.open("rb") as handle:
            for chunk in np.split(np.arange(len(ranked)), breaks):
                first, n = int(ranked[chunk[0]]), len(chunk)
                handle.seek(self.offset + first * row_bytes)
                out[order[chunk]] = np.frombuffer(
                    handle.read(n * row_bytes), dtype=np.float32
                ).reshape(n, self.width)
        return out


class VectorStore:
    """Vectors and token counts by text key, read from the shards under `root` (every
    writer's folder) and written as new shards into `root/<writer>`.

    Only the keys are held in memory (32 bytes each, sorted for lookup); a vector is read
    from its shard when asked for, and vectors added are written as a shard of their own
    every `flush_every` (and by `flush`), so memory does not grow with the store or with
    a run that embeds a whole corpus. `root` None: a store in memory only (nothing read,
    nothing written)."""

    def __init__(
        self,
        root: Path | None,
        model_id: str,
        writer: str | None = None,
        flush_every: int = 16_384,
    ) -> None:
        self.root = root
        self.model_id = model_id
        self.writer = writer
        self.flush_every = flush_every
        self._shards: list[_Shard] | None = None
        self._sorted = np.empty(0, dtype="S32")  # every key of the shards, sorted
        self._where = np.empty((0, 2), dtype=np.int64)  # (shard, row) of each sorted key
        self._vectors: dict[str, np.ndarray] = {}  # added, not yet written
        self._tokens: dict[str, int] = {}
        self._pending: list[str] = []

    def shards(self) -> list[Path]:
        """Every shard of this model under the root, in a fixed order (writer, name)."""
        if self.root is None or not self.root.is_dir():
            return []
        found = sorted(self.root.glob("*/*.safetensors"))
        wanted = {"model": self.model_id, "format": FORMAT}
        return [p for p in found if {k: _metadata(p).get(k) for k in wanted} == wanted]

    def _load(self) -> list[_Shard]:
        if self._shards is None:
            self._shards = []
            for path in self.shards():
                self._index(_Shard(path))
        return self._shards

    def _index(self, shard: _Shard) -> None:
        """Add a shard's keys to the index; the first shard holding a key gives its vector."""
        assert self._shards is not None
        self._shards.append(shard)
        rows = np.arange(len(shard.keys))
        where = np.column_stack([np.full(len(rows), len(self._shards) - 1), rows])
        keys = np.concatenate([self._sorted, shard.keys])
        where = np.concatenate([self._where, where])
        order = np.argsort(keys, kind="stable")  # earlier shards first among equal keys
        keys, where = keys[order], where[order]
        first = np.ones(len(keys), dtype=bool)
        first[1:] = keys[1:] != keys[:-1]
        self._sorted, self._where = keys[first], where[first]

    def _find(self, keys: list[str]) -> np.ndarray:
        """(shard, row) of each key, (-1, -1) where no shard holds it."""
        self._load()
        packed = _packed(keys)
        at = np.searchsorted(self._sorted, packed)
        found = at < len(self._sorted)
        found[found] = self._sorted[at[found]] == packed[found]
        out = np.full((len(keys), 2), -1, dtype=np.int64)
        out[found] = self._where[at[found]]
        return out

    def __contains__(self, key: str) -> bool:
        return key in self._vectors or bool(self._find([key])[0, 0] >= 0)

    def __len__(self) -> int:
        self._load()
        return len(self._sorted) + len(self._pending)

    def missing(self, keys: list[str]) -> list[str]:
        """The keys not in the store, each once, in their first order."""
        unique = [k for k in dict.fromkeys(keys) if k not in self._vectors]
        if not unique:
            return []
        where = self._find(unique)
        return [k for k, (shard, _) in zip(unique, where, strict=True) if shard < 0]

    def vectors(self, keys: list[str]) -> np.ndarray:
        """The vectors of `keys` (every one in the store), rows in their order."""
        shards = self._load()
        where = self._find(keys)
        width = shards[0].width if shards else 0
        added = [i for i, k in enumerate(keys) if k in self._vectors]
        if added:
            width = len(self._vectors[keys[added[0]]])
        out = np.empty((len(keys), width), dtype=np.float32)
        for i in added:
            out[i] = self._vectors[keys[i]]
            where[i] = -2
        if (where[:, 0] == -1).any():
            raise KeyError(keys[int(np.flatnonzero(where[:, 0] == -1)[0])])
        for s in np.unique(where[:, 0]):
            if s >= 0:
                rows = np.flatnonzero(where[:, 0] == s)
                out[rows] = shards[s].read(where[rows, 1])
        return out

    def vector(self, key: str) -> np.ndarray:
        return self.vectors([key])[0]

    def n_tokens(self, key: str) -> int:
        return self.token_counts([key])[0]

    def token_counts(self, keys: list[str]) -> list[int]:
        shards = self._load()
        where = self._find(keys)
        return [
            self._tokens[k] if k in self._tokens else int(shards[s].n_tokens[r])
            for k, (s, r) in zip(keys, where.tolist(), strict=True)
        ]

    def add(self, keys: list[str], vectors: np.ndarray, n_tokens: list[int]) -> None:
        """Vectors of new keys: kept in memory now, written by the next `flush` (or as
        soon as `flush_every` are waiting)."""
        new = set(self.missing(list(keys)))
        for key, vector, n in zip(keys, np.asarray(vectors, np.float32), n_tokens, strict=True):
            if key in new:
                new.discard(key)
                self._vectors[key] = vector.copy()
                self._tokens[key] = int(n)
                self._pending.append(key)
        if len(self._pending) >= self.flush_every and self.root is not None and self.writer:
            self.flush()

    def flush(self) -> Path | None:
        """Write the vectors added since the last flush as one new shard of the writer's
        folder (named by the hash of its keys); None when there was nothing to write."""
        keys, self._pending = sorted(self._pending), []
        if not keys or self.root is None or self.writer is None:
            return None  # an in-memory store keeps its vectors in memory
        folder = self.root / self.writer
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"{hashlib.sha256(''.join(keys).encode()).hexdigest()[:24]}.safetensors"
        tensors = {
            "keys": _raw_keys(keys),
            "vectors": np.stack([self._vectors[k] for k in keys]).astype(np.float32),
            "n_tokens": np.array([self._tokens[k] for k in keys], dtype=np.int64),
        }
        partial = path.with_suffix(".partial")
        save_file(tensors, str(partial), metadata={"model": self.model_id, "format": FORMAT})
        os.replace(partial, path)  # a shard is whole or absent, never half written
        self._load()
        self._index(_Shard(path))
        for key in keys:
            del self._vectors[key], self._tokens[key]
        log.info("vectors: %d new in %s", len(keys), path)
        return path


def save_vectors(path: Path, keys: list[str], vectors: np.ndarray, model: str) -> None:
    """Vectors aligned with rows (a stage's output, e.g. the asks' embeddings) and their
    sha256 keys (as bytes) in one safetensors file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tensors = {"keys": _raw_keys(keys), "vectors": np.asarray(vectors).astype(np.float32)}
    save_file(tensors, str(path), metadata={"model": model})


def load_vectors(path: Path) -> np.ndarray:
    return load_file(str(path))["vectors"]


def vectors_model(path: Path) -> str | None:
    """The model a vector file was written by (its metadata), or None if there is none."""
    return _metadata(path).get("model") if path.exists() else None
