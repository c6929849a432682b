"""A tagged paragraph (a spaCy Doc) as rows of the tags and recommendations tables.

Shared by the tag stage and the tagger's cross-validation, so that both score exactly the
same rows. A theme row carries the classifier's probability (`score`) where the tagger has
a theme classifier; the rules alone give none.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # spaCy is imported by the caller, without torch (pipeline.tagging)
    from spacy.tokens import Doc

SPAN_KINDS = {
    "actors": "actor_type",
    "speakers": "speaker_type",
    "orgs": "org",
    "countries": "country",
    "themes": "theme",
}


def doc_rows(
    doc_id: str, para_no: int, doc: Doc, text: str | None = None
) -> tuple[list[dict], list[dict]]:
    """The tags rows and recommendation rows of one tagged paragraph.

    Evidence and recommendation text are sliced from the paragraph's own `text` (before
    control characters were blanked), so `text[start:end] == evidence` always holds.
    """
    source = text if isinstance(text, str) else doc.text
    return _tag_rows(doc_id, para_no, doc, source), _recommendation_rows(
        doc_id, para_no, doc, source
    )


def _spans(doc: Doc) -> Iterator[tuple[str, Any, bool | None]]:
    """(kind, span, explicit) of every tag span of a paragraph, articles first."""
    for span in doc.spans.get("articles", []):
        yield "article", span, True
    for span in doc.spans.get("articles_related", []):
        yield "article", span, False
    for key, kind in SPAN_KINDS.items():
        for span in doc.spans.get(key, []):
            yield kind, span, None


def _tag_rows(doc_id: str, para_no: int, doc: Doc, source: str) -> list[dict]:
    rows: list[dict[str, Any]] = []
    seen: set[tuple] = set()
    scores = (doc._.theme_scores or {}) if type(doc).has_extension("theme_scores") else {}
    for kind, span, explicit in _spans(doc):
        evidence = source[span.start_char : span.end_char]
        label = evidence if kind in ("org", "country") else span.label_
        key = (kind, label, span.start_char, span.end_char)
        if key in seen:
            continue
        seen.add(key)
        rows.append(
            {
                "doc_id": doc_id,
                "para_no": para_no,
                "kind": kind,
                "label": label,
                "explicit": explicit,
                "score": scores.get(label) if kind == "theme" else None,
                "start": span.start_char,
                "end": span.end_char,
                "evidence": evidence,
                "rule": span.id_,
            }
        )
    return rows


def _recommendation_rows(doc_id: str, para_no: int, doc: Doc, source: str) -> list[dict]:
    return [
        {
            "doc_id": doc_id,
            "para_no": para_no,
            "rec_no": n,
            "text": source[r["start"] : r["end"]],
            "start": r["start"],
            "end": r["end"],
            "by": r["by"],
            "to": r["to"],
            "themes": list(r["themes"]),
            "rule": r["rule"],
        }
        for n, r in enumerate(doc._.recommendations or [], start=1)
    ]
