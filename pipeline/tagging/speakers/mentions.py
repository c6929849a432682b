"""Who an anaphor refers to: the speakers met so far, nearest first.

A speaker introduced with an affiliation ("a representative of X", "an academic from Y",
"Several speakers") becomes a *referent*: its type, whether it is a group, and its gender
where the text gives it (a title, or the first "she"/"he" that refers to it). An anaphor
("she", "he", "they", "the representative", "the same speaker", "the panellists", "the
latter") takes the nearest compatible referent: of its paragraph so far, then of the
previous paragraph of the same document (the resolver keeps those per document, so
nothing crosses into another one). A referent named again becomes the nearest.

- "she"/"he" and singular roles: a referent that is not a group, of the same gender or of
  none given (which the pronoun then gives it);
- "they" and plural roles: a group, or an organization or State (neither one person nor
  a group); else the nearest person ("The representative of X ... The panellists": those
  of the panel, of whom X's is the nearest); with no one spoken of, the generic
  participants;
- "the former": the second nearest person.

Reports of the floor ("It was noted that") are no referent: no pronoun refers to them.
"""

from __future__ import annotations

from dataclasses import dataclass

GROUP = "group"  # what a plural pronoun ("they") or role ("the panellists") asks for
PERSON = "person"  # what "she", "he", "the representative" ask for
FORMER = "former"  # the second nearest person


@dataclass(eq=False)
class Referent:
    """Someone anaphors may refer to. `group`: True for a group ("several speakers",
    "representatives of X"), False for one person, None for an organization or State
    named as the speaker (either); `gender`: "female", "male" or None (not given)."""

    type: str
    group: bool | None
    gender: str | None
    rule: str

    def fits(self, wants: str, gender: str | None) -> bool:
        if wants == GROUP:
            return self.group is not False
        if self.group is True:
            return False
        return gender is None or self.gender is None or self.gender == gender


class Discourse:
    """The referents of a paragraph so far, and of the previous paragraph of its
    document (`previous`, oldest first)."""

    def __init__(
        self, previous: tuple[Referent, ...] = (), group_type: str | None = "participant"
    ) -> None:
        self.previous = list(previous)
        self.current: list[Referent] = []
        self.group_type = group_type
        self.local: list[Referent] = []  # the sentence's own subjects before the anaphor

    def mention(self, referent: Referent) -> None:
        """A referent named (or referred to) now: it becomes the nearest."""
        if referent in self.current:
            self.current.remove(referent)
        self.current.append(referent)

    def nearest(self) -> list[Referent]:
        earlier = [r for r in reversed(self.previous) if r not in self.current]
        return [*reversed(self.local), *reversed(self.current), *earlier]

    def refer(self, wants: str, gender: str | None = None) -> Referent | None:
        """The referent an anaphor takes (see the module's docstring), or None."""
        if wants == FORMER:
            people = [r for r in self.nearest() if r.group is not True]
            return people[1] if len(people) > 1 else None
        found = next((r for r in self.nearest() if r.fits(wants, gender)), None)
        if found is None and wants == GROUP:  # no group: the nearest person spoken of
            found = next(iter(self.nearest()), None)
        if found is None and wants == GROUP and self.group_type is not None:
            return Referent(self.group_type, True, None, "speaker/generic_group")
        if found is not None and gender is not None and found.gender is None:
            found.gender = gender  # "The representative of X ... She": X's speaker is a she
        return found

    def referents(self) -> tuple[Referent, ...]:
        """What the next paragraph of the document may refer to."""
        return tuple(self.current)


@dataclass(frozen=True)
class Carried:
    """What a paragraph leaves to the next paragraph of its document: its referents (for
    the next paragraph's anaphors) and its last speaker (for a next paragraph that
    continues the statement without naming anyone: "In addition, ...")."""

    referents: tuple[Referent, ...] = ()
    last: str | None = None
