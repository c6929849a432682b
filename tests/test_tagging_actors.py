"""Actors, speakers (with pronouns resolved) and recommendations' by/to."""

from __future__ import annotations

from conftest import tag_text


def speakers(doc) -> list[str]:
    return [s.label_ for s in doc.spans["speakers"]]


def test_speaker_role_construction_takes_the_organizations_type(nlp):
    doc = tag_text(nlp, "The representative of Small Arms Survey referred to article 3.")
    assert speakers(doc) == ["academia"]
    assert {s.text for s in doc.spans["orgs"]} == {"Small Arms Survey"}


def test_speaker_state_representative_is_member_state(nlp):
    doc = tag_text(nlp, "A representative of Brazil explained the national approach.")
    assert speakers(doc) == ["member_state"]
    assert [s.text for s in doc.spans["countries"]] == ["Brazil"]


def test_speaker_pronoun_resolves_to_the_speaker_named_earlier(nlp):
    doc = tag_text(
        nlp,
        "The representative of INTERPOL introduced the iARMS system. He called on Member States "
        "to upload data on lost and stolen firearms.",
    )
    assert speakers(doc) == ["igo", "igo"]
    [rec] = doc._.recommendations
    assert rec["by"] == "igo" and rec["to"] == "states"


def test_mentioned_actors_are_actors_not_speakers(nlp):
    doc = tag_text(
        nlp, "One speaker encouraged UNODC to cooperate with INTERPOL and civil society."
    )
    assert speakers(doc) == ["participant"]
    actor_types = {s.label_ for s in doc.spans["actors"]}
    assert {"participant", "secretariat", "igo", "ngo"} <= actor_types


def test_country_inside_an_organization_name_is_not_a_country(nlp):
    doc = tag_text(nlp, "The Institute for Security Studies South Africa highlighted gaps.")
    assert not doc.spans["countries"]
    assert [s.text for s in doc.spans["orgs"]] == ["Institute for Security Studies South Africa"]


def test_impersonal_report_is_the_floors(nlp):
    doc = tag_text(nlp, "It was also underscored that civil society can engage in outreach.")
    assert speakers(doc) == ["participant"]


def test_definite_panellist_refers_back_to_the_last_speaker(nlp):
    doc = tag_text(
        nlp,
        "The representative of Small Arms Survey spoke first. The panellist "
        "further focused on illicit manufacture.",
    )
    assert speakers(doc) == ["academia", "academia"]


def test_recommendation_to_unodc_and_working_group(nlp):
    doc = tag_text(
        nlp,
        "She proposed that the Working Group devote a meeting to craft production. "
        "One participant encouraged UNODC to develop a typology of diversion.",
    )
    assert [(r["by"], r["to"]) for r in doc._.recommendations] == [
        ("participant", "working_group"),
        ("participant", "unodc"),
    ]


def test_description_and_appreciation_are_not_recommendations(nlp):
    doc = tag_text(
        nlp,
        "The Chair thanked participants for their engagement. The representative "
        "of Brazil described the national registry.",
    )
    assert doc._.recommendations == []


def test_recommendation_themes_are_those_inside_the_sentence(nlp):
    doc = tag_text(
        nlp,
        "Ghost guns were discussed. He recommended that States mark essential "
        "parts and components.",
    )
    [rec] = doc._.recommendations
    assert "parts_components" in rec["themes"] and "ghost_guns" not in rec["themes"]


def test_sentences_do_not_split_at_abbreviations(nlp):
    doc = tag_text(nlp, "See art. 8 and para. 3 (c) of the U.S. proposal. A second sentence.")
    assert len(list(doc.sents)) == 2
