"""spaCy components of the tagger, registered so `spacy.load("models/tagger")` works.

The factories are exposed through the `spacy_factories` entry point of this package, so a
notebook can load the saved pipeline without importing anything first. Each component's
data (abbreviations, instrument names, speaker and recommendation rules) is part of its
config and is saved with the pipeline.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

import numpy
from spacy.attrs import LIKE_NUM, ORTH, SENT_START, SPACY
from spacy.language import Language
from spacy.tokens import Doc, Span
from spacy.util import filter_spans

from pipeline.tagging.actors import (
    Mention,
    SpeakerRules,
    affiliated,
    paragraph_speakers,
    unlisted_organizations,
)
from pipeline.tagging.articles import InstrumentNames, find_articles
from pipeline.tagging.recommendations import RecommendationRules, addressee, first_cue

TERM_KEYS = ("crp_terms", "crp_exact")
OPENERS = {'"', "“", "‘", "'", "("}
CLOSERS = {'"', "”", "’", "'", ")"}

if not Doc.has_extension("doc_id"):  # the document a paragraph belongs to (tag.make_docs)
    Doc.set_extension("doc_id", default=None)
if not Doc.has_extension("working_group"):
    Doc.set_extension("working_group", default=None)
if not Doc.has_extension("recommendations"):
    Doc.set_extension("recommendations", default=None)


class SentenceSplitter:
    """Sentence starts after . ! ? when the next word opens like a sentence.

    Abbreviations ("art.", "para.", "U.S.") are single tokens (tokenizer special cases),
    so their full stop never ends a sentence; "(a)"-style sub-items never start one.
    """

    def __init__(self, abbreviations: list[str]) -> None:
        self.abbreviations = set(abbreviations)

    def __call__(self, doc: Doc) -> Doc:
        if len(doc) == 0:
            return doc
        # plain arrays: the rule reads every token's neighbours, and spaCy's token objects
        # cost more to make than the rule to apply
        columns = doc.to_array([ORTH, SPACY, LIKE_NUM])
        strings = doc.vocab.strings
        texts = [strings[int(h)] for h in columns[:, 0]]
        spaces, numbers = columns[:, 1].tolist(), columns[:, 2].tolist()
        starts = [1] + [
            1 if self._starts(texts, spaces, numbers, i) else -1 for i in range(1, len(doc))
        ]
        values = numpy.array(starts, dtype=numpy.int64).astype(numpy.uint64)  # as spaCy keeps -1
        doc.from_array([SENT_START], values.reshape(-1, 1))
        return doc

    def _starts(self, texts: list[str], spaces: list[int], numbers: list[int], i: int) -> bool:
        if texts[i] in CLOSERS:
            return False
        j = i - 1
        while j > 0 and texts[j] in CLOSERS:
            j -= 1
        end = texts[j]
        if not (
            end in (".", "!", "?")
            or (
                end.endswith(".")
                and len(end) > 1
                and end not in self.abbreviations
                and not numbers[j]
            )
        ):
            return False
        if not spaces[i - 1] and texts[i - 1] not in CLOSERS:
            return False
        nxt = texts[i + 1] if texts[i] in OPENERS and i + 1 < len(texts) else texts[i]
        return nxt[:1].isupper() or nxt[:1].isdigit()


@Language.factory("crp_sentences", default_config={"abbreviations": []})
def make_sentences(nlp: Language, name: str, abbreviations: list[str]) -> SentenceSplitter:
    return SentenceSplitter(abbreviations)


class ArticleTagger:
    """Article references → `doc.spans["articles"]`, labelled `instrument:number`."""

    def __init__(self, instruments: dict[str, list[str]], protocols: dict[str, str]) -> None:
        self.names = InstrumentNames(instruments)
        self.protocols = protocols

    def __call__(self, doc: Doc) -> Doc:
        protocol = self.protocols.get(doc._.working_group or "")
        spans = []
        for ref in find_articles(doc.text, self.names, protocol):
            span = doc.char_span(
                ref.start, ref.end, label=ref.label, span_id=ref.rule, alignment_mode="expand"
            )
            if span is not None:
                spans.append(span)
        doc.spans["articles"] = spans
        return doc


@Language.factory("crp_articles", default_config={"instruments": {}, "protocols": {}})
def make_articles(
    nlp: Language, name: str, instruments: dict[str, list[str]], protocols: dict[str, str]
) -> ArticleTagger:
    return ArticleTagger(instruments, protocols)


class Resolver:
    """Turns the term matches into the final tags of a paragraph.

    Writes `doc.spans` keys: themes, actors, orgs, countries, speakers, articles_related,
    recommendations; and `doc._.recommendations` (by, to, themes, rule per sentence).
    """

    def __init__(
        self,
        speaker: dict[str, Any],
        recommendation: dict[str, Any],
        subject_working_groups: list[str],
    ) -> None:
        self.speaker = SpeakerRules.from_config(speaker)
        self.recommendation = RecommendationRules.from_config(recommendation)
        self.subject_working_groups = set(subject_working_groups)

    def __call__(self, doc: Doc) -> Doc:
        self._resolve(doc, None)
        return doc

    def pipe(self, stream: Iterable[Doc], batch_size: int = 128) -> Iterator[Doc]:
        """Paragraphs in document order: one that continues the previous paragraph of its
        document ("She further recommended ...") inherits that paragraph's last speaker.

        What carries over is kept per document (`doc._.doc_id`), so paragraphs of several
        documents in one stream, in any interleaving, never inherit from one another; a
        paragraph with no document (`doc_id` None) inherits nothing."""
        carried: dict[str, str | None] = {}
        for doc in stream:
            key = doc._.doc_id
            last = self._resolve(doc, carried.get(key) if key is not None else None)
            if key is not None:
                carried[key] = last
            yield doc

    def _resolve(self, doc: Doc, previous: str | None) -> str | None:
        """Annotate one paragraph; returns the speaker a next paragraph may continue."""
        terms = [s for key in TERM_KEYS if key in doc.spans for s in doc.spans[key]]
        by_kind: dict[str, list[Span]] = {}
        for span in terms:
            by_kind.setdefault(span.label_.split("|", 1)[0], []).append(span)
        names = filter_spans(  # of two equal spans, the gazetteer's wins over a name pattern
            sorted(
                by_kind.get("org", []) + by_kind.get("country", []),
                key=lambda s: s.id_.startswith("pattern/"),
            )
        )
        doc.spans["orgs"] = [_relabel(s) for s in names if s.label_.startswith("org|")]
        doc.spans["countries"] = [_relabel(s) for s in names if s.label_.startswith("country|")]
        actor_terms = [
            _relabel(s) for s in filter_spans(by_kind.get("actor", [])) if not _overlaps(s, names)
        ]
        doc.spans["actors"] = list(doc.spans["orgs"]) + list(doc.spans["countries"]) + actor_terms
        doc.spans["themes"] = self._themes(by_kind, names)
        doc.spans["articles_related"] = self._related(doc, by_kind, names)
        return self._speakers_and_recommendations(doc, by_kind, actor_terms, previous)

    def _themes(self, by_kind: dict[str, list[Span]], names: list[Span]) -> list[Span]:
        negatives = by_kind.get("neg", [])
        kept = []
        for span in by_kind.get("theme", []):
            theme = span.label_.split("|", 1)[1]
            vetoed = any(n.label_ == f"neg|{theme}" and _overlap(span, n) for n in negatives)
            if not vetoed and not _overlaps(span, names):
                kept.append(_relabel(span))
        return kept

    def _related(self, doc: Doc, by_kind: dict[str, list[Span]], names: list[Span]) -> list[Span]:
        if (doc._.working_group or "") not in self.subject_working_groups:
            return []
        cited = {s.label_ for s in doc.spans["articles"]} if "articles" in doc.spans else set()
        related = []
        for span in by_kind.get("subject", []):
            label = "firearms_protocol:" + span.label_.split("|", 1)[1]
            if label not in cited and not _overlaps(span, names):
                related.append(Span(doc, span.start, span.end, label=label, span_id=span.id_))
        return related

    def _speakers_and_recommendations(
        self,
        doc: Doc,
        by_kind: dict[str, list[Span]],
        actor_terms: list[Span],
        previous: str | None = None,
    ) -> str | None:
        """Speakers, recommendations (by, to, themes) and the actors who speak; returns the
        last speaker, whom a paragraph that continues the statement inherits."""
        mentions = self._mentions(doc, actor_terms)
        addressees = [_relabel(s) for s in filter_spans(by_kind.get("to", []))]
        speakers, recs, records = [], [], []
        last: str | None = previous if previous and self.speaker.continues(doc) else None
        for sent, found in paragraph_speakers(doc, mentions, self.speaker, previous):
            speakers += [
                Span(doc, sp.start, sp.end, label=sp.type, span_id=sp.rule) for sp in found
            ]
            last = found[-1].type if found else last
            cue = first_cue(sent.text, self.recommendation)
            if cue is None:
                continue
            by = found[0].type if found else (last or self.speaker.impersonal_type)
            to = addressee(sent, cue[0], cue[1], addressees, self.recommendation)
            rule = f"recommendation/{cue[0].id}"
            recs.append(Span(doc, sent.start, sent.end, label=f"{by}>{to}", span_id=rule))
            records.append(
                {"start": sent.start_char, "end": sent.end_char, "by": by, "to": to, "rule": rule}
            )
        doc.spans["speakers"] = speakers
        # a theme word inside who speaks ("a representative of a civil society organization")
        # names the speaker, not what the paragraph discusses
        doc.spans["themes"] = [t for t in doc.spans["themes"] if not _overlaps(t, speakers)]
        for record in records:
            record["themes"] = sorted(
                {
                    t.label_
                    for t in doc.spans["themes"]
                    if record["start"] <= t.start_char and t.end_char <= record["end"]
                }
            )
        doc.spans["recommendations"] = recs
        doc._.recommendations = records
        doc.spans["actors"] = self._acting(doc, mentions, speakers)
        return last

    def _mentions(self, doc: Doc, actor_terms: list[Span]) -> list[Mention]:
        """Typed mentions (organizations, States, actor words), with the organizations the
        gazetteer lacks, recognized by their form, added to the orgs and actors."""
        mentions = [
            Mention(s.start, s.end, s.label_, kind, s.id_)
            for kind, spans in (
                ("org", doc.spans["orgs"]),
                ("country", doc.spans["countries"]),
                ("term", actor_terms),
            )
            for s in spans
        ]
        unlisted = unlisted_organizations(doc, mentions, self.speaker)
        names = [Span(doc, m.start, m.end, label=m.type, span_id=m.rule) for m in unlisted]
        doc.spans["orgs"] = list(doc.spans["orgs"]) + names
        doc.spans["actors"] = list(doc.spans["actors"]) + names
        return mentions + unlisted

    def _acting(self, doc: Doc, mentions: list[Mention], speakers: list[Span]) -> list[Span]:
        """Whoever speaks acts: a speaker named by a pronoun or role is an actor too; a
        "panellist" who is a speaker of a known type is no unaffiliated participant."""
        typed_mentions = [m for m in mentions if m.kind != "term" or m.type != "participant"]

        def unaffiliated(a: Span) -> bool:
            if a.label_ != "participant":
                return False
            if any(_overlap(a, s) and s.label_ != "participant" for s in speakers):
                return True
            mention = Mention(a.start, a.end, "participant", "term", a.id_)
            return affiliated(doc, mention, typed_mentions, self.speaker)

        actors = [a for a in doc.spans["actors"] if not unaffiliated(a)]
        typed = {s.label_ for s in actors}
        return actors + [s for s in speakers if s.label_ not in typed]


@Language.factory(
    "crp_resolver",
    default_config={"speaker": {}, "recommendation": {}, "subject_working_groups": ["firearms"]},
)
def make_resolver(
    nlp: Language,
    name: str,
    speaker: dict[str, Any],
    recommendation: dict[str, Any],
    subject_working_groups: list[str],
) -> Resolver:
    return Resolver(speaker, recommendation, subject_working_groups)


def _relabel(span: Span) -> Span:
    """A term span with its kind prefix ("theme|", "org|") dropped from the label."""
    return Span(
        span.doc, span.start, span.end, label=span.label_.split("|", 1)[-1], span_id=span.id_
    )


def _overlap(a: Span, b: Span) -> bool:
    return a.start < b.end and b.start < a.end


def _overlaps(span: Span, others: list[Span]) -> bool:
    return any(_overlap(span, other) for other in others)


# The learned theme decision's component (crp_theme_classifier) registers with the others,
# so that a saved tagger holding it loads wherever this module is imported.
import pipeline.tagging.classifier_component  # noqa: E402, F401
