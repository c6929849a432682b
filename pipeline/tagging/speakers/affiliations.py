"""Whom a role belongs to: "the representative of [INTERPOL]", "speakers representing
[NGOs]", "representatives of [a company], [the European Union] and [a Member State]", and
organizations named there that no gazetteer lists ("a representative of [Kids Against
Guns]"). Pure functions over a Doc and typed mentions (speaker_rules.py).
"""

from __future__ import annotations

from spacy.tokens import Doc

from pipeline.tagging.speakers.rules import Mention, SpeakerRules
from pipeline.tagging.views import lowers


def link_end(doc: Doc, i: int, rules: SpeakerRules) -> int | None:
    """The token after a link ("of", "from", "speaking on behalf of") starting at i."""
    words = lowers(doc)
    for link in rules.links:
        if tuple(words[i : i + len(link)]) == link:
            return i + len(link)
    return None


def role_owner(
    doc: Doc, role: Mention, typed: list[Mention], rules: SpeakerRules
) -> Mention | None:
    """The typed actor a role noun belongs to: "representative of [INTERPOL]",
    "speakers representing [NGOs]", "Ms. Doe ([Small Arms Survey])", "[INTERPOL]'s
    representative"."""
    if role.start > 1 and doc[role.start - 1].text in ("'s", "’s"):
        before = [m for m in typed if m.end == role.start - 1 and m.kind != "term"]
        if before:
            return before[0]
    after = link_end(doc, role.end, rules)
    j = role.end
    while (
        after is None
        and j < len(doc)
        and doc[j].lower_ in ("leader", "speaking", "representing")
        and j - role.end < 2
    ):
        j += 1
        after = link_end(doc, j, rules)
    if after is None:
        return None
    named = {k for m in typed if m.kind != "term" for k in range(m.start, m.end)}
    stop = next(  # a reporting verb, not a word of a name ("Liberty [Shared]")
        (
            t.i
            for t in doc[after : after + 6]
            if t.lower_ in rules.reporting_verbs and t.i not in named
        ),
        len(doc),
    )
    found = [m for m in typed if after <= m.start <= after + 4 and m.end <= stop]
    owner = min(found, key=lambda m: (m.start, -m.end), default=None)
    if owner is None:
        owner = _affiliation_noun(doc, after, stop, rules) or _apposed(doc, after, stop, typed)
    if owner is not None and owner.kind == "country" and role.type != "participant":
        return None  # "an academic from Brazil" stays academia
    if owner is not None and owner.kind == "term":  # "the secretariat of [FATF]"
        words = [t.lower_ for t in doc[owner.end : owner.end + 2]]
        skip = 2 if words == ["of", "the"] else 1 if words[:1] == ["of"] else 0
        named = next(
            (m for m in typed if m.kind == "org" and m.start == owner.end + skip and skip), None
        )
        owner = named or owner
    return owner


def _affiliation_noun(doc: Doc, after: int, stop: int, rules: SpeakerRules) -> Mention | None:
    """A body the owner phrase names by a word that tells its kind, not by its name: "a
    member of [a youth-led network] active in Central America" (actors.yaml
    `affiliation_nouns`)."""
    nouns = rules.affiliation_nouns or {}
    words = lowers(doc)
    for k in range(after, min(after + 5, stop, len(doc))):
        if words[k] in nouns:
            return Mention(after, k + 1, nouns[words[k]], "term", f"speaker/affiliation/{words[k]}")
        if doc[k].text in (",", ";", "(") or words[k] in rules.reporting_verbs:
            return None
    return None


def _apposed(doc: Doc, after: int, stop: int, typed: list[Mention]) -> Mention | None:
    """The kind of body an apposition gives an owner no gazetteer or name form types: "a
    representative of [borderline-europe], [a non-governmental organization] that ..."."""
    comma = next((t.i for t in doc[after : min(after + 8, stop)] if t.text == ","), None)
    if comma is None or comma + 2 >= len(doc) or doc[comma + 1].lower_ not in ("a", "an"):
        return None
    return next((m for m in typed if m.kind == "term" and m.start == comma + 2), None)


def affiliated(doc: Doc, mention: Mention, typed: list[Mention], rules: SpeakerRules) -> bool:
    """Whether a participant word is no unaffiliated participant: its affiliation follows
    ("participants, representing 43 NGOs", "three speakers: a representative of X"), or it
    describes a role ("recognized as experts")."""
    if mention.start > 0 and doc[mention.start - 1].lower_ == "as":
        return True
    nxt = doc[mention.end : mention.end + 2]
    if len(nxt) and nxt[0].text == ":":
        return True
    if len(nxt) == 2 and nxt[0].text == "," and link_end(doc, mention.end + 1, rules):
        shifted = Mention(mention.start, mention.end + 1, mention.type, "role", mention.rule)
        return role_owner(doc, shifted, typed, rules) is not None
    return role_owner(doc, mention, typed, rules) is not None


def unlisted_organizations(doc: Doc, typed: list[Mention], rules: SpeakerRules) -> list[Mention]:
    """Organizations named right after a role and its link but in no gazetteer: "a
    representative of [Kids Against Guns]", "a researcher from [KENNIS]". The name is a run
    of capitalized words (with "of", "for", "de"... between them); its type comes from a
    word of it (unlisted_organization_words) or is unlisted_organization_type."""
    covered = {i for m in typed for i in range(m.start, m.end)}
    out = []
    words_of_doc = lowers(doc)
    for i in (i for i, w in enumerate(words_of_doc) if w in rules.role_nouns):
        token = doc[i]
        start = link_end(doc, token.i + 1, rules)
        if start is None:
            continue
        if start < len(doc) and doc[start].lower_ == "the":
            start += 1
        end = _name_end(doc, start, rules)
        if end is None or any(
            k in covered and not _joined(doc, start, k) for k in range(start, end)
        ):
            continue
        after = end + 1 + (end + 1 < len(doc) and doc[end + 1].lower_ == "the")
        if end < len(doc) and doc[end].lower_ in ("at", "of", "in", "within") and after in covered:
            continue  # "Director of [Multilateral Affairs] at the Ministry of ...": a unit
        words = [t.lower_ for t in doc[start:end]]
        kind = next(
            (rules.unlisted_words[w] for w in words if w in (rules.unlisted_words or {})), None
        )
        if kind is None and rules.role_nouns[token.lower_] != "participant":
            kind = rules.role_nouns[token.lower_]  # "a researcher from [KENNIS]": academia
        out.append(
            Mention(start, end, kind or rules.unlisted_type, "org", "speaker/unlisted_organization")
        )
        covered |= set(range(start, end))
    return out


def _joined(doc: Doc, start: int, k: int) -> bool:
    """Whether token k of a name starting at `start` follows a hyphen that joins two of its
    words ("La Strada-[Ukraine]"): part of the name, not a mention of its own."""
    return any(
        doc[j].text == "-" and not doc[j].whitespace_ and not doc[j - 1].whitespace_
        for j in range(start + 1, k)
    )


def _name_end(doc: Doc, start: int, rules: SpeakerRules) -> int | None:
    """The end of a capitalized name starting at `start` (None if there is none)."""

    def capital(i: int) -> bool:
        t = doc[i]
        return i < len(doc) and t.is_alpha and (t.is_title or (t.is_upper and len(t) >= 2))

    if start >= len(doc) or not capital(start) or doc[start].is_stop:
        return None
    opens_generic = doc[start].lower_ in rules.not_names  # "International", "National"

    def connector(i: int) -> bool:
        return i < len(doc) and (
            doc[i].lower_ in rules.name_connectors or doc[i].text in ("-", "'s", "’s", "&")
        )

    end, capitals = start + 1, 1
    while end < len(doc):
        if capital(end):
            end, capitals = end + 1, capitals + 1
        elif connector(end) and end + 1 < len(doc) and capital(end + 1):
            end += 1
        elif connector(end) and connector(end + 1) and end + 2 < len(doc) and capital(end + 2):
            end += 2  # "Universidad de los Andes", "Office of the Prosecutor"
        else:
            break
    single = doc[start].is_upper and len(doc[start]) >= 3
    if opens_generic:  # "International cooperation" is none, "International X Academy" is
        return end if capitals >= 3 else None
    return end if capitals >= 2 or single else None


def co_owners(doc: Doc, owner: Mention, typed: list[Mention], rules: SpeakerRules) -> list[Mention]:
    """Further actors listed after a role's owner: "representatives of a technology company,
    [the European Union] and [a Member State]", "speakers of a State and of [civil society]"."""
    out: list[Mention] = []
    at = owner.end
    starts = {m.start: m for m in sorted(typed, key=lambda m: -m.end)}
    while at < len(doc):
        j = at
        while (
            j < len(doc)
            and j - at < 5
            and (
                doc[j].text == ","
                or doc[j].lower_ in ("and", "of", "as", "well")
                or (doc[j].lower_ in rules.subject_prefix and j + 1 < len(doc))
            )
        ):
            j += 1
        if (
            j == at
            or j not in starts
            or not any(doc[k].lower_ in (",", "and") for k in range(at, j))
            or (starts[j].end == j + 1 and doc[j].lower_ in rules.role_nouns)
        ):  # "..., an [academic] from X": a role of its own, not one more owner
            break
        out.append(starts[j])
        at = starts[j].end
    return out
