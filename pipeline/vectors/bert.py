"""all-MiniLM-L6-v2's forward pass in plain torch, read from the package folder.

Why not sentence-transformers: importing it (and transformers under it) costs 4 to 6 s on
this machine before the first text is encoded, in every stage that embeds anything new;
torch alone costs about 1 s. The network is a 6-layer BERT whose token vectors are
averaged and scaled to unit length, a few lines over the weights in `model.safetensors`.
The operations are the ones `SentenceTransformer.encode(..., normalize_embeddings=True)`
runs (embeddings summed word + token type, then position; SDPA attention with the
explicit scale; mean pooling; the unit scaling done twice, by the model's Normalize module
and by `normalize_embeddings`), so the vectors are the same bit for bit, which
tests/test_vectors.py asserts against sentence-transformers itself: vectors already in the
store stay valid.

Texts are tokenized by the model's own `tokenizer.json` (the `tokenizers` library, which
sentence-transformers installs). Batches hold texts of one token length only, so no row is
padded and no attention mask is needed (models.MiniLM.encode arranges that).
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import numpy as np

KERNELS_KEPT = 8  # oneDNN kernels kept between batches (ONEDNN_PRIMITIVE_CACHE_CAPACITY)


class Bert:
    """The BERT encoder of a sentence-transformers folder, mean-pooled and unit length."""

    def __init__(self, folder: Path, device: str = "cpu") -> None:
        # oneDNN keeps the kernels it builds for every input shape it meets (1,024 by
        # default), and batches come in every token length: encoding a corpus grew the
        # process by hundreds of megabytes (1,200 paragraphs: 455 → 896 MB resident; with
        # 8 kept, 595 MB, in the same time). Read when the first kernel is built.
        os.environ.setdefault("ONEDNN_PRIMITIVE_CACHE_CAPACITY", str(KERNELS_KEPT))
        import torch
        from safetensors.torch import load_file
        from tokenizers import Tokenizer

        self.torch = torch
        self.config = json.loads((folder / "config.json").read_text(encoding="utf-8"))
        weights = load_file(str(folder / "model.safetensors"), device=device)
        self.weights = {name.removeprefix("bert."): tensor for name, tensor in weights.items()}
        self.device = device
        self.tokenizer = Tokenizer.from_file(str(folder / "tokenizer.json"))
        self.tokenizer.no_truncation()
        self.tokenizer.no_padding()

    def token_ids(self, texts: list[str]) -> list[list[int]]:
        """Each text's ids with [CLS] and [SEP], never truncated."""
        return [encoding.ids for encoding in self.tokenizer.encode_batch(texts)]

    def _w(self, name: str) -> Any:
        return self.weights[name]

    def _layer_norm(self, x: Any, prefix: str) -> Any:
        width = self.config["hidden_size"]
        eps = self.config["layer_norm_eps"]
        weight, bias = self._w(f"{prefix}.weight"), self._w(f"{prefix}.bias")
        return self.torch.nn.functional.layer_norm(x, (width,), weight, bias, eps)

    def _linear(self, x: Any, prefix: str) -> Any:
        return self.torch.nn.functional.linear(
            x, self._w(f"{prefix}.weight"), self._w(f"{prefix}.bias")
        )

    def _embeddings(self, ids: Any) -> Any:
        functional, torch = self.torch.nn.functional, self.torch
        x = functional.embedding(ids, self._w("embeddings.word_embeddings.weight"))
        x = x + functional.embedding(
            torch.zeros_like(ids), self._w("embeddings.token_type_embeddings.weight")
        )
        positions = torch.arange(ids.shape[1], device=ids.device).unsqueeze(0)
        x = x + functional.embedding(positions, self._w("embeddings.position_embeddings.weight"))
        return self._layer_norm(x, "embeddings.LayerNorm")

    def _layer(self, x: Any, index: int) -> Any:
        functional = self.torch.nn.functional
        rows, length, width = x.shape
        heads = self.config["num_attention_heads"]
        size = width // heads
        at = f"encoder.layer.{index}"

        def split(t: Any) -> Any:
            return t.view(rows, length, heads, size).transpose(1, 2)

        query, key, value = (
            split(self._linear(x, f"{at}.attention.self.{part}"))
            for part in ("query", "key", "value")
        )
        context = functional.scaled_dot_product_attention(
            query, key, value, attn_mask=None, dropout_p=0.0, scale=size**-0.5, is_causal=False
        )
        context = context.transpose(1, 2).contiguous().reshape(rows, length, width)
        x = self._layer_norm(
            self._linear(context, f"{at}.attention.output.dense") + x,
            f"{at}.attention.output.LayerNorm",
        )
        inner = functional.gelu(self._linear(x, f"{at}.intermediate.dense"))
        return self._layer_norm(
            self._linear(inner, f"{at}.output.dense") + x, f"{at}.output.LayerNorm"
        )

    def encode(self, batch: list[list[int]]) -> np.ndarray:
        """Unit vectors of token-id rows that all have the same length."""
        torch = self.torch
        functional = torch.nn.functional
        with torch.inference_mode():
            ids = torch.tensor(batch, dtype=torch.long, device=self.device)
            x = self._embeddings(ids)
            for index in range(self.config["num_hidden_layers"]):
                x = self._layer(x, index)
            mask = torch.ones(x.shape[0], x.shape[1], 1, dtype=x.dtype, device=x.device)
            pooled = (x * mask).sum(dim=1, dtype=x.dtype) / torch.clamp(mask.sum(dim=1), min=1e-9)
            unit = functional.normalize(functional.normalize(pooled, p=2, dim=-1), p=2, dim=-1)
            return unit.cpu().numpy()
