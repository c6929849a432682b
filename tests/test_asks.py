"""Known asks: the catalogue and its validation, the matcher, new asks and their labels.

The matcher's plumbing is tested with the hashing model (pipeline.vectors.HashingModel, no
torch); what only a sentence model can do (a paraphrase matched) is marked slow."""

from __future__ import annotations

import json
import re

import pandas as pd
import pytest

from pipeline.asks.assign import assign
from pipeline.asks.catalogue import asks_from_data, with_contexts, without_docs
from pipeline.asks.frame import reporting_frame
from pipeline.asks.labels import new_ask_label
from pipeline.asks.matcher import AskMatcher
from pipeline.knowledge.taxonomy import TaxonomyError, load_taxonomy
from pipeline.vectors import Encoder, HashingModel, MiniLM

TAXONOMY = load_taxonomy(parts=["labels", "recommendations", "asks", "wording"])
FRAME = reporting_frame(TAXONOMY)
WORDING = TAXONOMY.wording

# id: (label, definition, themes, addressee, examples as (session, addressee, sentence))
ASKS = {
    "mark_parts": (
        "Mark essential parts and components",
        "mark and register the essential parts and components of firearms",
        ["parts_components"],
        "states",
        [
            ("a", "states", "He recommended that States mark the essential parts and "
             "components of firearms, not only complete weapons."),
            ("b", "states", "She urged States to extend marking requirements to frames, "
             "receivers, barrels and slides."),
            ("c", "states", "They called on States to mark and register firearm parts and "
             "components."),
        ],
    ),
    "destroy_weapons": (
        "Destroy collected weapons promptly",
        "destroy seized, collected or surrendered weapons promptly",
        ["destruction_disposal"],
        "states",
        [
            ("a", "states", "He stressed that national authorities should destroy collected "
             "weapons promptly and publicly."),
            ("b", "states", "She recommended that seized firearms be destroyed rather than "
             "sold or stored."),
            ("c", "states", "One speaker called on States to destroy surrendered weapons "
             "without delay."),
        ],
    ),
    "train_judges": (
        "Train prosecutors and judges",
        "specialized training for law enforcement officers, prosecutors and judges",
        ["capacity_building"],
        "unodc",
        [
            ("a", "unspecified", "Several speakers called for specialized training for "
             "prosecutors and judges on firearms identification."),
            ("b", "unodc", "She invited UNODC to train law enforcement officers, prosecutors "
             "and judges."),
            ("c", "states", "He recommended training for judges on the difference between "
             "smuggling and trafficking."),
        ],
    ),
    "publish_reviews": (
        "Publish review documents",
        "make review documents, such as questionnaire responses, publicly available",
        ["civil_society_participation"],
        "states",
        [
            ("a", "states", "One speaker encouraged States parties to make their responses "
             "to the self-assessment questionnaire publicly available."),
            ("b", "states", "They urged States to publish their country review reports."),
            ("c", "states", "She called on States parties to publish review documents on a "
             "voluntary basis."),
        ],
    ),
    "compensate_victims": (
        "Compensate victims from confiscated assets",
        "compensate victims from the confiscated proceeds of crime",
        ["victims_survivors"],
        "states",
        [("a", "states", "She urged States to compensate victims of trafficking from "
          "confiscated criminal assets.")],
    ),
    "include_youth": (
        "Include youth as experts",
        "include young people as experts in international forums",
        ["youth"],
        "unspecified",
        [("b", "unspecified", "He called for young people to be included as experts in "
          "international forums.")],
    ),
    "due_diligence": (
        "Require due diligence in supply chains",
        "require human rights due diligence against forced labour in supply chains",
        ["human_rights"],
        "states",
        [("c", "states", "She encouraged Governments to require human rights due diligence "
          "in supply chains.")],
    ),
}  # fmt: skip


def catalogue_data() -> dict:
    """The fixture catalogue as its YAML would read (a fresh copy each time)."""
    return {
        "documents": {"a": "firearms", "b": "firearms", "c": "trafficking_in_persons"},
        "asks": [
            {
                "id": ask_id,
                "label": label,
                "definition": definition,
                "themes": list(themes),
                "addressee": addressee,
                "examples": [{"doc_id": d, "to": to, "text": t} for d, to, t in examples],
            }
            for ask_id, (label, definition, themes, addressee, examples) in ASKS.items()
        ],
    }


def catalogue_of() -> list:
    return asks_from_data(catalogue_data(), TAXONOMY.labels, "fixture")


@pytest.fixture(scope="module")
def encoder() -> Encoder:
    return Encoder(HashingModel())


@pytest.fixture(scope="module")
def matcher(encoder: Encoder) -> AskMatcher:
    return AskMatcher(encoder=encoder, frame=FRAME, wording=WORDING).fit(catalogue_of())


@pytest.fixture(scope="module")
def minilm() -> Encoder:
    return Encoder(MiniLM())


@pytest.fixture(scope="module")
def minilm_matcher(minilm: Encoder) -> AskMatcher:
    return AskMatcher(encoder=minilm, frame=FRAME, wording=WORDING).fit(catalogue_of())


def recs(*texts: str, to: str = "states") -> pd.DataFrame:
    return pd.DataFrame({"text": list(texts), "to": to, "themes": [[] for _ in texts]})


@pytest.mark.slow
def test_asks_paraphrase_matches_its_ask(minilm_matcher: AskMatcher) -> None:
    matcher = minilm_matcher
    got = matcher.match(
        recs(
            "A participant urged States to mark every essential component of a firearm, "
            "such as frames and barrels.",
            "Another speaker asked States parties to make their review reports public.",
        )
    )
    assert list(got["ask_id"]) == ["mark_parts", "publish_reviews"]
    assert (got["score"] >= matcher.threshold_).all()


@pytest.mark.slow
def test_asks_unrelated_sentence_matches_none(minilm_matcher: AskMatcher) -> None:
    got = minilm_matcher.match(
        recs(
            "He thanked the interpreters and the conference services for their work.",
            "One speaker urged States to fund sea rescue operations in the Mediterranean.",
        )
    )
    assert got["ask_id"].isna().all(), got
    assert got["candidate"].notna().all()  # the best candidate is still reported


def test_asks_fit_is_deterministic(encoder: Encoder, matcher: AskMatcher) -> None:
    again = AskMatcher(encoder=encoder, frame=FRAME, wording=WORDING).fit(catalogue_of())
    assert again.to_json() == matcher.to_json()
    sample = recs("States should destroy the weapons they seize.", "Train judges.")
    pd.testing.assert_frame_equal(again.match(sample), matcher.match(sample))


def test_asks_matcher_is_a_scikit_learn_estimator(encoder: Encoder) -> None:
    from sklearn.base import clone

    matcher = AskMatcher(encoder=encoder, frame=FRAME, wording=WORDING, C=0.5, weights=(1, 0, 0))
    assert matcher.get_params()["C"] == 0.5 and matcher.get_params()["weights"] == (1, 0, 0)
    assert matcher.set_params(candidates=4).candidates == 4
    twin = clone(matcher)
    assert twin.get_params()["candidates"] == 4 and not hasattr(twin, "rank_")


def test_asks_weights_round_trip_through_json(encoder: Encoder, matcher: AskMatcher) -> None:
    text = matcher.to_json()
    data = json.loads(text)  # plain JSON: lists and numbers, nothing pickled
    assert set(data["learned"]) == {"rank_", "threshold_", "new_threshold_", "feature_names_"}
    restored = AskMatcher.from_json(text, encoder=encoder, frame=FRAME, wording=WORDING).index(
        catalogue_of()
    )
    assert restored.to_json() == text
    sample = recs("States should destroy the weapons they seize.", "Judges need training.")
    pd.testing.assert_frame_equal(restored.match(sample), matcher.match(sample))


def test_asks_matching_needs_a_fitted_or_indexed_matcher(encoder: Encoder) -> None:
    with pytest.raises(Exception, match="fit it, or index a catalogue"):
        AskMatcher(encoder=encoder, frame=FRAME, wording=WORDING).match(recs("Mark parts."))


def test_asks_bad_parameters_are_named(encoder: Encoder) -> None:
    with pytest.raises(ValueError, match="model='svm'"):
        AskMatcher(encoder=encoder, frame=FRAME, wording=WORDING, model="svm").fit(catalogue_of())
    with pytest.raises(ValueError, match="unknown \\['cosine'\\]"):
        AskMatcher(
            encoder=encoder, frame=FRAME, wording=WORDING, features=("emb_max", "cosine")
        ).fit(catalogue_of())


def test_asks_session_left_out_is_in_nothing_fitted(encoder: Encoder) -> None:
    rest = without_docs(catalogue_of(), ["a"])
    assert "compensate_victims" not in {a.id for a in rest}  # its only example was a's
    assert all(e.doc_id != "a" for ask in rest for e in ask.examples)
    fitted = AskMatcher(encoder=encoder, frame=FRAME, wording=WORDING).fit(rest)
    vocabulary = fitted.index_.tfidf.vocabulary_
    assert "confiscat" not in vocabulary  # a word of session a only
    assert "receiver" in vocabulary  # a word of session b


def test_asks_contexts_come_from_paragraphs() -> None:
    catalogue = catalogue_data()
    catalogue["asks"][0]["examples"][0]["para_no"] = 7
    paragraphs = pd.DataFrame({"doc_id": ["a"], "para_no": [7], "text": ["The paragraph."]})
    got = with_contexts(asks_from_data(catalogue, TAXONOMY.labels), paragraphs)
    assert got[0].examples[0].context == "The paragraph."
    assert got[0].examples[1].context is None


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: d["asks"][1].pop("examples"), r"asks\.1\.examples: required key missing"),
        (
            lambda d: d["asks"][2].update(id="mark_parts"),
            r"asks\.2\.id: ask id 'mark_parts' is used by an earlier ask",
        ),
        (
            lambda d: d["asks"][0].update(themes=["ghosts"]),
            r"asks\.0\.themes\.0: unknown theme 'ghosts'",
        ),
        (
            lambda d: d["asks"][3]["examples"][1].pop("doc_id"),
            r"asks\.3\.examples\.1\.doc_id: required key missing",
        ),
        (
            lambda d: d["asks"][3]["examples"][0].update(doc_id="z"),
            r"asks\.3\.examples\.0\.doc_id: add z with its working group to `documents:`",
        ),
        (lambda d: d["asks"].append("mark_parts"), r"asks\.7: Input should be a valid dict"),
        (
            lambda d: d["asks"][4].update(id="Bad Id"),
            r"asks\.4\.id: ask id 'Bad Id' must be snake_case",
        ),
    ],
)
def test_asks_malformed_entry_is_refused_with_file_line_and_key(change, message, tmp_path):
    import shutil

    import yaml

    from pipeline.paths import TAXONOMY_DIR

    folder = tmp_path / "taxonomy"
    shutil.copytree(TAXONOMY_DIR, folder)
    data = catalogue_data()
    change(data)
    (folder / "asks.yaml").write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    with pytest.raises(TaxonomyError, match=r"asks\.yaml:(\d+): " + message) as info:
        load_taxonomy(folder, parts=["asks"])
    line = re.search(r"asks\.yaml:(\d+)", str(info.value))
    assert line and int(line.group(1)) > 1  # the parser's line, not a guess


@pytest.mark.parametrize(
    ("sentence", "label"),
    [
        (
            "One speaker called on States to set up transnational referral mechanisms for "
            "victims, including through bilateral agreements.",
            "Set up transnational referral mechanisms for victims",
        ),
        (
            "She stressed the importance of establishing national referral mechanisms.",
            "Establish national referral mechanisms",
        ),
        (
            "They called for human rights impact assessments to be carried out before such "
            "tools were deployed.",
            "Carry out human rights impact assessments",
        ),
        (
            "Several participants urged that the needs identified through the reviews be "
            "systematically matched with assistance programmes.",
            "Match the needs identified through the reviews",
        ),
        (
            "She proposed that digital literacy and online safety be taught in schools.",
            "Teach digital literacy and online safety in schools",
        ),
        (
            "He proposed that UNODC compile, in cooperation with the private sector, an "
            "inventory of technology tools.",
            "Compile an inventory of technology tools",
        ),
        (
            "He stressed that national authorities should destroy collected weapons promptly "
            "and publicly, in keeping with article 6.",
            "Destroy collected weapons promptly and publicly",
        ),
    ],
)
def test_asks_new_ask_label_is_a_verb_phrase(sentence: str, label: str) -> None:
    assert new_ask_label(sentence, FRAME, WORDING) == label


@pytest.mark.slow
def test_asks_assign_clusters_what_matches_nothing(
    minilm_matcher: AskMatcher, minilm: Encoder
) -> None:
    matcher, encoder = minilm_matcher, minilm
    sample = recs(
        "He urged States to set up transnational referral mechanisms for smuggled migrants.",
        "She called on States to establish transnational referral mechanisms for migrants.",
        "A speaker urged States to mark every essential component of a firearm.",
    )
    vectors = encoder.encode([re.sub(r"^.*?to ", "", t) for t in sample["text"]])
    got = assign(sample, vectors, matcher, new_threshold=0.45)
    assert list(got.columns) == ["ask_id", "label", "score", "new"]
    assert got["ask_id"].iloc[0] == got["ask_id"].iloc[1] == "new_001"
    assert got["label"].iloc[0].startswith(("Set up", "Establish"))
    assert "·" not in got["label"].iloc[0]
    assert (got["ask_id"].iloc[2], got["label"].iloc[2], bool(got["new"].iloc[2])) == (
        "mark_parts",
        "Mark essential parts and components",
        False,
    )


def test_asks_shipped_catalogue_is_valid_and_readable() -> None:
    from pipeline.paths import repo_root

    catalogue = TAXONOMY.asks
    clusters = re.findall(
        r"^- `([a-z0-9_]+)`", (repo_root() / "data/gold/CLUSTERS.md").read_text(), re.M
    )
    assert [a.id for a in catalogue] == clusters
    gold_docs = {p.name.split(".")[0] for p in (repo_root() / "data/gold").glob("*.doc.json")}
    for ask in catalogue:
        assert ask.examples and {e.doc_id for e in ask.examples} <= gold_docs
        assert all(e.working_group for e in ask.examples)
        assert 1 <= len(ask.label.split()) <= 9 and ask.label[0].isupper(), ask.label
        assert "·" not in ask.label
