"""What stages use of the taxonomy: plain frozen records compiled from the file models.

A `Term` is one matchable phrase or token pattern with the rule id an analyst sees in the
`rule` column of the tags table; the rest are the entries of the taxonomy files with the
ids checked against the label contract.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Term:
    """One matchable phrase or token pattern, with the id an analyst sees in `rule`."""

    rule: str
    label: str
    phrase: str | None = None
    pattern: list[dict[str, Any]] | None = None


@dataclass(frozen=True)
class Theme:
    id: str
    pref_label: str
    definition: str
    terms: list[Term]
    negatives: list[Term]
    examples_match: list[str]
    examples_no_match: list[str]
    about: list[str] = field(default_factory=list)

    @property
    def title(self) -> str:
        """The name as a heading ("Ghost guns")."""
        return self.pref_label[:1].upper() + self.pref_label[1:]


@dataclass(frozen=True)
class Organization:
    name: str
    type: str
    aliases: list[str]


@dataclass(frozen=True)
class WorkingGroup:
    id: str
    label: str  # "Firearms"
    description: str  # labels.yaml: "Working Group on Firearms (WG.6)"
    names: list[str]
    symbols: list[str]
    topics: list[str]
    protocol: str


@dataclass(frozen=True)
class Instrument:
    id: str
    short_name: str
    names: list[str]
    article_titles: dict[str, str] = field(default_factory=dict)

    def article_name(self, number: str) -> str:
        """'Organized Crime Convention, art. 29 (Training and technical assistance)'."""
        title = self.article_titles.get(str(number))
        return f"{self.short_name}, art. {number}" + (f" ({title})" if title else "")


@dataclass(frozen=True)
class Meetings:
    """Kinds of meeting (phrases that name them) and ordinal words ("second" → 2)."""

    kinds: dict[str, list[str]]
    ordinals: dict[str, int]


@dataclass(frozen=True)
class Actors:
    """actors.yaml compiled: actor-type terms, speaker rules, addressees, tokenizer data."""

    terms: list[Term]
    speaker: dict[str, Any]
    addressees: list[Term]
    abbreviations: list[str]
    case_sensitive: list[str]
    organization_patterns: list[dict[str, Any]]
    addressing: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Example:
    """A recommendation of the catalogue: what it asks, in a session's own words."""

    doc_id: str
    text: str
    to: str = "unspecified"
    themes: tuple[str, ...] = ()
    para_no: int | None = None
    working_group: str | None = None
    context: str | None = None  # its paragraph (not stored in the YAML: see with_contexts)


@dataclass(frozen=True)
class Ask:
    """A known ask of asks.yaml: what recommendations of several sessions ask for."""

    id: str
    label: str
    definition: str
    themes: tuple[str, ...]
    addressee: str
    examples: tuple[Example, ...]


@dataclass(frozen=True)
class Wording:
    """How asks are worded (ask_wording.yaml, with the reporting verbs of reporting.yaml):
    what the labels of new asks and the matcher's word features read. Hashable, so that
    rules compiled from it are compiled once (pipeline/asks/labels.py)."""

    label_verbs: frozenset[str]
    participles: tuple[tuple[str, str], ...]  # irregular participle → base verb
    object_pronouns: tuple[tuple[str, str], ...]
    openings: str  # a regular expression
    clause_marks: tuple[str, ...]
    clause_ends: tuple[str, ...]
    not_after: frozenset[str]
    trailing: frozenset[str]
    stop_words: frozenset[str]
    reporting_verbs: tuple[str, ...]
    reporting_particles: tuple[str, ...]
