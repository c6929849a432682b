"""The analyst's loop: review the asks the matcher was unsure of, then grow the catalogue.

`crp asks review OUT.csv` writes one row per recommendation that is a candidate new ask or
a match scored below a bar, with the proposed ask, its label and score, and an empty
`decision` column. The analyst fills it:

* `accept` - take the proposal: the sentence becomes an example of the proposed catalogue
  ask, or, for a candidate new ask, every accepted row of that candidate forms a new ask
  with the proposed label;
* an ask id of the catalogue (`publish_reviews`) - the sentence is an example of that ask;
* any other text - the label of a new ask; rows with the same label form one ask;
* empty - nothing changes.

`crp asks apply OUT.csv` merges the decisions into asks.yaml (comments and order kept),
checks the result with the taxonomy loader, and the next `dvc repro` matches against it.

The adopted recommendations of working group reports whose match is unsure are listed
after the dialogues' (`source` adopted), and their answers go to adopted.yaml
(pipeline.adoption.review).
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from pipeline.errors import PipelineError

KEYS = ["doc_id", "para_no", "rec_no"]
COLUMNS = [
    *KEYS,
    "text",
    "to",
    "themes",
    "source",
    "proposed_ask",
    "proposed_label",
    "score",
    "decision",
]


def review_table(rec_clusters: pd.DataFrame, recs: pd.DataFrame, below: float) -> pd.DataFrame:
    """Candidate new asks and catalogue matches scoring below `below`, least sure first."""
    merged = recs.merge(rec_clusters, on=KEYS)
    unsure = (merged["source"] == "new") | (merged["score"].fillna(0.0) < below)
    rows = merged[unsure].assign(
        proposed_ask=lambda f: f["ask_id"],
        proposed_label=lambda f: f["cluster_label"],
        themes=lambda f: ["; ".join(t) for t in f["themes"]],
        decision="",
    )
    order = rows.assign(_new=rows["source"] == "new").sort_values(
        ["_new", "proposed_ask", "score", *KEYS], ascending=[False, True, True, True, True, True]
    )
    return order[COLUMNS].reset_index(drop=True)


@dataclass
class Changes:
    """What a filled review table asks of the catalogue."""

    examples: dict[str, list[dict[str, Any]]] = field(default_factory=dict)  # ask id → new
    new_asks: dict[str, dict[str, Any]] = field(default_factory=dict)  # id → label, examples
    documents: dict[str, str] = field(default_factory=dict)  # doc_id → working group


def slug(label: str) -> str:
    """An ask id from a label: "Set up referral mechanisms" → "set_up_referral_mechanisms"."""
    words = re.findall(r"[a-z0-9]+", label.lower())[:6]
    return "_".join(words) or "ask"


def read_decisions(
    table: pd.DataFrame, known: set[str], groups: dict[str, str], path: Path
) -> Changes:
    """The changes of a filled review table; `known`: the catalogue's ask ids, `groups`:
    each document's working group."""
    missing = [
        c
        for c in (*KEYS, "text", "proposed_ask", "proposed_label", "decision")
        if c not in table.columns
    ]
    if missing:
        raise PipelineError(f"{path}: columns {missing} are missing; write it with crp asks review")
    changes = Changes()
    for n, row in enumerate(table.fillna("").itertuples(index=False), start=2):
        decision = str(row.decision).strip()
        if not decision or str(getattr(row, "source", "")) == "adopted":
            continue  # an adopted recommendation's answer goes to adopted.yaml
        example = _example(row)
        target = _target(decision, row, known, path, n)
        if target in known:
            changes.examples.setdefault(target, []).append(example)
        else:
            label = decision if decision != "accept" else str(row.proposed_label)
            ask = changes.new_asks.setdefault(slug(label), {"label": label, "examples": []})
            ask["examples"].append(example)
        if row.doc_id in groups:
            changes.documents[str(row.doc_id)] = groups[row.doc_id]
    return changes


def _target(decision: str, row: Any, known: set[str], path: Path, line: int) -> str:
    if decision == "accept":
        proposed = str(row.proposed_ask)
        if not proposed:
            raise PipelineError(f"{path}:{line}: 'accept' but no proposed ask on this row")
        return proposed if proposed in known else slug(str(row.proposed_label))
    return decision if decision in known else slug(decision)


def _example(row: Any) -> dict[str, Any]:
    themes = [t for t in str(row.themes).split("; ") if t] if hasattr(row, "themes") else []
    return {
        "doc_id": str(row.doc_id),
        "para_no": int(row.para_no),
        "to": str(getattr(row, "to", "") or "unspecified"),
        "themes": themes,
        "text": " ".join(str(row.text).split()),
    }


def apply_changes(text: str, changes: Changes) -> str:
    """asks.yaml's text with the changes merged in (ruamel keeps comments and order)."""
    from ruamel.yaml import YAML
    from ruamel.yaml.comments import CommentedMap

    yaml = YAML()
    yaml.width = 4096
    data = yaml.load(text)
    for doc_id, group in sorted(changes.documents.items()):
        data.setdefault("documents", CommentedMap())
        if doc_id not in data["documents"]:
            data["documents"][doc_id] = group
    by_id = {ask["id"]: ask for ask in data["asks"]}
    for ask_id, examples in changes.examples.items():
        present = {e["text"] for e in by_id[ask_id]["examples"]}
        by_id[ask_id]["examples"].extend(e for e in examples if e["text"] not in present)
    for ask_id, spec in changes.new_asks.items():
        if ask_id in by_id:
            raise PipelineError(f"a new ask would reuse the id {ask_id!r}: choose another label")
        data["asks"].append(_new_ask(ask_id, spec))
    out = io.StringIO()
    yaml.dump(data, out)
    return out.getvalue()


def _new_ask(ask_id: str, spec: dict[str, Any]) -> dict[str, Any]:
    examples = spec["examples"]
    tos = [e["to"] for e in examples]
    themes = sorted({t for e in examples for t in e["themes"]})
    return {
        "id": ask_id,
        "label": spec["label"],
        "definition": spec["label"],  # an analyst may write a fuller one
        "themes": themes,
        "addressee": max(sorted(set(tos)), key=tos.count),
        "examples": examples,
    }


def apply_asks(table_path: Path, layout: Any, params: dict[str, Any]) -> str:
    """`crp asks apply`: the decisions of `table_path` merged into the catalogue file of the
    taxonomy folder, which is checked by the loader (and left as it was if invalid)."""
    from pipeline.adoption.review import apply_adopted
    from pipeline.knowledge.taxonomy import load_taxonomy, taxonomy_folder
    from pipeline.schemas import read_table

    if not table_path.is_file():
        raise PipelineError(f"{table_path}: no such file; write it with crp asks review")
    folder = taxonomy_folder(params)
    known = {ask.id for ask in load_taxonomy(folder, parts=["asks"]).asks}
    documents = read_table("documents", layout.table("documents"))
    groups = {
        d: g
        for d, g in zip(documents["doc_id"], documents["working_group"], strict=True)
        if isinstance(g, str)
    }
    table = pd.read_csv(table_path, dtype=str, keep_default_na=False)
    changes = read_decisions(table, known, groups, table_path)
    decided = apply_adopted(table, folder, known, table_path)
    path = folder / "asks.yaml"
    before = path.read_text(encoding="utf-8")
    path.write_text(apply_changes(before, changes), encoding="utf-8")
    try:
        load_taxonomy(folder, parts=["asks"])
    except PipelineError:
        path.write_text(before, encoding="utf-8")
        raise
    added = sum(len(v) for v in changes.examples.values())
    adopted = f"; {decided} adopted recommendation(s) decided in adopted.yaml" if decided else ""
    return (
        f"{path}: {added} example(s) added to {len(changes.examples)} ask(s), "
        f"{len(changes.new_asks)} new ask(s){adopted}; `dvc repro` matches against them"
    )
