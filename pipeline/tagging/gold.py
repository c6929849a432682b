"""The gold paragraphs through the tagger's rules, as the tag stage runs them, and what the
learned addressee decision learns from them.

`tag_gold` runs every gold paragraph through the rules (everything before `crp_themes`),
document by document and in order, each paragraph carrying its document's id and working
group (`paragraph_doc`, as the tag stage makes them), so what carries from one paragraph
to the next (the speakers an anaphor may refer to) is the same in training, in
cross-validation and in the tables. `implied_rows` pairs each recommendation that names
no addressee with the gold's reading of it (`states` or `unspecified`), and `decide_folds`
decides such recommendations out of fold.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
from spacy.language import Language

from pipeline.knowledge.gold import read_gold
from pipeline.knowledge.taxonomy import Taxonomy
from pipeline.scoring import match_recommendations
from pipeline.tagging import paragraph_doc
from pipeline.tagging.addressees import NEGATIVE, POSITIVE, ImpliedAddressee, fit_implied
from pipeline.tagging.recommendations import RecommendationRules, decide
from pipeline.themes.evidence import from_doc, of_document
from pipeline.themes.labels import ThemeAnswer
from pipeline.themes.training import GoldParagraphs

THEMES = "crp_themes"
RESOLVER = "crp_resolver"


def tag_gold(nlp: Language, gold_dir: Path, taxonomy: Taxonomy) -> GoldParagraphs:
    """Every gold paragraph through the rules, document by document, in order, with its
    document's id and working group."""
    docs_meta, gold = read_gold(gold_dir, taxonomy.labels)
    groups = {d: meta.get("working_group") for d, meta in docs_meta.items()}
    return tag_rows(nlp, [row for _, row in sorted(gold.items())], groups)


def tag_answers(nlp: Language, answers: Sequence[ThemeAnswer]) -> GoldParagraphs:
    """The paragraphs analysts answered about through the rules, one row per paragraph
    text with its answers (`row["answers"]`: theme → yes)."""
    rows: dict[tuple[str, int, str], dict[str, Any]] = {}
    for a in answers:
        row = rows.setdefault(
            (a.doc_id, a.para_no, a.text_sha256),
            {"doc_id": a.doc_id, "para_no": a.para_no, "text": a.text, "answers": {}},
        )
        row["answers"][a.theme] = a.is_yes
    groups = {a.doc_id: a.working_group for a in answers}
    return tag_rows(nlp, list(rows.values()), groups)


def tag_rows(
    nlp: Language, rows_in: Sequence[dict[str, Any]], groups: dict[str, str | None]
) -> GoldParagraphs:
    """Paragraph rows (doc_id, para_no, text) through the rules, document by document and
    in order, as the tag stage runs them; `groups`: each document's working group."""
    by_doc: dict[str, list[dict]] = {}
    for row in sorted(rows_in, key=lambda r: (r["doc_id"], int(r["para_no"]))):
        by_doc.setdefault(row["doc_id"], []).append(row)
    disabled = [THEMES] if THEMES in nlp.pipe_names else []
    keys, rows, paragraphs, docs = [], [], [], []
    with nlp.select_pipes(disable=disabled):
        for doc_id, doc_rows in sorted(by_doc.items()):
            group = groups.get(doc_id)
            made = [paragraph_doc(nlp, row["text"], doc_id, group) for row in doc_rows]
            for row, doc in zip(doc_rows, nlp.pipe(made), strict=True):
                keys.append((doc_id, int(row["para_no"])))
                rows.append(row)
                paragraphs.append(of_document(from_doc(doc), doc_id))
                docs.append(doc)
    return GoldParagraphs(keys, rows, paragraphs, docs)


@dataclass
class ImpliedRows:
    """The recommendations that name no addressee and match a gold one read as `states`
    or `unspecified`: their evidence, whether the gold reads `states`, their document, and
    where they are (gold paragraph index, recommendation index)."""

    evidence: list[dict[str, float]]
    states: list[bool]
    documents: list[str]
    where: list[tuple[int, int]]

    def of(self, documents: Iterable[str]) -> ImpliedRows:
        keep = set(documents)
        chosen = [i for i, d in enumerate(self.documents) if d in keep]
        return ImpliedRows(
            [self.evidence[i] for i in chosen],
            [self.states[i] for i in chosen],
            [self.documents[i] for i in chosen],
            [self.where[i] for i in chosen],
        )


def implied_rows(gold: GoldParagraphs) -> ImpliedRows:
    """Every unnamed recommendation of the tagged gold that matches a gold recommendation
    whose `to` is `states` or `unspecified` (scoring's match: 80 % overlap)."""
    out = ImpliedRows([], [], [], [])
    for i, (doc_id, para_no) in enumerate(gold.keys):
        records = gold.docs[i]._.recommendations or []
        if not any(r.get("evidence") for r in records):
            continue
        recs = pd.DataFrame(
            [
                {"doc_id": doc_id, "para_no": para_no, "rec_no": n, **r}
                for n, r in enumerate(records)
            ]
        )
        for truth, predicted, _ in match_recommendations(recs, {(doc_id, para_no): gold.rows[i]}):
            if predicted is None or truth["to"] not in (POSITIVE, NEGATIVE):
                continue
            record = records[int(predicted["rec_no"])]
            if record.get("evidence"):
                out.evidence.append(record["evidence"])
                out.states.append(truth["to"] == POSITIVE)
                out.documents.append(doc_id)
                out.where.append((i, int(predicted["rec_no"])))
    return out


def train_implied(
    gold: GoldParagraphs, documents: Sequence[str] | None = None
) -> ImpliedAddressee | None:
    """The decision fitted on the unnamed recommendations of `documents` (all by default);
    None when they hold too few of either reading to learn from."""
    rows = implied_rows(gold)
    if documents is not None:
        rows = rows.of(documents)
    return fit_implied(rows.evidence, rows.states, rows.documents)


Folds = Sequence[tuple[Sequence[str], Sequence[str]]]


def decide_folds(gold: GoldParagraphs, folds: Folds, rules: RecommendationRules) -> dict[str, Any]:
    """Each scored document's unnamed recommendations decided by a decision fitted on its
    fold's training documents (their `to` rewritten in `gold.docs`); returns what the
    decision changed against the rules, counted against the gold."""
    counts: Counter[str] = Counter()
    rows = implied_rows(gold)
    truth = dict(zip(rows.where, rows.states, strict=True))
    for train_ids, test_ids in folds:
        model = train_implied(gold, train_ids)
        for i, (doc_id, _) in enumerate(gold.keys):
            if doc_id not in set(test_ids):
                continue
            for n, record in enumerate(gold.docs[i]._.recommendations or []):
                if not record.get("evidence"):
                    continue
                ruled = decide(record["evidence"], rules, None)
                record["to"] = decide(record["evidence"], rules, model)
                counts["unnamed"] += 1
                if (i, n) in truth:
                    right = POSITIVE if truth[(i, n)] else NEGATIVE
                    counts["scored"] += 1
                    counts["rules_right"] += ruled == right
                    counts["learned_right"] += record["to"] == right
                    if record["to"] != ruled:
                        counts["changed_scored"] += 1
                        counts["changed_right"] += record["to"] == right
                counts["changed"] += record["to"] != ruled
    return dict(sorted(counts.items()))


def resolver_rules(nlp: Language) -> RecommendationRules:
    return nlp.get_pipe(RESOLVER).recommendation
