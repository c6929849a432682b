"""The shape of every taxonomy file, as strict pydantic models.

One model per file (and per entry of a file); a key an analyst mistypes, a list where a
string belongs or a missing `pref_label` is refused with the file, line and key path
(`pipeline.knowledge.source`). Cross-file checks (an id that must exist in `labels.yaml`)
live in `pipeline.knowledge.taxonomy`, which compiles these models into what stages use.
"""

from __future__ import annotations

from typing import Any, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from pipeline.knowledge.source import Source

M = TypeVar("M", bound=BaseModel)


class Strict(BaseModel):
    """No unknown keys, no silent type coercion, immutable once loaded."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


def _non_empty(values: list[str]) -> list[str]:
    if any(not v.strip() for v in values):
        raise ValueError("empty strings are not allowed")
    return [v.strip() for v in values]


# The kinds of document the pipeline tells apart (labels.yaml `doc_types`), for a
# labels.yaml written before they were part of the contract.
DOC_TYPES = {
    "crp": "conference room paper: the Chair's summary of a constructive dialogue",
    "wg_report": "report of a working group meeting, opening with the recommendations it adopted",
    "other": "any other document",
}


class Labels(Strict):
    """labels.yaml: the label contract with the gold (ids and what they mean)."""

    working_groups: dict[str, str]
    instruments: dict[str, str]
    firearms_protocol_articles: dict[str, str]
    actor_types: dict[str, str]
    addressee_types: dict[str, str]
    themes: dict[str, str]
    doc_types: dict[str, str] = Field(default_factory=lambda: dict(DOC_TYPES))


class WorkingGroupSpec(Strict):
    label: str  # the name a reader sees in reports ("Firearms")
    names: list[str]  # how a masthead names the body
    symbols: list[str]  # document-symbol prefixes (CTOC/COP/WG.6)
    topics: list[str]  # how a text names the subject ("constructive dialogue on firearms")
    protocol: str  # the instrument id "the Protocol" means in its documents


class WorkingGroupsFile(Strict):
    working_groups: dict[str, WorkingGroupSpec]
    meetings: dict[str, list[str]]
    ordinals: dict[str, int]


class HyphenationFile(Strict):
    keep_prefixes: list[str]
    keep_compounds: list[str] = Field(default_factory=list)


class TokenPattern(Strict):
    id: str
    pattern: list[dict[str, Any]]


class Examples(Strict):
    match: list[str] = Field(default_factory=list)
    no_match: list[str] = Field(default_factory=list)

    _strip = field_validator("match", "no_match")(_non_empty)


class TermsSpec(Strict):
    """An entry matched by phrases and token patterns (an actor type, an addressee...)."""

    terms: list[str] = Field(default_factory=list)
    patterns: list[TokenPattern] = Field(default_factory=list)

    _strip = field_validator("terms")(_non_empty)


class ThemeSpec(Strict):
    pref_label: str
    definition: str | None = None
    alt_labels: list[str] = Field(default_factory=list)
    match_pref_label: bool = True
    patterns: list[TokenPattern] = Field(default_factory=list)
    negative_labels: list[str] = Field(default_factory=list)
    examples: Examples = Field(default_factory=Examples)
    # sentences about the theme, written from its definition and the domain (never copied
    # from a development document): the theme's concept for the learned decision
    about: list[str] = Field(default_factory=list)

    _strip = field_validator("alt_labels", "negative_labels", "about")(_non_empty)


class ThemesFile(Strict):
    themes: dict[str, ThemeSpec]
    # the documents read while the lexicon (alt_labels, patterns, negatives) was written:
    # on them its hits are in-sample, and the theme decision learns their weight apart
    lexicon_read_on: list[str] = Field(default_factory=list)


class InstrumentSpec(Strict):
    short_name: str  # what a reader sees ("Firearms Protocol", "Other instrument")
    names: list[str]  # how a text names it, matched in articles ("the Arms Trade Treaty")
    articles: dict[str, str] = Field(default_factory=dict)  # number → title

    _strip = field_validator("names")(_non_empty)


class ArticlesFile(Strict):
    instruments: dict[str, InstrumentSpec]
    firearms_protocol_subjects: dict[str, TermsSpec]


class SpeakerSpec(Strict):
    passive_verbs: list[str] = Field(default_factory=list)
    presenting_verbs: list[str] = Field(default_factory=list)
    role_nouns: list[str]
    role_types: dict[str, str] = Field(default_factory=dict)
    links: list[str] = Field(default_factory=lambda: ["of"])
    pronouns: dict[str, Literal["male", "female", "person", "group"]]
    anaphoric_nouns: dict[str, Literal["person", "former"]] = Field(default_factory=dict)
    title_genders: dict[str, Literal["male", "female"]] = Field(default_factory=dict)
    affiliations: list[str] = Field(default_factory=list)
    group_fallback: bool = True
    affiliation_nouns: dict[str, str] = Field(default_factory=dict)
    panel_words: list[str] = Field(default_factory=list)
    panel_verbs: list[str] = Field(default_factory=list)
    subject_prefix: list[str] = Field(default_factory=list)
    modifier_stops: list[str] = Field(default_factory=list)
    verb_gap: list[str] = Field(default_factory=list)
    impersonal: list[str] = Field(default_factory=list)
    impersonal_type: str = "participant"
    reporting_phrases: list[str] = Field(default_factory=list)
    anaphoric: list[str] = Field(default_factory=list)
    attributions: list[str] = Field(default_factory=list)
    continuations: list[str] = Field(default_factory=list)
    person_titles: list[str] = Field(default_factory=list)
    unlisted_organization_type: str = "ngo"
    unlisted_organization_words: dict[str, str] = Field(default_factory=dict)
    name_connectors: list[str] = Field(default_factory=list)
    not_names: list[str] = Field(default_factory=list)
    max_complement: int = 8


class OrganizationPattern(Strict):
    id: str
    type: str
    pattern: list[dict[str, Any]]


class AddressingSpec(Strict):
    """actors.yaml `addressing`: how a recommendation names its addressee without an
    addressee term, and the evidence of what an ask that names none implies."""

    pronouns: list[str] = Field(default_factory=list)
    agent_words: list[str] = Field(default_factory=list)
    clause_openers: list[str] = Field(default_factory=list)
    passive: str | None = None
    implied: dict[str, list[str]] = Field(default_factory=dict)


class ActorsFile(Strict):
    actor_types: dict[str, TermsSpec]
    speaker: SpeakerSpec
    addressees: dict[str, TermsSpec]
    addressing: AddressingSpec = Field(default_factory=AddressingSpec)
    abbreviations: list[str] = Field(default_factory=list)
    case_sensitive: list[str] = Field(default_factory=list)
    organization_patterns: list[OrganizationPattern] = Field(default_factory=list)


class Cue(Strict):
    id: str
    regex: str
    role: Literal["modal"] | None = None  # modal: "should" (its addressee stands before it)


class Exclusion(Strict):
    id: str
    regex: str


class RecommendationsFile(Strict):
    cues: list[Cue]
    exclusions: list[Exclusion] = Field(default_factory=list)
    addressee_default: str = "states"
    unspecified_cues: list[str] = Field(default_factory=list)
    passive_should_default: str = "states"
    modal_passive: str
    partner_words: list[str] = Field(default_factory=list)
    frame: str


class ReportingFile(Strict):
    """reporting.yaml: the reporting verbs every rule reading a report shares."""

    verbs: list[str]
    particles: list[str] = Field(default_factory=list)

    _strip = field_validator("verbs", "particles")(_non_empty)


class LabelWording(Strict):
    verbs: list[str]
    participles: dict[str, str] = Field(default_factory=dict)
    object_pronouns: dict[str, str] = Field(default_factory=dict)
    openings: str
    clause_marks: list[str] = Field(default_factory=list)
    clause_ends: list[str] = Field(default_factory=list)
    not_after: list[str] = Field(default_factory=list)
    trailing: list[str] = Field(default_factory=list)

    _strip = field_validator("verbs", "clause_ends", "not_after", "trailing")(_non_empty)


class MatcherWording(Strict):
    stop_words: list[str] = Field(default_factory=list)


class AskWordingFile(Strict):
    """ask_wording.yaml: the words the rules of pipeline/asks/ read."""

    label: LabelWording
    matcher: MatcherWording


class AskExampleSpec(Strict):
    doc_id: str  # the session it comes from (left out when that session is scored)
    text: str
    to: str = "unspecified"
    themes: list[str] = Field(default_factory=list)
    para_no: int | None = None


class AskSpec(Strict):
    id: str
    label: str
    definition: str
    themes: list[str] = Field(default_factory=list)
    addressee: str = "unspecified"
    examples: list[AskExampleSpec] = Field(min_length=1)


class AsksFile(Strict):
    documents: dict[str, str] = Field(default_factory=dict)  # doc_id → working group id
    asks: list[AskSpec]


class CountrySpec(Strict):
    name: str
    aliases: list[str] = Field(default_factory=list)

    _strip = field_validator("aliases")(_non_empty)


class CountriesFile(Strict):
    countries: list[CountrySpec]


class OrganizationSpec(Strict):
    name: str
    type: str
    aliases: list[str] = Field(default_factory=list)

    _strip = field_validator("aliases")(_non_empty)


class OrganizationsFile(Strict):
    organizations: list[OrganizationSpec]


def parse(source: Source, model: type[M]) -> M:
    """`source.data` validated as `model`; the first problem is raised with file and line."""
    try:
        return model.model_validate(source.data)
    except ValidationError as exc:
        errors = exc.errors()
        # a mistyped key shows as both "unknown key" and "required key missing": name the typo
        first = next((e for e in errors if e["type"] == "extra_forbidden"), errors[0])
        loc = tuple(p for p in first["loc"] if not isinstance(p, str) or "[" not in p)
        message = first["msg"]
        if first["type"] == "extra_forbidden":
            message = f"unknown key (allowed: {_allowed(model, loc[:-1])})"
        elif first["type"] == "missing":
            message = "required key missing"
        raise source.error(loc, message) from None


def _allowed(model: type[BaseModel], loc: tuple) -> str:
    """The keys a model accepts at `loc`, for an 'unknown key' message."""
    current: Any = model
    for part in loc:
        if isinstance(part, int) or current is None:
            continue
        fields = getattr(current, "model_fields", {})
        if part in fields:
            current = _model_of(fields[part].annotation)
    names = getattr(current, "model_fields", {})
    return ", ".join(names) if names else "see the comments at the top of the file"


def _model_of(annotation: Any) -> Any:
    """The BaseModel inside list[...] / dict[str, ...] annotations, if any."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in getattr(annotation, "__args__", ()):
        found = _model_of(arg)
        if found is not None:
            return found
    return None
