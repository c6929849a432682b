"""Embedding: asks without their frame, offline model, content-keyed cache, long input."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from pipeline.asks.frame import ask_of, reporting_frame
from pipeline.embed import EmbedSettings, asks_table, embed
from pipeline.encoder import MiniLM, VectorStore
from pipeline.knowledge.taxonomy import stage_taxonomy

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


@pytest.fixture(scope="module")
def encoder() -> MiniLM:
    return MiniLM(device="cpu")


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


def test_embed_adding_a_sentence_encodes_that_sentence_only(encoder, tmp_path):
    store = tmp_path / "store.safetensors"
    first = asks_table(
        recs(
            [
                "He urged States to mark firearms at import.",
                "She called on UNODC to develop a typology of diversion.",
            ]
        ),
        FRAME,
    )
    _, v1 = embed(first, EmbedSettings(), store, encoder)
    assert encoder.encoded == 2
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
    calls, encoded = encoder.calls, encoder.encoded
    _, v2 = embed(second, EmbedSettings(), store, encoder)
    assert encoder.calls == calls + 1 and encoder.encoded == encoded + 1
    np.testing.assert_array_equal(v2[:2], v1)
    assert v2.dtype == np.float32 and v2.shape == (3, 384)
    assert np.allclose(np.linalg.norm(v2, axis=1), 1.0, atol=1e-5)


def test_embed_identical_sentences_share_one_vector(encoder, tmp_path):
    table = asks_table(recs(["She urged States to act now."] * 3), FRAME)
    encoded = encoder.encoded
    _, vectors = embed(table, EmbedSettings(), tmp_path / "s.safetensors", encoder)
    assert encoder.encoded == encoded + 1
    assert (vectors == vectors[0]).all()


def test_embed_long_sentences_are_flagged_as_truncated(encoder, tmp_path):
    long = "He urged States to " + " ".join(["strengthen controls"] * 200) + "."
    table, vectors = embed(
        asks_table(recs([long, "He urged States to act."]), FRAME),
        EmbedSettings(),
        tmp_path / "s.safetensors",
        encoder,
    )
    assert list(table["truncated"]) == [True, False]
    assert table["n_tokens"].iloc[0] > 256
    assert np.isfinite(vectors).all()


def test_embed_no_recommendations(encoder, tmp_path):
    table, vectors = embed(
        asks_table(recs([]), FRAME), EmbedSettings(), tmp_path / "s.safetensors", encoder
    )
    assert len(table) == 0 and vectors.shape == (0, 384)
    assert VectorStore(tmp_path / "s.safetensors", "m").vectors == {}


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
    with pytest.raises(ValueError, match="device"):
        EmbedSettings(device="tpu")
