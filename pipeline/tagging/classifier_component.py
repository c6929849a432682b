"""The theme classifier inside the spaCy pipeline: component `crp_theme_classifier`.

Placed after `crp_resolver`, it reads the theme spans the rules found, asks the fitted
`ThemeClassifier` (pipeline/tagging/classifier.py) whether the paragraph is about each
theme, and rewrites `doc.spans["themes"]`: the rule spans of the themes it keeps, and for
a theme it keeps without any rule match, the sentence closest to the theme (rule
`classifier/<theme>`). `doc._.theme_scores` holds each kept or rule-matched theme's
probability; the themes of `doc._.recommendations` keep only kept themes.

Its model is `theme_classifier.json` in the component's folder, written by `to_disk` and
read by `from_disk`, so `spacy.load("models/tagger")` restores it. Without a model it
leaves the rules' themes untouched. Sentence embeddings (all-MiniLM-L6-v2) are computed
when `embeddings` is "auto" and torch is installed, otherwise the rules-only model of the
same file decides. `doc._.heading` (the paragraph's sub-heading), when set, adds the
heading feature.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
from spacy.language import Language
from spacy.tokens import Doc, Span
from spacy.util import minibatch

from pipeline.tagging.classifier import ThemeClassifier
from pipeline.tagging.classifier_features import Evidence, Match, similarities
from pipeline.tagging.views import sentence_chars, sentences

log = logging.getLogger("crp")
MODEL_FILE = "theme_classifier.json"
RULER_NAMES = ("crp_terms", "crp_exact")

for _name in ("heading", "theme_scores"):
    if not Doc.has_extension(_name):
        Doc.set_extension(_name, default=None)


def sentence_texts(doc: Doc) -> list[str]:
    return [s.text for s in sentences(doc)]


def evidence_from_doc(doc: Doc, heading_labels: Iterable[str] = ()) -> Evidence:
    """The classifier's view of a paragraph tagged by the rules (theme spans, sentences,
    recommendations)."""
    sents = sentence_chars(doc)
    matches = tuple(
        Match(s.label_, s.id_, s.start_char, s.end_char, s.text.lower())
        for s in doc.spans.get("themes", [])
    )
    actors = tuple((s.start_char, s.end_char) for s in doc.spans.get("actors", []))
    ev = Evidence(tuple(sents), matches, working_group=doc._.working_group, actors=actors)
    recs = frozenset(ev.sentence_of(r["start"]) for r in (doc._.recommendations or []))
    return Evidence(
        ev.sentences, matches, recs, frozenset(heading_labels), ev.working_group, actors
    )


def heading_themes(nlp: Language, heading: str | None) -> frozenset[str]:
    """The themes the span rulers find in a heading."""
    if not heading:
        return frozenset()
    doc = nlp.make_doc(heading)
    labels = set()
    for name in RULER_NAMES:
        if name in nlp.pipe_names:
            doc = nlp.get_pipe(name)(doc)
            labels |= {
                s.label_.split("|", 1)[1]
                for s in doc.spans.get(name, [])
                if s.label_.startswith("theme|")
            }
    return frozenset(labels)


def apply_themes(
    doc: Doc,
    labels: list[str],
    proba: np.ndarray,
    keep: np.ndarray,
    best_sentence: dict[str, int] | None = None,
) -> None:
    """Keep the themes marked in `keep`; write their spans, the scores and the
    recommendations' themes."""
    rule_spans = list(doc.spans.get("themes", []))
    matched = {s.label_ for s in rule_spans}
    scores = dict(zip(labels, (float(p) for p in proba), strict=True))
    kept = {lab for lab, k in zip(labels, keep, strict=True) if k}
    doc._.theme_scores = {lab: round(scores[lab], 4) for lab in sorted(kept | matched)}
    if kept == matched:  # the rules' themes stand: spans and recommendations as they are
        return
    spans = [s for s in rule_spans if s.label_ in kept]
    sents = sentences(doc)
    for label in sorted(kept - matched):
        if not sents:
            continue
        sent = sents[min((best_sentence or {}).get(label, 0), len(sents) - 1)]
        spans.append(Span(doc, sent.start, sent.end, label=label, span_id=f"classifier/{label}"))
    doc.spans["themes"] = spans
    for rec in doc._.recommendations or []:
        inside = {
            s.label_ for s in spans if rec["start"] <= s.start_char and s.end_char <= rec["end"]
        }
        rec["themes"] = sorted(inside)


def best_sentences(
    model: ThemeClassifier, vectors: list[np.ndarray] | None, i: int
) -> dict[str, int] | None:
    """Per theme, the index of paragraph i's sentence closest to it (None without vectors)."""
    if vectors is None or model.prototypes_ is None:
        return None
    sims = similarities(vectors[i], model.prototypes_, model.labels_)
    return {lab: s.sentence for lab, s in sims.items()}


class ThemeDecider:
    """spaCy component around a fitted ThemeClassifier (see module docstring)."""

    def __init__(self, nlp: Language, name: str, embeddings: str, batch_size: int) -> None:
        if embeddings not in ("auto", "none"):
            raise ValueError(f"crp_theme_classifier: embeddings={embeddings!r}: use auto or none")
        self.nlp = nlp
        self.name = name
        self.embeddings = embeddings
        self.batch_size = batch_size
        self.model: ThemeClassifier | None = None
        self._encoder: Any = None
        self._encoder_failed = False

    def set_model(self, model: ThemeClassifier | None) -> None:
        self.model = model

    def __call__(self, doc: Doc) -> Doc:
        return next(iter(self.pipe([doc])))

    def pipe(self, stream: Iterable[Doc], batch_size: int | None = None) -> Iterator[Doc]:
        for batch in minibatch(stream, size=batch_size or self.batch_size):
            self._decide(list(batch))
            yield from batch

    def _decide(self, docs: list[Doc]) -> None:
        if self.model is None or not docs:
            return
        evidence = [evidence_from_doc(d, heading_themes(self.nlp, d._.heading)) for d in docs]
        vectors = self._vectors(docs) if self.model.uses_similarity() else None
        proba = self.model.predict_proba(evidence, vectors)
        keep = self.model.keep(evidence, proba, self.model.variant(vectors))
        for i, doc in enumerate(docs):
            apply_themes(
                doc, self.model.labels_, proba[i], keep[i], best_sentences(self.model, vectors, i)
            )

    def _vectors(self, docs: list[Doc]) -> list[np.ndarray] | None:
        encoder = self.encoder()
        if encoder is None:
            return None
        texts = [sentence_texts(d) for d in docs]
        flat = [t for ts in texts for t in ts]
        matrix = encoder.encode(flat) if flat else np.zeros((0, encoder.width), np.float32)
        out, at = [], 0
        for ts in texts:
            out.append(matrix[at : at + len(ts)])
            at += len(ts)
        return out

    def encoder(self) -> Any:
        """all-MiniLM-L6-v2 on the CPU, loaded once; None (rules-only) where unavailable."""
        if self.embeddings == "none" or self._encoder_failed:
            return None
        if self._encoder is None:
            try:
                from pipeline.vectors import Encoder, MiniLM

                model = MiniLM(device="cpu")
                model.model  # noqa: B018  (loaded now: without torch, the rules-only model)
                self._encoder = Encoder(model)
            except Exception as exc:  # no torch, no model package: the rules-only model
                log.warning("theme classifier: no sentence embeddings (%s); rules only", exc)
                self._encoder_failed = True
                return None
        return self._encoder

    def set_encoder(self, encoder: Any) -> None:
        """Use a given encoder (anything with `encode(list[str]) -> array` and `width`)."""
        self._encoder = encoder

    def to_disk(self, path: str | Path, exclude: Iterable[str] = ()) -> None:
        path = Path(path)
        path.mkdir(parents=True, exist_ok=True)
        data = self.model.to_json() if self.model is not None else None
        (path / MODEL_FILE).write_text(
            json.dumps(data, sort_keys=True, separators=(",", ":")) + "\n", encoding="utf-8"
        )

    def from_disk(self, path: str | Path, exclude: Iterable[str] = ()) -> ThemeDecider:
        file = Path(path) / MODEL_FILE
        data = json.loads(file.read_text(encoding="utf-8")) if file.exists() else None
        self.model = ThemeClassifier.from_json(data) if data else None
        return self


@Language.factory("crp_theme_classifier", default_config={"embeddings": "auto", "batch_size": 64})
def make_theme_classifier(
    nlp: Language, name: str, embeddings: str, batch_size: int
) -> ThemeDecider:
    return ThemeDecider(nlp, name, embeddings, batch_size)


def add_theme_classifier(
    nlp: Language, model: ThemeClassifier | None, embeddings: str = "auto"
) -> ThemeDecider:
    """Add (or replace) the component after `crp_resolver`, holding `model`."""
    if "crp_theme_classifier" in nlp.pipe_names:
        nlp.remove_pipe("crp_theme_classifier")
    component = nlp.add_pipe(
        "crp_theme_classifier", after="crp_resolver", config={"embeddings": embeddings}
    )
    component.set_model(model)
    return component
