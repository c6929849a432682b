"""Stage `build_tagger`: the taxonomy compiled into a spaCy pipeline saved to models/tagger.

Blank English, a rule-based sentence splitter, two span rulers (case-insensitive phrases
and token patterns; case-sensitive acronyms and names), the article tagger, the resolver
(with the learned decision of the addressee an unnamed ask implies,
pipeline/tagging/addressees.py, trained here on the development gold, params.yaml
`gold.train`), and the theme decision (pipeline/themes): a model, trained here on the
same gold and the taxonomy's example sentences, that decides whether a paragraph is
*about* each theme and gives it a probability. Saved with `nlp.to_disk` (the
decision's weights as JSON and safetensors), loadable with `spacy.load("models/tagger")`.
"""

from __future__ import annotations

import logging
import shutil
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import spacy
from spacy.attrs import ORTH
from spacy.language import Language

import pipeline.tagging.components  # noqa: F401  (registers the factories)
from pipeline.knowledge.compiled import Term
from pipeline.knowledge.parts import is_acronym
from pipeline.knowledge.taxonomy import Taxonomy, stage_taxonomy, taxonomy_folder
from pipeline.params import load_settings
from pipeline.paths import GoldSettings, Layout, project_path
from pipeline.tagging.prefilter import install
from pipeline.themes.model import ThemeSettings

if TYPE_CHECKING:
    from pipeline.themes.labels import ThemeAnswer
    from pipeline.themes.training import GoldParagraphs
    from pipeline.vectors import Encoder

log = logging.getLogger("crp")


@dataclass(frozen=True)
class BuildTaggerSettings:
    decision: bool = True  # train the theme decision on the gold (else the lexicon decides)
    labels: str = "data/labels/themes.jsonl"  # analysts' answers (crp themes apply)
    similarity: bool = True  # sentence vectors (all-MiniLM-L6-v2) as evidence (needs torch)
    lexicon_features: bool = True  # the lexicon's hits as features of the decision

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
    groups = taxonomy.working_groups
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
    protocols = {wg_id: group.protocol for wg_id, group in groups.items()}
    names = {inst_id: inst.names for inst_id, inst in taxonomy.instruments.items()}
    nlp.add_pipe("crp_articles", config={"instruments": names, "protocols": protocols})
    recommendation = {k: v for k, v in taxonomy.recommendation.items() if k != "frame"}
    # how an addressee is named without a term, and the evidence of what an ask implies
    recommendation["addressing"] = taxonomy.actors.addressing
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
    return install(nlp)  # token patterns tried only where their words are (not saved)


def build_tagger(taxonomy_dir: Path | None = None) -> Language:
    return build_nlp(stage_taxonomy("build_tagger", taxonomy_dir))


def add_implied(nlp: Language, paragraphs: GoldParagraphs) -> None:
    """Train the decision of the addressee an unnamed ask implies on the tagged gold and
    set it in the resolver (pipeline/tagging/addressees.py); too few examples leave the
    rules to decide."""
    from pipeline.tagging.gold import RESOLVER, train_implied

    model = train_implied(paragraphs)
    nlp.get_pipe(RESOLVER).set_implied(model)
    if model is None:
        log.warning("tagger: too few unnamed asks in the gold: the rules decide their addressee")
        return
    log.info(
        "tagger: implied addressee learned from %d unnamed asks (%d read as states), "
        "threshold %.3f",
        model.stats["rows"],
        model.stats["states"],
        model.threshold,
    )


def add_decision(
    nlp: Language,
    taxonomy: Taxonomy,
    paragraphs: GoldParagraphs,
    answers: Sequence[ThemeAnswer],
    settings: BuildTaggerSettings,
    encoder: Encoder | None = None,
) -> None:
    """Train the theme decision on the tagged gold and the analysts' answers, and set it in
    `crp_themes`; with `settings.similarity`, on sentence vectors from `encoder` too."""
    from pipeline.tagging.gold import tag_answers
    from pipeline.themes.training import Embedded, train

    answered = tag_answers(nlp, answers)
    embedded = None
    if settings.similarity:
        if encoder is None:
            from pipeline.vectors import Encoder

            encoder = Encoder()
        embedded = Embedded.of(paragraphs, taxonomy, encoder, answered.paragraphs)
    model = train(paragraphs, taxonomy, settings.themes, embedded, answered=answered)
    nlp.get_pipe("crp_themes").set_model(model)
    log.info(
        "tagger: theme decision trained on %d gold paragraphs of %d documents and %d "
        "analyst answer(s)%s",
        len(paragraphs.keys),
        len({d for d, _ in paragraphs.keys}),
        len(answers),
        " with sentence vectors" if settings.similarity else "",
    )


def build(
    taxonomy: Taxonomy, settings: BuildTaggerSettings, gold: Path, encoder: Encoder | None = None
) -> Language:
    """The tagger: the taxonomy's rules and, with gold to train on, the decision of the
    addressee an unnamed ask implies and (with `settings.decision`) the theme decision,
    both learned from the gold paragraphs run through the rules as the tag stage runs
    them (pure: nothing written)."""
    from pipeline.tagging.gold import tag_gold
    from pipeline.themes.labels import final_answers, read_answers

    nlp = build_nlp(taxonomy)
    answers = read_answers(settings.labels_file, taxonomy.labels)
    nlp.get_pipe("crp_themes").set_answers(final_answers(answers))  # final at tag time
    if not any(gold.glob("*.paragraphs.jsonl")):
        log.warning("tagger: no gold in %s: the rules alone decide themes and addressees", gold)
        return nlp
    paragraphs = tag_gold(nlp, gold, taxonomy)
    add_implied(nlp, paragraphs)
    if settings.decision:
        add_decision(nlp, taxonomy, paragraphs, answers, settings, encoder)
    return nlp


def main(layout: Layout, params: dict[str, Any]) -> Path:
    """`crp build_tagger`: compile the taxonomy (and train the theme decision on the
    training gold, params.yaml `gold.train`, and the analysts' answers, when there are
    any) into models/tagger."""
    from pipeline.vectors import open_encoder

    settings = load_settings(BuildTaggerSettings, "build_tagger", params)
    gold = load_settings(GoldSettings, "gold", params).train_folder
    folder = taxonomy_folder(params)
    (layout.cache / "vectors" / "build_tagger").mkdir(parents=True, exist_ok=True)  # persist
    encoder = open_encoder(layout, params, "build_tagger")
    nlp = build(stage_taxonomy("build_tagger", folder), settings, gold, encoder)
    encoder.flush()
    target = layout.models / "tagger"
    shutil.rmtree(target, ignore_errors=True)
    target.parent.mkdir(parents=True, exist_ok=True)
    nlp.to_disk(target)
    n_patterns = sum(len(nlp.get_pipe(n).patterns) for n in ("crp_terms", "crp_exact"))
    log.info("tagger: %d patterns from %s → %s", n_patterns, folder, target)
    return target
