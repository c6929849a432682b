"""Views of a paragraph that several rules read, computed once per document.

spaCy makes a new Token or Span object each time a rule walks the document, and rebuilds
`doc.text` from its tokens each time it is read; the components (the article tagger, the
resolver, the theme decision) read them many times. These views are kept in
`doc.user_data` the first time they are asked for; lists of strings and numbers, read
from spaCy's arrays rather than through Token objects.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from spacy.attrs import LOWER

if TYPE_CHECKING:
    from spacy.tokens import Doc, Span


def text(doc: Doc) -> str:
    """The document's text (`doc.text`, which spaCy joins from its tokens at each read).
    A paragraph's text never changes once tokenized (retokenizing keeps it)."""
    cached = doc.user_data.get("crp_text")
    if cached is None:
        cached = doc.user_data["crp_text"] = doc.text
    return cached


def span_text(span: Span) -> str:
    """A span's text (`span.text`, which spaCy joins from its tokens), cut from the
    document's."""
    return text(span.doc)[span.start_char : span.end_char]


def lowers(doc: Doc) -> list[str]:
    """The document's tokens, lower-cased."""
    cached = doc.user_data.get("crp_lower")
    if cached is None or len(cached) != len(doc):
        strings = doc.vocab.strings
        cached = doc.user_data["crp_lower"] = [strings[h] for h in doc.to_array(LOWER).tolist()]
    return cached


def sentences(doc: Doc) -> list[Span]:
    """The document's sentences (set by the sentence splitter, never changed after); their
    bounds are kept as numbers, which `Doc.copy` can copy, unlike spans."""
    bounds = doc.user_data.get("crp_sents")
    if bounds is None:
        bounds = doc.user_data["crp_sents"] = (
            [(s.start, s.end) for s in doc.sents] if len(doc) else []
        )
    return [doc[start:end] for start, end in bounds]


def sentence_chars(doc: Doc) -> list[tuple[int, int]]:
    """The character offsets (start, end) of the document's sentences."""
    cached = doc.user_data.get("crp_sent_chars")
    if cached is None:
        cached = doc.user_data["crp_sent_chars"] = [
            (s.start_char, s.end_char) for s in sentences(doc)
        ]
    return cached
