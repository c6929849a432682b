"""The spaCy component `crp_themes`: the sole writer of a paragraph's themes.

Placed after `crp_resolver`, it reads the lexicon's hits (`doc.spans["theme_hits"]`), asks
the fitted `ThemeModel` (pipeline/themes/model.py) whether the paragraph is about each
theme, and writes:
- `doc.spans["themes"]`: for each theme kept, the lexicon's hits, or, when the decision
  kept it without any, the sentence closest to the theme (rule `decision/<theme>`);
- `doc._.theme_scores`: every theme's probability;
- the themes of `doc._.recommendations`: the paragraph's themes, plus those the decision
  gives the recommendation's own sentence.
Without a model (a tagger built without gold) the lexicon's hits are the themes.

Analysts' answers (pipeline/themes/labels.py) are final: the component carries them by
the hash of the paragraph's text (`set_answers`); a "no" removes the theme, a "yes" keeps
it whatever the model says, its spans (the lexicon's hits, else the closest sentence)
with rule `analyst/<theme>`, its score 1.0 (a "no": 0.0).

Its model is saved in the component's folder by `to_disk` and read by `from_disk`, so
`spacy.load("models/tagger")` restores it. A model that reads sentence vectors gets them
from the encoder given with `set_encoder` (the tag stage embeds every text once, in the
main process), else it loads all-MiniLM-L6-v2 itself, offline.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
from spacy.language import Language
from spacy.tokens import Doc, Span
from spacy.util import minibatch

from pipeline.tagging import views
from pipeline.themes.evidence import (
    Paragraph,
    from_doc,
    sentence_paragraph,
    text_hash,
    texts_to_embed,
)
from pipeline.themes.model import MODEL_FILE, ThemeModel

THEMES_KEY = "themes"
ANSWERS_FILE = "answers.json"
ANALYST = "analyst"  # the rule prefix of a theme an analyst confirmed
Answers = dict[str, dict[str, bool]]  # text hash → theme → yes

if not Doc.has_extension("theme_scores"):
    Doc.set_extension("theme_scores", default=None)
if not Doc.has_extension("doc_id"):  # the paragraph's document: its session's offsets apply
    Doc.set_extension("doc_id", default=None)


class ThemeDecider:
    def __init__(self) -> None:
        self.model: ThemeModel | None = None
        self.encoder: Any = None
        self.answers: Answers = {}

    def set_model(self, model: ThemeModel | None) -> None:
        self.model = model

    def set_answers(self, answers: Answers) -> None:
        """Analysts' answers by text hash (labels.final_answers): final at tag time."""
        self.answers = answers

    def set_encoder(self, encoder: Any) -> None:
        """Anything with `encode(texts) -> array` (rows aligned with texts)."""
        self.encoder = encoder

    def __call__(self, doc: Doc) -> Doc:
        return next(self.pipe([doc]))

    def pipe(self, stream: Iterable[Doc], batch_size: int = 64) -> Iterator[Doc]:
        for batch in minibatch(stream, batch_size):
            yield from self._decide(list(batch))

    def _decide(self, docs: list[Doc]) -> list[Doc]:
        paragraphs = [from_doc(d) for d in docs]
        if self.model is None:
            for doc, p in zip(docs, paragraphs, strict=True):
                answered = self.answers.get(text_hash(views.text(doc)), {})
                kept = _answered({s.label_ for s in doc.spans.get("theme_hits", [])}, answered)
                first = {t: p.sentences[0] for t in kept if not p.hits_of(t)}
                _write(doc, kept, None, [], first, answered)
            return docs
        recs = [sentence_paragraph_of(p, a, b) for p in paragraphs for a, b in p.recommendations]
        vectors = self._vectors(paragraphs + recs)
        probs = self.model.predict_proba(paragraphs, vectors)
        rec_probs = self.model.predict_proba(recs, vectors) if recs else np.zeros((0, 0))
        labels = self.model.labels
        keep = self.model.keep(probs)
        rec_keep = self.model.keep(rec_probs)
        k = 0
        for doc, p, row, kept_row in zip(docs, paragraphs, probs, keep, strict=True):
            answered = self.answers.get(text_hash(views.text(doc)), {})
            kept = _answered({labels[i] for i in np.flatnonzero(kept_row)}, answered)
            rec_kept = []
            for _ in p.recommendations:
                sentence = {labels[i] for i in np.flatnonzero(rec_keep[k])}
                rec_kept.append(_answered(kept | sentence, answered))
                k += 1
            scores = {label: round(float(v), 6) for label, v in zip(labels, row, strict=True)}
            scores.update({t: float(yes) for t, yes in answered.items() if t in scores})
            evidence = self._evidence(p, kept, vectors)
            _write(doc, kept, scores, rec_kept, evidence, answered)
        return docs

    def _vectors(self, paragraphs: list[Paragraph]) -> dict[str, np.ndarray] | None:
        if self.model is None or not self.model.parts_.uses_vectors:
            return None
        if self.encoder is None:
            from pipeline.vectors import Encoder

            self.encoder = Encoder()
        texts = texts_to_embed(paragraphs)
        return dict(zip(texts, self.encoder.encode(texts), strict=True))

    def _evidence(
        self, p: Paragraph, kept: set[str], vectors: dict[str, np.ndarray] | None
    ) -> dict[str, tuple[int, int]]:
        """For each theme kept without a lexicon hit, the sentence closest to it."""
        assert self.model is not None
        missing = sorted(t for t in kept if not p.hits_of(t))
        if not missing:
            return {}
        parts, labels = self.model.parts_, self.model.labels
        sentences = p.sentence_texts
        if parts.concepts is not None and vectors is not None:
            closeness = parts.concepts.closeness(np.stack([vectors[s] for s in sentences]))
        else:
            closeness = parts.vocabulary.predict_proba(sentences)
        return {t: p.sentences[int(np.argmax(closeness[:, labels.index(t)]))] for t in missing}

    def to_disk(self, path: Path, exclude: Iterable[str] = ()) -> None:
        path = Path(path)
        path.mkdir(parents=True, exist_ok=True)
        if self.model is not None:
            self.model.to_disk(path)
        if self.answers:
            text = json.dumps(self.answers, indent=0, sort_keys=True)
            (path / ANSWERS_FILE).write_text(text + "\n", encoding="utf-8")

    def from_disk(self, path: Path, exclude: Iterable[str] = ()) -> ThemeDecider:
        path = Path(path)
        self.model = ThemeModel.from_disk(path) if (path / MODEL_FILE).exists() else None
        answers = path / ANSWERS_FILE
        self.answers = json.loads(answers.read_text(encoding="utf-8")) if answers.exists() else {}
        return self


def sentence_paragraph_of(p: Paragraph, start: int, end: int) -> Paragraph:
    """A recommendation's sentence, seen as a paragraph of its document, with the
    lexicon's hits inside it."""
    sentence = sentence_paragraph(p.text[start:end])
    hits = tuple(
        replace(h, start=h.start - start, end=h.end - start)
        for h in p.hits
        if start <= h.start and h.end <= end
    )
    return replace(sentence, hits=hits, working_group=p.working_group, document=p.document)


def _answered(themes: set[str], answered: dict[str, bool]) -> set[str]:
    """The themes with an analyst's answers applied: yes kept, no removed."""
    return {t for t in themes if answered.get(t, True)} | {t for t, y in answered.items() if y}


def _write(
    doc: Doc,
    kept: set[str],
    scores: dict[str, float] | None,
    rec_themes: list[set[str]],
    evidence: dict[str, tuple[int, int]] | None = None,
    answered: dict[str, bool] | None = None,
) -> None:
    confirmed = {t for t, yes in (answered or {}).items() if yes}

    def rule(label: str, rule_id: str) -> str:
        return f"{ANALYST}/{label}" if label in confirmed else rule_id

    spans = [
        Span(doc, s.start, s.end, label=s.label_, span_id=rule(s.label_, s.id_))
        for s in doc.spans.get("theme_hits", [])
        if s.label_ in kept
    ]
    for label, (start, end) in sorted((evidence or {}).items()):
        span = doc.char_span(start, end, label=label, alignment_mode="expand")
        if span is not None:
            span_id = rule(label, f"decision/{label}")
            spans.append(Span(doc, span.start, span.end, label=label, span_id=span_id))
    doc.spans[THEMES_KEY] = sorted(spans, key=lambda s: (s.start, s.end, s.label_))
    doc._.theme_scores = scores
    records = doc._.recommendations or []
    for n, record in enumerate(records):
        if scores is None:  # rules alone: the hits inside the sentence
            record["themes"] = sorted(
                {
                    s.label_
                    for s in spans
                    if record["start"] <= s.start_char and s.end_char <= record["end"]
                }
            )
        else:
            record["themes"] = sorted(rec_themes[n])


@Language.factory("crp_themes", default_config={})
def make_themes(nlp: Language, name: str) -> ThemeDecider:
    return ThemeDecider()
