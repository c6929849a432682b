"""What the theme decision reads of one paragraph, independent of spaCy.

A `Paragraph` is the text with its sentences (character spans), the lexicon's hits
(the theme spans the span rulers found and the resolver kept: not inside a negative
phrase, a name or a speaker's description), the sentences that make recommendations, and
its working group. The spaCy component builds it from a Doc (`from_doc`); training and
cross-validation build it from gold paragraphs run through the same rules.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, replace

from spacy.tokens import Doc

from pipeline.tagging import views

HITS_KEY = "theme_hits"  # the resolver's lexicon hits (doc.spans)


@dataclass(frozen=True)
class Hit:
    """A lexicon match: the theme, the rule that fired and where."""

    label: str
    rule: str
    start: int
    end: int


@dataclass(frozen=True)
class Paragraph:
    text: str
    sentences: tuple[tuple[int, int], ...]
    hits: tuple[Hit, ...] = ()
    recommendations: tuple[tuple[int, int], ...] = ()
    working_group: str | None = None
    document: str | None = None  # its document's id, where known

    @property
    def sentence_texts(self) -> list[str]:
        return [self.text[a:b] for a, b in self.sentences]

    def sentence_of(self, char: int) -> int:
        """The index of the sentence holding character `char` (the last one past the end)."""
        for i, (_, end) in enumerate(self.sentences):
            if char < end:
                return i
        return max(len(self.sentences) - 1, 0)

    def hits_of(self, label: str) -> list[Hit]:
        return [h for h in self.hits if h.label == label]


def from_doc(doc: Doc) -> Paragraph:
    """The decision's view of a paragraph tagged by the rules."""
    text = views.text(doc)
    sentences = tuple(views.sentence_chars(doc)) or ((0, len(text)),)
    hits = tuple(
        Hit(s.label_, s.id_, s.start_char, s.end_char) for s in doc.spans.get(HITS_KEY, [])
    )
    recs = tuple((r["start"], r["end"]) for r in (doc._.recommendations or []))
    document = doc._.doc_id if Doc.has_extension("doc_id") else None
    return Paragraph(text, sentences, hits, recs, doc._.working_group, document)


def of_document(p: Paragraph, document: str) -> Paragraph:
    return replace(p, document=document)


def sentence_paragraph(text: str) -> Paragraph:
    """A text (an example sentence, a recommendation) seen as a paragraph of one sentence."""
    return Paragraph(text, ((0, len(text)),))


def texts_to_embed(paragraphs: Sequence[Paragraph]) -> list[str]:
    """Every text whose vector the decision reads: each paragraph and each of its
    sentences, without repeats, in first-seen order."""
    seen: dict[str, None] = {}
    for p in paragraphs:
        seen.setdefault(p.text, None)
        for s in p.sentence_texts:
            seen.setdefault(s, None)
    return list(seen)


def text_hash(text: str) -> str:
    """The sha256 of a paragraph's text, its whitespace normalized (a spreadsheet or the
    tagger's control-character cleaning never changes it): the key of analysts' answers."""
    return hashlib.sha256(" ".join(str(text).split()).encode("utf-8")).hexdigest()
