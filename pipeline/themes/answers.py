"""`crp themes apply`: a filled review file's answers into the analysts' labels.

Each row with an `answer` (yes / no, any case; y / n) answers its (paragraph, theme);
`other_themes` (theme ids or labels as the review shows them, separated by ";") says yes
for themes the tagger did not propose. The answers go into the labels file
(`build_tagger.labels`, data/labels/themes.jsonl; pipeline/themes/labels.py), never into
the gold. Applying a file again changes nothing; an answer that contradicts an earlier
one replaces it and is listed; a row whose paragraph text changed since the review (the
document was extracted again) is stale: listed, not applied. `--withdraw` removes every
answer that came from the file.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd

from pipeline.errors import PipelineError
from pipeline.knowledge.compiled import Theme
from pipeline.themes.labels import ThemeAnswer, merge, read_answers, text_hash, withdraw
from pipeline.themes.labels import write_answers as write_labels
from pipeline.themes.review import ENCODING

REQUIRED = ("doc_id", "para_no", "theme", "answer", "text_sha256")
YES = {"yes", "y"}
NO = {"no", "n"}
SHOWN = 5  # replaced and stale answers listed by name, then counted


@dataclass
class Read:
    """A filled review file's answers, and the rows whose paragraph changed since."""

    answers: list[ThemeAnswer] = field(default_factory=list)
    stale: list[str] = field(default_factory=list)


def read_table(path: Path) -> pd.DataFrame:
    """A review file as a spreadsheet saved it: UTF-8 (with or without its byte-order
    mark), comma, semicolon or tab separated."""
    if not path.is_file():
        raise PipelineError(f"{path}: no such file; write it with crp themes review")
    try:
        text = path.read_text(encoding=ENCODING)
    except UnicodeDecodeError:
        raise PipelineError(
            f"{path}: not UTF-8; save it from the spreadsheet as 'CSV UTF-8'"
        ) from None
    first = text.split("\n", 1)[0]
    delimiter = max(",;\t", key=first.count)
    table = pd.read_csv(io.StringIO(text), sep=delimiter, dtype=str, keep_default_na=False)
    missing = [c for c in REQUIRED if c not in table.columns]
    if missing:
        raise PipelineError(
            f"{path}: columns {missing} are missing; write it with crp themes review"
        )
    return table


def theme_names(themes: dict[str, Theme]) -> dict[str, str]:
    """Every way a review names a theme (id, label, title; any case) → its id."""
    names = {}
    for theme_id, theme in themes.items():
        for name in (theme_id, theme.pref_label, theme.title):
            names[name.strip().lower()] = theme_id
    return names


def _other_themes(value: str, names: dict[str, str], where: str) -> list[str]:
    out = []
    for piece in (p.strip() for p in value.split(";")):
        if not piece:
            continue
        found = names.get(piece.lower())
        if found is None:  # "a, b" where a comma separates ids
            parts = [names.get(p.strip().lower()) for p in piece.split(",") if p.strip()]
            if parts and all(parts):
                out += [p for p in parts if p]
                continue
            raise PipelineError(
                f"{where}: other_themes: unknown theme {piece!r} (a theme id or its label, "
                f"separated by ';': {', '.join(sorted(set(names.values())))})"
            )
        out.append(found)
    return out


def read_review(
    table: pd.DataFrame,
    path: Path,
    themes: dict[str, Theme],
    paragraphs: dict[tuple[str, int], str],
    groups: dict[str, str | None],
    file: str,
) -> Read:
    """The answers of a filled review table. `paragraphs`: the current text of every
    paragraph; `groups`: each document's working group; `file`: the name answers keep."""
    names = theme_names(themes)
    date = datetime.fromtimestamp(path.stat().st_mtime, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    given: dict[tuple[str, int, str], tuple[str, int]] = {}  # → answer, line
    out = Read()
    stale: set[tuple[str, int]] = set()
    for line, row in enumerate(table.to_dict("records"), start=2):
        where = f"{path}:{line}"
        answer = str(row["answer"]).strip().lower()
        others = str(row.get("other_themes", "") or "")
        if not answer and not others.strip():
            continue
        if answer and answer not in YES | NO:
            raise PipelineError(
                f"{where}: answer {row['answer']!r}: write yes or no (or leave it empty)"
            )
        doc_id, para_no = str(row["doc_id"]), _para_no(row["para_no"], where)
        current = paragraphs.get((doc_id, para_no))
        if current is None or text_hash(current) != str(row["text_sha256"]).strip():
            stale.add((doc_id, para_no))
            continue
        pairs = [(_theme(row["theme"], themes, where), "yes" if answer in YES else "no")]
        pairs = pairs if answer else []
        pairs += [(t, "yes") for t in _other_themes(others, names, where)]
        for theme, said in pairs:
            earlier = given.get((doc_id, para_no, theme))
            if earlier is not None and earlier[0] != said:
                raise PipelineError(
                    f"{where}: {doc_id} paragraph {para_no}, {theme}: '{said}' here but "
                    f"'{earlier[0]}' on line {earlier[1]}; keep one"
                )
            given[(doc_id, para_no, theme)] = (said, line)
    for (doc_id, para_no, theme), (said, _) in given.items():
        text = paragraphs[(doc_id, para_no)]
        out.answers.append(
            ThemeAnswer(
                doc_id=doc_id,
                para_no=para_no,
                theme=theme,
                answer=said,
                text_sha256=text_hash(text),
                text=text,
                working_group=groups.get(doc_id),
                file=file,
                date=date,
            )
        )
    out.stale = [f"{d} paragraph {p}" for d, p in sorted(stale)]
    return out


def _para_no(value: Any, where: str) -> int:
    try:
        return int(float(str(value)))
    except ValueError:
        raise PipelineError(f"{where}: para_no {value!r} is not a number") from None


def _theme(value: Any, themes: dict[str, Theme], where: str) -> str:
    theme = str(value).strip()
    if theme not in themes:
        raise PipelineError(f"{where}: theme {theme!r} is not a theme id of themes.yaml")
    return theme


def file_name(path: Path, root: Path) -> str:
    """How the labels name a review file: relative to the project root when inside it."""
    path = path.resolve()
    try:
        return path.relative_to(root.resolve()).as_posix()
    except ValueError:
        return path.as_posix()


def _listed(items: Iterable[str]) -> str:
    items = list(items)
    more = f" and {len(items) - SHOWN} more" if len(items) > SHOWN else ""
    return "; ".join(items[:SHOWN]) + more


def apply_answers(
    labels_path: Path,
    review: Read,
    labels: Any,
    withdrawn: str | None = None,
    current: dict[tuple[str, int], str] | None = None,
) -> list[str]:
    """Merge `review`'s answers into the labels file (or, with `withdrawn`, remove the
    answers of that file); the lines that say what changed. `current`: the corpus's
    paragraph texts, to report recorded answers whose paragraph has changed since."""
    existing = read_answers(labels_path, labels)
    if withdrawn is not None:
        kept, removed = withdraw(existing, withdrawn)
        write_labels(labels_path, kept)
        return [f"{labels_path}: {removed} answer(s) of {withdrawn} withdrawn"]
    merged = merge(existing, review.answers)
    write_labels(labels_path, merged.answers)
    lines = [
        f"{labels_path}: {len(merged.added)} answer(s) added, {merged.unchanged} already "
        f"there, {len(merged.replaced)} replaced"
    ]
    if merged.replaced:
        changes = (
            f"{new.where()}: {old.answer} ({old.file}) → {new.answer}"
            for old, new in merged.replaced
        )
        lines.append(f"replaced (contradicting an earlier answer): {_listed(changes)}")
    if review.stale:
        lines.append(
            f"stale, not applied (the paragraph's text changed since the review; review it "
            f"again): {_listed(review.stale)}"
        )
    documents = {d for d, _ in current or {}}
    changed = [
        a.where()
        for a in merged.answers
        if a.doc_id in documents
        and text_hash((current or {}).get((a.doc_id, a.para_no), "")) != a.text_sha256
    ]
    if changed:
        lines.append(
            f"{len(changed)} recorded answer(s) no longer match their paragraph's text (it was "
            f"extracted again): they still train the tagger but apply to no paragraph: "
            f"{_listed(changed)}"
        )
    return lines


def write_review(table: pd.DataFrame, path: Path) -> None:
    """The review table as a spreadsheet opens it: UTF-8 with a byte-order mark."""
    path.parent.mkdir(parents=True, exist_ok=True)
    table.to_csv(path, index=False, encoding=ENCODING, quoting=csv.QUOTE_MINIMAL)


def run_apply(layout: Any, params: dict[str, Any], path: Path, withdrawing: bool = False) -> str:
    """`crp themes apply`: the answers of a filled review file into the labels file of
    params.yaml `build_tagger.labels` (or, `withdrawing`, that file's answers removed)."""
    from pipeline.build_tagger import BuildTaggerSettings
    from pipeline.knowledge.taxonomy import load_taxonomy, taxonomy_folder
    from pipeline.params import load_settings
    from pipeline.paths import repo_root
    from pipeline.schemas import read_table as read_parquet

    settings = load_settings(BuildTaggerSettings, "build_tagger", params)
    taxonomy = load_taxonomy(taxonomy_folder(params), parts=["labels", "themes"])
    name = file_name(path, repo_root())
    if withdrawing:
        lines = apply_answers(settings.labels_file, Read(), taxonomy.labels, withdrawn=name)
    else:
        table = read_table(path)
        paragraphs = read_parquet("paragraphs", layout.table("paragraphs"))
        texts = {
            (str(d), int(p)): str(t)
            for d, p, t in zip(
                paragraphs["doc_id"], paragraphs["para_no"], paragraphs["text"], strict=True
            )
        }
        docs = read_parquet("documents", layout.table("documents"))
        groups = {
            d: (g if isinstance(g, str) else None)
            for d, g in zip(docs["doc_id"], docs["working_group"], strict=True)
        }
        review = read_review(table, path, taxonomy.themes, texts, groups, name)
        lines = apply_answers(settings.labels_file, review, taxonomy.labels, current=texts)
    lines.append("`dvc repro` retrains the tagger on them and tags the corpus again")
    return "\n".join(lines)
