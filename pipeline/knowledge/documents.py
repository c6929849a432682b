"""Kinds of document and working group reports: two taxonomy files, their schemas and loaders.

`doc_types.yaml` says how a document's kind (labels.yaml `doc_types`: crp, wg_report,
other) is read from its title and masthead; `adopted.yaml` where a working group report
holds the recommendations it adopted, how they name whom they address, the hedges of
their formal wording, and the analyst's answers on what each takes up (`crp asks apply`).
Both are validated like every taxonomy file: a mistyped key, an unknown id or a regular
expression that does not compile is refused with the file, the line and the key path.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from pydantic import Field

from pipeline.knowledge.models import Labels, Strict, parse
from pipeline.knowledge.source import Loc, Source, read_source

DOC_TYPES_FILE = "doc_types.yaml"
ADOPTED_FILE = "adopted.yaml"

# -- file models -----------------------------------------------------------------------------


class DocTypeSpec(Strict):
    title: list[str] = Field(default_factory=list)  # regexes searched in the title
    masthead: list[str] = Field(default_factory=list)  # regexes searched in the first page


class DocTypesFile(Strict):
    kinds: dict[str, DocTypeSpec]
    default: str


class DecisionSpec(Strict):
    doc_id: str  # the working group report
    para_no: int  # the adopted recommendation's paragraph
    asks: list[str]  # the catalogue asks it takes up ([]: none)
    text: str | None = None  # the recommendation, for the reader of this file


class AdoptedFile(Strict):
    chapter: list[str]
    chapeau: list[str] = Field(default_factory=list)
    subject_before: list[str] = Field(default_factory=list)
    hedges: list[str] = Field(default_factory=list)
    decisions: list[DecisionSpec] = Field(default_factory=list)


# -- what stages use -------------------------------------------------------------------------


def _any(patterns: tuple[re.Pattern[str], ...], text: str | None) -> bool:
    return bool(text) and any(p.search(text) for p in patterns)


@dataclass(frozen=True)
class DocTypes:
    """How a document's kind is told: by title first (kinds in file order), then by
    masthead; a document no rule matches is `default`."""

    titles: tuple[tuple[str, tuple[re.Pattern[str], ...]], ...]
    mastheads: tuple[tuple[str, tuple[re.Pattern[str], ...]], ...]
    default: str

    def of(self, title: str | None, masthead: str | None) -> str:
        for kind, patterns in self.titles:
            if _any(patterns, title):
                return kind
        for kind, patterns in self.mastheads:
            if _any(patterns, masthead):
                return kind
        return self.default


@dataclass(frozen=True)
class Decision:
    """An analyst's answer: the adopted recommendation (doc_id, para_no) takes up `asks`."""

    doc_id: str
    para_no: int
    asks: tuple[str, ...]
    text: str | None = None


@dataclass(frozen=True)
class AdoptedRules:
    """Where a working group report's adopted recommendations stand and how they read."""

    chapter: tuple[re.Pattern[str], ...]  # the heading of the chapter holding them
    chapeau: tuple[re.Pattern[str], ...]  # its opening paragraph, which introduces them
    subject_before: tuple[re.Pattern[str], ...]  # the addressee is named before these
    hedges: tuple[re.Pattern[str], ...]  # formal hedges left out before matching
    decisions: tuple[Decision, ...] = ()

    def is_chapter(self, section: str | None) -> bool:
        """Whether a section heading ("I. Recommendations") is the chapter of adopted ones."""
        if not isinstance(section, str):
            return False
        title = re.sub(r"^\s*[IVXLC]+\.\s*", "", section).strip()
        return _any(self.chapter, title)

    def is_chapeau(self, text: str) -> bool:
        return _any(self.chapeau, text)


# -- loaders ---------------------------------------------------------------------------------


def _compiled(source: Source, loc: Loc, regexes: list[str]) -> tuple[re.Pattern[str], ...]:
    out = []
    for i, regex in enumerate(regexes):
        try:
            out.append(re.compile(regex, re.IGNORECASE))
        except re.error as exc:
            raise source.error((*loc, i), f"not a valid regular expression: {exc}") from None
    return tuple(out)


def _doc_type(source: Source, loc: Loc, value: str, labels: Labels) -> None:
    if value not in labels.doc_types:
        known = ", ".join(labels.doc_types)
        raise source.error(loc, f"unknown document type {value!r} (labels.yaml doc_types: {known})")


def load_doc_types(folder: Path, labels: Labels) -> DocTypes:
    source = read_source(folder / DOC_TYPES_FILE)
    spec = parse(source, DocTypesFile)
    _doc_type(source, ("default",), spec.default, labels)
    titles, mastheads = [], []
    for kind, rules in spec.kinds.items():
        _doc_type(source, ("kinds", kind), kind, labels)
        titles.append((kind, _compiled(source, ("kinds", kind, "title"), rules.title)))
        mastheads.append((kind, _compiled(source, ("kinds", kind, "masthead"), rules.masthead)))
    return DocTypes(tuple(titles), tuple(mastheads), spec.default)


def load_adopted(folder: Path, ask_ids: set[str] | None = None) -> AdoptedRules:
    """adopted.yaml; with `ask_ids` (the catalogue's), every decided ask must be one."""
    source = read_source(folder / ADOPTED_FILE)
    spec = parse(source, AdoptedFile)
    seen: set[tuple[str, int]] = set()
    decisions = []
    for i, d in enumerate(spec.decisions):
        if (d.doc_id, d.para_no) in seen:
            raise source.error(
                ("decisions", i), f"{d.doc_id} paragraph {d.para_no} is decided twice"
            )
        seen.add((d.doc_id, d.para_no))
        for k, ask in enumerate(d.asks):
            if ask_ids is not None and ask not in ask_ids:
                raise source.error(
                    ("decisions", i, "asks", k), f"{ask!r} is not an ask id of asks.yaml"
                )
        text = " ".join(d.text.split()) if d.text else None
        decisions.append(Decision(d.doc_id, d.para_no, tuple(d.asks), text))
    return AdoptedRules(
        chapter=_compiled(source, ("chapter",), spec.chapter),
        chapeau=_compiled(source, ("chapeau",), spec.chapeau),
        subject_before=_compiled(source, ("subject_before",), spec.subject_before),
        hedges=_compiled(source, ("hedges",), spec.hedges),
        decisions=tuple(decisions),
    )
