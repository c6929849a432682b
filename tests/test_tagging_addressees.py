"""To whom a recommendation is addressed: named (pipeline/tagging/recommendations.py), or
implied by the ask and decided by a model learned from the gold
(pipeline/tagging/addressees.py)."""

from __future__ import annotations

import json

import pytest
from conftest import tag_text


def to(doc) -> list[str]:
    return [r["to"] for r in doc._.recommendations]


def test_recommendation_them_takes_the_addressee_named_before(nlp):
    doc = tag_text(
        nlp, "One speaker praised the work of UNODC and invited them to translate the guide."
    )
    assert to(doc) == ["unodc"]


def test_recommendation_cue_naming_no_one_names_only_the_agent(nlp):
    doc = tag_text(nlp, "Several speakers called for specialized training for prosecutors.")
    assert to(doc) == ["unspecified"]  # the ask is about prosecutors, not addressed to them
    doc = tag_text(nlp, "Several speakers stressed the need for Governments to share data.")
    assert to(doc) == ["states"]


def test_recommendation_subject_of_a_later_that_clause(nlp):
    doc = tag_text(
        nlp,
        "He proposed that the summaries of the dialogues be introduced at the following "
        "session and that the Working Group discuss them.",
    )
    assert to(doc) == ["working_group"]


def test_recommendation_actor_done_to_is_not_the_addressee(nlp):
    doc = tag_text(nlp, "She proposed that civil society organizations be involved in training.")
    assert to(doc) != ["civil_society"]


def test_recommendation_later_directive_in_the_passive_names_no_one(nlp):
    doc = tag_text(
        nlp, "He called for young people to be invited to the meetings of the Working Group."
    )
    assert to(doc) == ["unspecified"]


def test_recommendation_unnamed_ask_keeps_its_evidence(nlp):
    doc = tag_text(nlp, "She stressed the need to amend the criminal law.")
    [record] = doc._.recommendations
    assert record["evidence"]["cue_open"] == 1.0
    assert record["evidence"]["state_acts"] == 1.0
    named = tag_text(nlp, "She urged States to amend the criminal law.")
    assert named._.recommendations[0]["evidence"] is None


def rows() -> tuple[list[dict], list[bool], list[str]]:
    """Unnamed asks of three documents: the law is read as States', research as no one's."""
    law = {"cue_open": 1.0, "state_acts": 1.0, "open_asks": 0.0}
    research = {"cue_open": 1.0, "state_acts": 0.0, "open_asks": 1.0}
    evidence, states, documents = [], [], []
    for doc in "abc":
        for row, state in [(law, True)] * 3 + [(research, False)] * 3:
            evidence.append(row)
            states.append(state)
            documents.append(doc)
    return evidence, states, documents


def test_implied_addressee_learned_from_the_gold_decides_an_unnamed_ask():
    from pipeline.tagging.addressees import fit_implied

    model = fit_implied(*rows())
    assert model is not None
    assert model.decide({"cue_open": 1.0, "state_acts": 1.0}) == "states"
    assert model.decide({"cue_open": 1.0, "open_asks": 1.0}) == "unspecified"
    assert model.stats["out_of_fold_right"] == 18


def test_implied_addressee_with_too_few_examples_is_not_learned():
    from pipeline.tagging.addressees import fit_implied

    evidence, states, documents = rows()
    assert fit_implied(evidence[:4], states[:4], documents[:4]) is None


def test_implied_addressee_round_trips_through_json():
    from pipeline.tagging.addressees import ImpliedAddressee, fit_implied

    model = fit_implied(*rows())
    again = ImpliedAddressee.from_json(json.loads(json.dumps(model.to_json())))
    seen = [{"cue_open": 1.0, "state_acts": 1.0}, {"open_asks": 1.0}]
    assert again.proba(seen).tolist() == model.proba(seen).tolist()
    assert again.threshold == model.threshold
    with pytest.raises(ValueError, match="rebuild"):
        ImpliedAddressee.from_json({"format": "other"})


def test_resolver_saves_the_implied_addressee_with_the_pipeline(tmp_path):
    import spacy

    from pipeline.build_tagger import build_tagger
    from pipeline.tagging import paragraph_doc
    from pipeline.tagging.addressees import fit_implied

    nlp = build_tagger()
    nlp.get_pipe("crp_resolver").set_implied(fit_implied(*rows()))
    nlp.to_disk(tmp_path / "tagger")
    loaded = spacy.load(tmp_path / "tagger")
    assert loaded.get_pipe("crp_resolver").implied is not None
    text = "She stressed the need to amend the criminal law."
    doc = loaded(paragraph_doc(loaded, text, "d", None))
    assert to(doc) == ["states"]  # the rules alone read a "need" as unspecified


def test_gold_is_tagged_with_its_documents_so_speakers_carry(tmp_path):
    from pipeline.build_tagger import build_nlp
    from pipeline.knowledge.taxonomy import stage_taxonomy
    from pipeline.tagging.gold import tag_gold

    paragraphs = [
        "The representative of Small Arms Survey described craft production.",
        "Turning to marking, she recommended that States mark parts and components.",
    ]
    lines = [
        {"doc_id": "x", "para_no": i, "text": t, "recommendations": []}
        for i, t in enumerate(paragraphs, start=1)
    ]
    (tmp_path / "x.doc.json").write_text(
        json.dumps({"doc_id": "x", "working_group": "firearms", "n_paragraphs": 2})
    )
    (tmp_path / "x.paragraphs.jsonl").write_text("\n".join(json.dumps(r) for r in lines))
    taxonomy = stage_taxonomy("build_tagger")
    gold = tag_gold(build_nlp(taxonomy), tmp_path, taxonomy)
    assert [r["by"] for r in gold.docs[1]._.recommendations] == ["academia"]


def test_recommendation_cue_in_the_passive_gives_way_to_another(nlp):
    doc = tag_text(
        nlp,
        "She proposed that the Working Group set aside time at its meetings, and that "
        "non-governmental stakeholders be invited to contribute.",
    )
    assert [r["rule"] for r in doc._.recommendations] == ["recommendation/propose"]
    assert to(doc) == ["working_group"]


def test_recommendation_asked_someone_to_is_one(nlp):
    doc = tag_text(nlp, "Several participants asked the secretariat to prepare a short note.")
    assert to(doc) == ["unodc"]


def test_recommendation_agent_of_a_passive_infinitive_is_none(nlp):
    doc = tag_text(
        nlp, "He called for youth organizations to be invited to take part in the dialogues."
    )
    assert to(doc) != ["civil_society"]


def test_recommendation_addressees_no_type_covers_are_unspecified(nlp):
    doc = tag_text(nlp, "She recommended that providers of assistance work with universities.")
    assert to(doc) == ["unspecified"]
    doc = tag_text(nlp, "He encouraged donors to exchange information on projects.")
    assert to(doc) == ["states"]


def test_recommendation_proposal_on_the_mechanisms_meetings_is_the_working_groups(nlp):
    doc = tag_text(
        nlp,
        "One participant suggested that the dialogues on trafficking in persons and on the "
        "smuggling of migrants meet jointly on a future occasion.",
    )
    assert to(doc) == ["working_group"]
