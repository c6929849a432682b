"""The analyst's loop for adopted recommendations, beside the dialogues' (pipeline.asks.review).

`crp asks review OUT.csv` lists, after the dialogues' recommendations, the adopted
recommendations whose match is unsure: an ask taken up with a score below the bar, or no
ask taken up while the best candidate scores above a floor (`source` = adopted,
`proposed_ask` the asks taken up, or that candidate, joined by "; "). The analyst fills
`decision`:

* `accept` - the proposed asks are the ones it takes up;
* ask ids of the catalogue, joined by ";" - it takes up those;
* `none` - it takes up no ask of the catalogue;
* empty - nothing changes.

`crp asks apply OUT.csv` writes these answers to adopted.yaml `decisions` (comments and
order kept; a paragraph decided again is replaced), checked by the loader; the `adopted`
stage then gives each decided recommendation the analyst's asks (source analyst).
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pandas as pd

from pipeline.errors import PipelineError

SOURCE = "adopted"  # the `source` of an adopted recommendation's row in the review table
NONE = "none"


def adopted_review_rows(
    adopted: pd.DataFrame,
    adopted_asks: pd.DataFrame,
    labels: dict[str, str],
    below: float,
    floor: float = 0.15,
) -> pd.DataFrame:
    """The review rows of the adopted recommendations whose match is unsure, least sure
    first (columns of pipeline.asks.review.COLUMNS)."""
    from pipeline.asks.review import COLUMNS

    matcher = adopted_asks[adopted_asks["source"] == "matcher"]
    decided = set(
        zip(
            *(
                adopted_asks.loc[adopted_asks["source"] == "analyst", k]
                for k in ("doc_id", "para_no")
            ),
            strict=True,
        )
    )
    taken = {
        k: g.sort_values("score", ascending=False)
        for k, g in matcher.groupby(["doc_id", "para_no"])
    }
    rows = []
    for r in adopted.itertuples(index=False):
        key = (r.doc_id, int(r.para_no))
        if key in decided:
            continue
        mine = taken.get(key)
        if mine is not None and len(mine):
            asks, score = list(mine["ask_id"]), float(mine["score"].min())
            unsure = score < below
        else:
            candidate = r.candidate if isinstance(r.candidate, str) else None
            score = float(r.candidate_score) if pd.notna(r.candidate_score) else 0.0
            asks = [candidate] if candidate else []
            unsure = bool(asks) and score >= floor
        if not unsure:
            continue
        rows.append(
            {
                "doc_id": r.doc_id,
                "para_no": int(r.para_no),
                "rec_no": None,
                "text": r.text,
                "to": r.to,
                "themes": "; ".join(r.themes),
                "source": SOURCE,
                "proposed_ask": "; ".join(asks),
                "proposed_label": "; ".join(labels.get(a, a) for a in asks),
                "score": round(score, 6),
                "decision": "",
            }
        )
    out = pd.DataFrame(rows, columns=COLUMNS)
    return out.sort_values(["score", "doc_id", "para_no"], kind="stable").reset_index(drop=True)


def read_adopted_decisions(
    table: pd.DataFrame, known: set[str], path: Path
) -> list[dict[str, Any]]:
    """The decisions of the adopted rows of a filled review table: {doc_id, para_no, asks,
    text}; an ask id the catalogue does not hold is an error naming the line."""
    out = []
    for n, row in enumerate(table.fillna("").itertuples(index=False), start=2):
        decision = str(row.decision).strip()
        if str(getattr(row, "source", "")) != SOURCE or not decision:
            continue
        if decision.lower() == NONE:
            asks: list[str] = []
        elif decision.lower() == "accept":
            asks = _ids(str(row.proposed_ask))
        else:
            asks = _ids(decision)
        unknown = [a for a in asks if a not in known]
        if unknown:
            raise PipelineError(
                f"{path}:{n}: {unknown[0]!r} is not an ask id of the catalogue; write ask ids "
                "joined by ';', 'accept' or 'none' for an adopted recommendation"
            )
        out.append(
            {
                "doc_id": str(row.doc_id),
                "para_no": int(float(row.para_no)),
                "asks": asks,
                "text": " ".join(str(row.text).split()),
            }
        )
    return out


def _ids(text: str) -> list[str]:
    return list(dict.fromkeys(a.strip() for a in text.replace(",", ";").split(";") if a.strip()))


def apply_decisions(text: str, decisions: list[dict[str, Any]]) -> str:
    """adopted.yaml's text with `decisions` merged in (a paragraph decided again replaced;
    ruamel keeps the comments and the order)."""
    from ruamel.yaml import YAML
    from ruamel.yaml.comments import CommentedMap, CommentedSeq
    from ruamel.yaml.scalarstring import DoubleQuotedScalarString

    yaml = YAML()
    yaml.width = 4096
    yaml.preserve_quotes = True
    yaml.indent(mapping=2, sequence=4, offset=2)
    data = yaml.load(text)
    if not isinstance(data.get("decisions"), list):
        data["decisions"] = CommentedSeq()
    current = data["decisions"]
    for d in decisions:
        same = [
            i
            for i, e in enumerate(current)
            if (e["doc_id"], int(e["para_no"])) == (d["doc_id"], d["para_no"])
        ]
        for i in reversed(same):
            del current[i]
        entry = CommentedMap()
        entry["doc_id"], entry["para_no"] = d["doc_id"], d["para_no"]
        asks = CommentedSeq(d["asks"])
        asks.fa.set_flow_style()
        entry["asks"] = asks
        entry["text"] = DoubleQuotedScalarString(d["text"])
        current.append(entry)
    out = io.StringIO()
    yaml.dump(data, out)
    return out.getvalue()


def apply_adopted(table: pd.DataFrame, folder: Path, known: set[str], path: Path) -> int:
    """Write the adopted rows' decisions of `table` into `folder`/adopted.yaml, checked by
    the loader (and left as it was if invalid); returns how many were written."""
    from pipeline.knowledge.documents import ADOPTED_FILE, load_adopted

    decisions = read_adopted_decisions(table, known, path)
    if not decisions:
        return 0
    target = folder / ADOPTED_FILE
    before = target.read_text(encoding="utf-8")
    target.write_text(apply_decisions(before, decisions), encoding="utf-8")
    try:
        load_adopted(folder, known)
    except PipelineError:
        target.write_text(before, encoding="utf-8")
        raise
    return len(decisions)
