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


def tag_paragraphs(nlp, texts: list[str], working_group: str = "firearms"):
    """Paragraphs of one document through `nlp.pipe`, in order, as the tag stage runs them."""
    from pipeline.tagging import paragraph_doc

    return list(nlp.pipe(paragraph_doc(nlp, t, "d", working_group) for t in texts))


def test_speaker_the_same_speaker_refers_back(nlp):
    doc = tag_text(
        nlp,
        "The representative of INTERPOL presented iARMS. The same speaker added that States "
        "should upload data on lost and stolen firearms.",
    )
    assert speakers(doc) == ["igo", "igo"]
    assert [r["by"] for r in doc._.recommendations] == ["igo"]


def test_speaker_observer_for_takes_the_type_of_whom_it_observes_for(nlp):
    doc = tag_text(nlp, "The observer for the European Union said that States should cooperate.")
    assert speakers(doc) == ["igo"]


def test_speaker_academic_from_a_university_the_gazetteer_lacks(nlp):
    doc = tag_text(
        nlp, "An academic from the University of Cape Town stressed that States should act."
    )
    assert speakers(doc) == ["academia"]
    assert doc._.recommendations[0]["by"] == "academia"


def test_speaker_role_with_its_own_type_is_not_a_state_when_from_a_country(nlp):
    doc = tag_text(nlp, "An academic from Brazil stressed the need for better data.")
    assert speakers(doc) == ["academia"]


def test_speaker_subject_with_an_unlisted_affiliation_keeps_its_role_type(nlp):
    doc = tag_text(nlp, "A researcher at the Graduate Institute emphasized that States should act.")
    assert speakers(doc) == ["academia"]


def test_speaker_owner_is_the_nearest_actor_after_the_link(nlp):
    doc = tag_text(
        nlp, "An expert from a research institute in Nigeria recommended that States act."
    )
    assert speakers(doc) == ["academia"]


def test_speaker_apposition_names_the_affiliation(nlp):
    doc = tag_text(nlp, "Another participant, representing an NGO, called on States to act.")
    assert speakers(doc) == ["ngo"]
    doc = tag_text(nlp, "Another speaker, from a university in Brazil, urged States to act.")
    assert speakers(doc) == ["academia"]


def test_speaker_attribution_opening_names_the_speaker(nlp):
    doc = tag_text(nlp, "According to one panellist, States should mark all parts.")
    assert speakers(doc) == ["participant"]
    doc = tag_text(
        nlp, "Speaking on behalf of a network of NGOs, one participant urged States to act."
    )
    assert speakers(doc) == ["ngo"]


def test_speaker_attribution_to_a_source_is_not_a_speaker(nlp):
    doc = tag_text(nlp, "According to UNODC data, seizures increased in 2022.")
    assert "secretariat" not in speakers(doc)


def test_speaker_foundation_is_a_non_governmental_organization(nlp):
    doc = tag_text(
        nlp, "The representative of a foundation working with youth recommended that States act."
    )
    assert speakers(doc) == ["ngo"]


def test_resolver_paragraph_continuing_a_statement_inherits_its_speaker(nlp):
    first, second = tag_paragraphs(
        nlp,
        [
            "The representative of Small Arms Survey described craft production in West Africa.",
            "She further recommended that States regulate craft producers.",
        ],
    )
    assert speakers(first) == ["academia"]
    assert speakers(second) == ["academia"]
    assert second._.recommendations[0]["by"] == "academia"
    assert "academia" in {s.label_ for s in second.spans["actors"]}  # whoever speaks acts


def test_resolver_new_statement_does_not_inherit_the_previous_speaker(nlp):
    _, second = tag_paragraphs(
        nlp,
        [
            "The representative of Small Arms Survey described craft production in West Africa.",
            "Several speakers recommended that States regulate craft producers.",
        ],
    )
    assert speakers(second) == ["participant"]
    _, third = tag_paragraphs(
        nlp,
        [
            "The representative of Small Arms Survey described craft production in West Africa.",
            "Craft producers should be licensed.",
        ],
    )
    assert third._.recommendations[0]["by"] == "participant"


def test_resolver_single_paragraph_has_no_previous_speaker(nlp):
    tag_text(nlp, "The representative of Small Arms Survey described craft production.")
    doc = tag_text(nlp, "She recommended that States regulate craft producers.")
    assert doc._.recommendations[0]["by"] == "participant"  # no context outside nlp.pipe


def test_organization_named_by_its_form_when_the_gazetteer_lacks_it(nlp):
    doc = tag_text(
        nlp, "A representative of the Peace Research Foundation for Africa urged States to act."
    )
    assert [(s.text, s.label_) for s in doc.spans["orgs"]] == [
        ("Peace Research Foundation for Africa", "ngo")
    ]
    assert speakers(doc) == ["ngo"]
    doc = tag_text(nlp, "The Institute for the Study of Crime and Justice presented its findings.")
    assert [s.label_ for s in doc.spans["orgs"]] == ["academia"]


def test_organization_pattern_never_starts_with_a_determiner(nlp):
    doc = tag_text(nlp, "Several Network members and the Peace Foundation attended.")
    assert [s.text for s in doc.spans["orgs"]] == ["Peace Foundation"]


def test_organization_gazetteer_type_wins_over_the_form(nlp):
    doc = tag_text(nlp, "The representative of the Migration Policy Institute spoke.")
    [org] = doc.spans["orgs"]
    assert org.id_.startswith("gazetteer/")


def test_speaker_person_named_with_a_title_takes_the_affiliation(nlp):
    doc = tag_text(
        nlp, "Ms. Jane Doe of the Peace Research Foundation said that States should act."
    )
    assert speakers(doc) == ["ngo"]
    doc = tag_text(nlp, "Prof. John Smith stressed that States should act.")
    assert speakers(doc) == ["academia"]


def test_recommendation_partner_named_with_with_is_not_the_addressee(nlp):
    doc = tag_text(
        nlp, "He underlined the importance of partnerships with the private sector and academia."
    )
    assert [r["to"] for r in doc._.recommendations] == ["unspecified"]


def test_recommendation_cue_naming_no_one_gives_way_to_a_later_directive(nlp):
    doc = tag_text(
        nlp, "Several speakers called for more research and invited UNODC to continue its support."
    )
    assert [r["to"] for r in doc._.recommendations] == ["unodc"]
    doc = tag_text(
        nlp,
        "Speakers stressed the need to apply the principle to children, who should be treated "
        "as victims.",
    )
    assert [r["to"] for r in doc._.recommendations] == ["unspecified"]


def test_speaker_affiliation_in_parentheses(nlp):
    doc = tag_text(nlp, "Ms. Jane Doe (Small Arms Survey) stressed that States should mark parts.")
    assert speakers(doc) == ["academia"]


def test_speaker_representing_names_the_affiliation(nlp):
    doc = tag_text(nlp, "Speakers representing non-governmental organizations urged States to act.")
    assert speakers(doc) == ["ngo"]


def test_speaker_subject_with_one_modifier(nlp):
    doc = tag_text(nlp, "A young survivor of trafficking called on States to listen to survivors.")
    assert speakers(doc) == ["participant"]
    doc = tag_text(nlp, "A government representative recommended that States act.")
    assert speakers(doc) == ["member_state"]


def test_speaker_object_after_a_preposition_is_not_a_subject(nlp):
    doc = tag_text(nlp, "The report was shared with representatives and noted by the Chair.")
    assert "participant" not in speakers(doc)


def test_speaker_every_actor_listed_after_a_role(nlp):
    doc = tag_text(
        nlp,
        "These were followed by interventions from representatives of a technology company, "
        "the European Union and a Member State.",
    )
    assert sorted(speakers(doc)) == ["igo", "member_state", "private_sector"]
    doc = tag_text(nlp, "Other speakers of a Member State and of civil society reported progress.")
    assert sorted(speakers(doc)) == ["member_state", "ngo"]


def test_speaker_secretariat_of_an_organization_takes_the_organizations_type(nlp):
    doc = tag_text(
        nlp,
        "A representative of the secretariat of the Financial Action Task Force described "
        "the standards.",
    )
    assert speakers(doc) == ["igo"]


def test_speaker_affiliation_with_a_hyphenated_modifier(nlp):
    doc = tag_text(
        nlp, "A speaker representing a youth-led non-governmental organization urged States to act."
    )
    assert speakers(doc) == ["ngo"]


def actor_types(doc) -> set[str]:
    return {s.label_ for s in doc.spans["actors"]}


def test_actor_participant_with_an_affiliation_is_not_unaffiliated(nlp):
    doc = tag_text(
        nlp,
        "More than 100 participants, representing 43 non-governmental organizations, took part.",
    )
    assert actor_types(doc) == {"ngo"}
    doc = tag_text(nlp, "She asked that young people be recognized as experts.")
    assert "participant" not in actor_types(doc)


def test_actor_panellist_referring_to_a_known_speaker_is_not_a_participant(nlp):
    doc = tag_text(
        nlp,
        "The representative of Small Arms Survey spoke first. The panellists further focused "
        "on illicit manufacture.",
    )
    assert speakers(doc) == ["academia", "academia"]
    assert "participant" not in actor_types(doc)


def test_organization_named_after_a_role_is_found_without_the_gazetteer(nlp):
    doc = tag_text(nlp, "A representative of Kids Against Guns said that States should act.")
    assert [(s.text, s.label_) for s in doc.spans["orgs"]] == [("Kids Against Guns", "ngo")]
    assert speakers(doc) == ["ngo"]
    doc = tag_text(nlp, "A researcher from the Observatorio de Paz urged States to act.")
    assert speakers(doc) == ["academia"]  # the role's own type when the name says nothing


def test_organization_unit_before_its_organization_is_not_one(nlp):
    doc = tag_text(
        nlp, "The Director of Multilateral Affairs at the Ministry of Foreign Affairs spoke."
    )
    assert [s.text for s in doc.spans["orgs"]] == ["Ministry of Foreign Affairs"]


def test_organization_after_a_role_needs_a_name(nlp):
    doc = tag_text(nlp, "A representative of the Global Report team noted progress.")
    assert not doc.spans["orgs"]


def test_speaker_introduced_by_a_relative_clause(nlp):
    doc = tag_text(
        nlp,
        "The Chair gave the floor to a representative of Small Arms Survey, who highlighted "
        "that States should act.",
    )
    assert speakers(doc) == ["academia"]
    assert doc._.recommendations[0]["by"] == "academia"


def test_speaker_taking_the_floor_and_possessive_owner(nlp):
    doc = tag_text(nlp, "Representatives of INTERPOL also took the floor.")
    assert speakers(doc) == ["igo"]
    doc = tag_text(nlp, "INTERPOL's representative stressed that States should share data.")
    assert speakers(doc) == ["igo"]
