"""The analyst's loop for themes: the unsure pairs out, the answers in.

`crp themes review OUT.csv` writes, for each document, the K (paragraph, theme) pairs
where the decision is least sure (`least_sure`: smallest distance from the threshold in
log-odds: tagged with a probability barely above it, or not tagged although the lexicon
matched or the probability came close), one row each: the paragraph, the theme's label
and definition, the evidence (the lexicon's matched phrases, else the paragraph's
sentence closest to the theme, and the theme's example it comes nearest), the proposed
answer with its probability, an empty `answer` column (yes / no) and an optional
`other_themes` column (theme ids or labels, separated by ";") for themes the tagger did
not propose. UTF-8 with a byte-order mark and one header row: a spreadsheet opens it as
it is.

The pairs are chosen by `unsure.least_sure`, as the simulated analyst chooses them. The
probabilities are recomputed from models/tagger on the documents' paragraphs, not
kept by the tag stage: the review needs more than a probability (the lexicon's hits the
decision rejected, which the tags table drops, the sentence closest to each theme, which
theme it was asked about last), the rules take about a second over the sample corpus,
and the vectors are read from the tag stage's store (cached by content), so only a text
the tag stage never saw is embedded. The answers already given are final in the model
(their pairs score 1 or 0) and are never asked again.

`crp themes apply OUT.csv` (pipeline/themes/answers.py) records the answers.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from pipeline.themes.evidence import Paragraph, from_doc, of_document, texts_to_embed
from pipeline.themes.labels import text_hash
from pipeline.themes.unsure import least_sure

log = logging.getLogger("crp")

COLUMNS = [
    "doc_id",
    "para_no",
    "theme",
    "theme_label",
    "proposed",
    "probability",
    "answer",
    "other_themes",
    "why",
    "evidence",
    "text",
    "definition",
    "text_sha256",
]
ENCODING = "utf-8-sig"  # a byte-order mark: spreadsheets read the file as UTF-8
PER_DOCUMENT = 10


@dataclass
class Decided:
    """A set of paragraphs as the shipped decision sees them."""

    keys: list[tuple[str, int]]
    texts: list[str]
    paragraphs: list[Paragraph]
    probs: np.ndarray  # paragraphs × labels
    answered: np.ndarray  # paragraphs × labels: an analyst's answer is final there
    vectors: dict[str, np.ndarray] | None


def decide(nlp: Any, paragraphs: pd.DataFrame, groups: dict[str, str | None], encoder: Any):
    """Every paragraph of `paragraphs` through the rules and the theme decision of `nlp`
    (a loaded models/tagger), with the analysts' answers it carries."""
    from pipeline.tag import clean_text

    decider = nlp.get_pipe("crp_themes")
    model = decider.model
    if model is None:
        raise ValueError("this tagger has no theme decision to review (build_tagger.decision)")
    made = []
    for row in paragraphs.itertuples(index=False):
        doc = nlp.make_doc(clean_text(row.text, 100_000))
        doc._.working_group = groups.get(row.doc_id)
        made.append(doc)
    with nlp.select_pipes(disable=["crp_themes"]):
        docs = list(nlp.pipe(made))
    pairs = zip(paragraphs["doc_id"], paragraphs["para_no"], strict=True)
    keys = [(str(d), int(p)) for d, p in pairs]
    para = [of_document(from_doc(doc), d) for doc, (d, _) in zip(docs, keys, strict=True)]
    vectors = None
    if model.parts_.uses_vectors:
        texts = texts_to_embed(para)
        vectors = dict(zip(texts, encoder.encode(texts), strict=True))
    probs = model.predict_proba(para, vectors) if para else np.zeros((0, len(model.labels)))
    answered = np.zeros(probs.shape, dtype=bool)
    index = {label: j for j, label in enumerate(model.labels)}
    for i, text in enumerate(paragraphs["text"]):
        for theme in decider.answers.get(text_hash(text), {}):
            if theme in index:
                answered[i, index[theme]] = True
    return Decided(keys, list(paragraphs["text"]), para, probs, answered, vectors)


def review_table(
    decided: Decided,
    model: Any,
    themes: dict[str, Any],
    concept_texts: dict[str, list[str]],
    per_document: int = PER_DOCUMENT,
) -> pd.DataFrame:
    """The review rows: per document, its `per_document` least sure pairs, in paragraph
    order. `themes`: the taxonomy's themes (label, definition); `concept_texts`: each
    theme's concept sentences, in the order of the model's concept vectors."""
    rows = []
    documents = np.asarray([d for d, _ in decided.keys])
    for document in sorted(set(documents.tolist())):
        where = np.flatnonzero(documents == document)
        probs = decided.probs[where]
        cells = least_sure(probs, model.threshold_, per_document, decided.answered[where])
        for i, j in sorted(cells):
            n = int(where[i])
            rows.append(_row(decided, n, model, model.labels[j], themes, concept_texts))
    return pd.DataFrame(rows, columns=COLUMNS)


def _row(
    decided: Decided,
    n: int,
    model: Any,
    theme: str,
    themes: dict[str, Any],
    concept_texts: dict[str, list[str]],
) -> dict[str, Any]:
    p = decided.paragraphs[n]
    probability = float(decided.probs[n, model.labels.index(theme)])
    proposed = probability >= model.threshold_
    hits = p.hits_of(theme)
    if proposed:
        why = "tagged, probability near the threshold"
    elif hits:
        why = "not tagged although the lexicon matched"
    else:
        why = "not tagged, probability near the threshold"
    doc_id, para_no = decided.keys[n]
    spec = themes.get(theme)
    return {
        "doc_id": doc_id,
        "para_no": para_no,
        "theme": theme,
        "theme_label": spec.title if spec is not None else theme,
        "proposed": "yes" if proposed else "no",
        "probability": round(probability, 3),
        "answer": "",
        "other_themes": "",
        "why": why,
        "evidence": evidence(p, theme, model, decided.vectors, concept_texts.get(theme, [])),
        "text": decided.texts[n],
        "definition": spec.definition if spec is not None else "",
        "text_sha256": text_hash(decided.texts[n]),
    }


def evidence(
    p: Paragraph,
    theme: str,
    model: Any,
    vectors: dict[str, np.ndarray] | None,
    examples: Sequence[str],
) -> str:
    """The lexicon's matched phrases, else the paragraph's sentence closest to the theme;
    then the theme's concept sentence the paragraph comes nearest (with vectors)."""
    hits = p.hits_of(theme)
    j = model.labels.index(theme)
    parts, sentences = model.parts_, p.sentence_texts
    if hits:
        phrases = list(dict.fromkeys(p.text[h.start : h.end] for h in hits))
        shown = "matched: " + "; ".join(f'"{phrase}"' for phrase in phrases)
    else:
        if parts.concepts is not None and vectors is not None:
            closeness = parts.concepts.closeness(np.stack([vectors[s] for s in sentences]))
        else:
            closeness = parts.vocabulary.predict_proba(sentences)
        shown = f'closest sentence: "{sentences[int(np.argmax(closeness[:, j]))].strip()}"'
    if parts.concepts is None or vectors is None:
        return shown
    poles = parts.concepts.vectors[theme]
    if len(poles) != len(examples):  # the taxonomy changed since the tagger was built
        return shown
    from pipeline.themes.similarity import unit_rows

    nearest = int(np.argmax(poles @ unit_rows(vectors[p.text][None, :])[0]))
    return f'{shown} | like: "{examples[nearest]}"'


def run_review(
    layout: Any,
    params: dict[str, Any],
    out: Path,
    per_document: int = PER_DOCUMENT,
    documents: Sequence[str] = (),
) -> str:
    """`crp themes review`: the review file of the corpus of `layout` (or of `documents`)."""
    from pipeline.errors import PipelineError
    from pipeline.knowledge.taxonomy import load_taxonomy, taxonomy_folder
    from pipeline.params import load_settings
    from pipeline.schemas import read_table
    from pipeline.tag import load_tagger
    from pipeline.themes.answers import write_review
    from pipeline.themes.concepts import concept_texts
    from pipeline.vectors import MODEL_ID, Encoder, EncoderSettings, MiniLM, VectorStore

    if per_document < 1:
        raise PipelineError(f"--per-document {per_document}: give at least 1")
    model_dir = layout.models / "tagger"
    if not model_dir.is_dir():
        raise PipelineError(f"{model_dir} is missing: run the pipeline first (dvc repro)")
    taxonomy = load_taxonomy(taxonomy_folder(params), parts=["labels", "themes"])
    paragraphs = read_table("paragraphs", layout.table("paragraphs"))
    docs = read_table("documents", layout.table("documents"))
    unknown = sorted(set(documents) - set(paragraphs["doc_id"]))
    if unknown:
        raise PipelineError(
            f"--documents: {unknown} have no paragraphs in {layout.table('paragraphs')} "
            f"(documents: {', '.join(sorted(set(paragraphs['doc_id'])))})"
        )
    if documents:
        paragraphs = paragraphs[paragraphs["doc_id"].isin(set(documents))]
    groups = {
        d: (g if isinstance(g, str) else None)
        for d, g in zip(docs["doc_id"], docs["working_group"], strict=True)
    }
    # the vectors every stage stored (the tag stage's sentences among them), read only:
    # a text no stage embedded is encoded here and not kept (nothing written, no flush)
    run = load_settings(EncoderSettings, "encoder", params)
    model = MiniLM(run.device, run.batch_size)
    encoder = Encoder(model, VectorStore(layout.cache / "vectors", MODEL_ID))
    nlp = load_tagger(str(model_dir))
    decided = decide(nlp, paragraphs.reset_index(drop=True), groups, encoder)
    model = nlp.get_pipe("crp_themes").model
    table = review_table(decided, model, taxonomy.themes, concept_texts(taxonomy), per_document)
    write_review(table, out)
    n_docs = table["doc_id"].nunique()
    return (
        f"{len(table)} (paragraph, theme) pair(s) of {n_docs} document(s) to review in {out}: "
        "fill `answer` with yes or no (and `other_themes` with themes it missed), then run "
        "`crp themes apply`"
    )
