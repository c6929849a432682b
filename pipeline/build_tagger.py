"""Stage `build_tagger`: the taxonomy compiled into a spaCy pipeline saved to models/tagger.

Blank English, a rule-based sentence splitter, two span rulers (case-insensitive phrases
and token patterns; case-sensitive acronyms and names), the article tagger, the resolver,
and the theme decision (pipeline/themes): a model, trained here on the development gold
(data/gold) and the taxonomy's example sentences, that decides whether a paragraph is
*about* each theme and gives it a probability. Saved with `nlp.to_disk` (the decision's
weights as JSON and safetensors), loadable with `spacy.load("models/tagger")`.
"""

from __future__ import annotations

import logging
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import spacy
from spacy.attrs import ORTH
from spacy.language import Language

import pipeline.tagging.components  # noqa: F401  (registers the factories)
from pipeline.knowledge.compiled import Term
from pipeline.knowledge.parts import is_acronym
from pipeline.knowledge.taxonomy import Taxonomy, stage_taxonomy, taxonomy_folder
from pipeline.params import load_settings
from pipeline.paths import Layout, project_path
from pipeline.themes.model import ThemeSettings

log = logging.getLogger("crp")


@dataclass(frozen=True)
class BuildTaggerSettings:
    decision: bool = True  # train the theme decision on the gold (else the lexicon decides)
    gold: str = "data/gold"  # the training gold, relative to the project root
    labels: str = "data/labels/themes.jsonl"  # analysts' answers (crp themes apply)
    similarity: bool = True  # sentence vectors (all-MiniLM-L6-v2) as evidence (needs torch)
    lexicon_features: bool = False  # the lexicon's hits as features of the decision

    @property
    def gold_folder(self) -> Path:
        return project_path(self.gold)

    @property
    def labels_file(self) -> Path:
        return project_path(self.labels)

    @property
    def themes(self) -> ThemeSettings:
        return ThemeSettings(similarity=self.similarity, lexicon=self.lexicon_features)


def _plural_forms(phrase: str) -> list[str]:
    """The phrase and, for a final lower-case noun, its regular plural."""
    words = phrase.split()
    last = words[-1] if words else ""
    if not last.isalpha() or not last.islower() or len(last) < 3 or last.endswith("s"):
        return [phrase]
    plural = last[:-1] + "ies" if last.endswith("y") and last[-2] not in "aeiou" else last + "s"
    return [phrase, " ".join([*words[:-1], plural])]


def _patterns(terms: list[Term], kind: str, case_sensitive: set[str]) -> tuple[list, list]:
    """(case-insensitive patterns, case-sensitive patterns) of span-ruler dicts."""
    lower, exact = [], []
    listed = {(t.label, t.phrase.lower()) for t in terms if t.phrase}
    for term in terms:
        label = f"{kind}|{term.label}"
        if term.pattern is not None:
            lower.append({"label": label, "pattern": term.pattern, "id": term.rule})
            continue
        assert term.phrase is not None
        if is_acronym(term.phrase) or term.phrase in case_sensitive:
            exact.append({"label": label, "pattern": term.phrase, "id": term.rule})
            continue
        for i, form in enumerate(_plural_forms(term.phrase)):
            if i == 0 or (term.label, form.lower()) not in listed:  # "definitions" listed too
                lower.append({"label": label, "pattern": form, "id": term.rule})
    return lower, exact


def _name_terms(taxonomy: Taxonomy) -> list[tuple[str, Term]]:
    terms = []
    for org in taxonomy.organizations:
        rule = f"gazetteer/organizations/{org.name}"
        terms += [("org", Term(rule, org.type, phrase=f)) for f in [org.name, *org.aliases]]
    for country, aliases in taxonomy.countries.items():
        rule = f"gazetteer/countries/{country}"
        terms += [("country", Term(rule, "member_state", phrase=f)) for f in [country, *aliases]]
    return terms


def compile_patterns(taxonomy: Taxonomy) -> tuple[list, list]:
    """Every span-ruler pattern of the taxonomy, split by case sensitivity."""
    case_sensitive = set(taxonomy.actors.case_sensitive)
    groups: list[tuple[str, list[Term]]] = [
        ("theme", [t for th in taxonomy.themes.values() for t in th.terms]),
        ("neg", [t for th in taxonomy.themes.values() for t in th.negatives]),
        ("actor", taxonomy.actors.terms),
        ("to", taxonomy.actors.addressees),
        ("subject", [t for ts in taxonomy.article_subjects.values() for t in ts]),
    ]
    lower, exact = [], []
    for kind, terms in groups:
        if kind == "subject":
            terms = [Term(t.rule, t.label.split(":")[1], t.phrase, t.pattern) for t in terms]
        lo, ex = _patterns(terms, kind, case_sensitive)
        lower += lo
        exact += ex
    for kind, term in _name_terms(taxonomy):
        lo, ex = _patterns([term], kind, set())
        if is_acronym(term.phrase or "") or len((term.phrase or "").split()) == 1:
            exact += [dict(p, pattern=term.phrase) for p in lo[:1]] + ex
        else:
            lower += lo + ex
    for item in taxonomy.actors.organization_patterns:
        lower.append(
            {
                "label": f"org|{item['type']}",
                "pattern": item["pattern"],
                "id": f"pattern/organizations/{item['id']}",
            }
        )
    return lower, exact


def build_nlp(taxonomy: Taxonomy) -> Language:
    """The tagger as a spaCy pipeline, built from a loaded taxonomy."""
    nlp = spacy.blank("en")
    abbreviations = taxonomy.actors.abbreviations
    for abbreviation in abbreviations:
        nlp.tokenizer.add_special_case(abbreviation, [{ORTH: abbreviation}])
        if abbreviation[0].isalpha():
            capital = abbreviation[0].upper() + abbreviation[1:]
            nlp.tokenizer.add_special_case(capital, [{ORTH: capital}])
    nlp.add_pipe("crp_sentences", config={"abbreviations": abbreviations})
    lower, exact = compile_patterns(taxonomy)
    ruler = nlp.add_pipe(
        "span_ruler",
        name="crp_terms",
        config={"spans_key": "crp_terms", "phrase_matcher_attr": "LOWER"},
    )
    ruler.add_patterns(lower)
    ruler = nlp.add_pipe(
        "span_ruler",
        name="crp_exact",
        config={"spans_key": "crp_exact", "phrase_matcher_attr": "ORTH"},
    )
    ruler.add_patterns(exact)
    groups = taxonomy.working_groups
    protocols = {wg_id: group.protocol for wg_id, group in groups.items()}
    names = {inst_id: inst.names for inst_id, inst in taxonomy.instruments.items()}
    nlp.add_pipe("crp_articles", config={"instruments": names, "protocols": protocols})
    recommendation = {k: v for k, v in taxonomy.recommendation.items() if k != "frame"}
    nlp.add_pipe(
        "crp_resolver",
        config={
            "speaker": dict(taxonomy.actors.speaker),
            "recommendation": recommendation,
            # article subjects are those of the Firearms Protocol: read in its documents
            "subject_working_groups": sorted(
                wg_id for wg_id, g in groups.items() if g.protocol == "firearms_protocol"
            ),
        },
    )
    nlp.add_pipe("crp_themes")  # the lexicon decides until a model is set (add_decision)
    nlp.meta["name"] = "crp_tagger"
    nlp.meta["description"] = "Rule-based tagger compiled from pipeline/taxonomy (see README)"
    return nlp


def build_tagger(taxonomy_dir: Path | None = None) -> Language:
    return build_nlp(stage_taxonomy("build_tagger", taxonomy_dir))


def add_decision(
    nlp: Language, taxonomy: Taxonomy, gold: Path, settings: BuildTaggerSettings, store: Path
) -> None:
    """Train the theme decision on the gold folder and the analysts' answers, and set both
    in `crp_themes` (the answers are final at tag time)."""
    from pipeline.themes.labels import final_answers, read_answers
    from pipeline.themes.training import Embedded, tag_answers, tag_gold, train

    paragraphs = tag_gold(nlp, gold, taxonomy)
    answers = read_answers(settings.labels_file, taxonomy.labels)
    answered = tag_answers(nlp, answers)
    embedded = None
    if settings.similarity:
        from pipeline.encoder import CachedEncoder

        embedded = Embedded.of(paragraphs, taxonomy, CachedEncoder(store), answered.paragraphs)
    model = train(paragraphs, taxonomy, settings.themes, embedded, answered=answered)
    nlp.get_pipe("crp_themes").set_model(model)
    nlp.get_pipe("crp_themes").set_answers(final_answers(answers))
    log.info(
        "tagger: theme decision trained on %d gold paragraphs of %d documents and %d "
        "analyst answer(s)%s",
        len(paragraphs.keys),
        len({d for d, _ in paragraphs.keys}),
        len(answers),
        " with sentence vectors" if settings.similarity else "",
    )


def main(layout: Layout, params: dict[str, Any]) -> Path:
    """`crp build_tagger`: compile the taxonomy (and train the theme classifier on the
    gold, when there is one) into models/tagger (nlp.to_disk)."""
    settings = load_settings(BuildTaggerSettings, "build_tagger", params)
    folder = taxonomy_folder(params)
    taxonomy = stage_taxonomy("build_tagger", folder)
    nlp = build_nlp(taxonomy)
    gold = settings.gold_folder
    (layout.cache / "build_tagger").mkdir(parents=True, exist_ok=True)  # a persist output
    if settings.decision and any(gold.glob("*.paragraphs.jsonl")):
        store = layout.cache / "build_tagger" / "sentences.safetensors"
        add_decision(nlp, taxonomy, gold, settings, store)
    else:
        if settings.decision:
            log.warning("tagger: no gold in %s: the lexicon alone decides the themes", gold)
        from pipeline.themes.labels import final_answers, read_answers

        answers = read_answers(settings.labels_file, taxonomy.labels)
        nlp.get_pipe("crp_themes").set_answers(final_answers(answers))
    target = layout.models / "tagger"
    shutil.rmtree(target, ignore_errors=True)
    target.parent.mkdir(parents=True, exist_ok=True)
    nlp.to_disk(target)
    n_patterns = sum(len(nlp.get_pipe(n).patterns) for n in ("crp_terms", "crp_exact"))
    log.info("tagger: %d patterns from %s → %s", n_patterns, folder, target)
    return target
