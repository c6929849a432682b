"""One loader per part of the taxonomy: its files parsed, validated and compiled.

Each part is a file (or two) of `pipeline/taxonomy/` plus `labels.yaml` where its ids must
exist there. A loader parses with line marks, validates the shape with the file's pydantic
model, checks ids across files, and compiles the records stages use. Every error names the
file, the line and the key path.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from pipeline.knowledge import models as m
from pipeline.knowledge.compiled import (
    Actors,
    Ask,
    Example,
    Instrument,
    Meetings,
    Organization,
    Term,
    Theme,
    WorkingGroup,
)
from pipeline.knowledge.source import Loc, Source, TaxonomyError, read_source

ID_RE = re.compile(r"^[a-z0-9][a-z0-9_]*$")

# The files of each part, relative to the taxonomy folder (labels.yaml: the ids they use).
PART_FILES: dict[str, tuple[str, ...]] = {
    "labels": ("labels.yaml",),
    "working_groups": ("working_groups.yaml", "labels.yaml"),
    "hyphenation": ("hyphenation.yaml",),
    "gazetteers": (
        "gazetteers/countries.yaml",
        "gazetteers/organizations.yaml",
        "labels.yaml",
    ),
    "themes": ("themes.yaml", "labels.yaml"),
    "articles": ("articles.yaml", "labels.yaml"),
    "actors": ("actors.yaml", "reporting.yaml", "labels.yaml"),
    "recommendations": ("recommendations.yaml", "reporting.yaml", "labels.yaml"),
    "asks": ("asks.yaml", "labels.yaml"),
    "wording": ("ask_wording.yaml", "reporting.yaml"),
    "doc_types": ("doc_types.yaml", "labels.yaml"),
    "adopted": ("adopted.yaml", "asks.yaml", "labels.yaml"),
}
REPORTING_VERBS = "{reporting_verbs}"  # where recommendations.yaml regexes use reporting.yaml


def _read(folder: Path, name: str, model: type[m.M]) -> tuple[Source, m.M]:
    source = read_source(folder / name)
    return source, m.parse(source, model)


def _known(source: Source, loc: Loc, value: str, ids: dict[str, str], what: str) -> None:
    if value not in ids:
        raise source.error(loc, f"unknown {what} {value!r} (labels.yaml: {', '.join(ids)})")


def load_labels(folder: Path) -> m.Labels:
    return _read(folder, "labels.yaml", m.Labels)[1]


def load_working_groups(folder: Path, labels: m.Labels) -> tuple[dict[str, WorkingGroup], Meetings]:
    source, spec = _read(folder, "working_groups.yaml", m.WorkingGroupsFile)
    groups = {}
    for wg_id, wg in spec.working_groups.items():
        loc = ("working_groups", wg_id)
        _known(source, loc, wg_id, labels.working_groups, "working group id")
        _known(source, (*loc, "protocol"), wg.protocol, labels.instruments, "instrument id")
        groups[wg_id] = WorkingGroup(
            wg_id,
            wg.label,
            labels.working_groups[wg_id],
            wg.names,
            wg.symbols,
            wg.topics,
            wg.protocol,
        )
    missing = sorted(set(labels.working_groups) - set(groups))
    if missing:
        raise source.error(("working_groups",), f"no entry for {', '.join(missing)} (labels.yaml)")
    return groups, Meetings(dict(spec.meetings), dict(spec.ordinals))


def load_hyphenation(folder: Path) -> tuple[frozenset[str], frozenset[str]]:
    """(prefixes whose hyphen stays, hyphenated compounds written with their hyphen)."""
    source, spec = _read(folder, "hyphenation.yaml", m.HyphenationFile)
    for i, compound in enumerate(spec.keep_compounds):
        if compound.count("-") != 1 or compound.startswith("-") or compound.endswith("-"):
            raise source.error(("keep_compounds", i), f"{compound!r} is not one word-word pair")
    return (
        frozenset(p.lower() for p in spec.keep_prefixes),
        frozenset(c.lower() for c in spec.keep_compounds),
    )


def _terms(
    source: Source, loc: Loc, label: str, phrases: list[str], patterns: list, prefix: str
) -> list[Term]:
    """Phrases (at `loc`, a list of the file) and token patterns (at the `patterns` key
    beside it) of one entry, refusing a phrase or a pattern id listed twice."""
    return _phrase_terms(
        source, [(ph, (*loc, i)) for i, ph in enumerate(phrases)], label, prefix
    ) + _pattern_terms(source, (*loc[:-1], "patterns"), label, patterns, prefix)


def _phrase_terms(
    source: Source, phrases: list[tuple[str, Loc]], label: str, prefix: str
) -> list[Term]:
    seen: set[str] = set()
    terms = []
    for phrase, loc in phrases:
        key = " ".join(phrase.lower().split())
        if key in seen:
            raise source.error(loc, f"duplicate pattern {phrase!r}")
        seen.add(key)
        terms.append(Term(rule=f"{prefix}/{key}", label=label, phrase=phrase))
    return terms


def _pattern_terms(source: Source, loc: Loc, label: str, patterns: list, prefix: str) -> list[Term]:
    ids: set[str] = set()
    terms = []
    for i, item in enumerate(patterns):
        if item.id in ids:
            raise source.error((*loc, i), f"duplicate pattern id {item.id!r}")
        ids.add(item.id)
        terms.append(Term(rule=f"{prefix}/{item.id}", label=label, pattern=item.pattern))
    return terms


def load_themes(folder: Path, labels: m.Labels) -> tuple[dict[str, Theme], tuple[str, ...]]:
    """The themes, and the documents the lexicon was written from (`lexicon_read_on`)."""
    source, spec = _read(folder, "themes.yaml", m.ThemesFile)
    themes = {}
    for theme_id, theme in spec.themes.items():
        loc: Loc = ("themes", theme_id)
        if not ID_RE.match(theme_id):
            raise source.error(loc, f"theme id {theme_id!r} must be lower_snake_case")
        phrases = [(ph, (*loc, "alt_labels", i)) for i, ph in enumerate(theme.alt_labels)]
        listed = {ph.lower() for ph in theme.alt_labels}
        if theme.match_pref_label and theme.pref_label.lower() not in listed:
            phrases = [(theme.pref_label, (*loc, "pref_label")), *phrases]
        prefix = f"theme/{theme_id}"
        terms = _phrase_terms(source, phrases, theme_id, prefix) + _pattern_terms(
            source, (*loc, "patterns"), theme_id, theme.patterns, prefix
        )
        positive = {ph.lower() for ph, _ in phrases}
        for i, phrase in enumerate(theme.negative_labels):
            if phrase.lower() in positive:
                raise source.error(
                    (*loc, "negative_labels", i),
                    f"negative label {phrase!r} is also a positive one",
                )
        themes[theme_id] = Theme(
            id=theme_id,
            pref_label=theme.pref_label,
            definition=theme.definition or labels.themes.get(theme_id, ""),
            terms=terms,
            negatives=[
                Term(rule=f"negative/{theme_id}/{p.lower()}", label=theme_id, phrase=p)
                for p in theme.negative_labels
            ],
            examples_match=list(theme.examples.match),
            examples_no_match=list(theme.examples.no_match),
            about=list(theme.about),
        )
    missing = sorted(set(labels.themes) - set(themes))
    if missing:
        raise source.error(
            ("themes",), f"themes of labels.yaml without an entry: {', '.join(missing)}"
        )
    return themes, tuple(spec.lexicon_read_on)


def load_articles(
    folder: Path, labels: m.Labels
) -> tuple[dict[str, Instrument], dict[str, list[Term]]]:
    source, spec = _read(folder, "articles.yaml", m.ArticlesFile)
    instruments = {}
    for inst_id, inst in spec.instruments.items():
        _known(source, ("instruments", inst_id), inst_id, labels.instruments, "instrument id")
        instruments[inst_id] = Instrument(inst_id, inst.short_name, inst.names, inst.articles)
    missing = sorted(set(labels.instruments) - set(instruments))
    if missing:
        raise source.error(("instruments",), f"no entry for {', '.join(missing)} (labels.yaml)")
    subjects = {}
    for number, entry in spec.firearms_protocol_subjects.items():
        loc: Loc = ("firearms_protocol_subjects", number)
        _known(source, loc, number, labels.firearms_protocol_articles, "Firearms Protocol article")
        subjects[number] = _terms(
            source,
            (*loc, "terms"),
            f"firearms_protocol:{number}",
            entry.terms,
            entry.patterns,
            f"article_subject/{number}",
        )
    return instruments, subjects


def load_actors(folder: Path, labels: m.Labels, reporting_verbs: tuple[str, ...]) -> Actors:
    source, spec = _read(folder, "actors.yaml", m.ActorsFile)
    terms: list[Term] = []
    for actor_type, entry in spec.actor_types.items():
        loc: Loc = ("actor_types", actor_type)
        _known(source, loc, actor_type, labels.actor_types, "actor type")
        terms += _terms(
            source, (*loc, "terms"), actor_type, entry.terms, entry.patterns, f"actor/{actor_type}"
        )
    speaker = spec.speaker
    typed = {  # every place actors.yaml names an actor type
        ("speaker", "impersonal_type"): speaker.impersonal_type,
        ("speaker", "unlisted_organization_type"): speaker.unlisted_organization_type,
        **{("speaker", "role_types", k): v for k, v in speaker.role_types.items()},
        **{
            ("speaker", "unlisted_organization_words", k): v
            for k, v in speaker.unlisted_organization_words.items()
        },
        **{("speaker", "affiliation_nouns", k): v for k, v in speaker.affiliation_nouns.items()},
        **{
            ("organization_patterns", i, "type"): item.type
            for i, item in enumerate(spec.organization_patterns)
        },
    }
    for loc, actor_type in typed.items():
        _known(source, loc, actor_type, labels.actor_types, "actor type")
    addressees: list[Term] = []
    for addressee, entry in spec.addressees.items():
        loc = ("addressees", addressee)
        _known(source, loc, addressee, labels.addressee_types, "addressee type")
        addressees += _terms(
            source, (*loc, "terms"), addressee, entry.terms, entry.patterns, f"to/{addressee}"
        )
    return Actors(
        terms=terms,
        speaker={"reporting_verbs": list(reporting_verbs), **speaker.model_dump()},
        addressees=addressees,
        abbreviations=list(spec.abbreviations),
        case_sensitive=list(spec.case_sensitive),
        organization_patterns=[p.model_dump() for p in spec.organization_patterns],
        addressing=_addressing(source, spec.addressing),
    )


def _addressing(source: Source, spec: m.AddressingSpec) -> dict[str, Any]:
    """actors.yaml `addressing`, its regexes checked."""
    for name, patterns in spec.implied.items():
        if not re.fullmatch(r"[a-z][a-z0-9_]*", name):
            raise source.error(("addressing", "implied", name), "not a snake_case evidence name")
        for i, pattern in enumerate(patterns):
            _compiles(source, ("addressing", "implied", name, i), pattern)
    if spec.passive is not None:
        _compiles(source, ("addressing", "passive"), spec.passive)
    return spec.model_dump()


def load_recommendations(
    folder: Path, labels: m.Labels, reporting_verbs: tuple[str, ...]
) -> dict[str, Any]:
    """recommendations.yaml, its regexes checked; `{reporting_verbs}` in the frame stands
    for the verbs of reporting.yaml (longest first)."""
    source, spec = _read(folder, "recommendations.yaml", m.RecommendationsFile)
    for key in ("cues", "exclusions"):
        for i, cue in enumerate(getattr(spec, key)):
            _compiles(source, (key, i, "regex"), cue.regex)
    verbs = "|".join(re.escape(v) for v in sorted(reporting_verbs, key=lambda v: (-len(v), v)))
    frame = spec.frame.replace(REPORTING_VERBS, verbs)
    _compiles(source, ("frame",), frame)
    _compiles(source, ("modal_passive",), spec.modal_passive)
    ids = {c.id for c in spec.cues}
    for i, cue_id in enumerate(spec.unspecified_cues):
        if cue_id not in ids:
            raise source.error(("unspecified_cues", i), f"no cue has the id {cue_id!r}")
    for key in ("addressee_default", "passive_should_default"):
        _known(source, (key,), getattr(spec, key), labels.addressee_types, "addressee type")
    return {**spec.model_dump(), "frame": frame}


def _compiles(source: Source, loc: Loc, regex: str) -> None:
    try:
        re.compile(regex)
    except re.error as exc:
        raise source.error(loc, f"not a valid regular expression: {exc}") from None


def load_countries(folder: Path) -> dict[str, list[str]]:
    source, spec = _read(folder, "gazetteers/countries.yaml", m.CountriesFile)
    out = {c.name: list(c.aliases) for c in spec.countries}
    _no_shared_alias(source, "countries", [(c.name, [c.name, *c.aliases]) for c in spec.countries])
    return out


def load_organizations(folder: Path, labels: m.Labels) -> list[Organization]:
    source, spec = _read(folder, "gazetteers/organizations.yaml", m.OrganizationsFile)
    for i, org in enumerate(spec.organizations):
        _known(source, ("organizations", i, "type"), org.type, labels.actor_types, "actor type")
    forms = [(o.name, [o.name, *o.aliases]) for o in spec.organizations]
    _no_shared_alias(source, "organizations", forms)
    return [Organization(o.name, o.type, list(o.aliases)) for o in spec.organizations]


def _no_shared_alias(source: Source, key: str, entries: list[tuple[str, list[str]]]) -> None:
    owner: dict[str, str] = {}
    for i, (name, forms) in enumerate(entries):
        for form in forms:
            folded = form if is_acronym(form) else form.lower()
            if folded in owner and owner[folded] != name:
                raise source.error((key, i), f"{form!r} names both {owner[folded]!r} and {name!r}")
            owner[folded] = name


def is_acronym(form: str) -> bool:
    """ "IOM", "OSCE", "iARMS" are matched case-sensitively; "Europol" is not an acronym."""
    letters = [c for c in form if c.isalpha()]
    return bool(letters) and " " not in form and sum(c.isupper() for c in letters) >= 2


def check_ids(source: Source, loc: Loc, values: list[str], ids: dict[str, str], what: str) -> None:
    """Every value an id of `ids` (labels.yaml), or an error naming the first that is not."""
    for i, value in enumerate(values):
        _known(source, (*loc, i), value, ids, what)


__all__ = ["PART_FILES", "TaxonomyError", "check_ids", "is_acronym"]


def load_asks(folder: Path, labels: m.Labels) -> list[Ask]:
    """The catalogue of known asks (asks.yaml), ids checked against labels.yaml."""
    source = read_source(folder / "asks.yaml")
    return asks_from_source(source, labels)


def asks_from_source(source: Source, labels: m.Labels) -> list[Ask]:
    """Asks from a parsed catalogue: each id once, snake_case; themes, addressees and
    working groups known; every example's session listed under `documents`."""
    spec = m.parse(source, m.AsksFile)
    for doc_id, group in spec.documents.items():
        _known(source, ("documents", doc_id), group, labels.working_groups, "working group")
    asks, seen = [], set()
    for i, ask in enumerate(spec.asks):
        loc: Loc = ("asks", i)
        if not ID_RE.match(ask.id) or ask.id in seen:
            problem = "is used by an earlier ask" if ask.id in seen else "must be snake_case"
            raise source.error((*loc, "id"), f"ask id {ask.id!r} {problem}")
        seen.add(ask.id)
        check_ids(source, (*loc, "themes"), ask.themes, labels.themes, "theme")
        _known(source, (*loc, "addressee"), ask.addressee, labels.addressee_types, "addressee")
        asks.append(
            Ask(
                ask.id,
                ask.label.strip(),
                ask.definition.strip(),
                tuple(ask.themes),
                ask.addressee,
                _examples(source, loc, ask, spec.documents, labels),
            )
        )
    return asks


def _examples(
    source: Source, loc: Loc, ask: m.AskSpec, documents: dict[str, str], labels: m.Labels
) -> tuple[Example, ...]:
    out = []
    for k, ex in enumerate(ask.examples):
        where: Loc = (*loc, "examples", k)
        if documents and ex.doc_id not in documents:
            raise source.error(
                (*where, "doc_id"), f"add {ex.doc_id} with its working group to `documents:`"
            )
        check_ids(source, (*where, "themes"), ex.themes, labels.themes, "theme")
        _known(source, (*where, "to"), ex.to, labels.addressee_types, "addressee")
        text = " ".join(ex.text.split())
        out.append(
            Example(ex.doc_id, text, ex.to, tuple(ex.themes), ex.para_no, documents.get(ex.doc_id))
        )
    return tuple(out)
