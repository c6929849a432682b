"""The theme decision (pipeline/themes): vocabulary, features out of fold, model, component."""

from __future__ import annotations

import hashlib

import numpy as np
import pytest
import spacy

from pipeline.themes.crossval import decision_counts, work_summary
from pipeline.themes.evidence import Hit, Paragraph, sentence_paragraph
from pipeline.themes.features import Parts, Rates, feature_names, pair_features
from pipeline.themes.learning import best_threshold
from pipeline.themes.model import ThemeModel, ThemeSettings, TrainingSet
from pipeline.themes.similarity import Concepts, Neighbours
from pipeline.themes.vocabulary import ThemeVocabulary

LABELS = ["firearms", "victims"]
FIREARMS = [
    "Pistols and rifles were trafficked across the border by arms dealers.",
    "The police seized rifles, pistols and ammunition from the dealers.",
    "Firearms dealers must keep records of every pistol sold.",
    "Rifles converted from alarm pistols were seized at the border.",
]
VICTIMS = [
    "Victims of trafficking were referred to shelters and received support.",
    "Survivors and victims should receive compensation and support.",
    "Shelters offered victims medical care, legal aid and support.",
    "Victims were identified by frontline workers and referred to shelters.",
]


class HashEncoder:
    """Deterministic stand-in for MiniLM: texts sharing words get close vectors."""

    def encode(self, texts: list[str]) -> np.ndarray:
        out = np.zeros((len(texts), 64), dtype=np.float32)
        for i, text in enumerate(texts):
            for word in text.lower().split():
                h = int(hashlib.sha256(word.strip(".,").encode()).hexdigest(), 16)
                out[i, h % 64] += 1.0
        return out


def paragraph(text: str, group: str = "firearms", hits: tuple[Hit, ...] = ()) -> Paragraph:
    return Paragraph(text, ((0, len(text)),), hits, (), group)


def training_set() -> TrainingSet:
    texts = FIREARMS + VICTIMS
    targets = np.array([[1, 0]] * len(FIREARMS) + [[0, 1]] * len(VICTIMS))
    documents = ["d1", "d2", "d3", "d4"] * 2
    examples = ["Firearms and pistols are weapons.", "Victims need support and shelters."]
    return TrainingSet(
        [paragraph(t) for t in texts], targets, documents, examples, np.array([[1, 0], [0, 1]])
    )


def test_themes_vocabulary_learns_which_words_make_a_theme():
    data = training_set()
    vocabulary = ThemeVocabulary(LABELS).fit([p.text for p in data.paragraphs], data.targets)
    p = vocabulary.predict_proba(
        ["Dealers sold pistols and rifles.", "Shelters supported victims."]
    )
    assert p[0, 0] > p[0, 1] and p[1, 1] > p[1, 0]


def test_themes_vocabulary_round_trip_gives_identical_probabilities(tmp_path):
    data = training_set()
    vocabulary = ThemeVocabulary(LABELS).fit([p.text for p in data.paragraphs], data.targets)
    vocabulary.to_disk(tmp_path)
    again = ThemeVocabulary.from_disk(tmp_path)
    texts = ["Pistols for victims.", "Nothing related at all."]
    assert np.array_equal(vocabulary.predict_proba(texts), again.predict_proba(texts))


def test_themes_vocabulary_never_gives_a_theme_without_training_examples():
    vocabulary = ThemeVocabulary(["firearms", "unseen"]).fit(
        FIREARMS + VICTIMS, np.array([[1, 0]] * 4 + [[0, 0]] * 4)
    )
    assert vocabulary.predict_proba(["Pistols."])[0, 1] < 1e-9


def test_themes_out_of_fold_features_never_come_from_the_scored_document():
    data = training_set()
    model = ThemeModel(LABELS, ThemeSettings(similarity=False))
    x = model.out_of_fold(data, None, None)
    rows = data.rows_of("d1")
    parts = model.fit_parts(data.without("d1"), None, None)
    expected = pair_features([data.paragraphs[i] for i in rows], parts)
    got = np.vstack([x[i * 2 : i * 2 + 2] for i in rows])
    assert np.array_equal(got, expected)
    whole = model.fit_parts(data, None, None)
    assert not np.array_equal(got, pair_features([data.paragraphs[i] for i in rows], whole))


def test_themes_model_decides_and_round_trips(tmp_path):
    model = ThemeModel(LABELS, ThemeSettings(similarity=False)).fit(training_set())
    texts = [paragraph("Rifles and pistols were seized."), paragraph("Victims found shelter.")]
    p = model.predict_proba(texts)
    assert p[0, 0] >= model.threshold_ > p[0, 1] and p[1, 1] >= model.threshold_ > p[1, 0]
    model.to_disk(tmp_path)
    again = ThemeModel.from_disk(tmp_path)
    assert np.array_equal(again.predict_proba(texts), p)
    assert again.threshold_ == model.threshold_


def test_themes_model_with_vectors_round_trips(tmp_path):
    data = training_set()
    encoder = HashEncoder()
    texts = list(dict.fromkeys([p.text for p in data.paragraphs] + FIREARMS + VICTIMS))
    vectors = dict(zip(texts, encoder.encode(texts), strict=True))
    concepts = Concepts(
        LABELS, {"firearms": encoder.encode(FIREARMS[:2]), "victims": encoder.encode(VICTIMS[:2])}
    )
    model = ThemeModel(LABELS, ThemeSettings(similarity=True)).fit(data, vectors, concepts)
    assert "neighbours" in model.decision_.features
    scored = [data.paragraphs[0], data.paragraphs[5]]
    p = model.predict_proba(scored, vectors)
    model.to_disk(tmp_path)
    assert np.allclose(ThemeModel.from_disk(tmp_path).predict_proba(scored, vectors), p)
    with pytest.raises(ValueError, match="vectors"):
        model.predict_proba(scored, None)


def test_themes_lexicon_features_read_where_the_hit_stands():
    text = "Victims were supported. Pistols, rifles, victims and drugs were listed."
    p = Paragraph(
        text,
        ((0, 23), (24, len(text))),
        (Hit("victims", "theme/victims/victims", 41, 48),),
        ((24, len(text)),),
        "firearms",
    )
    parts = Parts(
        LABELS,
        ThemeVocabulary(LABELS).fit(FIREARMS + VICTIMS, np.array([[1, 0]] * 4 + [[0, 1]] * 4)),
        Rates.count(["firearms"], np.array([[1, 0]])),
    )
    x = pair_features([p], parts, lexicon=True)
    names = feature_names(parts, lexicon=True)
    victims = dict(zip(names, x[1], strict=True))
    assert victims["lexicon"] == 1.0 and victims["lexicon_first"] == 0.0
    assert victims["lexicon_recommendation"] == 1.0 and victims["lexicon_list"] == 1.0
    assert dict(zip(names, x[0], strict=True))["lexicon"] == 0.0


def test_themes_concepts_average_the_nearest_concept_sentences():
    concepts = Concepts(["a"], {"a": np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0], [-1.0, 0.0]])})
    closeness = concepts.closeness(np.array([[1.0, 0.0]]))
    assert closeness[0, 0] == pytest.approx((1.0 + np.sqrt(0.5) + 0.0) / 3, abs=1e-6)


def test_themes_neighbours_share_is_weighted_by_similarity():
    neighbours = Neighbours(np.array([[1.0, 0.0], [0.0, 1.0]]), np.array([[1, 0], [0, 1]]), k=2)
    share = neighbours.shares(np.array([[1.0, 0.1]]))
    assert share[0, 0] > 0.9 and share[0, 1] < 0.1


def test_themes_best_threshold_maximizes_f1():
    scores = np.array([0.9, 0.8, 0.4, 0.3, 0.2])
    y = np.array([1, 1, 1, 0, 0])
    assert best_threshold(scores, y) == pytest.approx(0.31, abs=0.011)


def test_themes_decision_counts_split_rejected_hits_and_added_themes():
    from types import SimpleNamespace

    gold = SimpleNamespace(
        paragraphs=[paragraph("x", hits=(Hit("firearms", "r", 0, 1), Hit("victims", "r", 0, 1)))],
        rows=[{"themes": ["firearms"]}],
    )
    c = decision_counts(
        gold, [0], ["firearms", "victims", "youth"], np.array([[0.9, 0.1, 0.8]]), 0.5
    )
    summary = work_summary(c)
    assert summary["lexicon_hits"] == 2 and summary["rejected"] == 1
    assert summary["rejected_precision"] == 1.0 and summary["right_hits_kept_share"] == 1.0
    assert summary["added"] == 1 and summary["added_precision"] == 0.0


def make_nlp(model: ThemeModel | None):
    nlp = spacy.blank("en")
    nlp.add_pipe("sentencizer")
    decider = nlp.add_pipe("crp_themes")
    decider.set_model(model)
    return nlp


def tagged(nlp, text: str, hits: list[tuple[str, int, int]], recs: list[tuple[int, int]]):
    from spacy.tokens import Doc, Span

    if not Doc.has_extension("recommendations"):
        Doc.set_extension("recommendations", default=None)
    if not Doc.has_extension("working_group"):
        Doc.set_extension("working_group", default=None)
    doc = nlp.make_doc(text)
    doc = nlp.get_pipe("sentencizer")(doc)
    spans = []
    for label, a, b in hits:
        span = doc.char_span(a, b, label=label, alignment_mode="expand")
        spans.append(Span(doc, span.start, span.end, label=label, span_id=f"theme/{label}/x"))
    doc.spans["theme_hits"] = spans
    doc._.working_group = "firearms"
    doc._.recommendations = [
        {"start": a, "end": b, "by": "ngo", "to": "states", "rule": "r"} for a, b in recs
    ]
    return nlp.get_pipe("crp_themes")(doc)


def test_themes_component_without_a_model_keeps_the_lexicon_hits():
    text = "Pistols were sold. States should support victims."
    doc = tagged(make_nlp(None), text, [("victims", 41, 48)], [(19, len(text))])
    assert [(s.label_, s.text) for s in doc.spans["themes"]] == [("victims", "victims")]
    assert doc._.recommendations[0]["themes"] == ["victims"]
    assert doc._.theme_scores is None


def test_themes_component_rejects_a_passing_hit_and_adds_a_theme_with_its_best_sentence():
    model = ThemeModel(LABELS, ThemeSettings(similarity=False)).fit(training_set())
    text = "Dealers trafficked rifles and pistols across the border. The police seized the rifles."
    doc = tagged(make_nlp(model), text, [("victims", 0, 7)], [(57, len(text))])
    themes = {s.label_: s for s in doc.spans["themes"]}
    assert set(themes) == {"firearms"}
    assert themes["firearms"].id_ == "decision/firearms"
    assert themes["firearms"].text.startswith("Dealers trafficked")
    assert set(doc._.theme_scores) == set(LABELS)
    assert doc._.recommendations[0]["themes"] == ["firearms"]


def test_themes_recommendation_sentence_alone_can_add_a_theme():
    model = ThemeModel(LABELS, ThemeSettings(similarity=False)).fit(training_set())
    sentence = sentence_paragraph("Victims should receive shelters, support and compensation.")
    assert model.predict_proba([sentence])[0, 1] >= model.threshold_


def test_themes_every_theme_has_ten_sentences_about_it():
    from pipeline.knowledge.taxonomy import stage_taxonomy

    taxonomy = stage_taxonomy("build_tagger")
    short = {t: len(theme.about) for t, theme in taxonomy.themes.items() if len(theme.about) < 10}
    assert not short, f"themes.yaml: fewer than 10 `about` sentences: {short}"
