"""Analysts' answers about themes: `data/labels/themes.jsonl`, read and kept in one place.

One line per answer: an analyst said yes or no to "is paragraph `para_no` of `doc_id`
about `theme`?". Each answer is keyed by its document, paragraph, theme and the sha256 of
the paragraph's text (whitespace normalized, `text_hash`), and carries the text itself,
the document's working group, the review file it came from and that file's date:

    {"doc_id": "fa_2023_cd2", "para_no": 12, "theme": "ammunition", "answer": "yes",
     "text_sha256": "3f...", "text": "The representatives of ...",
     "working_group": "firearms", "file": "reviews/themes-2025-06.csv",
     "date": "2025-06-02T09:14:05Z"}

Answers are never written into the gold (`data/gold` stays the scoring reference). They
are final for their paragraph (the tagger applies them whatever its model says, matched
by the text's hash, so an answer about a text that changed no longer applies) and they
train the theme decision (build_tagger). The file is validated against the label contract
(labels.yaml) like the gold: a bad line stops with the file and the line.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from pipeline.knowledge.models import Labels, Strict, parse
from pipeline.knowledge.parts import check_ids
from pipeline.knowledge.source import jsonl_sources
from pipeline.themes.evidence import text_hash

Key = tuple[str, int, str, str]  # doc_id, para_no, text_sha256, theme


class ThemeAnswer(Strict):
    doc_id: str
    para_no: int
    theme: str
    answer: Literal["yes", "no"]
    text_sha256: str
    text: str
    working_group: str | None = None
    file: str  # the review file the answer came from
    date: str  # that file's date (ISO 8601, UTC)

    @property
    def key(self) -> Key:
        return (self.doc_id, self.para_no, self.text_sha256, self.theme)

    @property
    def is_yes(self) -> bool:
        return self.answer == "yes"

    def where(self) -> str:
        return f"{self.doc_id} paragraph {self.para_no}, {self.theme}"


def read_answers(path: Path, labels: Labels) -> list[ThemeAnswer]:
    """The answers of `path`, validated (no file: none); an error names the file and line."""
    if not path.exists():
        return []
    answers: list[ThemeAnswer] = []
    first_line: dict[Key, int] = {}
    for source in jsonl_sources(path):
        number = source.line(())
        answer = parse(source, ThemeAnswer)
        check_ids(source, ("theme",), [answer.theme], labels.themes, "theme")
        if answer.working_group is not None:
            check_ids(
                source,
                ("working_group",),
                [answer.working_group],
                labels.working_groups,
                "working group",
            )
        if text_hash(answer.text) != answer.text_sha256:
            raise source.error(
                ("text_sha256",),
                "does not match the text (was the text edited by hand?): answers are written "
                "by `crp themes apply`; remove the line or apply its review again",
            )
        if answer.key in first_line:
            raise source.error(
                (), f"{answer.where()} is answered twice (also line {first_line[answer.key]})"
            )
        first_line[answer.key] = number
        answers.append(answer)
    return answers


def write_answers(path: Path, answers: Iterable[ThemeAnswer]) -> None:
    """One JSON line per answer, sorted by document, paragraph and theme (stable diffs)."""
    ordered = sorted(answers, key=lambda a: (a.doc_id, a.para_no, a.theme, a.text_sha256))
    lines = [json.dumps(a.model_dump(), ensure_ascii=False) for a in ordered]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(line + "\n" for line in lines), encoding="utf-8")


@dataclass
class Merged:
    """What merging a review's answers into the file did."""

    answers: list[ThemeAnswer]
    added: list[ThemeAnswer] = field(default_factory=list)
    unchanged: int = 0
    replaced: list[tuple[ThemeAnswer, ThemeAnswer]] = field(default_factory=list)  # old, new


def merge(existing: Sequence[ThemeAnswer], incoming: Sequence[ThemeAnswer]) -> Merged:
    """`existing` with `incoming` added: an answer given again is unchanged (the earlier
    record is kept), one that contradicts an earlier answer replaces it."""
    by_key = {a.key: a for a in existing}
    out = Merged([])
    for answer in incoming:
        before = by_key.get(answer.key)
        if before is None:
            out.added.append(answer)
        elif before.answer == answer.answer:
            out.unchanged += 1
            continue
        else:
            out.replaced.append((before, answer))
        by_key[answer.key] = answer
    out.answers = list(by_key.values())
    return out


def withdraw(existing: Sequence[ThemeAnswer], file: str) -> tuple[list[ThemeAnswer], int]:
    """The answers that did not come from `file`, and how many did."""
    kept = [a for a in existing if a.file != file]
    return kept, len(existing) - len(kept)


def final_answers(answers: Iterable[ThemeAnswer]) -> dict[str, dict[str, bool]]:
    """text hash → theme → yes (True) or no: what the tagger applies whatever its model
    says. Two answers for one text in different paragraphs agree, or the later file wins."""
    out: dict[str, dict[str, bool]] = {}
    for a in sorted(answers, key=lambda a: (a.date, a.file)):
        out.setdefault(a.text_sha256, {})[a.theme] = a.is_yes
    return {h: dict(sorted(t.items())) for h, t in sorted(out.items())}
