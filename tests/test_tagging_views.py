"""The views of a paragraph that the components share (pipeline/tagging/views.py): each is
computed once per Doc and must read exactly what spaCy's own attribute would."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pipeline.tagging import paragraph_doc, views
from pipeline.themes.evidence import from_doc

TEXTS = [
    "",
    " ",
    "The representative of INTERPOL presented the iARMS system. She recommended that "
    "States license craft producers.",
    "See art. 5, para. 2 (a) of the Firearms Protocol. ÉTATS parties: \u201cMarking\u201d matters!"
    "  Two spaces.\tA tab? Yes.",
    "3D-printed guns (ghost guns) \u2013 U.S. views. 12. Numbered sentence follows.",
]
WORDS = st.sampled_from(
    ["The", "States", "art.", "para.", "U.S.", "(a)", "ÉTATS", "recommended", "firearms",
     ".", "?", "!", "\u201c", "\u201d", ",", "12.", "ghost", "Guns", "e.g.", "\n", "\t", "  "]
)  # fmt: skip


def sentence_starts(doc) -> list[tuple[int, int]]:
    return [(s.start_char, s.end_char) for s in doc.sents]


def check(nlp, text: str) -> None:
    doc = nlp(paragraph_doc(nlp, text, "d", "firearms"))
    assert views.text(doc) == doc.text == text
    assert views.lowers(doc) == [t.lower_ for t in doc]
    assert [(s.start, s.end) for s in views.sentences(doc)] == [(s.start, s.end) for s in doc.sents]
    assert views.sentence_chars(doc) == sentence_starts(doc)
    assert [views.span_text(s) for s in doc.sents] == [s.text for s in doc.sents]
    assert views.span_text(doc[1:3]) == doc[1:3].text
    p = from_doc(doc)
    assert p.text == doc.text
    assert p.sentences == (tuple(sentence_starts(doc)) or ((0, len(doc.text)),))


def test_views_read_what_spacy_reads(nlp):
    for text in TEXTS:
        check(nlp, text)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(WORDS, max_size=30).map(" ".join))
def test_views_read_what_spacy_reads_on_any_text(nlp, text):
    check(nlp, text)


def test_views_are_computed_once_per_doc(nlp):
    doc = nlp(paragraph_doc(nlp, TEXTS[2], "d", "firearms"))
    assert views.text(doc) is views.text(doc)
    assert views.lowers(doc) is views.lowers(doc)
    assert views.sentence_chars(doc) is views.sentence_chars(doc)


def test_text_of_a_doc_made_without_paragraph_doc(nlp):
    doc = nlp(TEXTS[3])  # no text given to keep: read from the tokens, once
    assert "crp_text" not in doc.user_data or doc.user_data["crp_text"] == doc.text
    assert views.text(doc) == doc.text == TEXTS[3]
