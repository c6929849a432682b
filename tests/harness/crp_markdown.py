"""A development document's markdown (tests/fixtures/markdown) → its structure, for the
layout harness to typeset again in any producer's style.

The markdown is a PDF-to-markdown conversion of the "un" layout, so it carries that
layout's page breaks: a paragraph split in two blocks where the page broke (the second
block has no number), sometimes with the split word's hyphen ("finan-" | "cial"), and
the page's footnotes between the two halves ("---", then "<sup>1</sup> text"). Those
artefacts are undone here, so the text typeset again is the text a reader reads; a test
checks it equals the golden paragraphs, which is what makes the harness's own
expectations trustworthy.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

LINK = re.compile(r"\[([^\]]*)\]\([^)]*\)")
NOTE_REF = re.compile(r"<sup>(\w+)</sup>")
NOTE_BODY = re.compile(r"^<sup>(\w+)</sup>\s*(.*)$", re.DOTALL)
NUMBERED = re.compile(r"^(\d{1,3})\.\s+(.*)$", re.DOTALL)
HEADING = re.compile(r"^#{1,6}\s+(.*)$", re.DOTALL)
EMPHASIS = re.compile(r"^(\*{1,3})(.+?)\1$", re.DOTALL)
ESCAPE = re.compile(r"\\(.)")
SPLIT_WORD = re.compile(r"[^\W\d_]-$")
RULE = "---"


@dataclass(frozen=True)
class Run:
    """A stretch of text with one style; `note` is a footnote reference (its text in
    `Crp.notes`), which has no text of its own in the paragraph."""

    text: str = ""
    italic: bool = False
    note: str | None = None


@dataclass
class Block:
    """One typeset block: kind is title, subtitle, section, subsection or paragraph."""

    kind: str
    runs: list[Run]
    number: int | None = None

    @property
    def text(self) -> str:
        return "".join(r.text for r in self.runs)


@dataclass
class Crp:
    blocks: list[Block] = field(default_factory=list)
    notes: dict[str, list[Run]] = field(default_factory=dict)

    def paragraphs(self) -> list[Block]:
        return [b for b in self.blocks if b.kind == "paragraph"]


def parse(markdown: str) -> Crp:
    """The blocks and footnotes of one document's markdown."""
    crp = Crp()
    in_notes = False
    for raw in (b.strip() for b in markdown.split("\n\n")):
        if not raw or raw.replace("\\", "") == "***":
            continue
        if raw == RULE:
            in_notes = True
            continue
        note = NOTE_BODY.match(raw)
        if in_notes and note:
            crp.notes[_note_key(crp, note.group(1))] = _runs(note.group(2))
            continue
        in_notes = False
        _add_block(crp, raw)
    return crp


def _note_key(crp: Crp, marker: str) -> str:
    """Markers restart on each page of the source layout; a key per note keeps them apart."""
    key, n = marker, 1
    while key in crp.notes:
        n += 1
        key = f"{marker}#{n}"
    return key


def _add_block(crp: Crp, raw: str) -> None:
    heading = HEADING.match(raw)
    emphasis = EMPHASIS.match(heading.group(1) if heading else raw)
    numbered = NUMBERED.match(raw)
    if heading and raw.startswith("# "):
        crp.blocks.append(Block("title", _runs(_plain(heading.group(1)))))
    elif emphasis and len(emphasis.group(1)) == 2:
        crp.blocks.append(Block("section", _runs(emphasis.group(2))))
    elif emphasis:
        crp.blocks.append(Block("subsection", _runs(emphasis.group(2))))
    elif numbered:
        runs = _runs(numbered.group(2), _refs(crp))
        crp.blocks.append(Block("paragraph", runs, int(numbered.group(1))))
    elif crp.paragraphs():
        _continue(crp.paragraphs()[-1], _runs(raw, _refs(crp)))
    else:
        crp.blocks.append(Block("subtitle", _runs(raw)))


def _refs(crp: Crp) -> list[str]:
    """Note keys in the order references appear (for mapping restarted markers)."""
    return [r.note for b in crp.paragraphs() for r in b.runs if r.note]


def _continue(para: Block, runs: list[Run]) -> None:
    """A page-break artefact: the rest of `para`, its split word joined again."""
    last = para.runs[-1]
    first = runs[0] if runs else Run()
    if SPLIT_WORD.search(last.text) and first.text[:1].islower():
        para.runs[-1] = Run(last.text[:-1], last.italic, last.note)
    elif first.text:
        runs[0] = Run(" " + first.text, first.italic, first.note)
    para.runs.extend(runs)


def _plain(text: str) -> str:
    match = EMPHASIS.match(text)
    return match.group(2) if match else text


def _runs(text: str, refs: list[str] | None = None) -> list[Run]:
    """Inline markup → runs: links keep their text, escapes their character, *x* is italic,
    <sup>n</sup> is a footnote reference."""
    text = _unescape(LINK.sub(r"\1", text.replace("\n", " ")))
    runs: list[Run] = []
    seen = list(refs or [])
    for i, piece in enumerate(re.split(r"(<sup>\w+</sup>|\*[^*]+\*)", text)):
        if not piece:
            continue
        ref = NOTE_REF.fullmatch(piece)
        if ref:
            key = _ref_key(ref.group(1), seen)
            seen.append(key)
            runs.append(Run(note=key))
        elif i % 2 and piece.startswith("*"):
            runs.append(Run(piece[1:-1], italic=True))
        else:
            runs.append(Run(piece))
    return runs


def _unescape(text: str) -> str:
    """Backslash escapes undone until none is left (the converter escaped link texts
    twice: "constructive\\\\_dialogues")."""
    while (plain := ESCAPE.sub(r"\1", text)) != text:
        text = plain
    return text


def _ref_key(marker: str, seen: list[str]) -> str:
    n = 1 + sum(1 for k in seen if k == marker or k.startswith(f"{marker}#"))
    return marker if n == 1 else f"{marker}#{n}"
