"""The catalogue of known asks (taxonomy/asks.yaml) as the matcher uses it.

Each ask has an id, a short label, a one-line definition, the themes and addressee it
usually carries, and examples: recommendations that make it, each with the document
(session) it came from, so that a session's own examples can be left out when it is
scored (`without_docs`). The file is loaded and validated with the rest of the taxonomy
(`Taxonomy.asks`); a malformed entry is refused with the file, line and key.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

import pandas as pd

from pipeline.errors import PipelineError
from pipeline.knowledge.compiled import Ask, Example
from pipeline.knowledge.models import Labels
from pipeline.knowledge.parts import asks_from_source
from pipeline.knowledge.source import Source

__all__ = ["Ask", "CatalogueError", "Example", "asks_from_data", "with_contexts", "without_docs"]


class CatalogueError(PipelineError):
    """The catalogue of asks holds nothing the matcher can use."""


def asks_from_data(data: Any, labels: Labels, name: str = "asks.yaml") -> list[Ask]:
    """Asks from catalogue data already in memory (a test's or a script's), validated as
    `asks.yaml` is when the taxonomy is loaded (`Taxonomy.asks`)."""
    return asks_from_source(Source(Path(name), data), labels)


def without_docs(catalogue: Sequence[Ask], doc_ids: Iterable[str]) -> list[Ask]:
    """The catalogue without the examples of `doc_ids`; an ask left without examples goes
    (nothing of those sessions remains to be matched against)."""
    drop = set(doc_ids)
    out = []
    for ask in catalogue:
        kept = tuple(e for e in ask.examples if e.doc_id not in drop)
        if kept:
            out.append(Ask(ask.id, ask.label, ask.definition, ask.themes, ask.addressee, kept))
    return out


def with_contexts(catalogue: Sequence[Ask], paragraphs: pd.DataFrame) -> list[Ask]:
    """The catalogue with each example's paragraph text (`paragraphs`: doc_id, para_no,
    text, such as the paragraphs table) as its context; an example whose paragraph is not
    there keeps none (its sentence stands in)."""
    text = {
        (str(d), int(p)): str(t)
        for d, p, t in zip(
            paragraphs["doc_id"], paragraphs["para_no"], paragraphs["text"], strict=True
        )
    }
    out = []
    for ask in catalogue:
        examples = tuple(
            replace(e, context=text.get((e.doc_id, int(e.para_no or -1)))) for e in ask.examples
        )
        out.append(replace(ask, examples=examples))
    return out
