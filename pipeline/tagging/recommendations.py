"""Recommendation sentences: someone proposes an action that someone should take.

A sentence is one when a cue of `taxonomy/recommendations.yaml` matches it ("recommended",
"called on", "urged", "stressed the need", "should") and no exclusion does. `by` is the
sentence's speaker (a pronoun resolved to the speaker named earlier in the paragraph);
`to` is the first addressee named after the cue, or, for a modal cue ("should"), the one
before it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from spacy.tokens import Span

from pipeline.tagging.speakers import Speaker


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
        )


@dataclass(frozen=True)
class Recommendation:
    start: int  # character offsets in the paragraph
    end: int
    by: str
    to: str
    rule: str
    themes: tuple[str, ...]


def first_cue(sentence: str, rules: RecommendationRules) -> tuple[Cue, int] | None:
    """The cue that marks `sentence` as a recommendation, with its offset, or None."""
    if any(ex.regex.search(sentence) for ex in rules.exclusions):
        return None
    for cue in rules.cues:  # in priority order: directive verbs before "need"/"should"
        match = cue.regex.search(sentence)
        if match:
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


def named_addressee(
    sent: Span, cue: Cue, cue_offset: int, addressees: list[Span], rules: RecommendationRules
) -> str | None:
    """The addressee the sentence names for `cue`, or None."""
    cue_char = sent.start_char + cue_offset
    inside = [
        a for a in addressees if sent.start_char <= a.start_char and a.end_char <= sent.end_char
    ]
    if cue.id in rules.unspecified_cues:  # "the importance of partnerships with industry"
        inside = [a for a in inside if not _partner(sent, a, rules.partner_words)]
    after = [a for a in inside if a.start_char >= cue_char]
    before = [a for a in inside if a.end_char <= cue_char]
    if cue.modal:
        passive = rules.modal_passive and rules.modal_passive.search(sent.text[cue_offset:])
        if passive:
            return rules.passive_should_default
        if before:
            return before[-1].label_
    if after and _near(sent, cue_char, after[0]):
        return after[0].label_
    return None


def addressee(
    sent: Span, cue: Cue, cue_offset: int, addressees: list[Span], rules: RecommendationRules
) -> str:
    """Whom the recommendation addresses: named after the cue, or before a 'should'. A cue
    that names no one ("called for ...", "stressed the need ...") gives way to a directive
    verb later in the sentence that does ("... and invited UNODC to ...")."""
    named = named_addressee(sent, cue, cue_offset, addressees, rules)
    if named is not None:
        return named
    if cue.id in rules.unspecified_cues:
        for other in rules.cues:
            if other.id in rules.unspecified_cues or other.id == cue.id or other.modal:
                continue
            match = other.regex.search(sent.text, cue_offset + 1)
            if match:
                later = named_addressee(sent, other, match.start(), addressees, rules)
                if later is not None:
                    return later
        return "unspecified"
    return rules.addressee_default


def _near(sent: Span, cue_char: int, span: Span, max_tokens: int = 12) -> bool:
    cue_token = next((t.i for t in sent if t.idx >= cue_char), sent.end)
    return span.start - cue_token <= max_tokens


def paragraph_recommendations(
    said: list[tuple[Span, list[Speaker]]],
    addressees: list[Span],
    rules: RecommendationRules,
    floor: str,
    carried: str | None = None,
) -> list[dict]:
    """The recommendations of a paragraph, from its sentences and the speakers each one
    reports (`said`, from speakers.paragraph_speakers): per recommendation sentence its
    character offsets, `by` (its first speaker, else the last speaker so far, starting
    from `carried`, the speaker a continued statement inherits; else `floor`), `to` and
    the rule (`recommendation/<cue id>`)."""
    out = []
    last = carried
    for sent, found in said:
        last = found[-1].type if found else last
        cue = first_cue(sent.text, rules)
        if cue is None:
            continue
        out.append(
            {
                "start": sent.start_char,
                "end": sent.end_char,
                "by": found[0].type if found else (last or floor),
                "to": addressee(sent, cue[0], cue[1], addressees, rules),
                "rule": f"recommendation/{cue[0].id}",
            }
        )
    return out
