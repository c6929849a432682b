"""Who speaks: the speakers each sentence of a paragraph reports.

Speakers are the actors whose statement a sentence reports:

* a role construction names one wherever it stands before the report, after a verb of
  presenting, or in a list opened by a colon: "The representative of Small Arms Survey
  referred to ..." → academia, "... introduced by a researcher from Monash University" →
  academia, "A panel took the floor: an academic from X, a representative of Y, ...";
* otherwise the subject of a reporting verb, at the start of its clause: "Several
  speakers noted" → participant, "The Chair opened" → chair, "INTERPOL presented" → igo
  (not the subject of a passive: "participants were invited to ...");
* "He"/"She"/"They", "the panellist", "the same speaker", "the latter" take the nearest
  compatible speaker (in number, and in gender where the text gives it) of the paragraph,
  then of the previous paragraph of the same document (mentions.py);
* "According to one panellist, ..." attributes the sentence to the actor closing the
  opening phrase; "Speaking for X, one participant ..." gives its subject X's type;
* a subject followed by where it comes from ("An academic from the University of X",
  "Another speaker, representing an NGO,") takes the type of the actor named there;
* "It was noted that", "Reference was made to" report the floor (participant).
"""

from __future__ import annotations

from spacy.tokens import Doc, Span

from pipeline.tagging.speakers.affiliations import co_owners, link_end, role_owner
from pipeline.tagging.speakers.mentions import FORMER, GROUP, PERSON, Discourse, Referent
from pipeline.tagging.speakers.rules import Mention, Speaker, SpeakerRules
from pipeline.tagging.speakers.subjects import (
    apposition,
    clause_start,
    complement,
    impersonal,
    passive_report,
    phrase_verbs,
    subject_ok,
)
from pipeline.tagging.views import lowers, sentences

__all__ = ["paragraph_speakers", "sentence_speakers"]

INTRODUCING = ("by", "from", ":", "with")  # "... introduced by a researcher from X"


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
        elif (
            word in (rules.anaphoric_nouns or {})
            and i > sent.start
            and words[i - 1] in rules.anaphoric
        ):  # "the latter", "the former"
            found.append(Mention(i - 1, i + 1, "", "pronoun", f"speaker/anaphor/{word}"))
    return found


def _wants(doc: Doc, mention: Mention, rules: SpeakerRules) -> tuple[str, str | None]:
    """What an anaphor asks of its referent: (GROUP, PERSON or FORMER; a gender or None)."""
    word = doc[mention.end - 1].lower_
    kind = rules.pronouns.get(word) or (rules.anaphoric_nouns or {}).get(word)
    if kind in (GROUP, PERSON, FORMER):
        return kind, None
    if kind is not None:  # female, male
        return PERSON, kind
    return (GROUP if _plural(doc, mention) else PERSON), None


def _plural(doc: Doc, mention: Mention) -> bool:
    """Whether a role names a group ("representatives", "several speakers")."""
    return mention.rule.startswith("speaker/role/") and doc[mention.end - 1].lower_.endswith("s")


def _referent(doc: Doc, mention: Mention, kind: str, rule: str, rules: SpeakerRules) -> Referent:
    """A speaker named now: one person, a group, or (an organization or State) either."""
    group = _plural(doc, mention) if mention.kind == "role" else None
    gender = (rules.title_genders or {}).get(doc[mention.start].lower_)
    return Referent(kind, group, gender, rule)


def _resolve(
    mention: Mention, owner: Mention | None, doc: Doc, discourse: Discourse, rules: SpeakerRules
) -> Speaker | None:
    """The speaker a subject names: its owner's type, the referent of an anaphor (None
    when there is none), or its own type."""
    if owner is not None:
        start, end = min(mention.start, owner.start), max(mention.end, owner.end)
        rule = f"{mention.rule}+{owner.rule}"
        referent = _referent(doc, mention, owner.type, rule, rules)
        return Speaker(start, end, owner.type, rule, referent)
    if mention.kind == "pronoun":
        referent = discourse.refer(*_wants(doc, mention, rules))
        if referent is None:
            return None
        return Speaker(mention.start, mention.end, referent.type, mention.rule, referent)
    if mention.kind == "role":  # "the panellist(s)", "the same speaker", "these experts"
        start = mention.start
        while start > 0 and doc[start - 1].lower_ in rules.anaphoric and mention.start - start < 2:
            start -= 1
        if start < mention.start and link_end(doc, mention.end, rules) is None:
            # "the representative" refers back; "the representative of [a body the rules do
            # not know]" introduces someone new
            referent = discourse.refer(*_wants(doc, mention, rules))
            if referent is not None:
                return Speaker(start, mention.end, referent.type, "speaker/coreference", referent)
    referent = _referent(doc, mention, mention.type, mention.rule, rules)
    return Speaker(mention.start, mention.end, mention.type, mention.rule, referent)


def _attribution(
    doc: Doc,
    sent: Span,
    typed: list[Mention],
    roles: list[Mention],
    rules: SpeakerRules,
    discourse: Discourse,
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
            return _resolve(mention, owner, doc, discourse, rules)
    return None


def _affiliation(doc: Doc, sent: Span, typed: list[Mention], rules: SpeakerRules) -> Mention | None:
    """ "Speaking for a network of women-led organizations in West Africa, one participant
    ...", "Opening the dialogue on behalf of both Co-Chairs, Mr. X ...": the first actor
    an affiliation phrase of the opening (before its first comma) names, whom the
    sentence's subject speaks for."""
    words = lowers(doc)
    head = range(sent.start, min(sent.end, sent.start + 16))
    comma = next((k for k in head if words[k] == ","), None)
    if comma is None:
        return None
    at = next(
        (
            k + len(p)
            for k in range(sent.start, comma)
            for p in rules.affiliations
            if tuple(words[k : k + len(p)]) == p
        ),
        None,
    )
    inside = [m for m in typed if at is not None and at <= m.start and m.end <= comma]
    return min(inside, key=lambda m: (m.start, -m.end), default=None)


def _introduced(
    doc: Doc, sent: Span, role: Mention, owner: Mention, presenting: list[int], verbs: list[int]
) -> bool:
    """Whether a role construction introduces a speaker wherever it stands: after a verb
    of presenting, right after "by", "from", ":" or "with", in a list a colon opens after a
    report ("A panel took the floor: an academic from X, a representative of Y, ..."), or
    before "who" and a reporting verb ("... to a representative of X, who highlighted")."""
    before = [doc[k].lower_ for k in range(max(sent.start, role.start - 2), role.start)]
    colon = [t.i for t in doc[sent.start : role.start] if t.text == ":"]
    who = [t.lower_ for t in doc[owner.end : owner.end + 3]]
    return (
        any(p < role.start for p in presenting)
        or any(w in INTRODUCING for w in before)
        or any(v < c for c in colon for v in verbs + presenting)
        or (who[:1] == ["who"] and len(who) > 1 and doc[owner.end + 1].i in verbs)
        or (who[:2] == [",", "who"] and len(who) > 2 and doc[owner.end + 2].i in verbs)
    )


def sentence_speakers(
    sent: Span, typed: list[Mention], rules: SpeakerRules, discourse: Discourse
) -> list[Speaker]:
    """The speakers a sentence reports, given the speakers met so far (`discourse`)."""
    doc = sent.doc
    typed = [m for m in typed if sent.start <= m.start and m.end <= sent.end]
    special = impersonal(sent, rules)
    if special is not None:
        return [special]
    roles = _roles_and_pronouns(doc, sent, rules, typed)
    attributed = _attribution(doc, sent, typed, roles, rules, discourse)
    if attributed is not None:
        return [attributed]
    words = lowers(doc)
    span = range(sent.start, sent.end)
    verbs = [i for i in span if words[i] in rules.reporting_verbs and i > sent.start]
    verbs = sorted(verbs + phrase_verbs(sent, rules))
    presenting = [i for i in span if words[i] in rules.presenting_verbs]
    # "Its members were a representative of X, ...", "It brought together a researcher
    # from Y ...": a panel's composition, listed right after its verb
    listed = [r.start for r in roles if r.kind == "role"]
    presenting += [
        i
        for i in span
        if words[i] in rules.panel_verbs
        and any(words[k] in rules.panel_words for k in range(sent.start, i))
        and any(i < r <= i + 3 for r in listed)
    ]
    first_verb = verbs[0] if verbs else sent.end
    speakers: list[Speaker] = []
    reported = bool(verbs or presenting)  # "representatives of 27 States took part": no report
    for role in (r for r in roles if r.kind == "role" and reported):
        owner = role_owner(doc, role, typed, rules)
        if owner is None:
            continue
        if role.start < first_verb or _introduced(doc, sent, role, owner, presenting, verbs):
            speakers.append(_resolve(role, owner, doc, discourse, rules))  # type: ignore[arg-type]
            for other in co_owners(doc, owner, typed, rules):
                rule = f"{role.rule}+{other.rule}"
                referent = _referent(doc, role, other.type, rule, rules)
                speakers.append(Speaker(other.start, other.end, other.type, rule, referent))
    if speakers:
        return speakers
    role_starts = {r.start for r in roles}
    candidates = sorted(
        [m for m in typed if m.start not in role_starts or m.kind != "term"] + roles,
        key=lambda m: m.start,
    )
    speaks_for = _affiliation(doc, sent, typed, rules)
    subjects = _clause_subjects(doc, sent, roles, typed, rules)
    for verb in verbs:
        for mention in (m for m in candidates if m.end <= verb):
            if speaks_for is not None and mention.start < speaks_for.end:
                continue  # inside the opening "Speaking for X,"
            discourse.local = [r for at, r in subjects if at < mention.start]
            owner = role_owner(doc, mention, typed, rules) if mention.kind == "role" else None
            end = owner.end if owner else mention.end
            if owner is None and mention.kind in ("role", "term"):
                end, owner = complement(doc, end, verb, typed, rules)
                if owner is not None and owner.kind == "country" and mention.type != "participant":
                    owner = None
            if not subject_ok(doc, sent, mention, end, verb, rules, typed + roles):
                continue
            if owner is None and mention.kind == "role" and mention.type == "participant":
                owner = apposition(doc, end, verb, typed) or speaks_for
            speaker = _resolve(mention, owner, doc, discourse, rules)
            discourse.local = []
            if speaker is not None:
                return [
                    speaker,
                    *_conjoined(doc, mention, end, verb, candidates, typed, rules, discourse),
                ]
    floor = passive_report(sent, typed, rules)
    if floor is not None:
        return [floor]
    opening = _opening_view(doc, sent, roles, discourse, rules)
    return [opening] if opening else []


def _opening_view(
    doc: Doc, sent: Span, roles: list[Mention], discourse: Discourse, rules: SpeakerRules
) -> Speaker | None:
    """ "In her view, ...", "In their experience, ...": a sentence that reports no one but
    opens on whose view it gives (a pronoun between "In" and the first comma)."""
    if doc[sent.start].lower_ != "in":
        return None
    head = doc[sent.start : min(sent.end, sent.start + 6)]
    comma = next((t.i for t in head if t.text == ","), None)
    pronoun = next(
        (m for m in roles if m.kind == "pronoun" and comma is not None and m.end <= comma), None
    )
    return _resolve(pronoun, None, doc, discourse, rules) if pronoun is not None else None


def _clause_subjects(
    doc: Doc, sent: Span, roles: list[Mention], typed: list[Mention], rules: SpeakerRules
) -> list[tuple[int, Referent]]:
    """Role constructions that open a clause whatever follows them ("Several participants
    were concerned that ..., they felt"): what a later anaphor refers to, in the sentence
    and after it."""
    out = []
    for role in (r for r in roles if r.kind == "role"):
        start = clause_start(doc, sent, role.start)
        if any(doc[k].lower_ not in rules.subject_prefix for k in range(start, role.start)):
            continue
        if any(m.start == role.end and m.kind == "term" for m in typed):
            continue  # "Member companies": a modifier, not a person
        owner = role_owner(doc, role, typed, rules)
        anaphor = role.start > start and doc[role.start - 1].lower_ in rules.anaphoric
        if owner is None and anaphor and link_end(doc, role.end, rules) is None:
            continue  # "the panellist": an anaphor itself
        kind = owner.type if owner is not None else role.type
        out.append((role.start, _referent(doc, role, kind, role.rule, rules)))
    return out


def _conjoined(
    doc: Doc,
    head: Mention,
    end: int,
    verb: int,
    candidates: list[Mention],
    typed: list[Mention],
    rules: SpeakerRules,
    discourse: Discourse,
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
            speaker = _resolve(mention, owner, doc, discourse, rules)
            if speaker is not None and mention.kind != "pronoun":
                out.append(speaker)
    return out


def paragraph_speakers(
    doc: Doc, mentions: list[Mention], rules: SpeakerRules, discourse: Discourse | None = None
) -> list[tuple[Span, list[Speaker]]]:
    """Each sentence with the speakers it reports, resolving anaphors along the way to the
    speakers met so far: those of the paragraph, then those `discourse` holds of the
    previous paragraph of the same document. Every speaker named becomes the nearest
    referent of `discourse`, for the sentences and the paragraph that follow."""
    discourse = discourse if discourse is not None else Discourse()
    out: list[tuple[Span, list[Speaker]]] = []
    for sent in sentences(doc):
        speakers = sentence_speakers(sent, mentions, rules, discourse)
        # "A representative of the secretariat reviewed ... . He drew attention to ...":
        # whoever opens a clause is spoken of, though no reporting verb follows
        inside = [m for m in mentions if sent.start <= m.start and m.end <= sent.end]
        roles = _roles_and_pronouns(doc, sent, rules, inside)
        for at, referent in _clause_subjects(doc, sent, roles, inside, rules):
            if not any(sp.start <= at < sp.end for sp in speakers):
                discourse.mention(referent)
        for speaker in speakers:
            if speaker.referent is not None:
                discourse.mention(speaker.referent)
        out.append((sent, speakers))
    return out
