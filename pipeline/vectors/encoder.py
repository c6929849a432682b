"""The one encoder object every stage embeds with: the store first, the model for the rest."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from pipeline.params import load_settings
from pipeline.vectors.models import MiniLM, SentenceModel
from pipeline.vectors.store import VectorStore, text_key

if TYPE_CHECKING:
    from pipeline.paths import Layout

log = logging.getLogger("crp")


@dataclass(frozen=True)
class EncoderSettings:
    """params.yaml `encoder`: how the sentence model runs. Execution settings only: a
    vector depends on its text alone (models.MiniLM), so they never change an output."""

    device: str = "auto"  # cpu | cuda | auto
    batch_size: int = 64

    def __post_init__(self) -> None:
        if self.device not in ("cpu", "cuda", "auto"):
            raise ValueError(f"device={self.device!r}: use cpu, cuda or auto")
        if self.batch_size < 1:
            raise ValueError(f"batch_size={self.batch_size} must be at least 1")


class Encoder:
    """Vectors of texts by content: looked up in the store, the model run (and loaded) only
    for texts the store lacks, which are added to it. `encode(texts)` (or calling the
    encoder) gives float32 rows aligned with `texts`; `n_tokens(texts)` their lengths in
    model tokens. `looked_up` and `encoded` count texts served from the store and texts
    the model encoded (each distinct text once); `flush()` writes what was added."""

    def __init__(self, model: SentenceModel | None = None, store: VectorStore | None = None):
        self.model = model if model is not None else MiniLM()
        self.store = store if store is not None else VectorStore(None, self.model.model_id)
        if self.store.model_id != self.model.model_id:
            raise ValueError(f"a store of {self.store.model_id} for model {self.model.model_id}")
        self.looked_up = 0
        self.encoded = 0

    @property
    def model_id(self) -> str:
        return self.model.model_id

    @property
    def width(self) -> int:
        return self.model.width

    def _ensure(self, texts: list[str], count: bool = True) -> list[str]:
        keys = [text_key(t) for t in texts]
        todo = self.store.missing(keys)
        self.looked_up += (len(set(keys)) - len(todo)) if count else 0
        if todo:
            by_key = dict(zip(keys, texts, strict=True))
            new = [by_key[k] for k in todo]
            self.store.add(todo, self.model.encode(new), self.model.n_tokens(new))
            self.encoded += len(todo)
        return keys

    def encode(self, texts: list[str]) -> np.ndarray:
        texts = list(texts)
        if not texts:
            return np.zeros((0, self.width), dtype=np.float32)
        return self.store.vectors(self._ensure(texts))

    __call__ = encode

    def n_tokens(self, texts: list[str]) -> list[int]:
        keys = self._ensure(list(texts), count=False) if texts else []
        return self.store.token_counts(keys)

    def flush(self) -> None:
        self.store.flush()


def open_encoder(layout: Layout, params: dict[str, Any], stage: str) -> Encoder:
    """The encoder of a stage: all-MiniLM-L6-v2 as params.yaml `encoder` runs it, over the
    store every stage shares (`layout.cache / "vectors"`), adding to the stage's folder."""
    settings = load_settings(EncoderSettings, "encoder", params)
    model = MiniLM(settings.device, settings.batch_size)
    return Encoder(model, VectorStore(layout.cache / "vectors", model.model_id, writer=stage))
