"""Where a sentence's subject stands, and what stands between it and its verb: the clause
tests the speaker rules (sentences.py) apply before taking a mention as the one who
speaks, and the reports of the floor ("It was noted that ...")."""

from __future__ import annotations

from spacy.tokens import Doc, Span

from pipeline.tagging.speakers.affiliations import link_end
from pipeline.tagging.speakers.rules import Mention, Speaker, SpeakerRules
from pipeline.tagging.views import lowers

CLAUSE_BREAKS = {",", ";", ":"}
BE = {"was", "were", "is", "are", "been", "being", "be"}


def impersonal(sent: Span, rules: SpeakerRules) -> Speaker | None:
    """ "It was noted that", "Reference was made to": the floor's report."""
    words = lowers(sent.doc)[sent.start : min(sent.end, sent.start + 6)]
    for phrase in rules.impersonal:
        if tuple(words[: len(phrase)]) == phrase:
            rest = words[len(phrase) : len(phrase) + 2]
            if phrase[-1] in ("was", "were", "been") and not any(
                w in rules.reporting_verbs for w in rest
            ):
                continue
            return Speaker(
                sent.start, sent.start + len(phrase), rules.impersonal_type, "speaker/impersonal"
            )
    return None


def passive_report(sent: Span, typed: list[Mention], rules: SpeakerRules) -> Speaker | None:
    """'<something> was stressed/noted' with no agent: the floor's view."""
    words = lowers(sent.doc)
    for i in range(sent.start + 1, sent.end):
        if words[i] in rules.passive_verbs and words[i - 1] in ("was", "were"):
            agent = i + 1 < sent.end and words[i + 1] == "by"
            subject_typed = any(m.start < i and m.kind in ("org", "country") for m in typed)
            if not agent and not subject_typed:
                return Speaker(i - 1, i + 1, rules.impersonal_type, "speaker/passive")
            return None
    return None


def clause_start(doc: Doc, sent: Span, i: int) -> int:
    for j in range(i - 1, sent.start - 1, -1):
        if doc[j].text in CLAUSE_BREAKS:
            return j + 1
    return sent.start


def subject_ok(
    doc: Doc,
    sent: Span,
    mention: Mention,
    end: int,
    verb: int,
    rules: SpeakerRules,
    typed: list[Mention],
) -> bool:
    """A mention is the verb's subject if only determiners (and at most one modifier right
    before it: "A young survivor", "Youth representatives") precede it in its clause and
    only adverbs, further mentions or a comma-enclosed apposition stand before the verb,
    which is no passive ("participants were invited": they did not speak)."""
    start = clause_start(doc, sent, mention.start)
    before = [k for k in range(start, mention.start) if doc[k].lower_ not in rules.subject_prefix]
    if before and not (
        before == [mention.start - 1]
        and doc[mention.start - 1].is_alpha
        and doc[mention.start - 1].lower_ not in rules.modifier_stops
        and doc[mention.start - 1].lower_ not in rules.reporting_verbs
    ):
        return False
    if passive(doc, end, verb, rules):
        return False
    if any(m.kind == "pronoun" and end <= m.start < verb for m in typed):
        return False  # "Many delegations, [he] noted, ...": the pronoun is the subject
    if end < verb and doc[end].text == "," and doc[verb - 1].text == ",":
        return True
    covered = {k for m in typed for k in range(m.start, m.end)}
    depth = 0
    for k in range(end, verb):
        text = doc[k].text
        depth += (text == "(") - (text == ")")
        if depth > 0 or text == ")" or k in covered or doc[k].lower_ in rules.verb_gap:
            continue
        return False
    return True


def passive(doc: Doc, end: int, verb: int, rules: SpeakerRules) -> bool:
    """Whether the verb is a passive participle: a form of "be" right before it, with only
    adverbs between ("were invited", "was also given")."""
    k = verb - 1
    while k >= end and doc[k].lower_ in rules.verb_gap and doc[k].lower_ not in BE:
        k -= 1
    return k >= end and doc[k].lower_ in BE and doc[verb].lower_.endswith(("ed", "en"))


def complement(
    doc: Doc, end: int, verb: int, typed: list[Mention], rules: SpeakerRules
) -> tuple[int, Mention | None]:
    """Where a subject's "from/of/at ..." phrase ends before its verb, and the actor named
    in it: "An academic [from the University of X] stressed", "an academic from the
    Universidad de los Andes (Colombia) observed" (what stands in parentheses is not
    counted against `max_complement`)."""
    after = link_end(doc, end, rules)
    if after is None:
        return end, None
    depth, length = 0, 0
    for t in doc[end:verb]:
        depth += (t.text == "(") - (t.text == ")")
        length += depth == 0 and t.text != ")"
        if t.is_punct and t.text not in "()" and t.i >= after:
            return end, None
    if length > rules.max_complement:
        return end, None
    inside = [m for m in typed if after <= m.start and m.end <= verb]
    return verb, min(inside, key=lambda m: (m.start, -m.end), default=None)


def apposition(doc: Doc, end: int, verb: int, typed: list[Mention]) -> Mention | None:
    """The actor named in a comma-enclosed apposition: "Another speaker, [from a
    university in Brazil,] recommended"."""
    if not (end < verb - 1 and doc[end].text == "," and doc[verb - 1].text == ","):
        return None
    inside = [m for m in typed if end < m.start and m.end < verb]
    return min(inside, key=lambda m: (m.start, -m.end), default=None)


def phrase_verbs(sent: Span, rules: SpeakerRules) -> list[int]:
    """Where a reporting phrase starts ("took the floor"): its first word acts as the verb."""
    words = lowers(sent.doc)[sent.start : sent.end]
    return [
        sent.start + i
        for i in range(1, len(words))
        for p in rules.reporting_phrases
        if tuple(words[i : i + len(p)]) == p
    ]
