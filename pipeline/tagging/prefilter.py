"""The span rulers' token patterns, each tried only on a paragraph that holds its words.

spaCy's `Matcher` runs every token pattern over every token, and a `{"LOWER": {"IN":
[...]}}` test is a Python call per token and pattern: the lexicon's 27 token patterns
cost the tagger more than its 2,900 phrases. Most patterns need words most paragraphs
lack ("ministry", "institute", "cooperation" and "with"...). Each pattern here keeps, for
each of its tokens that must be present (no `?`, `*`, `!` or `{0,n}`), the set of
lower-case words its LOWER test accepts; a paragraph is matched against the patterns it
holds a word of each set for, by a Matcher of those patterns only. The Matcher still
applies every test (a token tested on anything but LOWER, or with anything but a list of
words, requires nothing here), so the matches are those of the one Matcher it replaces
(`SpanRuler.match` makes a sorted set of them either way).

`install(nlp)` puts one in each span ruler of a pipeline, built from the ruler's own
patterns (the saved tagger is unchanged: `spacy.load` alone gives the same spans, more
slowly).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from spacy.matcher import Matcher
from spacy.pipeline import SpanRuler

from pipeline.tagging.views import lowers

if TYPE_CHECKING:
    from spacy.language import Language
    from spacy.tokens import Doc
    from spacy.vocab import Vocab

MAX_MATCHERS = 1024  # Matchers kept, one per set of patterns a paragraph needs
QUANTIFIER = re.compile(r"\{\s*(\d*)\s*(?:,\s*\d*\s*)?\}")  # {n}, {n,m}, {n,}, {,m}


def required_words(pattern: list[dict[str, Any]]) -> list[frozenset[str]]:
    """For each token of `pattern` that must be present and whose LOWER is tested against
    words, the words it accepts (a paragraph without any of them cannot match)."""
    required = []
    for spec in pattern:
        if _may_be_absent(spec.get("OP")):
            continue
        for key, value in spec.items():
            if not isinstance(key, str) or key.upper() != "LOWER":
                continue
            if isinstance(value, str):
                required.append(frozenset([value]))
            elif (
                isinstance(value, dict)
                and set(value) == {"IN"}
                and isinstance(value["IN"], list)
                and all(isinstance(v, str) for v in value["IN"])
            ):
                required.append(frozenset(value["IN"]))
    return required


def _may_be_absent(op: Any) -> bool:
    """Whether a token with operator `op` may match no token, or match by not accepting
    its test ("!"); an operator of another form is taken to."""
    if op is None or op == "+":
        return False
    match = QUANTIFIER.fullmatch(op) if isinstance(op, str) else None
    return match is None or not match.group(1) or int(match.group(1)) == 0


class PrefilteredMatcher:
    """What a span ruler needs of a `Matcher` (`add`, `remove`, `len`, a call returning
    `(match_id, start, end)`): a paragraph is matched against only the patterns whose
    required words it holds, by a Matcher of those patterns (made once per set of
    patterns, and kept: a few dozen sets cover a corpus)."""

    def __init__(self, vocab: Vocab, validate: bool = False, **matcher_args: Any) -> None:
        self.vocab = vocab
        self.validate = validate
        self.matcher_args = matcher_args
        self.patterns: list[tuple[str, list[dict[str, Any]], list[frozenset[str]], dict]] = []
        self._matchers: dict[tuple[int, ...], Matcher] = {}

    def add(self, key: str, patterns: list[list[dict[str, Any]]], **kwargs: Any) -> None:
        for pattern in patterns:
            self.patterns.append((key, pattern, required_words(pattern), kwargs))
        self._matchers.clear()

    def remove(self, key: str) -> None:
        if key not in self:
            raise ValueError(f"no pattern {key!r}")
        self.patterns = [p for p in self.patterns if p[0] != key]
        self._matchers.clear()

    def __contains__(self, key: str) -> bool:
        return any(p[0] == key for p in self.patterns)

    def __len__(self) -> int:
        return len({p[0] for p in self.patterns})

    def __call__(self, doc: Doc) -> list[tuple[int, int, int]]:
        words = set(lowers(doc))
        chosen = tuple(
            i
            for i, (_, _, required, _) in enumerate(self.patterns)
            if all(not words.isdisjoint(w) for w in required)
        )
        if not chosen:
            return []
        matcher = self._matchers.get(chosen)
        if matcher is None:
            if len(self._matchers) >= MAX_MATCHERS:
                self._matchers.clear()
            matcher = self._matchers[chosen] = self._matcher(chosen)
        return list(matcher(doc))

    def _matcher(self, chosen: tuple[int, ...]) -> Matcher:
        matcher = Matcher(self.vocab, validate=self.validate, **self.matcher_args)
        for i in chosen:
            key, pattern, _, kwargs = self.patterns[i]
            matcher.add(key, [pattern], **kwargs)
        return matcher


def install(nlp: Language) -> Language:
    """Each span ruler of `nlp` matches its token patterns with a `PrefilteredMatcher`
    built from its own patterns (after loading: `SpanRuler.from_disk` makes a new Matcher)."""
    for _, pipe in nlp.pipeline:
        if isinstance(pipe, SpanRuler):
            matcher = PrefilteredMatcher(
                nlp.vocab, validate=pipe.validate, fuzzy_compare=pipe.matcher_fuzzy_compare
            )
            for entry in _token_patterns(pipe.patterns):
                label = repr((entry["label"], entry.get("id", "")))  # as SpanRuler keys them
                matcher.add(label, [entry["pattern"]])
            pipe.matcher = matcher  # type: ignore[assignment]
    return nlp


def _token_patterns(patterns: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    return [p for p in patterns if isinstance(p["pattern"], list)]
