"""Sentence vectors: one store, one encoder object, shared by every stage that embeds.

`open_encoder(layout, params, stage)` is how a stage gets its encoder: all-MiniLM-L6-v2
(`models.MiniLM`, run as params.yaml `encoder` says) over the store of
`data/cache/vectors/` (`store.VectorStore`: vectors by the sha256 of their text, in
shards). The encoder looks every text up and encodes only what is missing; the stage calls
`flush()` to add what it encoded as a new shard of its own folder. Tests and machines
without torch use `HashingModel`, with the same interface.
"""

from pipeline.vectors.encoder import Encoder, EncoderSettings, open_encoder
from pipeline.vectors.models import MAX_TOKENS, MODEL_ID, HashingModel, MiniLM, SentenceModel
from pipeline.vectors.store import (
    VectorStore,
    load_vectors,
    save_vectors,
    text_key,
    vectors_model,
)

__all__ = [
    "MAX_TOKENS",
    "MODEL_ID",
    "Encoder",
    "EncoderSettings",
    "HashingModel",
    "MiniLM",
    "SentenceModel",
    "VectorStore",
    "load_vectors",
    "open_encoder",
    "save_vectors",
    "text_key",
    "vectors_model",
]
