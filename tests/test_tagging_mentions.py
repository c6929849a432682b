"""Speakers followed through a paragraph and into the next one of the same document:
mentions, the anaphors that refer to them (pipeline/tagging/speakers/mentions.py), and
the subjects that introduce them."""

from __future__ import annotations

from conftest import tag_text


def speakers(doc) -> list[str]:
    return [s.label_ for s in doc.spans["speakers"]]


def tag_paragraphs(nlp, texts: list[str], doc_id: str = "d") -> list:
    from pipeline.tagging import paragraph_doc

    return list(nlp.pipe(paragraph_doc(nlp, t, doc_id, "firearms") for t in texts))


def by(doc) -> list[str]:
    return [r["by"] for r in doc._.recommendations]


def test_speaker_she_skips_a_speaker_the_title_says_is_a_man(nlp):
    doc = tag_text(
        nlp,
        "Ms. Jane Doe of Small Arms Survey described craft production. Mr. John Roe of "
        "INTERPOL presented the iARMS system. She recommended that States license craft "
        "producers.",
    )
    assert by(doc) == ["academia"]


def test_speaker_gender_given_by_the_first_pronoun_that_refers_to_a_speaker(nlp):
    doc = tag_text(
        nlp,
        "The representative of Small Arms Survey described craft production. She noted gaps "
        "in licensing. The representative of INTERPOL presented the iARMS system. He noted "
        "its use. She recommended that States license craft producers.",
    )
    assert by(doc) == ["academia"]


def test_speaker_they_refers_to_a_group_not_to_one_person(nlp):
    doc = tag_text(
        nlp,
        "Several speakers stressed gaps in data. The representative of INTERPOL presented "
        "the iARMS system. They recommended that States share data on seizures.",
    )
    assert by(doc) == ["participant"]


def test_speaker_they_with_no_one_spoken_of_is_the_participants(nlp):
    doc = tag_text(nlp, "They recommended that States share data on seizures.")
    assert speakers(doc) == ["participant"]


def test_speaker_the_latter_and_the_former(nlp):
    text = (
        "The representative of INTERPOL presented the iARMS system. An academic from Monash "
        "University described craft production. The {} recommended that States regulate "
        "craft producers."
    )
    assert by(tag_text(nlp, text.format("latter"))) == ["academia"]
    assert by(tag_text(nlp, text.format("former"))) == ["igo"]


def test_speaker_report_of_the_floor_is_no_referent(nlp):
    doc = tag_text(
        nlp,
        "The representative of Small Arms Survey described craft production. It was noted "
        "that data were scarce. She recommended that States license craft producers.",
    )
    assert by(doc) == ["academia"]


def test_speaker_clause_subject_is_referred_to_though_it_reports_nothing(nlp):
    doc = tag_text(
        nlp,
        "Turning to agenda item 2, a representative of the secretariat reviewed the progress "
        "of the reviews. He recommended that States respond to the questionnaire in time.",
    )
    assert by(doc) == ["secretariat"]


def test_resolver_pronoun_refers_to_the_previous_paragraph_without_a_continuation(nlp):
    _, second = tag_paragraphs(
        nlp,
        [
            "The representative of Small Arms Survey described craft production.",
            "Turning to marking, she recommended that States mark parts and components.",
        ],
    )
    assert by(second) == ["academia"]


def test_resolver_pronoun_never_refers_two_paragraphs_back(nlp):
    *_, third = tag_paragraphs(
        nlp,
        [
            "The representative of Small Arms Survey described craft production.",
            "Several speakers noted that data were scarce.",
            "Turning to marking, she recommended that States mark parts and components.",
        ],
    )
    assert by(third) == ["participant"]  # no person in the paragraph before: the floor's


def test_resolver_pronoun_never_refers_to_another_document(nlp):
    from pipeline.tagging import paragraph_doc

    texts = {
        "a": "The representative of Small Arms Survey described craft production.",
        "b": "Turning to marking, she recommended that States mark parts.",
    }
    docs = [paragraph_doc(nlp, text, doc_id, None) for doc_id, text in texts.items()]
    _, second = nlp.pipe(docs)
    assert by(second) == ["participant"]


def test_speaker_profession_with_an_affiliation(nlp):
    doc = tag_text(nlp, "The lawyer from KOK presented cases of convicted victims.")
    assert speakers(doc) == ["ngo"]


def test_speaker_speaking_for_names_the_participants_affiliation(nlp):
    doc = tag_text(
        nlp,
        "Speaking for a network of women's organizations in West Africa, one participant "
        "explained the needs of grassroots groups.",
    )
    assert speakers(doc) == ["ngo"]


def test_speaker_every_role_listed_after_a_colon(nlp):
    doc = tag_text(
        nlp,
        "A panel then took the floor: an academic from the University of Oxford, a "
        "representative of INTERPOL and a representative of Small Arms Survey.",
    )
    assert speakers(doc) == ["academia", "igo", "academia"]


def test_speaker_subject_of_a_passive_is_no_speaker(nlp):
    doc = tag_text(nlp, "Participants were invited to share their suggestions.")
    assert speakers(doc) == []


def test_speaker_affiliation_named_by_the_kind_of_body(nlp):
    doc = tag_text(
        nlp, "A member of a youth-led network active in Central America reported recruitment."
    )
    assert speakers(doc) == ["ngo"]


def test_speaker_affiliation_with_a_place_in_parentheses(nlp):
    doc = tag_text(
        nlp, "An academic from the Universidad de los Andes (Colombia) observed gaps in data."
    )
    assert speakers(doc) == ["academia"]


def test_speaker_opening_on_whose_view_it_gives(nlp):
    _, second = tag_paragraphs(
        nlp,
        [
            "The representative of Small Arms Survey described craft production.",
            "In her view, States should license craft producers.",
        ],
    )
    assert by(second) == ["academia"]


def test_speaker_the_representative_of_an_unknown_body_is_someone_new(nlp):
    doc = tag_text(
        nlp,
        "The representative of INTERPOL presented the iARMS system. The representative of "
        "the provider of cloud services reported a rise in requests.",
    )
    assert speakers(doc) == ["igo", "private_sector"]


def test_speaker_role_before_an_actor_word_is_a_modifier(nlp):
    doc = tag_text(
        nlp,
        "A representative of the Consumer Goods Forum presented its principles. Member "
        "companies had mapped their supply chains. He recommended that States align laws.",
    )
    assert by(doc) == ["private_sector"]


def test_speaker_owner_typed_by_an_apposition(nlp):
    doc = tag_text(
        nlp,
        "A representative of borderline-europe, a non-governmental organization that monitors "
        "trials, reported convictions of drivers.",
    )
    assert speakers(doc) == ["ngo"]


def test_speaker_country_joined_to_a_name_is_part_of_it(nlp):
    doc = tag_text(nlp, "The representative of La Strada-Ukraine said that calls had risen.")
    assert speakers(doc) == ["ngo"]


def test_speaker_reporting_word_inside_a_name_is_part_of_it(nlp):
    doc = tag_text(nlp, "The representative of Liberty Shared described fraud compounds.")
    assert speakers(doc) == ["ngo"]


def test_speaker_observer_for_an_unlisted_body_is_intergovernmental(nlp):
    doc = tag_text(
        nlp, "The observer for the International Anti-Corruption Academy reported on courses."
    )
    assert speakers(doc) == ["igo"]


def test_speaker_pronoun_before_the_verb_is_its_subject(nlp):
    doc = tag_text(
        nlp,
        "The representative of INTERPOL presented the iARMS system. Many delegations, he "
        "noted, used it.",
    )
    assert speakers(doc) == ["igo", "igo"]


def test_speaker_a_panels_composition_after_its_verb(nlp):
    doc = tag_text(
        nlp,
        "Its members were a representative of INTERPOL, an academic from Leiden University "
        "and a representative of Small Arms Survey.",
    )
    assert speakers(doc) == ["igo", "academia", "academia"]


def test_speaker_on_behalf_of_anywhere_in_the_opening(nlp):
    doc = tag_text(
        nlp, "Opening the dialogue on behalf of both Co-Chairs, Mr. Testa welcomed participants."
    )
    assert speakers(doc) == ["chair"]
