"""The taxonomy: editable YAML files, loaded and validated in one place.

Analysts add a theme, a synonym, an organization or an article subject by editing the
YAML under `pipeline/taxonomy/`; no code changes. Loading checks every file against the
label contract (`labels.yaml`) and reports a problem with its file, line and entry:
an unknown id, a negative label that is also a positive one, a duplicated pattern.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from pipeline.errors import PipelineError
from pipeline.paths import TAXONOMY_DIR

ID_RE = re.compile(r"^[a-z0-9][a-z0-9_]*$")


class TaxonomyError(PipelineError):
    """A taxonomy file is invalid; the message names the file, line and entry."""


@dataclass(frozen=True)
class Term:
    """One matchable phrase or token pattern, with the id an analyst sees in `rule`."""

    rule: str
    label: str
    phrase: str | None = None
    pattern: list[dict[str, Any]] | None = None
    case_sensitive: bool = False


@dataclass(frozen=True)
class Theme:
    id: str
    pref_label: str
    definition: str
    terms: list[Term]
    negatives: list[Term]
    examples_match: list[str]
    examples_no_match: list[str]


@dataclass(frozen=True)
class Organization:
    name: str
    type: str
    aliases: list[str]


@dataclass
class Taxonomy:
    labels: dict[str, Any]
    themes: dict[str, Theme]
    instruments: dict[str, list[str]]
    article_subjects: dict[str, list[Term]]
    countries: dict[str, list[str]]
    organizations: list[Organization]
    actor_terms: list[Term]
    speaker: dict[str, Any]
    addressees: list[Term]
    recommendation: dict[str, Any]
    abbreviations: list[str] = field(default_factory=list)
    case_sensitive: list[str] = field(default_factory=list)
    organization_patterns: list[dict[str, Any]] = field(default_factory=list)
    source_dir: Path = TAXONOMY_DIR


# libyaml's loader where PyYAML was built with it: ten times faster than the pure-Python one.
SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def read_yaml(path: Path) -> Any:
    """A YAML file, or a TaxonomyError naming the file and the line of a syntax error."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise TaxonomyError(f"{path}: cannot read: {exc.strerror}") from None
    try:
        return yaml.load(text, Loader=SAFE_LOADER)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f":{mark.line + 1}" if mark is not None else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise TaxonomyError(f"{path}{where}: YAML syntax error: {problem}") from None


def line_of(path: Path, needle: str) -> int:
    """The 1-based line where `needle` first appears in `path` (0 if not found)."""
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if needle in line:
            return number
    return 0


def fail(path: Path, needle: str, message: str) -> TaxonomyError:
    return TaxonomyError(f"{path}:{line_of(path, needle)}: {message}")


def load_taxonomy(folder: Path | None = None) -> Taxonomy:
    """Load and validate every taxonomy file of `folder` (default: the package's)."""
    from pipeline.tagging import taxonomy_files as files

    folder = folder or TAXONOMY_DIR
    labels = files.load_labels(folder / "labels.yaml")
    actors = files.load_actors(folder / "actors.yaml", labels)
    return Taxonomy(
        labels=labels,
        themes=files.load_themes(folder / "themes.yaml", labels),
        instruments=files.load_instruments(folder / "articles.yaml", labels),
        article_subjects=files.load_article_subjects(folder / "articles.yaml", labels),
        countries=files.load_countries(folder / "gazetteers" / "countries.yaml"),
        organizations=files.load_organizations(
            folder / "gazetteers" / "organizations.yaml", labels
        ),
        actor_terms=actors["terms"],
        speaker=actors["speaker"],
        addressees=files.load_addressees(folder / "actors.yaml", labels),
        recommendation=files.load_recommendation(folder / "recommendations.yaml"),
        abbreviations=actors["abbreviations"],
        case_sensitive=actors["case_sensitive"],
        organization_patterns=actors["organization_patterns"],
        source_dir=folder,
    )
