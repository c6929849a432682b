"""Article references in every form the CRPs use, resolved to `instrument:number`."""

from __future__ import annotations

import pytest

from pipeline.knowledge.taxonomy import load_taxonomy
from pipeline.tagging.articles import InstrumentNames, find_articles

INSTRUMENTS = load_taxonomy(parts=["articles"]).instruments
NAMES = InstrumentNames({inst_id: inst.names for inst_id, inst in INSTRUMENTS.items()})


def labels(text: str, protocol: str | None = "firearms_protocol") -> list[str]:
    return [ref.label for ref in find_articles(text, NAMES, protocol)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "as required by article 8, paragraph 1 (a), of the Firearms Protocol, was",
            ["firearms_protocol:8"],
        ),
        (
            "in accordance with articles 7 and 8 of the Firearms Protocol",
            ["firearms_protocol:7", "firearms_protocol:8"],
        ),
        (
            "articles 10 to 12 of the Protocol",
            ["firearms_protocol:10", "firearms_protocol:11", "firearms_protocol:12"],
        ),
        ("the provisions on marking (art. 8) were", ["firearms_protocol:8"]),
        ("article 5, paragraph 1 (b), of the Protocol", ["firearms_protocol:5"]),
        (
            "articles 3 (use of terms) and 4 (scope of application) of the Firearms Protocol",
            ["firearms_protocol:3", "firearms_protocol:4"],
        ),
        ("article 16, paragraphs 2 and 4, of the Protocol", ["firearms_protocol:16"]),
        ("article 3 (d) of the Protocol", ["firearms_protocol:3"]),
    ],
)
def test_articles_forms(text, expected):
    assert labels(text) == expected


def test_articles_the_protocol_means_the_documents_protocol():
    text = "in accordance with article 16 of the Protocol"
    assert labels(text, "som_protocol") == ["som_protocol:16"]
    assert labels(text, "tip_protocol") == ["tip_protocol:16"]


def test_articles_att_and_convention_are_never_firearms_protocol():
    text = (
        "article 11 of the Protocol. She recalled that article 11 of the Arms Trade Treaty "
        "obliges exporters, and article 32, paragraph 3 (c), of the Organized Crime Convention"
    )
    assert labels(text) == ["firearms_protocol:11", "other:11", "convention:32"]


def test_articles_instrument_named_before():
    assert labels("under UNTOC art. 24 and TIP Protocol art. 6 (6)") == [
        "convention:24",
        "tip_protocol:6",
    ]


def test_articles_other_conventions_are_other():
    assert labels("article 3 of the Convention on the Rights of the Child") == ["other:3"]
    assert labels("articles 6 and 7 of the Convention on the criminalization of laundering") == [
        "convention:6",
        "convention:7",
    ]


def test_articles_without_working_group_default_to_the_convention():
    assert labels("as set out in article 5", protocol=None) == ["convention:5"]


def test_articles_paragraph_references_alone_are_not_articles():
    assert labels("paragraph 53 of the procedures and rules, and resolution 9/1") == []


def test_articles_spans_and_rules_in_the_tagger(nlp):
    from conftest import tag_text

    doc = tag_text(nlp, "He cited article 8, paragraph 1 (b), of the Firearms Protocol.")
    [span] = doc.spans["articles"]
    assert span.label_ == "firearms_protocol:8"
    assert span.text == "article 8, paragraph 1 (b), of the Firearms Protocol"
    assert span.id_ == "article/named_after"


def test_related_articles_only_in_firearms_documents_and_never_twice(nlp):
    from conftest import tag_text

    text = "She called for stockpile security and an end to the looting of depots."
    firearms = tag_text(nlp, text)
    assert "firearms_protocol:11" in {s.label_ for s in firearms.spans["articles_related"]}
    smuggling = tag_text(nlp, text, "smuggling_of_migrants")
    assert len(smuggling.spans["articles_related"]) == 0
    cited = tag_text(nlp, "Stockpile security under article 11 of the Protocol was discussed.")
    assert not [s for s in cited.spans["articles_related"] if s.label_ == "firearms_protocol:11"]
