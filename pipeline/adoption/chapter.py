"""The adopted recommendations of working group reports, read from their paragraphs.

A report (`doc_type` wg_report) opens with a chapter of recommendations
(`adopted.yaml: chapter`); each numbered paragraph of it after its opening one (the
chapeau, "... adopted the following recommendations") is one adopted recommendation,
whatever sub-headings group them. Its `to` is whom it names before its directive ("States
parties should ...", "The secretariat is requested to ...", "The Working Group may wish
to ..."): the first addressee of actors.yaml named there, unless it is named as a partner
("in cooperation with civil society"); without a directive, the first one named; without
any, the default addressee of recommendations.yaml. Its `themes` are the tagger's theme
rows of the paragraph (the tags table), the most probable first.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

import pandas as pd

from pipeline.knowledge.compiled import Term
from pipeline.knowledge.documents import AdoptedRules

REPORT = "wg_report"  # labels.yaml doc_types
COLUMNS = ["doc_id", "para_no", "text", "to", "themes"]
PARTNER = re.compile(r"\b(?:with|between|among|amongst|alongside)\s+(?:the\s+|its\s+|their\s+)?$")


@dataclass(frozen=True)
class Addressees:
    """The addressee phrases of actors.yaml as one case-insensitive expression (a final
    noun also matches its plural), longest first so "States parties" beats "States"."""

    pattern: re.Pattern[str]
    labels: dict[str, str]  # lower-cased phrase → addressee id

    @classmethod
    def from_terms(cls, terms: Sequence[Term]) -> Addressees:
        labels = {" ".join(t.phrase.lower().split()): t.label for t in terms if t.phrase}
        phrases = sorted(labels, key=len, reverse=True)
        body = "|".join(r"\s+".join(re.escape(w) for w in p.split()) for p in phrases)
        return cls(re.compile(rf"\b(?:{body or '(?!)'})(?:s|es)?\b", re.IGNORECASE), labels)

    def label(self, found: str) -> str:
        key = " ".join(found.lower().split())
        for candidate in (key, key[:-1], key[:-2]):
            if candidate in self.labels:
                return self.labels[candidate]
        raise KeyError(found)

    def named(self, text: str) -> list[tuple[int, str]]:
        """(offset, addressee id) of every addressee named in `text`, not as a partner."""
        return [
            (m.start(), self.label(m.group(0)))
            for m in self.pattern.finditer(text)
            if not PARTNER.search(text[max(0, m.start() - 30) : m.start()])
        ]


def addressee(text: str, rules: AdoptedRules, addressees: Addressees, default: str) -> str:
    """Whom an adopted recommendation addresses: named before its first directive."""
    named = addressees.named(text)
    cues = [m.start() for p in rules.subject_before for m in [p.search(text)] if m]
    if cues:
        before = [label for at, label in named if at < min(cues)]
        if before:
            return before[0]
        return default
    return named[0][1] if named else default


def chapter_paragraphs(
    paragraphs: pd.DataFrame, documents: pd.DataFrame, rules: AdoptedRules
) -> pd.DataFrame:
    """The paragraphs that are adopted recommendations: those of the chapter of
    recommendations of each working group report, its chapeau left out."""
    reports = set(documents.loc[documents["doc_type"] == REPORT, "doc_id"])
    rows = paragraphs[paragraphs["doc_id"].isin(reports)].reset_index(drop=True)
    rows = rows[rows["section"].map(rules.is_chapter).astype(bool)]
    keep = []
    for _, group in rows.sort_values(["doc_id", "para_no"]).groupby("doc_id", sort=True):
        first = group.index[0]
        keep += [
            i for i in group.index if not (i == first and rules.is_chapeau(group.at[i, "text"]))
        ]
    return rows.loc[keep].sort_values(["doc_id", "para_no"]).reset_index(drop=True)


def paragraph_themes(tags: pd.DataFrame) -> dict[tuple[str, int], list[str]]:
    """(doc_id, para_no) → the paragraph's themes in the tags table, most probable first."""
    themes = tags[tags["kind"] == "theme"]
    score = themes["score"].astype("Float64").fillna(1.0)
    best = (
        themes.assign(score=score)
        .groupby(["doc_id", "para_no", "label"], sort=False)["score"]
        .max()
        .reset_index()
        .sort_values(["doc_id", "para_no", "score", "label"], ascending=[True, True, False, True])
    )
    out: dict[tuple[str, int], list[str]] = {}
    for doc_id, para_no, label in zip(best["doc_id"], best["para_no"], best["label"], strict=True):
        out.setdefault((str(doc_id), int(para_no)), []).append(str(label))
    return out


def adopted_recommendations(
    paragraphs: pd.DataFrame,
    documents: pd.DataFrame,
    tags: pd.DataFrame,
    rules: AdoptedRules,
    addressees: Addressees,
    default_to: str = "states",
) -> pd.DataFrame:
    """doc_id, para_no, text, to, themes of every adopted recommendation (pure)."""
    rows = chapter_paragraphs(paragraphs, documents, rules)
    themes = paragraph_themes(tags)
    return pd.DataFrame(
        {
            "doc_id": rows["doc_id"].astype(object),
            "para_no": rows["para_no"].astype(int),
            "text": rows["text"].astype(object),
            "to": [addressee(str(t), rules, addressees, default_to) for t in rows["text"]],
            "themes": [
                themes.get((str(d), int(p)), [])
                for d, p in zip(rows["doc_id"], rows["para_no"], strict=True)
            ],
        },
        columns=COLUMNS,
    )
