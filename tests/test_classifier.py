"""The theme classifier: deterministic, JSON round trip, similarity, LODO hygiene, component."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from conftest import GOLD, tag_text

from pipeline.knowledge.taxonomy import load_taxonomy
from pipeline.tagging import crossval
from pipeline.tagging.classifier import FORMAT, ThemeClassifier
from pipeline.tagging.classifier_component import MODEL_FILE, add_theme_classifier
from pipeline.tagging.classifier_features import Evidence, Match, Priors, feature_rows
from pipeline.tagging.crossval import (
    Corpus,
    attach_vectors,
    build_corpus,
    copies_of,
    lodo_folds,
    split_predictions,
    tag_examples,
)


@pytest.fixture(scope="module")
def taxonomy():
    return load_taxonomy()


@pytest.fixture(scope="module")
def corpus(nlp, taxonomy, tmp_path_factory) -> Corpus:
    """The gold paragraphs of four documents tagged by the rules, without sentence vectors
    (four, not all: the fast loop's budget; the whole gold is cross-validated by evaluate)."""
    import shutil

    gold = tmp_path_factory.mktemp("gold")
    for doc in ("fa_2022_cd1", "som_2022_cd1", "ta_2023_cd1", "tip_2022_cd1"):
        for suffix in (".doc.json", ".paragraphs.jsonl"):
            shutil.copy(GOLD / f"{doc}{suffix}", gold)
    return build_corpus(nlp, gold, taxonomy, encode=None)


@pytest.fixture(scope="module")
def encoder():
    """The hashing model (no torch): the classifier's plumbing, not its semantics."""
    from pipeline.vectors import Encoder, HashingModel

    return Encoder(HashingModel())


@pytest.fixture(scope="module")
def minilm():
    from pipeline.vectors import Encoder, MiniLM

    return Encoder(MiniLM())


def examples_with_vectors(nlp, taxonomy, encoder) -> Corpus:
    """Only the taxonomy's example sentences and theme definitions, with vectors."""
    from pipeline.tagging.classifier_features import prototype_texts

    corpus = Corpus(
        [], tag_examples(nlp, taxonomy), prototype_texts(taxonomy.themes), sorted(taxonomy.themes)
    )
    attach_vectors(corpus, encoder.encode)
    return corpus


@pytest.fixture(scope="module")
def example_corpus(nlp, taxonomy, encoder) -> Corpus:
    return examples_with_vectors(nlp, taxonomy, encoder)


def dumps(model: ThemeClassifier) -> str:
    return json.dumps(model.to_json(), sort_keys=True)


def test_classifier_is_deterministic(corpus):
    first = crossval.train(corpus, corpus.doc_ids[:4])
    second = crossval.train(corpus, corpus.doc_ids[:4])
    assert dumps(first) == dumps(second)


def test_classifier_json_round_trip_gives_identical_predictions(corpus, example_corpus):
    paragraphs = corpus.paragraphs[:40]
    for fitted, vectors in (
        (crossval.train(corpus, corpus.doc_ids[:4]), None),
        (crossval.fit(example_corpus, []), [e.vectors for e in example_corpus.examples]),
    ):
        items = paragraphs if vectors is None else example_corpus.examples
        evidence = [p.evidence for p in items]
        loaded = ThemeClassifier.from_json(json.loads(dumps(fitted)))
        assert np.array_equal(
            fitted.predict_proba(evidence, vectors), loaded.predict_proba(evidence, vectors)
        )
        assert fitted.predict(evidence, vectors) == loaded.predict(evidence, vectors)
        assert dumps(loaded) == dumps(fitted)


def test_classifier_refuses_another_format():
    with pytest.raises(ValueError, match=FORMAT):
        ThemeClassifier.from_json({"format": "something/0"})


@pytest.mark.slow
def test_classifier_paraphrase_without_keyword_scores_above_unrelated_sentence(
    nlp, taxonomy, minilm
):
    from pipeline.tagging.classifier_component import evidence_from_doc, sentence_texts

    encoder = minilm
    model = crossval.fit(examples_with_vectors(nlp, taxonomy, minilm), [])
    assert model.uses_similarity()
    texts = [
        "Pistols assembled at home from unfinished frames bought without a serial number "
        "cannot be traced by the police.",
        "The meeting adopted its agenda and elected the members of its bureau.",
    ]
    docs = [tag_text(nlp, t) for t in texts]
    assert not any(s.label_ == "ghost_guns" for d in docs for s in d.spans["themes"])
    evidence = [evidence_from_doc(d) for d in docs]
    vectors = [encoder.encode(sentence_texts(d)) for d in docs]
    proba = model.predict_proba(evidence, vectors)
    ghost = model.labels_.index("ghost_guns")
    assert proba[0, ghost] > proba[1, ghost]


def test_classifier_falls_back_to_rules_without_vectors(example_corpus):
    model = crossval.fit(example_corpus, [])
    evidence = [e.evidence for e in example_corpus.examples[:5]]
    assert model.variant(None) == "rules"
    assert model.predict_proba(evidence).shape == (5, len(model.labels_))


def test_features_mark_a_theme_word_that_only_names_an_actor():
    evidence = Evidence(
        sentences=((0, 40),),
        matches=(Match("civil_society_participation", "r", 4, 17, "civil society"),),
        actors=((4, 17),),
    )
    priors = Priors.count([], [], ["civil_society_participation"], None)
    [[row]] = feature_rows([evidence], None, ["civil_society_participation"], priors, None, None)
    from pipeline.tagging.classifier_features import RULE_FEATURES

    assert row[RULE_FEATURES.index("actor_share")] == 1.0


def test_lodo_never_trains_on_the_scored_document(corpus):
    folds = lodo_folds(corpus.doc_ids)
    assert [held for _, [held] in folds] == corpus.doc_ids
    assert all(held not in train for train, [held] in folds)
    train_ids, test_ids = folds[0]
    tags, _, scored = split_predictions(corpus, [folds[0]], "classifier_rules_only")
    test = [p for p in corpus.paragraphs if p.doc_id in test_ids]
    without = crossval.fit(corpus, [p for p in corpus.paragraphs if p.doc_id in train_ids], test)
    leaked = crossval.fit(corpus, corpus.paragraphs, test)  # trained on the scored document too
    assert tags == crossval.decide(without, test)[0]
    assert tags != crossval.decide(leaked, test)[0]
    assert {p.doc_id for p in scored} == set(test_ids)


def test_lodo_leaves_out_examples_that_copy_the_scored_document(corpus):
    held = [p for p in corpus.paragraphs if p.doc_id == corpus.doc_ids[0]]
    sentence = held[0].sentences[0]
    other = "Completely unrelated words about a garden party held in spring."
    assert copies_of([sentence, other], held) == {sentence}


def test_lodo_refuses_a_fold_that_trains_on_what_it_scores(corpus):
    doc = corpus.doc_ids[0]
    with pytest.raises(ValueError, match="trains on"):
        split_predictions(corpus, [([doc], [doc])], "classifier_rules_only")


def test_component_saved_with_the_tagger_restores_the_same_decisions(corpus, tmp_path: Path):
    import spacy

    from pipeline.build_tagger import build_tagger

    model = crossval.train(corpus, corpus.doc_ids)
    nlp = build_tagger()
    add_theme_classifier(nlp, model, embeddings="none")
    nlp.to_disk(tmp_path / "tagger")
    saved = json.loads((tmp_path / "tagger" / "crp_theme_classifier" / MODEL_FILE).read_text())
    assert saved["format"] == FORMAT
    loaded = spacy.load(tmp_path / "tagger")
    text = (
        "One speaker noted that civil society took part. She urged States to mark "
        "essential parts and components and to keep records of every transfer."
    )
    first, second = tag_text(nlp, text), tag_text(loaded, text)
    assert first._.theme_scores == second._.theme_scores
    assert [(s.label_, s.start) for s in first.spans["themes"]] == [
        (s.label_, s.start) for s in second.spans["themes"]
    ]
    kept = {s.label_ for s in first.spans["themes"]}
    assert set(first._.theme_scores) >= kept
    for rec in first._.recommendations:
        assert set(rec["themes"]) <= kept


def test_component_without_a_model_leaves_the_rules_themes(nlp, tmp_path: Path):
    from pipeline.build_tagger import build_tagger

    plain = build_tagger()
    add_theme_classifier(plain, None)
    text = "She urged States to mark essential parts and components."
    with_component, without = tag_text(plain, text), tag_text(nlp, text)
    assert [s.label_ for s in with_component.spans["themes"]] == [
        s.label_ for s in without.spans["themes"]
    ]
