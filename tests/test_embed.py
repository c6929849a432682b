"""Embedding: asks without their frame, vectors from the shared store, long input.

Fast tests use the hashing model (pipeline.vectors.HashingModel: MiniLM's interface,
no torch); what needs the real model is in test_vectors.py, marked slow."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from pipeline.asks.frame import ask_of, reporting_frame
from pipeline.embed import EmbedSettings, asks_table, embed
from pipeline.knowledge.taxonomy import stage_taxonomy
from pipeline.vectors import Encoder, HashingModel, VectorStore

FRAME = reporting_frame(stage_taxonomy("embed"))


def recs(texts: list[str]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "doc_id": "d",
            "para_no": range(1, len(texts) + 1),
            "rec_no": 1,
            "text": texts,
            "start": 0,
            "end": 1,
            "by": "participant",
            "to": "states",
            "themes": [[] for _ in texts],
            "rule": "r",
        }
    )


def store_encoder(root, writer: str = "embed") -> Encoder:
    """An encoder over the store under `root`, as a stage opens it (one run)."""
    model = HashingModel()
    return Encoder(model, VectorStore(root, model.model_id, writer))


@pytest.fixture
def encoder(tmp_path) -> Encoder:
    return store_encoder(tmp_path / "vectors")


@pytest.mark.parametrize(
    ("sentence", "ask"),
    [
        (
            "He recommended that importing States systematically apply the simple marking.",
            "importing States systematically apply the simple marking",
        ),
        (
            "One speaker stressed the need to mainstream gender in firearms policies.",
            "mainstream gender in firearms policies",
        ),
        (
            "She urged States to destroy collected weapons promptly.",
            "States to destroy collected weapons promptly",
        ),
        ("Short one.", "Short one"),
    ],
)
def test_ask_strips_the_reporting_frame(sentence, ask):
    assert ask_of(sentence, FRAME) == ask


def test_embed_adding_a_sentence_encodes_that_sentence_only(tmp_path):
    first = asks_table(
        recs(
            [
                "He urged States to mark firearms at import.",
                "She called on UNODC to develop a typology of diversion.",
            ]
        ),
        FRAME,
    )
    run = store_encoder(tmp_path)
    _, v1 = embed(first, EmbedSettings(), run)
    run.flush()
    assert run.encoded == 2
    second = asks_table(
        recs(
            [
                "He urged States to mark firearms at import.",
                "She called on UNODC to develop a typology of diversion.",
                "They invited States to destroy seized weapons.",
            ]
        ),
        FRAME,
    )
    again = store_encoder(tmp_path)  # the next run, on the store the first one left
    _, v2 = embed(second, EmbedSettings(), again)
    assert (again.looked_up, again.encoded) == (2, 1)
    np.testing.assert_array_equal(v2[:2], v1)
    assert v2.dtype == np.float32 and v2.shape == (3, HashingModel().width)
    assert np.allclose(np.linalg.norm(v2, axis=1), 1.0, atol=1e-5)


def test_embed_identical_sentences_share_one_vector(encoder):
    table = asks_table(recs(["She urged States to act now."] * 3), FRAME)
    _, vectors = embed(table, EmbedSettings(), encoder)
    assert encoder.encoded == 1
    assert (vectors == vectors[0]).all()


def test_embed_long_sentences_are_flagged_as_truncated(encoder):
    long = "He urged States to " + " ".join(["strengthen controls"] * 200) + "."
    table, vectors = embed(
        asks_table(recs([long, "He urged States to act."]), FRAME), EmbedSettings(), encoder
    )
    assert list(table["truncated"]) == [True, False]
    assert table["n_tokens"].iloc[0] > 256
    assert np.isfinite(vectors).all()


def test_embed_no_recommendations(encoder, tmp_path):
    table, vectors = embed(asks_table(recs([]), FRAME), EmbedSettings(), encoder)
    encoder.flush()
    assert len(table) == 0 and vectors.shape == (0, HashingModel().width)
    assert not list((tmp_path / "vectors").rglob("*.safetensors"))  # nothing to store


def test_tfidf_embedder_needs_no_torch_and_is_deterministic():
    table = asks_table(
        recs(
            [
                "States should mark firearms.",
                "UNODC should train judges.",
                "States should mark parts and firearms.",
            ]
        ),
        FRAME,
    )
    settings = EmbedSettings(model="tfidf", tfidf_dimensions=16)
    _, a = embed(table, settings, None)
    _, b = embed(table, settings, None)
    assert a.shape == (3, 16) and (a == b).all()
    assert a[0] @ a[2] > a[0] @ a[1]


def test_embed_settings_validate_themselves():
    with pytest.raises(ValueError, match="model='bert'"):
        EmbedSettings(model="bert")
