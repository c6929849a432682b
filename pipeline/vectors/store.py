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


def _metadata(path: Path) -> dict[str, str]:
    from safetensors import safe_open

    with safe_open(str(path), framework="numpy") as handle:
        return handle.metadata() or {}


class VectorStore:
    """Vectors and token counts by text key, read from the shards under `root` (every
    writer's folder) and written as new shards into `root/<writer>`.

    `root` None: a store in memory only (nothing read, nothing written)."""

    def __init__(self, root: Path | None, model_id: str, writer: str | None = None) -> None:
        self.root = root
        self.model_id = model_id
        self.writer = writer
        self._vectors: dict[str, np.ndarray] | None = None
        self._tokens: dict[str, int] = {}
        self._pending: list[str] = []

    def shards(self) -> list[Path]:
        """Every shard of this model under the root, in a fixed order (writer, name)."""
        if self.root is None or not self.root.is_dir():
            return []
        found = sorted(self.root.glob("*/*.safetensors"))
        wanted = {"model": self.model_id, "format": FORMAT}
        return [p for p in found if {k: _metadata(p).get(k) for k in wanted} == wanted]

    def _load(self) -> dict[str, np.ndarray]:
        if self._vectors is None:
            self._vectors = {}
            for path in self.shards():  # the first shard holding a key gives its vector
                tensors = load_file(str(path))
                keys = [bytes(k).hex() for k in tensors["keys"]]
                for key, vector, n in zip(
                    keys, tensors["vectors"], tensors["n_tokens"].tolist(), strict=True
                ):
                    if key not in self._vectors:
                        self._vectors[key] = vector
                        self._tokens[key] = int(n)
        return self._vectors

    def __contains__(self, key: str) -> bool:
        return key in self._load()

    def __len__(self) -> int:
        return len(self._load())

    def missing(self, keys: list[str]) -> list[str]:
        """The keys not in the store, each once, in their first order."""
        vectors = self._load()
        return [k for k in dict.fromkeys(keys) if k not in vectors]

    def vector(self, key: str) -> np.ndarray:
        return self._load()[key]

    def n_tokens(self, key: str) -> int:
        self._load()
        return self._tokens[key]

    def add(self, keys: list[str], vectors: np.ndarray, n_tokens: list[int]) -> None:
        """Vectors of new keys: kept in memory now, written by the next `flush`."""
        store = self._load()
        for key, vector, n in zip(keys, np.asarray(vectors, np.float32), n_tokens, strict=True):
            if key not in store:
                store[key] = vector
                self._tokens[key] = int(n)
                self._pending.append(key)

    def flush(self) -> Path | None:
        """Write the vectors added since the last flush as one new shard of the writer's
        folder (named by the hash of its keys); None when there was nothing to write."""
        if not self._pending:
            return None
        keys, self._pending = sorted(self._pending), []
        if self.root is None or self.writer is None:
            return None
        store = self._load()
        folder = self.root / self.writer
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"{hashlib.sha256(''.join(keys).encode()).hexdigest()[:24]}.safetensors"
        tensors = {
            "keys": _raw_keys(keys),
            "vectors": np.stack([store[k] for k in keys]).astype(np.float32),
            "n_tokens": np.array([self._tokens[k] for k in keys], dtype=np.int64),
        }
        partial = path.with_suffix(".partial")
        save_file(tensors, str(partial), metadata={"model": self.model_id, "format": FORMAT})
        os.replace(partial, path)  # a shard is whole or absent, never half written
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
