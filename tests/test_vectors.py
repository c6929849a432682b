"""The vector store and the encoder every stage shares: by content, in shards, one model."""

from __future__ import annotations

import numpy as np
import pytest

from pipeline.vectors import (
    Encoder,
    EncoderSettings,
    HashingModel,
    MiniLM,
    VectorStore,
    open_encoder,
)

TEXTS = ["States should mark firearms.", "UNODC should train judges.", "Publish the reviews."]


def opened(root, writer: str, model: HashingModel | None = None) -> Encoder:
    model = model or HashingModel()
    return Encoder(model, VectorStore(root, model.model_id, writer))


def test_vectors_one_store_serves_every_stage(tmp_path):
    embed = opened(tmp_path, "embed")
    first = embed.encode(TEXTS[:2])
    embed.flush()
    cluster = opened(tmp_path, "cluster")  # another stage, another run
    again = cluster.encode(TEXTS)
    cluster.flush()
    assert (cluster.looked_up, cluster.encoded) == (2, 1)  # embed's two came from the store
    np.testing.assert_array_equal(again[:2], first)
    assert sorted(p.parent.name for p in tmp_path.glob("*/*.safetensors")) == ["cluster", "embed"]


def test_vectors_adding_texts_adds_a_shard_and_rewrites_none(tmp_path):
    run = opened(tmp_path, "embed")
    run.encode(TEXTS[:2])
    [shard] = [run.store.flush()]
    before = (shard.read_bytes(), shard.stat().st_mtime_ns)
    later = opened(tmp_path, "embed")
    later.encode(TEXTS)
    added = later.store.flush()
    assert added != shard and (shard.read_bytes(), shard.stat().st_mtime_ns) == before
    nothing_new = opened(tmp_path, "embed")
    nothing_new.encode(TEXTS)
    assert nothing_new.store.flush() is None and nothing_new.encoded == 0


def test_vectors_a_store_of_another_model_is_not_read(tmp_path):
    run = opened(tmp_path, "embed", HashingModel(32, "hashing-32"))
    run.encode(TEXTS)
    run.flush()
    other = opened(tmp_path, "embed")  # hashing-64
    assert other.encode(TEXTS).shape == (3, 64) and other.encoded == 3


def test_vectors_width_comes_from_the_model(tmp_path):
    assert opened(tmp_path, "x", HashingModel(16, "h16")).encode([]).shape == (0, 16)
    assert MiniLM().width == 384  # read from the model's configuration, torch not loaded


def test_vectors_in_memory_store_writes_nothing(tmp_path):
    encoder = Encoder(HashingModel())
    encoder.encode(TEXTS)
    encoder.flush()
    assert encoder.encoded == 3 and not list(tmp_path.iterdir())


def test_vectors_stage_encoder_reads_its_settings(tmp_path):
    from pipeline.paths import Layout

    layout = Layout.under(tmp_path / "out", tmp_path / "raw")
    encoder = open_encoder(layout, {"encoder": {"device": "cpu", "batch_size": 8}}, "tag")
    assert encoder.store.root == layout.cache / "vectors" and encoder.store.writer == "tag"
    assert (encoder.model.device, encoder.model.batch_size) == ("cpu", 8)
    with pytest.raises(ValueError, match="device='tpu'"):
        EncoderSettings(device="tpu")


@pytest.mark.slow
def test_vectors_minilm_vector_depends_on_its_text_alone():
    texts = [
        "strengthen cooperation among States on firearms tracing",
        "publish the review documents",
        "train judges",
        "mark firearms",  # the same length as "train judges"
        "States should adopt national legislation criminalizing the illicit manufacturing "
        "of firearms, their parts and components, and ensure that sanctions are proportionate",
    ]
    model = MiniLM(batch_size=64)
    together = model.encode(texts + texts[::-1])
    model.batch_size = 1
    alone = np.stack([model.encode([t])[0] for t in texts])
    # bit for bit: the batch size, the neighbours and the order are execution only
    np.testing.assert_array_equal(together[: len(texts)], alone)
    np.testing.assert_array_equal(together[len(texts) :], alone[::-1])
    assert alone.shape == (5, 384) and np.allclose(np.linalg.norm(alone, axis=1), 1)


@pytest.mark.slow
def test_vectors_minilm_equals_sentence_transformers_bit_for_bit():
    """The plain-torch forward pass (vectors/bert.py) gives sentence-transformers' vectors
    exactly, so the store's vectors stay valid whichever computed them; token counts too."""
    from sentence_transformers import SentenceTransformer

    from pipeline.vectors.models import MAX_TOKENS, minilm_folder

    texts = [
        "States should mark firearms at import.",
        "States should mark firearms at export.",  # the same length: one batch of two
        "The Working Group invited UNODC to publish a guide on ghost guns and 3D printing.",
        "",  # [CLS] [SEP] only
        "Ünïcödé — “quotes” ½ and an emoji 🙂",
        "firearms trafficking " * 150,  # beyond 256 tokens: cut to the first 255 and [SEP]
    ]
    ours = MiniLM(batch_size=64)
    reference = SentenceTransformer(str(minilm_folder()), device="cpu")
    reference.max_seq_length = MAX_TOKENS
    counted = reference.tokenizer(texts, add_special_tokens=True, truncation=False)["input_ids"]
    assert ours.n_tokens(texts) == [len(ids) for ids in counted]
    expected = np.zeros((len(texts), ours.width), dtype=np.float32)
    lengths = [min(len(ids), MAX_TOKENS) for ids in counted]
    for length in sorted(set(lengths)):
        rows = [i for i, n in enumerate(lengths) if n == length]
        batch = [texts[i] for i in rows] * (2 if len(rows) == 1 else 1)
        vectors = reference.encode(
            batch, batch_size=len(batch), convert_to_numpy=True, normalize_embeddings=True
        )
        expected[rows] = vectors[: len(rows)]
    np.testing.assert_array_equal(ours.encode(texts), expected)
