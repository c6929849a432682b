"""The taxonomy: `pipeline/taxonomy/` loaded once, validated, and handed to every stage.

Analysts add a theme, a synonym, an organization, a working group's name or an article
title by editing the YAML under `pipeline/taxonomy/`; no code changes. No other module
opens those files: a stage asks `load_taxonomy(folder, parts=...)` for the parts it uses
(`STAGE_PARTS` below), and reading any other part is refused. So what a stage reads is
known in one place: `dvc.yaml` must list the files of its parts (a test checks it), and
the stage's cache fingerprint includes exactly those files.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

from pipeline.knowledge import models as m
from pipeline.knowledge import parts as p
from pipeline.knowledge import wording as w
from pipeline.knowledge.compiled import (
    Actors,
    Ask,
    Instrument,
    Meetings,
    Organization,
    Term,
    Theme,
    Wording,
    WorkingGroup,
)
from pipeline.knowledge.documents import AdoptedRules, DocTypes, load_adopted, load_doc_types
from pipeline.knowledge.source import TaxonomyError
from pipeline.params import load_settings
from pipeline.paths import TAXONOMY_DIR, project_path

# The taxonomy parts each stage reads (stage = module = dvc.yaml stage = CLI subcommand).
# cross-validation compiles the tagger and fits the matcher as the stages do
TAGGER_PARTS = (
    "labels",
    "working_groups",
    "themes",
    "articles",
    "actors",
    "recommendations",
    "gazetteers",
)
LEARNED_PARTS = (*TAGGER_PARTS, "asks", "wording")
STAGE_PARTS: dict[str, tuple[str, ...]] = {
    "extract": ("working_groups", "hyphenation", "gazetteers", "doc_types"),
    "segment": ("hyphenation", "gazetteers"),
    "build_tagger": TAGGER_PARTS,
    "tag": (),
    "embed": ("recommendations",),
    "cluster": ("labels", "recommendations", "asks", "wording"),
    "adopted": ("labels", "actors", "recommendations", "asks", "adopted", "wording"),
    "uptake": (),
    "tables": (),
    "report": ("labels", "working_groups", "themes", "articles", "asks"),
    "evaluate": (*LEARNED_PARTS, "adopted"),  # the uptake scores fit the adopted matcher
    "crossval": LEARNED_PARTS,
}
ALL_PARTS = tuple(p.PART_FILES)


class Taxonomy:
    """The parts of one taxonomy folder, each loaded on first use and validated.

    `parts` limits what may be read (None: everything); reading a part not declared is a
    programming error, raised at once, so a stage cannot quietly depend on a file that its
    `dvc.yaml` entry and its cache key do not know about."""

    def __init__(self, folder: Path | None = None, parts: Iterable[str] | None = None) -> None:
        self.folder = Path(folder) if folder else TAXONOMY_DIR
        self.parts = frozenset(parts) if parts is not None else frozenset(ALL_PARTS)
        unknown = self.parts - set(ALL_PARTS)
        if unknown:
            raise ValueError(f"unknown taxonomy part(s) {sorted(unknown)}; use {ALL_PARTS}")

    def _need(self, part: str) -> None:
        if part not in self.parts:
            raise RuntimeError(
                f"taxonomy part {part!r} was not declared (declared: {sorted(self.parts)}); "
                "add it to STAGE_PARTS and the stage's deps in dvc.yaml"
            )

    def files(self) -> list[Path]:
        """The files of the declared parts (what a stage's cache key and dvc deps include)."""
        names = sorted({f for part in self.parts for f in p.PART_FILES[part]})
        return [self.folder / name for name in names]

    def validate(self) -> Taxonomy:
        """Load every declared part now, so a broken file fails before any work is done."""
        for part in sorted(self.parts):
            getattr(self, f"_{part}")
        return self

    # -- parts, loaded once each --------------------------------------------------------
    @cached_property
    def _labels(self) -> m.Labels:
        return p.load_labels(self.folder)

    @cached_property
    def _working_groups(self) -> tuple[dict[str, WorkingGroup], Meetings]:
        self._need("working_groups")
        return p.load_working_groups(self.folder, self._labels)

    @cached_property
    def _hyphenation(self) -> tuple[frozenset[str], frozenset[str]]:
        self._need("hyphenation")
        return p.load_hyphenation(self.folder)

    @cached_property
    def _gazetteers(self) -> tuple[dict[str, list[str]], list[Organization]]:
        self._need("gazetteers")
        return p.load_countries(self.folder), p.load_organizations(self.folder, self._labels)

    @cached_property
    def _themes(self) -> tuple[dict[str, Theme], tuple[str, ...]]:
        self._need("themes")
        return p.load_themes(self.folder, self._labels)

    @cached_property
    def _articles(self) -> tuple[dict[str, Instrument], dict[str, list[Term]]]:
        self._need("articles")
        return p.load_articles(self.folder, self._labels)

    @cached_property
    def _reporting(self) -> tuple[tuple[str, ...], tuple[str, ...]]:
        # read by the parts that declare reporting.yaml among their files (PART_FILES)
        return w.load_reporting(self.folder)

    @cached_property
    def _actors(self) -> Actors:
        self._need("actors")
        return p.load_actors(self.folder, self._labels, self._reporting[0])

    @cached_property
    def _recommendations(self) -> dict[str, Any]:
        self._need("recommendations")
        return p.load_recommendations(self.folder, self._labels, self._reporting[0])

    @cached_property
    def _wording(self) -> Wording:
        self._need("wording")
        return w.load_wording(self.folder, self._reporting)

    @cached_property
    def _asks(self) -> list[Ask]:
        self._need("asks")
        return p.load_asks(self.folder, self._labels)

    @cached_property
    def _doc_types(self) -> DocTypes:
        self._need("doc_types")
        return load_doc_types(self.folder, self._labels)

    @cached_property
    def _adopted(self) -> AdoptedRules:
        self._need("adopted")
        asks = self._asks if "asks" in self.parts else p.load_asks(self.folder, self._labels)
        return load_adopted(self.folder, {a.id for a in asks})

    # -- what stages use ----------------------------------------------------------------
    @property
    def labels(self) -> m.Labels:
        """The label contract (ids and their meaning)."""
        self._need("labels")
        return self._labels

    @property
    def working_groups(self) -> dict[str, WorkingGroup]:
        return self._working_groups[0]

    @property
    def meetings(self) -> Meetings:
        return self._working_groups[1]

    @property
    def keep_prefixes(self) -> frozenset[str]:
        return self._hyphenation[0]

    @property
    def keep_compounds(self) -> frozenset[str]:
        """Compounds written with their hyphen ("first-hand"), lower-cased."""
        return self._hyphenation[1]

    @property
    def countries(self) -> dict[str, list[str]]:
        return self._gazetteers[0]

    @property
    def organizations(self) -> list[Organization]:
        return self._gazetteers[1]

    @cached_property
    def _name_forms(self) -> list[str]:
        forms = [f for name, aliases in self.countries.items() for f in (name, *aliases)]
        return forms + [f for o in self.organizations for f in (o.name, *o.aliases)]

    @cached_property
    def known_names(self) -> frozenset[str]:
        """Lower-cased words of four letters or more in gazetteer names ("europol")."""
        words = {w.lower() for f in self._name_forms for w in _WORD.findall(f)}
        return frozenset(w for w in words if len(w) >= 4)

    @cached_property
    def hyphenated_names(self) -> frozenset[str]:
        """Hyphenated words of gazetteer names, lower-cased ("co-operation" of the OSCE)."""
        return frozenset(w.lower() for f in self._name_forms for w in _HYPHENATED.findall(f))

    @property
    def themes(self) -> dict[str, Theme]:
        return self._themes[0]

    @property
    def lexicon_read_on(self) -> tuple[str, ...]:
        """The documents the theme lexicon was written from (its hits are in-sample there)."""
        return self._themes[1]

    @property
    def instruments(self) -> dict[str, Instrument]:
        return self._articles[0]

    @property
    def article_subjects(self) -> dict[str, list[Term]]:
        return self._articles[1]

    def article_name(self, label: str) -> str:
        """'convention:29' → 'Organized Crime Convention, art. 29 (Training and ...)'."""
        instrument, _, number = label.partition(":")
        if instrument in self.instruments:
            return self.instruments[instrument].article_name(number)
        return label

    @property
    def actors(self) -> Actors:
        return self._actors

    @property
    def recommendation(self) -> dict[str, Any]:
        return self._recommendations

    @property
    def asks(self) -> list[Ask]:
        """The catalogue of known asks (asks.yaml)."""
        return self._asks

    @property
    def wording(self) -> Wording:
        """How asks are worded: label verbs, clause ends, stop words (ask_wording.yaml)."""
        return self._wording

    @property
    def doc_types(self) -> DocTypes:
        """How a document's kind is read from its title and masthead (doc_types.yaml)."""
        return self._doc_types

    @property
    def adopted(self) -> AdoptedRules:
        """Where working group reports hold their adopted recommendations (adopted.yaml)."""
        return self._adopted


_WORD = re.compile(r"[^\W\d_]+")
_HYPHENATED = re.compile(r"[^\W\d_]+(?:-[^\W\d_]+)+")


@dataclass(frozen=True)
class TaxonomySettings:
    """params.yaml `taxonomy`: the folder every stage reads (an analyst's copy works too).

    One setting for all stages, so the tagger, the clusters and the report can never be
    built from two different taxonomies; dvc.yaml names its files through `${taxonomy.dir}`."""

    dir: str | None = None  # relative to the project root; null: the package's own


def taxonomy_folder(params: dict[str, Any] | None = None) -> Path:
    """The taxonomy folder params.yaml names (relative paths from the project root)."""
    settings = load_settings(TaxonomySettings, "taxonomy", params)
    if not settings.dir:
        return TAXONOMY_DIR
    folder = project_path(settings.dir)
    if not folder.is_dir():
        raise TaxonomyError(f"params.yaml [taxonomy.dir]: {folder} is not a folder")
    return folder


def load_taxonomy(folder: Path | None = None, parts: Iterable[str] | None = None) -> Taxonomy:
    """The taxonomy of `folder` (default: the package's), every declared part validated."""
    return Taxonomy(folder, parts).validate()


def stage_taxonomy(stage: str, folder: Path | None = None) -> Taxonomy:
    """The taxonomy as one stage may read it (its STAGE_PARTS), validated."""
    return load_taxonomy(folder, STAGE_PARTS[stage])


__all__ = [
    "STAGE_PARTS",
    "Taxonomy",
    "TaxonomyError",
    "load_taxonomy",
    "stage_taxonomy",
    "taxonomy_folder",
]
