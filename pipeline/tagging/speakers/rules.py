"""The speaker rules' data: typed mentions, speakers, and the rules read from
`taxonomy/actors.yaml` (`speaker:`, with the reporting verbs of `reporting.yaml`), shared
by actors.py and affiliations.py."""

from __future__ import annotations

from dataclasses import dataclass

from spacy.tokens import Doc

from pipeline.tagging.speakers.mentions import Referent


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
    """A speaker a sentence reports, and the referent it is (None: the floor, which no
    anaphor refers to)."""

    start: int
    end: int
    type: str
    rule: str
    referent: Referent | None = None


@dataclass(frozen=True)
class SpeakerRules:
    reporting_verbs: frozenset[str]
    presenting_verbs: frozenset[str]
    passive_verbs: frozenset[str]
    role_nouns: dict[str, str]  # role noun → the type it has when no actor follows
    links: tuple[tuple[str, ...], ...]
    pronouns: dict[str, str]  # pronoun → what it refers to: female, male or group
    subject_prefix: frozenset[str]
    verb_gap: frozenset[str]
    impersonal: tuple[tuple[str, ...], ...]
    impersonal_type: str
    attributions: tuple[tuple[str, ...], ...] = ()
    anaphoric: frozenset[str] = frozenset({"the"})
    continuations: tuple[tuple[str, ...], ...] = ()
    max_complement: int = 8
    person_titles: dict[str, str] | None = None  # title → type of the person it names
    unlisted_type: str = "ngo"  # an organization named after a role, in no gazetteer
    unlisted_words: dict[str, str] | None = None  # a word of its name → its type
    name_connectors: frozenset[str] = frozenset()
    not_names: frozenset[str] = frozenset()
    reporting_phrases: tuple[tuple[str, ...], ...] = ()
    modifier_stops: frozenset[str] = frozenset()  # before a mention: an object, no subject
    anaphoric_nouns: dict[str, str] | None = None  # "the latter" → person, "the former" → former
    title_genders: dict[str, str] | None = None  # "Ms." → female
    affiliations: tuple[tuple[str, ...], ...] = ()  # "Speaking for X, one participant ..."
    group_fallback: bool = True  # "they" with no group refers to the generic participants
    affiliation_nouns: dict[str, str] | None = None  # "a member of a youth-led [network]"
    panel_words: frozenset[str] = frozenset()  # "[Its members] were a representative of X"
    panel_verbs: frozenset[str] = frozenset()

    @classmethod
    def from_config(cls, cfg: dict) -> SpeakerRules:
        def words(key: str) -> frozenset[str]:
            return frozenset(w.lower() for w in cfg.get(key, []))

        role_types = {k.lower(): v for k, v in (cfg.get("role_types") or {}).items()}
        return cls(
            reporting_verbs=words("reporting_verbs"),
            presenting_verbs=words("presenting_verbs"),
            passive_verbs=words("passive_verbs"),
            role_nouns={
                r.lower(): role_types.get(r.lower(), "participant")
                for r in cfg.get("role_nouns", [])
            },
            links=tuple(
                sorted(
                    (tuple(p.lower().split()) for p in cfg.get("links", ["of"])),
                    key=len,
                    reverse=True,
                )
            ),
            pronouns={k.lower(): v for k, v in (cfg.get("pronouns") or {}).items()},
            subject_prefix=words("subject_prefix"),
            verb_gap=words("verb_gap"),
            impersonal=tuple(tuple(p.lower().split()) for p in cfg.get("impersonal", [])),
            impersonal_type=cfg.get("impersonal_type", "participant"),
            attributions=_phrases(cfg.get("attributions", [])),
            anaphoric=frozenset(w.lower() for w in cfg.get("anaphoric", ["the"])),
            continuations=_phrases(cfg.get("continuations", [])),
            max_complement=int(cfg.get("max_complement", 8)),
            person_titles={
                t.lower(): role_types.get(t.lower(), "participant")
                for t in cfg.get("person_titles", [])
            },
            unlisted_type=cfg.get("unlisted_organization_type", "ngo"),
            unlisted_words={
                k.lower(): v for k, v in (cfg.get("unlisted_organization_words") or {}).items()
            },
            name_connectors=words("name_connectors"),
            not_names=words("not_names"),
            reporting_phrases=_phrases(cfg.get("reporting_phrases", [])),
            modifier_stops=words("modifier_stops"),
            anaphoric_nouns={k.lower(): v for k, v in (cfg.get("anaphoric_nouns") or {}).items()},
            title_genders={k.lower(): v for k, v in (cfg.get("title_genders") or {}).items()},
            affiliations=_phrases(cfg.get("affiliations", [])),
            group_fallback=bool(cfg.get("group_fallback", True)),
            panel_words=words("panel_words"),
            panel_verbs=words("panel_verbs"),
            affiliation_nouns={
                k.lower(): v for k, v in (cfg.get("affiliation_nouns") or {}).items()
            },
        )

    def continues(self, doc: Doc) -> bool:
        """Whether a paragraph opens by continuing the previous one's statement."""
        words = tuple(t.lower_ for t in doc[:6])
        return any(words[: len(p)] == p for p in self.continuations)


def _phrases(items: list[str]) -> tuple[tuple[str, ...], ...]:
    return tuple(sorted((tuple(p.lower().split()) for p in items), key=len, reverse=True))
