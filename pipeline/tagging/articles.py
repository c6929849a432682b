"""Article references: "article 8, paragraph 1 (b), of the Firearms Protocol", "art. 8",
"articles 7 and 8", "articles 10 to 11", "UNTOC art. 24" → `instrument:number` labels.

The instrument is the one named right after the reference ("of the Arms Trade Treaty")
or right before it ("UNTOC art. 24", "the Protocol's article 5"); the bare "the
Protocol", "its" or nothing at all mean the Protocol of the document's working group.
Pure functions over text, so they are easy to test and to reuse outside spaCy.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

NUM = r"\d{1,3}(?:\s*bis|\s*ter)?"
SUB = r"(?:\s*\((?:[a-z]{1,4}|\d{1,2}|[ivx]{1,5}|[^()]{3,40})\))*"
PARA = rf"(?:,?\s+(?:paragraphs?|paras?\.)\s+{NUM}{SUB}(?:\s*(?:,|and|or|to)\s*{NUM}{SUB})*,?)?"
ITEM = rf"{NUM}{SUB}{PARA}"
REFERENCE = re.compile(
    rf"\b(?P<word>[Aa]rticles?|[Aa]rts?\.)\s+(?P<items>{ITEM}(?:\s*(?:,\s*and|,|and|or|to|-|–)\s*{ITEM})*)"
)
BARE_PROTOCOL = "@protocol"
MAX_RANGE = 40


@dataclass(frozen=True)
class ArticleRef:
    instrument: str
    article: str
    start: int
    end: int
    rule: str

    @property
    def label(self) -> str:
        return f"{self.instrument}:{self.article}"


class InstrumentNames:
    """Regular expressions for instrument names, longest first (data: articles.yaml)."""

    def __init__(self, instruments: dict[str, list[str]]) -> None:
        names = [(name, inst) for inst, ns in instruments.items() for name in ns]
        names += [("Protocol", BARE_PROTOCOL), ("Protocols", BARE_PROTOCOL)]
        names.sort(key=lambda item: -len(item[0]))
        self.owner = {name.lower(): inst for name, inst in names}
        alternation = "|".join(re.escape(name) for name, _ in names)
        self.after = re.compile(
            rf"^\s*,?\s*(?:of|under|in|to)\s+(?:the\s+|its\s+|that\s+|this\s+)?(?P<name>{alternation})\b"
            rf"(?P<tail>\s+(?:on|against|relating\s+to|for)\s+(?:the\s+)?[A-Z])?"
        )
        self.before = re.compile(rf"(?:the\s+)?(?P<name>{alternation})(?:'s|’s)?\s*(?:\(\s*)?$")

    def resolve(self, name: str, tail: str | None) -> str:
        inst = self.owner[name.lower()]
        # "the Protocol on X" / "the Convention on Y": another instrument of that name
        if (
            tail
            and inst in (BARE_PROTOCOL, "convention")
            and name.lower() in ("protocol", "protocols", "convention")
        ):
            return "other"
        return inst


def _numbers(items: str) -> list[str]:
    """Article numbers of the list part of a reference, ranges expanded."""
    cleaned = re.sub(
        r",?\s+(?:paragraphs?|paras?\.)\s+"
        + NUM
        + SUB
        + rf"(?:\s*(?:,|and|or|to)\s*{NUM}{SUB})*,?",
        " ",
        items,
    )
    cleaned = re.sub(r"\([^()]*\)", " ", cleaned)
    numbers: list[str] = []
    tokens = re.findall(r"\d{1,3}|to|-|–", cleaned)
    i = 0
    while i < len(tokens):
        token = tokens[i]
        if (
            token in ("to", "-", "–")
            and numbers
            and i + 1 < len(tokens)
            and tokens[i + 1].isdigit()
        ):
            low, high = int(numbers[-1]), int(tokens[i + 1])
            if low < high <= low + MAX_RANGE:
                numbers.extend(str(n) for n in range(low + 1, high + 1))
            else:
                numbers.append(tokens[i + 1])
            i += 2
            continue
        if token.isdigit():
            numbers.append(str(int(token)))
        i += 1
    return list(dict.fromkeys(numbers))


def find_articles(text: str, names: InstrumentNames, protocol: str | None) -> list[ArticleRef]:
    """Every article reference in `text`; `protocol` is what "the Protocol" means here."""
    refs: list[ArticleRef] = []
    default = protocol or "convention"
    for match in REFERENCE.finditer(text):
        end = match.end()
        after = names.after.match(text[end : end + 200])
        before = names.before.search(text[max(0, match.start() - 80) : match.start()])
        if after:
            instrument = names.resolve(after.group("name"), after.group("tail"))
            rule, end = "article/named_after", end + after.end("name")
        elif before:
            instrument = names.resolve(before.group("name"), None)
            rule = "article/named_before"
        else:
            instrument, rule = BARE_PROTOCOL, "article/document_protocol"
        if instrument == BARE_PROTOCOL:
            instrument = default
        for number in _numbers(match.group("items")):
            refs.append(ArticleRef(instrument, number, match.start(), end, rule))
    return refs
