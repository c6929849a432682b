"""Who acts and who speaks in a paragraph.

Actors are every typed mention: a named organization or State, or a word that names an
actor type ("non-governmental organizations", "States parties"). Speakers are the actors
whose statement a sentence reports: the subject of its reporting verb ("The
representative of Small Arms Survey referred to ..." → academia). A role noun takes the
type of the actor named after it; a pronoun takes the last speaker of the paragraph.
"""

from __future__ import annotations

from dataclasses import dataclass

from spacy.tokens import Doc, Span

CLAUSE_BREAKS = {",", ";", ":", "(", ")"}
LINKS = {"of", "from", "for", "at", "with"}


@dataclass(frozen=True)
class Mention:
    """A typed mention: its token range, actor type, kind (org, country, term, role, pronoun)."""

    start: int
    end: int
    type: str
    kind: str
    rule: str


@dataclass(frozen=True)
class Speaker:
    start: int
    end: int
    type: str
    rule: str


@dataclass(frozen=True)
class SpeakerRules:
    reporting_verbs: frozenset[str]
    role_nouns: dict[str, str]  # role noun → the type it has when no actor follows
    pronouns: frozenset[str]
    impersonal: tuple[tuple[str, ...], ...]
    impersonal_type: str

    @classmethod
    def from_config(cls, cfg: dict) -> SpeakerRules:
        defaults = {"researcher": "academia", "researchers": "academia"}
        return cls(
            reporting_verbs=frozenset(v.lower() for v in cfg.get("reporting_verbs", [])),
            role_nouns={
                r.lower(): defaults.get(r.lower(), "participant") for r in cfg.get("role_nouns", [])
            },
            pronouns=frozenset(p.lower() for p in cfg.get("pronouns", [])),
            impersonal=tuple(tuple(p.lower().split()) for p in cfg.get("impersonal", [])),
            impersonal_type=cfg.get("impersonal_type", "participant"),
        )


def sentence_speakers(
    sent: Span, mentions: list[Mention], rules: SpeakerRules, last: str | None
) -> list[Speaker]:
    """The speakers a sentence reports (usually one), given the paragraph's last speaker."""
    words = [t.lower_ for t in sent[:4]]
    for phrase in rules.impersonal:
        if tuple(words[: len(phrase)]) == phrase:
            return [
                Speaker(
                    sent.start,
                    sent.start + len(phrase),
                    rules.impersonal_type,
                    "speaker/impersonal",
                )
            ]
    verb = next((t for t in sent if t.lower_ in rules.reporting_verbs and t.i > sent.start), None)
    if verb is None:
        return []
    window = [m for m in mentions if sent.start <= m.start and m.end <= verb.i]
    window += _roles_and_pronouns(sent.doc, sent.start, verb.i, rules, window)
    if not window:
        return []
    window.sort(key=lambda m: m.start)
    head = _subject_head(sent.doc, sent.start, verb.i, window)
    speakers = []
    for mention in _coordinated(sent.doc, head, window, verb.i):
        typed = _resolve(sent.doc, mention, window, rules, last)
        if typed is not None:
            speakers.append(typed)
    return speakers


def _roles_and_pronouns(
    doc: Doc, start: int, end: int, rules: SpeakerRules, typed: list[Mention]
) -> list[Mention]:
    covered = {i for m in typed for i in range(m.start, m.end)}
    found = []
    for token in doc[start:end]:
        if token.i in covered:
            continue
        if token.lower_ in rules.role_nouns:
            found.append(
                Mention(
                    token.i,
                    token.i + 1,
                    rules.role_nouns[token.lower_],
                    "role",
                    f"speaker/role/{token.lower_}",
                )
            )
        elif token.lower_ in rules.pronouns:
            found.append(Mention(token.i, token.i + 1, "", "pronoun", "speaker/pronoun"))
    return found


def _subject_head(doc: Doc, start: int, verb: int, window: list[Mention]) -> Mention:
    """The first mention after the last clause break that still has a mention after it."""
    breaks = [t.i for t in doc[start:verb] if t.text in CLAUSE_BREAKS]
    for cut in reversed(breaks):
        after = [m for m in window if m.start > cut]
        if after and not _inside_parenthesis(doc, cut, verb):
            return after[0]
    return window[0]


def _inside_parenthesis(doc: Doc, cut: int, verb: int) -> bool:
    return doc[cut].text == "(" and all(t.text != ")" for t in doc[cut:verb])


def _coordinated(doc: Doc, head: Mention, window: list[Mention], verb: int) -> list[Mention]:
    """The head and the mentions joined to it by 'and' ("The representatives of X and of Y")."""
    out = [head]
    for mention in window:
        if mention.start <= head.start or mention.kind == "pronoun":
            continue
        between = [t.lower_ for t in doc[out[-1].end : mention.start]]
        if between and between[0] in ("and", "as") and mention.kind in ("role",):
            out.append(mention)
    return out


def _resolve(
    doc: Doc, mention: Mention, window: list[Mention], rules: SpeakerRules, last: str | None
) -> Speaker | None:
    if mention.kind == "pronoun":
        return Speaker(mention.start, mention.end, last, "speaker/pronoun") if last else None
    if mention.kind == "role":
        nxt = mention.end
        while nxt < len(doc) and doc[nxt].lower_ in ("of", "from", "the", "a", "an", "one"):
            nxt += 1
        if nxt > mention.end and doc[mention.end].lower_ in LINKS:
            owner = next(
                (
                    m
                    for m in window
                    if m.kind != "role" and m.kind != "pronoun" and nxt <= m.start <= nxt + 3
                ),
                None,
            )
            if owner is not None:
                return Speaker(mention.start, owner.end, owner.type, f"{mention.rule}+{owner.rule}")
    return Speaker(mention.start, mention.end, mention.type, mention.rule)


def paragraph_speakers(
    doc: Doc, mentions: list[Mention], rules: SpeakerRules
) -> list[tuple[Span, list[Speaker]]]:
    """Each sentence with the speakers it reports, resolving pronouns along the way."""
    out: list[tuple[Span, list[Speaker]]] = []
    last: str | None = None
    for sent in doc.sents:
        speakers = sentence_speakers(sent, mentions, rules, last)
        if speakers:
            last = speakers[-1].type
        out.append((sent, speakers))
    return out
