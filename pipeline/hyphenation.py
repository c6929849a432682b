"""Joining the lines of a paragraph: spaces, line-end hyphens and broken URLs.

A hyphen at a line end is either the typesetter's (manufac- | turing) or the word's own
(non- | governmental, self- | assessment). The choice is made with evidence, in order:
how the document itself writes the word elsewhere, then how often English writes the
joined and the hyphenated form (wordfreq), never by a blanket rule.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pipeline.knowledge.taxonomy import Taxonomy

WORD_RE = re.compile(r"[^\W\d_]+(?:[-‐][^\W\d_]+)*", re.UNICODE)
TRAILING_FRAGMENT = re.compile(r"([^\W\d_]+)[-‐]$", re.UNICODE)
LEADING_WORD = re.compile(r"^([^\W\d_]+)", re.UNICODE)
URL_TAIL = re.compile(r"(?:https?://|www\.)\S*$", re.IGNORECASE)
CLOSED_HYPHEN = re.compile(r"[”’\")\]][-‐]$")
SUSPENDING = {"and", "or", "nor", "to"}
SOFT_HYPHEN = "\u00ad"
SENTENCE_END = re.compile(r"(?:^\s*|[.!?:][”’\")\]]*\s+)[“‘\"(\[]*$")
SPACES = re.compile(r"[ \t]+")


@lru_cache(maxsize=65536)
def zipf(word: str) -> float:
    """How common `word` is in English (0 = unknown, 7 = 'the').

    wordfreq is imported on first use: loading it costs half a second, which a rerun that
    reads every document from the cache should not pay."""
    from wordfreq import zipf_frequency

    return zipf_frequency(word, "en")


@dataclass(frozen=True)
class WordKnowledge:
    """What the taxonomy says about words at line ends: prefixes whose hyphen is the word's
    own and compounds written with their hyphen (taxonomy/hyphenation.yaml); single-word
    names from the gazetteers ("Europol", "Türkiye"), which wordfreq does not know but which
    are never split words; and the hyphenated words of gazetteer names ("Co-operation" in
    the OSCE's), kept where a capital shows the name."""

    keep_prefixes: frozenset[str] = frozenset()
    names: frozenset[str] = frozenset()
    compounds: frozenset[str] = frozenset()
    name_compounds: frozenset[str] = frozenset()

    @classmethod
    def from_taxonomy(cls, taxonomy: Taxonomy) -> WordKnowledge:
        return cls(
            taxonomy.keep_prefixes,
            taxonomy.known_names,
            taxonomy.keep_compounds,
            taxonomy.hyphenated_names,
        )


@dataclass
class Vocabulary:
    """Word forms a document uses inside lines, where no typesetter touched them."""

    counts: Counter[str] = field(default_factory=Counter)
    known: WordKnowledge = field(default_factory=WordKnowledge)

    @classmethod
    def from_lines(cls, texts: Iterable[str], known: WordKnowledge | None = None) -> Vocabulary:
        counts: Counter[str] = Counter()
        for text in texts:
            words = WORD_RE.findall(text)
            if text.rstrip().endswith(("-", "‐")) and words:
                words = words[:-1]  # the fragment before a line-end hyphen is no evidence
            counts.update(word.lower() for word in words)
        return cls(counts, known or WordKnowledge())

    def count(self, word: str) -> int:
        return self.counts.get(word.lower(), 0)

    def has_inflection(self, joined: str, left: str) -> bool:
        """Whether the document writes another form of `joined` unbroken ("typology" for
        "typo-logies"): a word sharing all but its last three letters, past the hyphen."""
        stem = joined.lower()[: max(len(joined) - 3, len(left) + 2)]
        return len(stem) >= 5 and any(
            w.startswith(stem) and "-" not in w for w in self.counts if len(w) >= len(stem)
        )


def keep_hyphen(
    left: str, right: str, vocab: Vocabulary, min_zipf: float, starts_sentence: bool = False
) -> bool:
    """Whether `left-` at a line end followed by `right` is a hyphenated word.

    `starts_sentence`: `left` opens a sentence, so its capital says nothing of a name."""
    if not right or right[0].isupper() or right[0].isdigit():
        return True
    joined, hyphenated = f"{left}{right}", f"{left}-{right}"
    if (
        left[0].isupper()
        and not starts_sentence
        and hyphenated.lower() in vocab.known.name_compounds
    ):
        return True  # part of a name: "Security and Co-|operation in Europe"
    in_doc_joined, in_doc_hyphenated = vocab.count(joined), vocab.count(hyphenated)
    if in_doc_joined != in_doc_hyphenated:
        return in_doc_hyphenated > in_doc_joined
    if left.lower() in vocab.known.keep_prefixes or hyphenated.lower() in vocab.known.compounds:
        return True
    z_joined = zipf(joined.lower())
    # a joined form English writes this often is the word, however uncommon: "concealment",
    # "acceded", "marketplaces" (params.yaml segment.hyphen_min_zipf, 2.5)
    if z_joined >= min_zipf or joined.lower() in vocab.known.names:
        return False
    if vocab.has_inflection(joined, left):
        return False
    # The joined form is rare or unknown: a known word before the hyphen and a right
    # part more common than the joined form read as a compound ("sex-disaggregated",
    # "child-sensitive"); anything else is one word split in two ("typo-logies").
    return zipf(left.lower()) >= 3.0 and zipf(right.lower()) > max(z_joined, 1.5)


def join_pair(prev: str, nxt: str, vocab: Vocabulary, min_zipf: float) -> str:
    """`prev` and `nxt` (two consecutive lines of one paragraph) as one string."""
    prev, nxt = prev.rstrip(), nxt.lstrip()
    if not prev:
        return nxt
    if not nxt:
        return prev
    if prev.endswith(SOFT_HYPHEN):
        return prev[:-1] + nxt
    tail = prev[-300:]  # the regexes look at the end only; never rescan a long paragraph
    url = URL_TAIL.search(tail.rsplit(None, 1)[-1])
    if url and _continues_url(url.group(0), nxt):
        return prev + nxt
    if CLOSED_HYPHEN.search(tail):  # “buy, build, shoot”-|kits
        return prev + nxt
    fragment = TRAILING_FRAGMENT.search(tail[-80:])
    if fragment and not prev.endswith((" -", " ‐")):
        leading = LEADING_WORD.match(nxt)
        right = leading.group(1) if leading else ""
        if _suspended(fragment.group(1), right, min_zipf):
            return f"{prev} {nxt}"  # "gender- and child-sensitive": the hyphen waits
        before = prev[: len(prev) - len(fragment.group(0))]
        if keep_hyphen(fragment.group(1), right, vocab, min_zipf, _opens_sentence(before)):
            return prev + nxt
        return prev[:-1] + nxt
    return f"{prev} {nxt}"


def _opens_sentence(before: str) -> bool:
    """Whether a word preceded by `before` (the text up to it) opens a sentence: nothing
    before it, or a sentence mark (and closing quotes or brackets) then space, then
    perhaps an opening quote or bracket."""
    return SENTENCE_END.search(before) is not None


def _suspended(left: str, right: str, min_zipf: float) -> bool:
    """A hyphen left hanging before a conjunction ("gender- and age-sensitive"), not a word
    split before a syllable that happens to be one ("pho-|to")."""
    return right.lower() in SUSPENDING and zipf(f"{left}{right}".lower()) < min_zipf


def _continues_url(url: str, nxt: str) -> bool:
    head = nxt.split(None, 1)[0]
    path_like = head.count("/") >= 2 or ("/" in head and any(c in head for c in ".-_=?&#%"))
    if (len(head) > 1 and head.startswith(("-", "_"))) or (path_like and head[0] != "/"):
        return True  # a URL broken inside a word: "organized-crime/revie|w-mechanism/..."
    if not nxt[0].isalnum():
        return False
    if url.endswith("."):
        return nxt[0].islower()
    return url.endswith(("/", "_", "-", "=", "?", "&", "#", "%"))


def join_lines(texts: list[str], vocab: Vocabulary, min_zipf: float = 2.5) -> str:
    """The lines of one paragraph as one clean string."""
    out = ""
    for text in texts:
        out = join_pair(out, text, vocab, min_zipf) if out else text.strip()
    return SPACES.sub(" ", out).strip()
