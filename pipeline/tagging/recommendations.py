"""Recommendation sentences: someone proposes an action that someone should take.

A sentence is one when a cue of `taxonomy/recommendations.yaml` matches it ("recommended",
"called on", "urged", "stressed the need", "should") and no exclusion does. `by` is the
sentence's speaker (an anaphor resolved, pipeline/tagging/speakers/); `to` is the
addressee the sentence names (actors.yaml `addressees` and `addressing`):

- the first one named after the cue ("called on States", "urged UNODC", "invited the
  Working Group"), or, for a modal cue ("should"), the one before it; in the passive
  ("should be included") States;
- "encouraged them to ...": the addressee named before in the paragraph;
- a cue that names no one ("stressed the need", "called for") names only the agent of
  what follows ("the need for States to ..."), not those the ask is about ("training for
  prosecutors"), and gives way to a later directive ("... and invited UNODC to ...");
- the subject of a later "that" clause ("... and that UNODC and donor States use them");

else what the ask implies: a proposal on the mechanism's own meetings (its agenda, sessions,
dialogues) is the Working Group's; otherwise `states` or `unspecified`, learned from the
gold where a model is set (pipeline/tagging/addressees.py), else `addressee_default`, or
`unspecified` for a cue that names no one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from spacy.tokens import Span

from pipeline.tagging.addressees import AddresseeWords, ImpliedAddressee, evidence
from pipeline.tagging.speakers import Speaker
from pipeline.tagging.views import span_text

BE = ("be", "been", "being", "was", "were", "is", "are")
CUE_FLAGS = re.compile("", re.IGNORECASE).flags  # as from_config compiles every cue


@dataclass(frozen=True)
class Cue:
    id: str
    regex: re.Pattern[str]
    role: str | None = None  # "modal": "States should ..." (recommendations.yaml `role`)

    @property
    def modal(self) -> bool:
        return self.role == "modal"


@dataclass(frozen=True)
class RecommendationRules:
    cues: tuple[Cue, ...]
    exclusions: tuple[Cue, ...]
    addressee_default: str
    unspecified_cues: frozenset[str]
    passive_should_default: str
    modal_passive: re.Pattern[str] | None = None
    partner_words: frozenset[str] = frozenset()
    words: AddresseeWords = field(default_factory=AddresseeWords)

    @cached_property
    def any_cue(self) -> re.Pattern[str] | None:
        """One regex that finds a match wherever some cue does: most sentences hold none,
        and one search rules them out (None where the cues cannot be joined: a cue with
        groups or flags of its own)."""
        if not self.cues or any(c.regex.groups or c.regex.flags != CUE_FLAGS for c in self.cues):
            return None
        try:
            return re.compile("|".join(f"(?:{c.regex.pattern})" for c in self.cues), CUE_FLAGS)
        except re.error:
            return None

    @classmethod
    def from_config(cls, cfg: dict) -> RecommendationRules:
        def compile_all(items: list[dict]) -> tuple[Cue, ...]:
            return tuple(
                Cue(i["id"], re.compile(i["regex"], re.IGNORECASE), i.get("role")) for i in items
            )

        passive = cfg.get("modal_passive")
        return cls(
            cues=compile_all(cfg.get("cues", [])),
            exclusions=compile_all(cfg.get("exclusions", [])),
            addressee_default=cfg.get("addressee_default", "states"),
            unspecified_cues=frozenset(cfg.get("unspecified_cues", [])),
            passive_should_default=cfg.get("passive_should_default", "states"),
            modal_passive=re.compile(passive) if passive else None,
            partner_words=frozenset(w.lower() for w in cfg.get("partner_words", [])),
            words=AddresseeWords.from_config(cfg.get("addressing") or {}),
        )

    def kind(self, cue: Cue) -> str:
        """The cue's kind: modal ("should"), open (names no one: "stressed the need") or
        directive ("urged", "recommended")."""
        return "modal" if cue.modal else "open" if cue.id in self.unspecified_cues else "directive"


def first_cue(sentence: str, rules: RecommendationRules) -> tuple[Cue, int] | None:
    """The cue that marks `sentence` as a recommendation, with its offset, or None."""
    if rules.any_cue is not None and rules.any_cue.search(sentence) is None:
        return None
    if any(ex.regex.search(sentence) for ex in rules.exclusions):
        return None
    # in priority order (directive verbs before "need"/"should"), a cue in the passive
    # ("... and that NGOs be invited to contribute") only when no other is
    for passive_too in (False, True):
        for cue in rules.cues:
            for match in cue.regex.finditer(sentence):
                if passive_too or not _passive_before(sentence, match.start()):
                    return cue, match.start()
    return None


def _partner(sent: Span, span: Span, partner_words: frozenset[str]) -> bool:
    """An actor named as a partner, not as the one asked: "partnerships [with] the private
    sector", "trust [between] governments and civil society" (recommendations.yaml
    `partner_words`)."""
    doc = sent.doc
    for i in range(span.start - 1, max(sent.start, span.start - 6) - 1, -1):
        word = doc[i].lower_
        if word in partner_words:
            return True
        if word in (",", ";", "to", "that") or doc[i].is_sent_start:
            return False
    return False


def _agent(sent: Span, span: Span, words: AddresseeWords) -> bool:
    """Whether an addressee is the agent of what follows it ("the need for [States] to"),
    not its patient ("for [youth organizations] to be invited")."""
    doc = sent.doc
    if not (span.end < sent.end and doc[span.end].lower_ in words.agent_words):
        return False
    return not (span.end + 1 < sent.end and doc[span.end + 1].lower_ == "be")


def _pronoun_antecedent(
    sent: Span, cue: Cue, cue_offset: int, addressees: list[Span], words: AddresseeWords
) -> str | None:
    """ "encouraged them to ...": the addressee named last before the pronoun, in the
    sentence or earlier in the paragraph."""
    match = cue.regex.search(span_text(sent), cue_offset)
    if match is None:
        return None
    end = sent.start_char + match.end()
    pronoun = next((t for t in sent if t.idx >= end), None)
    if pronoun is None or pronoun.lower_ not in words.pronouns:
        return None
    before = [a for a in addressees if a.end_char <= pronoun.idx]
    return before[-1].label_ if before else None


def _clause_subject(
    sent: Span, cue_char: int, inside: list[Span], words: AddresseeWords
) -> str | None:
    """The addressee opening a later "that" clause: "urged that the needs be matched ...
    and that [UNODC] and donor States use them"."""
    doc = sent.doc
    for a in inside:
        if a.start_char <= cue_char or _patient(sent, a):
            continue
        k = a.start - 1
        if k > sent.start and doc[k].lower_ == "the":
            k -= 1
        if k >= sent.start and doc[k].lower_ in words.clause_openers:
            return a.label_
    return None


def _patient(sent: Span, span: Span) -> bool:
    """An actor the ask is done to, not asked to act: "that [NGOs] be involved"."""
    return span.end < sent.end and sent.doc[span.end].lower_ == "be"


def named_addressee(
    sent: Span,
    cue: Cue,
    cue_offset: int,
    addressees: list[Span],
    rules: RecommendationRules,
) -> str | None:
    """The addressee the sentence names for `cue`, or None. `addressees` may hold those of
    the whole paragraph (a pronoun's antecedent stands before the sentence)."""
    cue_char = sent.start_char + cue_offset
    inside = [
        a for a in addressees if sent.start_char <= a.start_char and a.end_char <= sent.end_char
    ]
    if cue.id in rules.unspecified_cues:  # "the importance of partnerships with industry"
        inside = [a for a in inside if not _partner(sent, a, rules.partner_words)]
        if rules.words.agent_words:  # "the need for States to", not "training for judges"
            inside = [a for a in inside if a.start_char < cue_char or _agent(sent, a, rules.words)]
    after = [a for a in inside if a.start_char >= cue_char]
    before = [a for a in inside if a.end_char <= cue_char]
    if cue.modal:
        passive = rules.modal_passive and rules.modal_passive.search(span_text(sent)[cue_offset:])
        if passive:
            return rules.passive_should_default
        if before:
            return before[-1].label_
    referred = _pronoun_antecedent(sent, cue, cue_offset, addressees, rules.words)
    if referred is not None:
        return referred
    after = [a for a in after if not _patient(sent, a)]
    if after and _near(sent, cue_char, after[0]):
        return after[0].label_
    if rules.words.clause_openers:
        return _clause_subject(sent, cue_char, inside, rules.words)
    return None


def addressee(
    sent: Span, cue: Cue, cue_offset: int, addressees: list[Span], rules: RecommendationRules
) -> str | None:
    """Whom the recommendation names as its addressee, or None. A cue that names no one
    ("called for ...", "stressed the need ...") gives way to a directive verb later in the
    sentence that does ("... and invited UNODC to ...")."""
    named = named_addressee(sent, cue, cue_offset, addressees, rules)
    if named is not None or cue.id not in rules.unspecified_cues:
        return named
    sentence = span_text(sent)
    for other in rules.cues:
        if other.id in rules.unspecified_cues or other.id == cue.id or other.modal:
            continue
        match = other.regex.search(sentence, cue_offset + 1)
        if match and not _passive_before(sentence, match.start()):  # not "to be invited to"
            later = named_addressee(sent, other, match.start(), addressees, rules)
            if later is not None:
                return later
    return None


def _passive_before(text: str, offset: int) -> bool:
    """Whether the verb at `offset` of a sentence follows a form of "be"."""
    before = text[:offset].split()
    return bool(before) and before[-1].lower() in BE


def default_addressee(cue_kind: str, rules: RecommendationRules) -> str:
    """The rules' `to` for an ask that names no addressee, when no decision is learned."""
    return "unspecified" if cue_kind == "open" else rules.addressee_default


def _near(sent: Span, cue_char: int, span: Span, max_tokens: int = 12) -> bool:
    cue_token = next((t.i for t in sent if t.idx >= cue_char), sent.end)
    return span.start - cue_token <= max_tokens


def paragraph_recommendations(
    said: list[tuple[Span, list[Speaker]]],
    addressees: list[Span],
    actors: list[Span],
    speakers: list[Span],
    rules: RecommendationRules,
    floor: str,
    carried: str | None = None,
    implied: ImpliedAddressee | None = None,
) -> list[dict[str, Any]]:
    """The recommendations of a paragraph, from its sentences and the speakers each one
    reports (`said`, from speakers.paragraph_speakers): per recommendation sentence its
    character offsets, `by` (its first speaker, else the last speaker so far, starting
    from `carried`, the speaker a continued statement inherits; else `floor`), `to`, the
    rule (`recommendation/<cue id>`) and, when no addressee is named, the `evidence` of
    what the ask implies, which `implied` (the learned decision) reads, else the rules'
    default."""
    out = []
    last = carried
    for sent, found in said:
        last = found[-1].type if found else last
        cue = first_cue(span_text(sent), rules)
        if cue is None:
            continue
        named = addressee(sent, cue[0], cue[1], addressees, rules)
        seen = None
        if named is None:
            seen = evidence(sent, rules.kind(cue[0]), actors, speakers, rules.words)
        out.append(
            {
                "start": sent.start_char,
                "end": sent.end_char,
                "by": found[0].type if found else (last or floor),
                "to": named or decide(seen, rules, implied),
                "rule": f"recommendation/{cue[0].id}",
                "evidence": seen,
            }
        )
    return out


def decide(seen: dict[str, float] | None, rules: RecommendationRules, implied: Any) -> str:
    """The addressee an ask that names none implies: the learned decision's, else the
    rules' default for its cue."""
    assert seen is not None
    if seen.get("mechanism") and seen.get("cue_directive"):
        return "working_group"  # a proposal on the mechanism's own agenda, sessions, dialogues
    if implied is not None:
        return implied.decide(seen)
    kind = next(k for k in ("modal", "open", "directive") if seen.get(f"cue_{k}"))
    return default_addressee(kind, rules)
