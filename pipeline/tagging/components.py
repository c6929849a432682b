"""spaCy components of the tagger, registered so `spacy.load("models/tagger")` works.

The factories are exposed through the `spacy_factories` entry point of this package, so a
notebook can load the saved pipeline without importing anything first. Each component's
data (abbreviations, instrument names, speaker and recommendation rules) is part of its
config and is saved with the pipeline.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import numpy
from spacy.attrs import LIKE_NUM, ORTH, SENT_START, SPACY
from spacy.language import Language
from spacy.tokens import Doc, Span
from spacy.util import filter_spans

from pipeline.tagging import views
from pipeline.tagging.addressees import MODEL_FILE as IMPLIED_FILE
from pipeline.tagging.addressees import ImpliedAddressee
from pipeline.tagging.articles import InstrumentNames, find_articles
from pipeline.tagging.recommendations import RecommendationRules, paragraph_recommendations
from pipeline.tagging.speakers import (
    Carried,
    Discourse,
    Speaker,
    SpeakerRules,
    acting,
    paragraph_speakers,
    typed_mentions,
)

TERM_KEYS = ("crp_terms", "crp_exact")
THEME_HITS = "theme_hits"  # the lexicon's theme matches, which the theme decision reads
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
        for ref in find_articles(views.text(doc), self.names, protocol):
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

    Writes `doc.spans` keys, each once: orgs, countries, theme_hits (the lexicon's theme
    matches), articles_related, speakers, actors, recommendations; and
    `doc._.recommendations` (by, to, rule and, where no addressee is named, the evidence
    of what the ask implies, per sentence). Who speaks and who acts is decided in
    `pipeline/tagging/speakers/`, which sentence recommends what to whom in
    `pipeline/tagging/recommendations.py` (the addressee an ask implies by the learned
    decision of `pipeline/tagging/addressees.py`, set with `set_implied` and saved with
    the pipeline, `to_disk`); which themes a paragraph and its recommendations are about
    in `pipeline/themes/` (component `crp_themes`).
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
        self.implied: ImpliedAddressee | None = None

    def set_implied(self, model: ImpliedAddressee | None) -> None:
        """The learned decision of the addressee an ask implies (None: the rules')."""
        self.implied = model

    def to_disk(self, path: Path, exclude: Iterable[str] = ()) -> None:
        path = Path(path)
        path.mkdir(parents=True, exist_ok=True)
        if self.implied is not None:
            text = json.dumps(self.implied.to_json(), indent=1, sort_keys=True)
            (path / IMPLIED_FILE).write_text(text + "\n", encoding="utf-8")

    def from_disk(self, path: Path, exclude: Iterable[str] = ()) -> Resolver:
        file = Path(path) / IMPLIED_FILE
        data = json.loads(file.read_text(encoding="utf-8")) if file.exists() else None
        self.implied = ImpliedAddressee.from_json(data) if data is not None else None
        return self

    def __call__(self, doc: Doc) -> Doc:
        self._resolve(doc, None)
        return doc

    def pipe(self, stream: Iterable[Doc], batch_size: int = 128) -> Iterator[Doc]:
        """Paragraphs in document order: an anaphor with no referent in its paragraph
        ("She further recommended ...") refers to a speaker of the previous paragraph of
        its document, and a paragraph that continues the previous one's statement inherits
        its last speaker.

        What carries over is kept per document (`doc._.doc_id`), so paragraphs of several
        documents in one stream, in any interleaving, never inherit from one another; a
        paragraph with no document (`doc_id` None) inherits nothing."""
        carried: dict[str, Carried] = {}
        for doc in stream:
            key = doc._.doc_id
            left = self._resolve(doc, carried.get(key) if key is not None else None)
            if key is not None:
                carried[key] = left
            yield doc

    def _resolve(self, doc: Doc, previous: Carried | None) -> Carried:
        """Annotate one paragraph; returns what the next paragraph of its document may
        refer to."""
        previous = previous or Carried()
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
        orgs = [_relabel(s) for s in names if s.label_.startswith("org|")]
        countries = [_relabel(s) for s in names if s.label_.startswith("country|")]
        actor_terms = [
            _relabel(s) for s in filter_spans(by_kind.get("actor", [])) if not _overlaps(s, names)
        ]
        mentions, unlisted = typed_mentions(doc, orgs, countries, actor_terms, self.speaker)
        unlisted_orgs = [Span(doc, m.start, m.end, label=m.type, span_id=m.rule) for m in unlisted]
        group = self.speaker.impersonal_type if self.speaker.group_fallback else None
        discourse = Discourse(previous.referents, group_type=group)
        said = paragraph_speakers(doc, mentions, self.speaker, discourse)
        speakers = [
            Span(doc, sp.start, sp.end, label=sp.type, span_id=sp.rule)
            for _, found in said
            for sp in found
        ]
        doc.spans["orgs"] = orgs + unlisted_orgs
        doc.spans["countries"] = countries
        doc.spans["speakers"] = speakers
        doc.spans["actors"] = acting(
            doc, orgs + countries + actor_terms + unlisted_orgs, mentions, speakers, self.speaker
        )
        # a theme word inside who speaks ("a representative of a civil society organization")
        # names the speaker, not what the paragraph discusses
        themes = [t for t in self._themes(by_kind, names) if not _overlaps(t, speakers)]
        doc.spans[THEME_HITS] = themes
        doc.spans["articles_related"] = self._related(doc, by_kind, names)
        carried = previous.last if previous.last and self.speaker.continues(doc) else None
        self._recommendations(doc, said, by_kind, carried)
        return Carried(discourse.referents(), _last_speaker(said, carried))

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

    def _recommendations(
        self,
        doc: Doc,
        said: list[tuple[Span, list[Speaker]]],
        by_kind: dict[str, list[Span]],
        carried: str | None,
    ) -> None:
        """The recommendation spans and records (by, to, rule; their themes are the theme
        decision's, pipeline/themes/component.py)."""
        addressees = [_relabel(s) for s in filter_spans(by_kind.get("to", []))]
        speakers = list(doc.spans["speakers"])
        actors = [a for a in doc.spans["actors"] if not _overlaps(a, speakers)]
        records = paragraph_recommendations(
            said,
            addressees,
            actors,
            speakers,
            self.recommendation,
            self.speaker.impersonal_type,
            carried,
            self.implied,
        )
        recs = []
        for record in records:
            span = doc.char_span(record["start"], record["end"])
            assert span is not None  # a sentence's own bounds
            label = f"{record['by']}>{record['to']}"
            recs.append(Span(doc, span.start, span.end, label=label, span_id=record["rule"]))
            record["themes"] = []
        doc.spans["recommendations"] = recs
        doc._.recommendations = records


def _last_speaker(said: list[tuple[Span, list[Speaker]]], carried: str | None) -> str | None:
    """The speaker a next paragraph that continues the statement inherits."""
    last = carried
    for _, found in said:
        last = found[-1].type if found else last
    return last


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


# The theme decision's component (crp_themes) registers with the others, so that a saved
# tagger holding it loads wherever this module is imported.
import pipeline.themes.component  # noqa: E402, F401
