"""The catalogue of known asks (taxonomy/asks.yaml): typed, validated, split by session.

Each ask has an id, a short label, a one-line definition, the themes and addressee it
usually carries, and examples: recommendations that make it, each with the document
(session) it came from, so that a session's own examples can be left out when it is
scored. A malformed entry is refused with the file, the entry and what to fix.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import pandas as pd

from pipeline.errors import PipelineError

ID = re.compile(r"^[a-z][a-z0-9_]*$")


class CatalogueError(PipelineError):
    """The catalogue of asks holds an entry the matcher cannot use."""


@dataclass(frozen=True)
class Example:
    doc_id: str
    text: str
    to: str = "unspecified"
    themes: tuple[str, ...] = ()
    para_no: int | None = None
    working_group: str | None = None
    context: str | None = None  # the paragraph (not stored in the YAML: see with_contexts)


@dataclass(frozen=True)
class Ask:
    id: str
    label: str
    definition: str
    themes: tuple[str, ...]
    addressee: str
    examples: tuple[Example, ...]


# ---------------------------------------------------------------------------- catalogue


def load_catalogue(path: Path | None = None, labels: dict[str, Any] | None = None) -> list[Ask]:
    """The asks of a catalogue file (default: taxonomy/asks.yaml), validated against the
    theme and addressee ids of labels.yaml."""
    from pipeline.paths import TAXONOMY_DIR
    from pipeline.tagging.taxonomy import read_yaml

    path = path or TAXONOMY_DIR / "asks.yaml"
    if labels is None:
        from pipeline.tagging.taxonomy_files import load_labels

        labels = load_labels(TAXONOMY_DIR / "labels.yaml")
    return parse_catalogue(
        read_yaml(path),
        str(path),
        set(labels["themes"]),
        set(labels["addressee_types"]),
        set(labels["working_groups"]),
    )


def parse_catalogue(
    data: Any,
    source: str,
    themes: set[str] | None = None,
    addressees: set[str] | None = None,
    groups: set[str] | None = None,
) -> list[Ask]:
    """Asks from the catalogue's parsed YAML (ids checked against the sets given); a
    malformed entry is a CatalogueError naming the file, the entry (position and id) and
    what is wrong."""
    if not isinstance(data, dict) or not isinstance(data.get("asks"), list):
        raise CatalogueError(f"{source}: expected a mapping with a list `asks:`")
    documents = data.get("documents") or {}
    if not isinstance(documents, dict):
        raise CatalogueError(f"{source}: `documents:` must map each doc_id to its working group")
    for doc_id, group in documents.items():
        if groups is not None and group not in groups:
            raise CatalogueError(
                f"{source}: documents: {doc_id}: unknown working group {group!r} (labels.yaml)"
            )
    asks: list[Ask] = []
    seen: set[str] = set()
    for n, entry in enumerate(data["asks"], start=1):
        name = f"ask #{n}" + (f" ({entry.get('id')!r})" if isinstance(entry, dict) else "")

        def bad(problem: str, name: str = name) -> CatalogueError:
            return CatalogueError(f"{source}: {name}: {problem}; fix or remove that entry")

        if not isinstance(entry, dict):
            raise bad("is not a mapping of id, label, definition, themes, addressee, examples")
        missing = [k for k in ("id", "label", "definition", "examples") if not entry.get(k)]
        if missing:
            raise bad(f"lacks {', '.join(missing)}")
        ask_id = entry["id"]
        if not isinstance(ask_id, str) or not ID.match(ask_id):
            raise bad("id must be snake_case (a-z, 0-9, _)")
        if ask_id in seen:
            raise bad("id is used by an earlier entry")
        seen.add(ask_id)
        for key in ("label", "definition"):
            if not isinstance(entry[key], str):
                raise bad(f"{key} must be text")
        ask_themes = _ids(entry.get("themes") or [], themes, "theme", bad)
        addressee = entry.get("addressee", "unspecified")
        _ids([addressee], addressees, "addressee", bad)
        if not isinstance(entry["examples"], list):
            raise bad("examples must be a list")
        examples = []
        for k, ex in enumerate(entry["examples"], start=1):
            if not isinstance(ex, dict) or not isinstance(ex.get("text"), str) or not ex["text"]:
                raise bad(f"example {k} needs a text")
            if not isinstance(ex.get("doc_id"), str) or not ex["doc_id"]:
                raise bad(f"example {k} needs the doc_id it comes from")
            if documents and ex["doc_id"] not in documents:
                raise bad(f"example {k}: add {ex['doc_id']} with its working group to documents:")
            to = ex.get("to", "unspecified")
            _ids([to], addressees, f"example {k}'s addressee", bad)
            ex_themes = _ids(ex.get("themes") or [], themes, f"example {k}'s theme", bad)
            text = " ".join(ex["text"].split())
            group = documents.get(ex["doc_id"])
            examples.append(Example(ex["doc_id"], text, to, ex_themes, ex.get("para_no"), group))
        asks.append(
            Ask(
                ask_id,
                entry["label"].strip(),
                entry["definition"].strip(),
                ask_themes,
                addressee,
                tuple(examples),
            )
        )
    return asks


def _ids(values: Any, known: set[str] | None, what: str, bad: Callable) -> tuple[str, ...]:
    if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
        raise bad(f"{what}s must be a list of ids")
    unknown = [v for v in values if known is not None and v not in known]
    if unknown:
        raise bad(f"unknown {what} {unknown[0]!r} (see labels.yaml)")
    return tuple(values)


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
