"""Labels for new asks: a short verb phrase taken from a sentence, by rules.

"One speaker called on States to set up transnational referral mechanisms for victims,
including ..." → "Set up transnational referral mechanisms for victims". The reporting
frame is stripped (the `embed` stage's rule), then a second reporting clause, the
addressee before "to", a passive turned active ("assessments to be carried out" → "Carry
out assessments"), and the phrase is cut at its first clause boundary and to about eight
words. No parser: only spacy.blank models exist offline.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from pipeline.asks.features import ask_text
from pipeline.knowledge.compiled import Wording


@dataclass(frozen=True)
class LabelRules:
    """The rules of a label, compiled from the taxonomy's wording (ask_wording.yaml and
    reporting.yaml): the words are data; how they are matched is this module's."""

    verbs: frozenset[str]
    participles: dict[str, str]
    object_pronouns: dict[str, str]
    reporting: re.Pattern[str]  # a second reporting clause: "He noted that ..."
    openings: re.Pattern[str]  # "the need to", "the importance of" before the verb
    passive: re.Pattern[str]  # "<subject> should be <participle> <rest>"
    clause_end: re.Pattern[str]
    not_after: frozenset[str]
    trailing: frozenset[str]


def _alternation(words: tuple[str, ...] | list[str]) -> str:
    return "|".join(re.escape(w) for w in sorted(words, key=lambda w: (-len(w), w)))


@lru_cache(maxsize=8)
def label_rules(wording: Wording) -> LabelRules:
    particles = rf"(?:\s+(?:{_alternation(wording.reporting_particles)}))?"
    irregular = _alternation([p for p, _ in wording.participles])
    marks = "".join(re.escape(m) for m in wording.clause_marks)
    return LabelRules(
        verbs=wording.label_verbs,
        participles=dict(wording.participles),
        object_pronouns=dict(wording.object_pronouns),
        reporting=re.compile(
            rf"^(?:\S+\s+){{0,14}}?(?:{_alternation(wording.reporting_verbs)})"
            + (particles if wording.reporting_particles else "")
            + r"(?:,\s*\w+,)?\s+that\s+",
            re.IGNORECASE,
        ),
        openings=re.compile(wording.openings, re.IGNORECASE),
        passive=re.compile(
            r"^(?P<subject>(?:\S+\s+){0,9}?\S+)\s+(?:should\s+|must\s+|to\s+)?be\s+"
            rf"(?:\w+ly\s+)?(?P<verb>\w+(?:ed|en)|{irregular})(?P<rest>\b.*)$",
            re.IGNORECASE,
        ),
        clause_end=re.compile(
            rf"[{marks}]|\s(?:{_alternation(wording.clause_ends)})\s", re.IGNORECASE
        ),
        not_after=wording.not_after,
        trailing=wording.trailing,
    )


def _base_verb(word: str, rules: LabelRules) -> str:
    """The base form of a gerund or participle by word frequency: establishing →
    establish, making → make, carried → carry, implemented → implement."""
    from wordfreq import zipf_frequency

    lower = word.lower()
    if lower in rules.participles:
        return rules.participles[lower]
    for suffix in ("ing", "ied", "ed", "en"):
        if lower.endswith(suffix) and len(lower) > len(suffix) + 2:
            stem_ = lower[: -len(suffix)]
            options = [stem_, stem_ + "e", stem_ + "y" if suffix == "ied" else stem_]
            if stem_[-1] == stem_[-2]:
                options.append(stem_[:-1])
            best = max(options, key=lambda w: (w in rules.verbs, zipf_frequency(w, "en"), -len(w)))
            return best if best in rules.verbs or zipf_frequency(best, "en") > 3 else word
    return word


def new_ask_label(
    sentence: str, frame: re.Pattern[str] | None, wording: Wording, max_words: int = 8
) -> str:
    """A readable phrase for the ask of a sentence, verb first where the rules find one:
    the reporting frame stripped, a second reporting clause and an opening ("the need
    to") dropped, the addressee before "to" dropped, a passive turned active, cut at the
    first clause boundary and to about `max_words` words ("He called on States to set up
    referral mechanisms, ..." → "Set up referral mechanisms"). The words are the
    taxonomy's (`wording`: ask_wording.yaml, reporting.yaml)."""
    rules = label_rules(wording)
    ask = ask_text(sentence, frame)
    ask = rules.reporting.sub("", ask, count=1)
    ask = rules.openings.sub("", ask, count=1)
    passive = rules.passive.match(ask)
    words = ask.split()
    if passive and not any(w.lower() in rules.verbs for w in passive["subject"].split()[1:]):
        verb = _base_verb(passive["verb"], rules)
        if verb.lower() in rules.verbs or verb != passive["verb"]:  # a base form was found
            subject = [rules.object_pronouns.get(w.lower(), w) for w in passive["subject"].split()]
            rest = re.sub(r"^\s*(?:or|and)\s+\S+", "", passive["rest"]).split()  # "or co-led"
            particle = rest[:1] if rest[:1] in (["out"], ["up"]) else []  # carried out
            words = [verb, *particle, *subject, *rest[len(particle) :]]
    else:
        after_to = [
            i
            for i in range(1, min(len(words), 20))
            if words[i - 1].lower() == "to" and words[i].lower().strip(",;") in rules.verbs
        ]
        if after_to and after_to[0] > 1:
            words = words[after_to[0] :]
        for i, word in enumerate(words[:12]):
            lower = word.lower().strip(",;")
            follows = words[i - 1].lower() if i else ""
            if lower in rules.verbs and (i == 0 or follows not in rules.not_after):
                words = words[i:]
                break
            if lower.endswith("ing") and i == 0:
                words[0] = _base_verb(word, rules)
                break
    ask = re.sub(r"^(\S+), [^,]{3,80}, ", r"\1 ", " ".join(words))  # "compile, with X, a list"
    cut = rules.clause_end.search(ask, 12)
    if cut:
        ask = ask[: cut.start()]
    words = ask.split()[:max_words]
    while len(words) > 2 and words[-1].lower().strip(".") in rules.trailing:
        words.pop()
    phrase = " ".join(words).strip(" .,;:")
    return phrase[:1].upper() + phrase[1:]
