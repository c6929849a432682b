"""Leave-one-document-out (LODO) evaluation of the tagger, rules alone and with the
theme classifier, over the gold paragraphs (`data/gold/*.paragraphs.jsonl`).

Each gold paragraph's text runs through the rule tagger once (documents in order, so a
statement continued from the previous paragraph is followed); then, for each document,
the classifier is fitted on the other documents (and the taxonomy's example sentences,
minus any that copy a sentence of the scored document) and scores the one left out.
Predictions of all folds are pooled and scored exactly as `crp evaluate` scores the
pipeline's tables (pipeline/evaluate.py). Sentence embeddings are cached by the sha256
of the sentence in the shared vector store (pipeline/vectors).
"""

from __future__ import annotations

import copy
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from spacy.language import Language
from spacy.tokens import Doc

from pipeline.knowledge.gold import read_gold
from pipeline.knowledge.models import Labels
from pipeline.knowledge.taxonomy import Taxonomy
from pipeline.scoring import score_recommendations, score_tags
from pipeline.tagging import paragraph_doc
from pipeline.tagging.classifier import UNSEEN_GROUP, ThemeClassifier
from pipeline.tagging.classifier_component import (
    apply_themes,
    best_sentences,
    evidence_from_doc,
    heading_themes,
    sentence_texts,
)
from pipeline.tagging.classifier_features import (
    Evidence,
    Prototypes,
    build_prototypes,
    prototype_texts,
)
from pipeline.tagging.rows import doc_rows

FIELDS = ("themes", "articles_explicit", "articles_all", "speaker_types", "actor_types", "orgs")
Encode = Callable[[list[str]], np.ndarray]


@dataclass
class Tagged:
    """A gold paragraph tagged by the rules."""

    doc_id: str
    para_no: int
    gold: dict[str, Any]
    doc: Doc
    evidence: Evidence
    sentences: list[str]
    vectors: np.ndarray | None = None


@dataclass
class Example:
    """A taxonomy example sentence: evidence for (or against) its own theme only."""

    theme: str
    text: str
    positive: bool
    evidence: Evidence
    sentences: list[str]
    vectors: np.ndarray | None = None


@dataclass
class Corpus:
    paragraphs: list[Tagged]
    examples: list[Example]
    prototype_texts: dict[str, list[str]]
    labels: list[str]
    vectors: dict[str, np.ndarray] = field(default_factory=dict)  # text -> vector

    @property
    def doc_ids(self) -> list[str]:
        return sorted({p.doc_id for p in self.paragraphs})


def tag_gold(nlp: Language, gold_dir: Path, labels: Labels, headings: bool = False) -> list[Tagged]:
    """Every gold paragraph through the rule tagger, document by document, in order;
    with `headings`, each paragraph's sub-heading is set (`doc._.heading`)."""
    docs_meta, gold = read_gold(gold_dir, labels)
    by_doc: dict[str, list[dict]] = {}
    for (doc_id, _), row in sorted(gold.items()):
        by_doc.setdefault(doc_id, []).append(row)
    out = []
    for doc_id, rows in sorted(by_doc.items()):
        wg = docs_meta.get(doc_id, {}).get("working_group")
        made = []
        for row in rows:
            doc = paragraph_doc(nlp, row["text"], doc_id, wg)
            doc._.heading = row.get("subsection") if headings else None
            made.append(doc)
        for row, doc in zip(rows, nlp.pipe(made), strict=True):
            heading = heading_themes(nlp, doc._.heading)
            out.append(
                Tagged(
                    doc_id,
                    int(row["para_no"]),
                    row,
                    doc,
                    evidence_from_doc(doc, heading),
                    sentence_texts(doc),
                )
            )
    return out


def tag_examples(nlp: Language, taxonomy: Taxonomy) -> list[Example]:
    out = []
    for tid, theme in sorted(taxonomy.themes.items()):
        for positive, texts in ((True, theme.examples_match), (False, theme.examples_no_match)):
            for text in texts:
                doc = nlp(nlp.make_doc(text))
                out.append(
                    Example(tid, text, positive, evidence_from_doc(doc), sentence_texts(doc))
                )
    return out


def build_corpus(
    nlp: Language,
    gold_dir: Path,
    taxonomy: Taxonomy,
    encode: Encode | None,
    headings: bool = False,
) -> Corpus:
    """Tagged gold paragraphs and examples, with sentence vectors when `encode` is given."""
    corpus = Corpus(
        tag_gold(nlp, gold_dir, taxonomy.labels, headings),
        tag_examples(nlp, taxonomy),
        prototype_texts(taxonomy.themes),
        sorted(taxonomy.themes),
    )
    if encode is not None:
        attach_vectors(corpus, encode)
    return corpus


def attach_vectors(corpus: Corpus, encode: Encode) -> None:
    """Sentence vectors for every paragraph, example and prototype text of `corpus`."""
    texts = [t for p in corpus.paragraphs for t in p.sentences]
    texts += [t for e in corpus.examples for t in e.sentences]
    texts += [t for ts in corpus.prototype_texts.values() for t in ts]
    unique = list(dict.fromkeys(texts))
    corpus.vectors = dict(zip(unique, np.asarray(encode(unique), np.float32), strict=True))
    for item in [*corpus.paragraphs, *corpus.examples]:
        item.vectors = _stack(corpus.vectors, item.sentences)


def _stack(vectors: dict[str, np.ndarray], texts: list[str]) -> np.ndarray:
    if not texts:
        width = next(iter(vectors.values())).shape[-1] if vectors else 0
        return np.zeros((0, width), np.float32)
    return np.stack([vectors[t] for t in texts])


def _grams(text: str, n: int = 4) -> set[str]:
    words = re.findall(r"\w+", text.lower())
    return {" ".join(words[i : i + n]) for i in range(max(0, len(words) - n + 1))}


def copies_of(texts: Sequence[str], paragraphs: Sequence[Tagged], share: float = 0.5) -> set[str]:
    """The texts that share at least `share` of their word 4-grams with one paragraph."""
    para_grams = [_grams(p.gold["text"]) for p in paragraphs]
    out = set()
    for text in texts:
        grams = _grams(text)
        if grams and any(len(grams & pg) / len(grams) >= share for pg in para_grams):
            out.add(text)
    return out


def fit(
    corpus: Corpus,
    train: Sequence[Tagged],
    held_out: Sequence[Tagged] = (),
    similarity: bool = True,
    **params: Any,
) -> ThemeClassifier:
    """The classifier fitted on `train` paragraphs and the taxonomy examples; examples
    (and prototype sentences) that copy a sentence of `held_out` are left out."""
    leaked = copies_of([e.text for e in corpus.examples], held_out)
    leaked |= copies_of([t for ts in corpus.prototype_texts.values() for t in ts], held_out)
    examples = [e for e in corpus.examples if e.text not in leaked]
    use_vectors = similarity and bool(corpus.vectors)
    protos = _prototypes(corpus, leaked) if use_vectors else None
    evidence = [p.evidence for p in train] + [e.evidence for e in examples]
    gold = [set(p.gold.get("themes", [])) for p in train] + [
        {e.theme} if e.positive else set() for e in examples
    ]
    groups = [p.doc_id for p in train] + [UNSEEN_GROUP] * len(examples)
    restrict = [None] * len(train) + [e.theme for e in examples]
    vectors = [p.vectors for p in train] + [e.vectors for e in examples] if use_vectors else None
    model = ThemeClassifier(corpus.labels, **params)
    return model.fit(evidence, gold, groups, vectors, protos, restrict)


def _prototypes(corpus: Corpus, leaked: set[str]) -> Prototypes:
    texts = {
        k: [t for t in ts if t not in leaked] or ts[:1] for k, ts in corpus.prototype_texts.items()
    }
    vectors = {k: np.stack([corpus.vectors[t] for t in ts]) for k, ts in texts.items()}
    return build_prototypes(texts, vectors)


def train(corpus: Corpus, doc_ids: Sequence[str] | None = None, **params: Any) -> ThemeClassifier:
    """The classifier fitted on the gold documents `doc_ids` (default: all) and the taxonomy
    examples: what build_tagger would save beside the rules."""
    ids = set(doc_ids) if doc_ids is not None else set(corpus.doc_ids)
    return fit(corpus, [p for p in corpus.paragraphs if p.doc_id in ids], **params)


def decide(model: ThemeClassifier | None, items: Sequence[Tagged], similarity: bool = True):
    """Tags and recommendation rows of `items`, themes decided by `model` (None: rules)."""
    tags: list[dict] = []
    recs: list[dict] = []
    if model is None:
        for p in items:
            t, r = doc_rows(p.doc_id, p.para_no, p.doc, p.gold["text"])
            tags += t
            recs += r
        return tags, recs
    vectors = [p.vectors for p in items] if similarity and model.uses_similarity() else None
    evidence = [p.evidence for p in items]
    proba = model.predict_proba(evidence, vectors)
    keep = model.keep(evidence, proba, model.variant(vectors))
    for i, p in enumerate(items):
        doc = p.doc.copy()
        doc._.recommendations = copy.deepcopy(p.doc._.recommendations)
        apply_themes(doc, model.labels_, proba[i], keep[i], best_sentences(model, vectors, i))
        t, r = doc_rows(p.doc_id, p.para_no, doc, p.gold["text"])
        tags += t
        recs += r
    return tags, recs


def score(items: Sequence[Tagged], tags: list[dict], recs: list[dict]) -> tuple[dict, pd.DataFrame]:
    """Micro scores per field and the per-label table, as `crp evaluate` computes them."""
    from pipeline.schemas import get_table

    gold = {(p.doc_id, p.para_no): p.gold for p in items}
    tags_df = pd.DataFrame(tags, columns=get_table("tags").columns)
    recs_df = pd.DataFrame(recs, columns=get_table("recommendations").columns)
    micro, per_label = score_tags(tags_df, gold)
    micro["recommendations"] = score_recommendations(recs_df, gold)
    return micro, per_label


def split_predictions(
    corpus: Corpus,
    folds: list[tuple[list[str], list[str]]],
    variant: str,
    in_sample: bool = False,
    **params: Any,
) -> tuple[list[dict], list[dict], list[Tagged]]:
    """Pooled rows over folds of (training documents, scored documents); a scored document
    is never a training one unless `in_sample`."""
    tags: list[dict] = []
    recs: list[dict] = []
    scored: list[Tagged] = []
    for train_ids, test_ids in folds:
        train = [p for p in corpus.paragraphs if p.doc_id in train_ids]
        test = [p for p in corpus.paragraphs if p.doc_id in test_ids]
        if not in_sample and {p.doc_id for p in train} & set(test_ids):
            raise ValueError(f"fold scores {test_ids} but trains on {train_ids}")
        model = None
        if variant != "rules":
            model = fit(
                corpus,
                train,
                () if in_sample else test,
                similarity=variant == "classifier",
                **params,
            )
        t, r = decide(model, test, similarity=variant == "classifier")
        tags += t
        recs += r
        scored += test
    return tags, recs, scored


def lodo_folds(doc_ids: Sequence[str]) -> list[tuple[list[str], list[str]]]:
    return [([d for d in doc_ids if d != held], [held]) for held in doc_ids]


VARIANTS = ("rules", "classifier_rules_only", "classifier")


def evaluate_folds(
    corpus: Corpus,
    folds: list[tuple[list[str], list[str]]],
    variants: Sequence[str] = VARIANTS,
    in_sample: bool = False,
    **params: Any,
) -> dict[str, tuple[dict, pd.DataFrame]]:
    """Per variant ("rules", "classifier_rules_only", "classifier"): pooled scores."""
    out = {}
    for variant in variants:
        if variant == "classifier" and not corpus.vectors:
            continue
        tags, recs, scored = split_predictions(corpus, folds, variant, in_sample, **params)
        out[variant] = score(scored, tags, recs)
    return out


def validation_runs(
    doc_ids: Sequence[str], first_contact: Sequence[str] = ()
) -> dict[str, tuple[list[tuple[list[str], list[str]]], bool]]:
    """The three ways the tagger is judged, as (folds, in_sample): `in_sample` (fitted and
    scored on every document: what the development gold flatters), `leave_one_out` (each
    document scored by a model that never saw it: the figure that counts), and
    `first_contact` (fitted without the `first_contact` documents, scored on them: the
    honest estimate of a new session, as when those documents first arrived)."""
    docs = list(doc_ids)
    runs = {"in_sample": ([(docs, docs)], True), "leave_one_out": (lodo_folds(docs), False)}
    new = [d for d in docs if d in set(first_contact)]
    old = [d for d in docs if d not in set(first_contact)]
    if new and old:
        runs["first_contact"] = ([(old, new)], False)
    return runs


def cross_validate(
    corpus: Corpus, variants: Sequence[str], first_contact: Sequence[str] = ()
) -> dict[str, dict[str, tuple[dict, pd.DataFrame]]]:
    """`crp evaluate --cv`: run → variant → (pooled micro scores, per-label table)."""
    return {
        run: evaluate_folds(corpus, folds, variants, in_sample)
        for run, (folds, in_sample) in validation_runs(corpus.doc_ids, first_contact).items()
    }
