"""Who speaks: the speakers each sentence of a paragraph reports.

Speakers are the actors whose statement a sentence reports:

* a role construction names one wherever it stands before the report, or after a verb
  of presenting: "The representative of Small Arms Survey referred to ..." → academia,
  "... introduced by a researcher from Monash University" → academia;
* otherwise the subject of a reporting verb, at the start of its clause: "Several
  speakers noted" → participant, "The Chair opened" → chair, "INTERPOL presented" → igo;
* "He"/"She"/"They", "the panellist" and "the same speaker" take the last speaker of the
  paragraph, or of the previous paragraph when the paragraph continues its statement
  ("She further recommended ...", "In addition, the speaker ...");
* "According to one panellist, ...", "Speaking on behalf of X, ..." attribute the sentence;
* a subject followed by where it comes from ("An academic from the University of X",
  "Another speaker, representing an NGO,") takes the type of the actor named there;
* "It was noted that", "Reference was made to" report the floor (participant).
"""

from __future__ import annotations

from spacy.tokens import Doc, Span

from pipeline.tagging.speakers.affiliations import co_owners, link_end, role_owner
from pipeline.tagging.speakers.rules import Mention, Speaker, SpeakerRules
from pipeline.tagging.views import lowers, sentences

__all__ = ["paragraph_speakers", "sentence_speakers"]

CLAUSE_BREAKS = {",", ";", ":"}


def _roles_and_pronouns(
    doc: Doc, sent: Span, rules: SpeakerRules, typed: list[Mention]
) -> list[Mention]:
    covered = {i for m in typed if m.kind in ("org", "country") for i in range(m.start, m.end)}
    found = []
    skip_to = sent.start
    words = lowers(doc)
    titles = rules.person_titles or {}
    for i in range(sent.start, sent.end):
        word = words[i]
        if i in covered or i < skip_to:
            continue
        if word in titles and i + 1 < sent.end and doc[i + 1].is_title:
            end = i + 1  # "Ms. Jane Doe": the title and the capitalized name after it
            while end < min(sent.end, i + 5) and doc[end].is_title and end not in covered:
                end += 1
            found.append(Mention(i, end, titles[word], "role", "speaker/person"))
            skip_to = end
        elif word in rules.role_nouns:
            found.append(Mention(i, i + 1, rules.role_nouns[word], "role", f"speaker/role/{word}"))
        elif word in rules.pronouns:
            found.append(Mention(i, i + 1, "", "pronoun", "speaker/pronoun"))
    return found


def _impersonal(sent: Span, rules: SpeakerRules) -> Speaker | None:
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


def _passive_report(sent: Span, typed: list[Mention], rules: SpeakerRules) -> Speaker | None:
    """'<something> was stressed/noted' with no agent: the floor's view."""
    for token in sent[1:]:
        if token.lower_ in rules.passive_verbs and token.nbor(-1).lower_ in ("was", "were"):
            agent = token.i + 1 < sent.end and token.nbor(1).lower_ == "by"
            subject_typed = any(m.start < token.i and m.kind in ("org", "country") for m in typed)
            if not agent and not subject_typed:
                return Speaker(token.i - 1, token.i + 1, rules.impersonal_type, "speaker/passive")
            return None
    return None


def _clause_start(doc: Doc, sent: Span, i: int) -> int:
    for j in range(i - 1, sent.start - 1, -1):
        if doc[j].text in CLAUSE_BREAKS:
            return j + 1
    return sent.start


def _subject_ok(
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
    only adverbs, further mentions or a comma-enclosed apposition stand before the verb."""
    start = _clause_start(doc, sent, mention.start)
    before = [k for k in range(start, mention.start) if doc[k].lower_ not in rules.subject_prefix]
    if before and not (
        before == [mention.start - 1]
        and doc[mention.start - 1].is_alpha
        and doc[mention.start - 1].lower_ not in rules.modifier_stops
        and doc[mention.start - 1].lower_ not in rules.reporting_verbs
    ):
        return False
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


def _resolve(
    mention: Mention,
    owner: Mention | None,
    doc: Doc,
    last: str | None,
    anaphoric: frozenset[str] = frozenset({"the"}),
) -> Speaker | None:
    if owner is not None:
        start, end = min(mention.start, owner.start), max(mention.end, owner.end)
        return Speaker(start, end, owner.type, f"{mention.rule}+{owner.rule}")
    if mention.kind == "pronoun":
        return Speaker(mention.start, mention.end, last, "speaker/pronoun") if last else None
    if mention.kind == "role" and last:  # "the panellist(s)", "the same speaker", "these experts"
        start = mention.start
        while start > 0 and doc[start - 1].lower_ in anaphoric and mention.start - start < 2:
            start -= 1
        if start < mention.start:
            return Speaker(start, mention.end, last, "speaker/coreference")
    return Speaker(mention.start, mention.end, mention.type, mention.rule)


def _attribution(
    doc: Doc,
    sent: Span,
    typed: list[Mention],
    roles: list[Mention],
    rules: SpeakerRules,
    last: str | None,
) -> Speaker | None:
    """ "According to one panellist, ...", "Speaking on behalf of a network of NGOs, ...":
    the actor that ends the opening phrase, right before its comma."""
    words = tuple(t.lower_ for t in sent[:6])
    phrase = next((p for p in rules.attributions if words[: len(p)] == p), None)
    if phrase is None:
        return None
    at = sent.start + len(phrase)
    comma = next((t.i for t in doc[at : min(sent.end, at + 10)] if t.text == ","), None)
    if comma is None:
        return None
    for mention in sorted(typed + roles, key=lambda m: (m.start, m.kind != "role", -m.end)):
        if not at <= mention.start < comma:
            continue
        owner = role_owner(doc, mention, typed, rules) if mention.kind == "role" else None
        if (owner.end if owner else mention.end) == comma:  # not "According to UNODC data,"
            return _resolve(mention, owner, doc, last, rules.anaphoric)
    return None


def _complement(
    doc: Doc, end: int, verb: int, typed: list[Mention], rules: SpeakerRules
) -> tuple[int, Mention | None]:
    """Where a subject's "from/of/at ..." phrase ends before its verb, and the actor named
    in it: "An academic [from the University of X] stressed"."""
    after = link_end(doc, end, rules)
    if after is None or verb - end > rules.max_complement:
        return end, None
    if any(t.is_punct and t.text not in "()" for t in doc[after:verb]):
        return end, None
    inside = [m for m in typed if after <= m.start and m.end <= verb]
    return verb, min(inside, key=lambda m: (m.start, -m.end), default=None)


def _apposition(doc: Doc, end: int, verb: int, typed: list[Mention]) -> Mention | None:
    """The actor named in a comma-enclosed apposition: "Another speaker, [from a
    university in Brazil,] recommended"."""
    if not (end < verb - 1 and doc[end].text == "," and doc[verb - 1].text == ","):
        return None
    inside = [m for m in typed if end < m.start and m.end < verb]
    return min(inside, key=lambda m: (m.start, -m.end), default=None)


def _phrase_verbs(sent: Span, rules: SpeakerRules) -> list[int]:
    """Where a reporting phrase starts ("took the floor"): its first word acts as the verb."""
    words = lowers(sent.doc)[sent.start : sent.end]
    return [
        sent.start + i
        for i in range(1, len(words))
        for p in rules.reporting_phrases
        if tuple(words[i : i + len(p)]) == p
    ]


def sentence_speakers(
    sent: Span, typed: list[Mention], rules: SpeakerRules, last: str | None
) -> list[Speaker]:
    """The speakers a sentence reports, given the last speaker so far."""
    doc = sent.doc
    typed = [m for m in typed if sent.start <= m.start and m.end <= sent.end]
    special = _impersonal(sent, rules)
    if special is not None:
        return [special]
    roles = _roles_and_pronouns(doc, sent, rules, typed)
    attributed = _attribution(doc, sent, typed, roles, rules, last)
    if attributed is not None:
        return [attributed]
    words = lowers(doc)
    span = range(sent.start, sent.end)
    verbs = [i for i in span if words[i] in rules.reporting_verbs and i > sent.start]
    verbs = sorted(verbs + _phrase_verbs(sent, rules))
    presenting = [i for i in span if words[i] in rules.presenting_verbs]
    first_verb = verbs[0] if verbs else sent.end
    speakers: list[Speaker] = []
    reported = bool(verbs or presenting)  # "representatives of 27 States took part": no report
    for role in (r for r in roles if r.kind == "role" and reported):
        owner = role_owner(doc, role, typed, rules)
        if owner is None:
            continue
        who = [t.lower_ for t in doc[owner.end : owner.end + 3]]
        introduced = (
            any(p < role.start for p in presenting)
            or (role.start > 0 and doc[role.start - 1].lower_ in ("by", "from", ":", "with"))
            or (role.start > 1 and doc[role.start - 2].lower_ in ("by", "from", ":", "with"))
            # "... gave the floor to a representative of X, who highlighted ..."
            or (who[:2] == [",", "who"] and len(who) > 2 and who[2] in rules.reporting_verbs)
            or (who[:1] == ["who"] and len(who) > 1 and who[1] in rules.reporting_verbs)
        )
        if role.start < first_verb or introduced:
            speakers.append(_resolve(role, owner, doc, last, rules.anaphoric))  # type: ignore[arg-type]
            for other in co_owners(doc, owner, typed, rules):
                speakers.append(
                    Speaker(other.start, other.end, other.type, f"{role.rule}+{other.rule}")
                )
    if speakers:
        return speakers
    role_starts = {r.start for r in roles}
    candidates = sorted(
        [m for m in typed if m.start not in role_starts or m.kind != "term"] + roles,
        key=lambda m: m.start,
    )
    for verb in verbs:
        for mention in (m for m in candidates if m.end <= verb):
            owner = role_owner(doc, mention, typed, rules) if mention.kind == "role" else None
            end = owner.end if owner else mention.end
            if owner is None and mention.kind in ("role", "term"):
                end, owner = _complement(doc, end, verb, typed, rules)
                if owner is not None and owner.kind == "country" and mention.type != "participant":
                    owner = None
            if not _subject_ok(doc, sent, mention, end, verb, rules, typed + roles):
                continue
            if owner is None and mention.kind == "role" and mention.type == "participant":
                owner = _apposition(doc, end, verb, typed)
            speaker = _resolve(mention, owner, doc, last, rules.anaphoric)
            if speaker is not None:
                return [
                    speaker,
                    *_conjoined(doc, mention, end, verb, candidates, typed, rules, last),
                ]
    passive = _passive_report(sent, typed, rules)
    return [passive] if passive else []


def _conjoined(
    doc: Doc,
    head: Mention,
    end: int,
    verb: int,
    candidates: list[Mention],
    typed: list[Mention],
    rules: SpeakerRules,
    last: str | None,
) -> list[Speaker]:
    """Further subjects joined by 'and': "Several panellists and representatives of X"."""
    out = []
    for mention in candidates:
        if mention.start < end or mention.end > verb:
            continue
        if doc[mention.start - 1].lower_ in ("and", "as") or (
            doc[mention.start - 1].lower_ == "of" and doc[mention.start - 2].lower_ == "and"
        ):
            owner = role_owner(doc, mention, typed, rules) if mention.kind == "role" else None
            speaker = _resolve(mention, owner, doc, last, rules.anaphoric)
            if speaker is not None and mention.kind != "pronoun":
                out.append(speaker)
    return out


def paragraph_speakers(
    doc: Doc, mentions: list[Mention], rules: SpeakerRules, previous: str | None = None
) -> list[tuple[Span, list[Speaker]]]:
    """Each sentence with the speakers it reports, resolving pronouns along the way;
    `previous` is the last speaker of the previous paragraph, followed when this one
    continues its statement (`SpeakerRules.continues`)."""
    out: list[tuple[Span, list[Speaker]]] = []
    last: str | None = previous if previous and rules.continues(doc) else None
    for sent in sentences(doc):
        speakers = sentence_speakers(sent, mentions, rules, last)
        if speakers:
            last = speakers[-1].type
        out.append((sent, speakers))
    return out
