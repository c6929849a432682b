"""Joining lines: line-end hyphens undone or kept by evidence, URLs rejoined."""

from __future__ import annotations

import pytest

from pipeline.hyphenation import Vocabulary, WordKnowledge, join_lines, keep_hyphen
from pipeline.knowledge.taxonomy import stage_taxonomy

KNOWN = WordKnowledge.from_taxonomy(stage_taxonomy("segment"))
EMPTY = Vocabulary(known=KNOWN)  # a document that writes no word elsewhere


@pytest.mark.parametrize(
    ("lines", "expected"),
    [
        (["the manufac-", "turing of arms"], "the manufacturing of arms"),
        (["non-", "governmental organizations"], "non-governmental organizations"),
        (["the self-", "assessment checklist"], "the self-assessment checklist"),
        (["the so-", "called receivers"], "the so-called receivers"),
        (["their well-", "being"], "their well-being"),
        (["the follow-", "up to"], "the follow-up to"),
        (["sex-", "disaggregated data"], "sex-disaggregated data"),
        (["shared typo-", "logies"], "shared typologies"),
        (["the COVID-", "19 pandemic"], "the COVID-19 pandemic"),
        (["forums –", "not only"], "forums – not only"),
        (["a soft\u00ad", "hyphen"], "a softhyphen"),
    ],
)
def test_join_lines_hyphenation(lines, expected):
    assert join_lines(lines, EMPTY) == expected


def test_document_evidence_beats_the_word_list():
    # English prefers "co-operation" to "cooperation", but this document writes "cooperation"
    vocab = Vocabulary.from_lines(["international cooperation was stressed", "more cooperation"])
    assert join_lines(["regional co-", "operation"], vocab) == "regional cooperation"
    hyphenated = Vocabulary.from_lines(["co-operation matters"])
    assert join_lines(["regional co-", "operation"], hyphenated) == "regional co-operation"


def test_a_fragment_at_a_line_end_is_not_evidence():
    vocab = Vocabulary.from_lines(["the manufac-", "turing"])
    assert vocab.count("manufac") == 0


def test_known_names_join_a_split_name():
    assert "europol" in KNOWN.names  # from the gazetteer's INTERPOL/Europol entries
    assert not keep_hyphen("Euro", "pol", EMPTY, 3.0)
    assert keep_hyphen("Euro", "pol", Vocabulary(), 3.0)


@pytest.mark.parametrize(
    ("lines", "expected"),
    [
        (["see https://www.", "unodc.org/page.html"], "see https://www.unodc.org/page.html"),
        (
            ["https://www.unodc.org/intro/review-", "mechanism-untoc/x.html"],
            "https://www.unodc.org/intro/review-mechanism-untoc/x.html",
        ),
        (
            ["https://www.unodc.org/constructive_", "dialogues/fa.html"],
            "https://www.unodc.org/constructive_dialogues/fa.html",
        ),
        (
            ["at https://www.unodc.org/page.html.", "The next"],
            "at https://www.unodc.org/page.html. The next",
        ),
    ],
)
def test_join_lines_keeps_urls_whole(lines, expected):
    assert join_lines(lines, EMPTY) == expected


@pytest.mark.parametrize(
    ("lines", "expected"),
    [
        (["gender-", "and child-sensitive"], "gender- and child-sensitive"),
        (["short-", "or long-term"], "short- or long-term"),
        (["the pho-", "to archive"], "the photo archive"),
        (["gathered first-", "hand accounts"], "gathered first-hand accounts"),
        (["the “buy, build, shoot”-", "kits"], "the “buy, build, shoot”-kits"),
        (
            ["Organization for Security and Co-", "operation in Europe"],
            "Organization for Security and Co-operation in Europe",
        ),
        (["regional co-", "operation"], "regional cooperation"),
        # an uncommon word split in two, not a compound of two words
        (["online market-", "places"], "online marketplaces"),
        (["the conceal-", "ment of"], "the concealment of"),
        (["nor ac-", "ceded to"], "nor acceded to"),
        (["long-", "term support"], "long-term support"),  # hyphenation.yaml keep_compounds
        # a capital that opens a sentence is no sign of a name
        (["in court. Co-", "operation with"], "in court. Cooperation with"),
        (["Co-", "operation with"], "Cooperation with"),
        (["(OSCE). “Co-", "operation”"], "(OSCE). “Cooperation”"),
    ],
)
def test_join_lines_suspended_hyphens_compounds_and_names(lines, expected):
    assert join_lines(lines, EMPTY) == expected


@pytest.mark.parametrize(
    ("lines", "expected"),
    [
        (
            [
                "see https://www.unodc.org/unodc/en/organized-crime/revie",
                "w-mechanism/dialogues/fa_2022.html for the summary",
            ],
            "see https://www.unodc.org/unodc/en/organized-crime/review-mechanism/dialogues/"
            "fa_2022.html for the summary",
        ),
        (
            [
                "at https://www.unodc.org/unodc/en/organized-crime/review",
                "-mechanism/index.html today",
            ],
            "at https://www.unodc.org/unodc/en/organized-crime/review-mechanism/index.html today",
        ),
        (
            ["see https://www.unodc.org/en", "and/or the annex"],
            "see https://www.unodc.org/en and/or the annex",
        ),
    ],
)
def test_join_lines_url_broken_inside_a_word(lines, expected):
    assert join_lines(lines, EMPTY) == expected
