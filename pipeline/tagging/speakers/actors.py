"""Who acts in a paragraph: typed mentions, organizations named by their form, and the
actors who speak.

Actors are every typed mention: a named organization or State, or a word that names an
actor type ("non-governmental organizations", "States parties"), and organizations no
gazetteer lists but a role names ("a representative of [Kids Against Guns]"). A
"participant" word whose affiliation is named ("participants, representing 43 NGOs") is
no unaffiliated participant; whoever speaks acts, a pronoun's speaker included.
"""

from __future__ import annotations

from spacy.tokens import Doc, Span

from pipeline.tagging.speakers.affiliations import affiliated, unlisted_organizations
from pipeline.tagging.speakers.rules import Mention, SpeakerRules


def typed_mentions(
    doc: Doc, orgs: list[Span], countries: list[Span], actor_terms: list[Span], rules: SpeakerRules
) -> tuple[list[Mention], list[Mention]]:
    """(every typed mention, the organizations among them that no gazetteer lists)."""
    mentions = [
        Mention(s.start, s.end, s.label_, kind, s.id_)
        for kind, spans in (("org", orgs), ("country", countries), ("term", actor_terms))
        for s in spans
    ]
    unlisted = unlisted_organizations(doc, mentions, rules)
    return mentions + unlisted, unlisted


def acting(
    doc: Doc, actors: list[Span], mentions: list[Mention], speakers: list[Span], rules: SpeakerRules
) -> list[Span]:
    """The actors of a paragraph: `actors` (every typed mention) without the participant
    words that are affiliated elsewhere, then the speakers of a type not yet among them.
    A "panellist" who is a speaker of a known type is no unaffiliated participant."""
    typed_mentions = [m for m in mentions if m.kind != "term" or m.type != "participant"]

    def unaffiliated(a: Span) -> bool:
        if a.label_ != "participant":
            return False
        if any(_overlap(a, s) and s.label_ != "participant" for s in speakers):
            return True
        mention = Mention(a.start, a.end, "participant", "term", a.id_)
        return affiliated(doc, mention, typed_mentions, rules)

    kept = [a for a in actors if not unaffiliated(a)]
    typed = {s.label_ for s in kept}
    return kept + [s for s in speakers if s.label_ not in typed]


def _overlap(a: Span, b: Span) -> bool:
    return a.start < b.end and b.start < a.end
