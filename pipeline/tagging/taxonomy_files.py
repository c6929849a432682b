"""One loader per taxonomy file; each validates its entries against labels.yaml."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pipeline.tagging.taxonomy import (
    ID_RE,
    Organization,
    TaxonomyError,
    Term,
    Theme,
    fail,
    read_yaml,
)


def _mapping(path: Path, data: Any, key: str) -> dict[str, Any]:
    if not isinstance(data, dict) or not isinstance(data.get(key), dict):
        raise TaxonomyError(f"{path}: expected a top-level mapping `{key}:`")
    return data[key]


def load_labels(path: Path) -> dict[str, Any]:
    data = read_yaml(path)
    for key in (
        "instruments",
        "firearms_protocol_articles",
        "actor_types",
        "addressee_types",
        "themes",
    ):
        _mapping(path, data, key)
    return data


def _phrase_list(path: Path, entry: str, value: Any, what: str) -> list[str]:
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise fail(path, entry, f"{entry}: `{what}` must be a list of non-empty strings")
    return [v.strip() for v in value]


def _terms(path: Path, entry: str, label: str, spec: dict[str, Any], prefix: str) -> list[Term]:
    """Phrases (`alt_labels`/`terms`) and token patterns (`patterns`) of one entry."""
    phrases = _phrase_list(path, entry, spec.get("alt_labels", spec.get("terms")), "alt_labels")
    pref = spec.get("pref_label")
    if (
        pref
        and spec.get("match_pref_label", True)
        and pref.lower() not in {p.lower() for p in phrases}
    ):
        phrases = [pref, *phrases]
    seen: dict[str, str] = {}
    terms = []
    for phrase in phrases:
        key = " ".join(phrase.lower().split())
        if key in seen:
            raise fail(path, phrase, f"{entry}: duplicate pattern {phrase!r}")
        seen[key] = phrase
        terms.append(Term(rule=f"{prefix}/{key}", label=label, phrase=phrase))
    ids: set[str] = set()
    for item in spec.get("patterns") or []:
        if (
            not isinstance(item, dict)
            or "id" not in item
            or not isinstance(item.get("pattern"), list)
        ):
            raise fail(
                path, entry, f"{entry}: each of `patterns` needs an `id` and a `pattern` list"
            )
        if item["id"] in ids:
            raise fail(path, str(item["id"]), f"{entry}: duplicate pattern id {item['id']!r}")
        ids.add(item["id"])
        terms.append(Term(rule=f"{prefix}/{item['id']}", label=label, pattern=item["pattern"]))
    return terms


def load_themes(path: Path, labels: dict[str, Any]) -> dict[str, Theme]:
    themes_spec = _mapping(path, read_yaml(path), "themes")
    themes: dict[str, Theme] = {}
    for theme_id, spec in themes_spec.items():
        if not ID_RE.match(str(theme_id)):
            raise fail(path, f"{theme_id}:", f"theme id {theme_id!r} must be lower_snake_case")
        if not isinstance(spec, dict) or not spec.get("pref_label"):
            raise fail(path, f"{theme_id}:", f"theme {theme_id}: needs a `pref_label`")
        terms = _terms(path, theme_id, theme_id, spec, f"theme/{theme_id}")
        negatives = [
            Term(rule=f"negative/{theme_id}/{p.lower()}", label=theme_id, phrase=p)
            for p in _phrase_list(path, theme_id, spec.get("negative_labels"), "negative_labels")
        ]
        positive = {t.phrase.lower() for t in terms if t.phrase}
        for negative in negatives:
            if negative.phrase and negative.phrase.lower() in positive:
                raise fail(
                    path,
                    negative.phrase,
                    f"theme {theme_id}: negative label {negative.phrase!r} is also a positive one",
                )
        examples = spec.get("examples") or {}
        themes[theme_id] = Theme(
            id=theme_id,
            pref_label=spec["pref_label"],
            definition=spec.get("definition") or labels["themes"].get(theme_id, ""),
            terms=terms,
            negatives=negatives,
            examples_match=_phrase_list(path, theme_id, examples.get("match"), "examples.match"),
            examples_no_match=_phrase_list(
                path, theme_id, examples.get("no_match"), "examples.no_match"
            ),
        )
    missing = sorted(set(labels["themes"]) - set(themes))
    if missing:
        raise TaxonomyError(f"{path}: themes of labels.yaml without an entry: {', '.join(missing)}")
    return themes


def load_instruments(path: Path, labels: dict[str, Any]) -> dict[str, list[str]]:
    spec = _mapping(path, read_yaml(path), "instruments")
    out: dict[str, list[str]] = {}
    for instrument, names in spec.items():
        if instrument not in labels["instruments"]:
            raise fail(
                path, f"{instrument}:", f"unknown instrument id {instrument!r} (labels.yaml)"
            )
        out[instrument] = _phrase_list(path, instrument, names, "names")
    return out


def load_article_subjects(path: Path, labels: dict[str, Any]) -> dict[str, list[Term]]:
    spec = _mapping(path, read_yaml(path), "firearms_protocol_subjects")
    out: dict[str, list[Term]] = {}
    for article, entry in spec.items():
        article = str(article)
        if article not in labels["firearms_protocol_articles"]:
            raise fail(path, f'"{article}":', f"unknown Firearms Protocol article {article!r}")
        out[article] = _terms(
            path,
            f"article {article}",
            f"firearms_protocol:{article}",
            entry or {},
            f"article_subject/{article}",
        )
    return out


def load_countries(path: Path) -> dict[str, list[str]]:
    data = read_yaml(path)
    entries = data.get("countries") if isinstance(data, dict) else None
    if not isinstance(entries, list):
        raise TaxonomyError(f"{path}: expected a top-level list `countries:`")
    out: dict[str, list[str]] = {}
    for entry in entries:
        name = entry.get("name") if isinstance(entry, dict) else None
        if not name:
            raise fail(path, str(entry), f"country entry without a name: {entry!r}")
        out[name] = _phrase_list(path, name, entry.get("aliases"), "aliases")
    _no_shared_alias(path, {n: [n, *a] for n, a in out.items()})
    return out


def load_organizations(path: Path, labels: dict[str, Any]) -> list[Organization]:
    data = read_yaml(path)
    entries = data.get("organizations") if isinstance(data, dict) else None
    if not isinstance(entries, list):
        raise TaxonomyError(f"{path}: expected a top-level list `organizations:`")
    orgs = []
    for entry in entries:
        if not isinstance(entry, dict) or not entry.get("name"):
            raise fail(path, str(entry), f"organization entry without a name: {entry!r}")
        if entry.get("type") not in labels["actor_types"]:
            raise fail(
                path,
                entry["name"],
                f"{entry['name']}: unknown actor type {entry.get('type')!r} (labels.yaml)",
            )
        aliases = _phrase_list(path, entry["name"], entry.get("aliases"), "aliases")
        orgs.append(Organization(entry["name"], entry["type"], aliases))
    _no_shared_alias(path, {o.name: [o.name, *o.aliases] for o in orgs})
    return orgs


def _no_shared_alias(path: Path, names: dict[str, list[str]]) -> None:
    owner: dict[str, str] = {}
    for name, forms in names.items():
        for form in forms:
            key = form if _is_acronym(form) else form.lower()
            if key in owner and owner[key] != name:
                raise fail(path, form, f"{form!r} names both {owner[key]!r} and {name!r}")
            owner[key] = name


def _is_acronym(form: str) -> bool:
    letters = [c for c in form if c.isalpha()]
    return bool(letters) and " " not in form and sum(c.isupper() for c in letters) >= 2


def load_actors(path: Path, labels: dict[str, Any]) -> dict[str, Any]:
    data = read_yaml(path)
    types = _mapping(path, data, "actor_types")
    terms: list[Term] = []
    for actor_type, spec in types.items():
        if actor_type not in labels["actor_types"]:
            raise fail(path, f"{actor_type}:", f"unknown actor type {actor_type!r} (labels.yaml)")
        terms += _terms(path, actor_type, actor_type, spec or {}, f"actor/{actor_type}")
    speaker = _mapping(path, data, "speaker")
    for key in ("reporting_verbs", "role_nouns", "pronouns"):
        _phrase_list(path, key, speaker.get(key), key)
    abbreviations = _phrase_list(path, "abbreviations", data.get("abbreviations"), "abbreviations")
    case_sensitive = _phrase_list(
        path, "case_sensitive", data.get("case_sensitive"), "case_sensitive"
    )
    patterns = data.get("organization_patterns") or []
    for item in patterns:
        if not isinstance(item, dict) or not isinstance(item.get("pattern"), list):
            raise fail(path, "organization_patterns", "each organization pattern needs a `pattern`")
        if item.get("type") not in labels["actor_types"]:
            raise fail(
                path,
                str(item.get("id")),
                f"organization pattern {item.get('id')!r}: unknown type {item.get('type')!r}",
            )
    return {
        "terms": terms,
        "speaker": speaker,
        "abbreviations": abbreviations,
        "case_sensitive": case_sensitive,
        "organization_patterns": patterns,
    }


def load_addressees(path: Path, labels: dict[str, Any]) -> list[Term]:
    spec = _mapping(path, read_yaml(path), "addressees")
    terms: list[Term] = []
    for addressee, entry in spec.items():
        if addressee not in labels["addressee_types"]:
            raise fail(path, f"{addressee}:", f"unknown addressee type {addressee!r} (labels.yaml)")
        terms += _terms(path, f"addressee {addressee}", addressee, entry or {}, f"to/{addressee}")
    return terms


def load_recommendation(path: Path) -> dict[str, Any]:
    data = read_yaml(path)
    if not isinstance(data, dict):
        raise TaxonomyError(f"{path}: expected a mapping")
    for key in ("cues", "exclusions"):
        if not isinstance(data.get(key), list):
            raise TaxonomyError(f"{path}: `{key}` must be a list")
    return data
