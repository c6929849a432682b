"""The words of the report's search index and their postings (pipeline.report_search).

Words are analysed the same way on both sides (`analyze` here, `analyze` in
`templates/search.js`): lower case, accents folded (NFKD, marks dropped), split into runs
of letters and digits, Lunr's English stop words dropped, the rest stemmed by the Porter
stemmer (lunr.py's here; in the browser the `stemmer` package of npm, vendored in
`templates/vendor/`: both follow Martin Porter's reference implementation, and the browser
test checks they agree on every word of the sample corpus). Positions count every word,
stop words included, so a quoted phrase is matched word by word from the postings.

A posting carries its row (delta-coded), its BM25 weight (k1 1.2, b 0.75, as Lunr's;
times 10, rounded) and its positions (delta-coded). Each document's analysed words are
cached (`RowTerms`), so adding a document analyses that document's words only.
"""

from __future__ import annotations

import json
import re
import sys
import unicodedata
from array import array
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from itertools import pairwise
from typing import Any

import numpy as np
from lunr.stemmer import PorterStemmer
from lunr.stop_word_filter import WORDS as STOP_WORDS

from pipeline.cache import DocCache, digest

WORD = re.compile(r"[^\W_]+")  # a run of letters and digits: [\p{L}\p{N}]+ in search.js
K1, B = 1.2, 0.75
POSTINGS_CHUNK = 1_000_000  # words whose postings are built at once


# -- words ---------------------------------------------------------------------------------


@cache
def _marks() -> re.Pattern[str]:
    """Every combining mark (Unicode category M): `\\p{M}` in search.js."""
    ranges, start = [], None
    for code in range(sys.maxunicode + 2):
        mark = code <= sys.maxunicode and unicodedata.category(chr(code))[0] == "M"
        if mark and start is None:
            start = code
        elif not mark and start is not None:
            ranges.append(f"{re.escape(chr(start))}-{re.escape(chr(code - 1))}")
            start = None
    return re.compile(f"[{''.join(ranges)}]")


def fold(text: str) -> str:
    """Lower case without accents: "Côte d'Ivoire" → "cote d'ivoire"."""
    lower = text.lower()
    return lower if lower.isascii() else _marks().sub("", unicodedata.normalize("NFKD", lower))


@cache
def stem(word: str) -> str:
    return PorterStemmer().stem(word)


def analyze(text: str) -> list[tuple[int, str]]:
    """(position, term) of each word that is not a stop word; positions count every word."""
    return [
        (position, stem(word))
        for position, word in enumerate(WORD.findall(fold(text)))
        if word not in STOP_WORDS
    ]


# -- postings ----------------------------------------------------------------------------


@dataclass(frozen=True)
class RowTerms:
    """The analysed words of consecutive rows (one document's): its vocabulary, and per
    word its term (index into the vocabulary) and position; per row, how many words."""

    vocabulary: list[str]
    term: np.ndarray
    position: np.ndarray
    lengths: np.ndarray

    @classmethod
    def of(cls, texts: list[str]) -> RowTerms:
        vocabulary: dict[str, int] = {}
        term, position = array("i"), array("i")  # 4 bytes a value, not a Python int's 32
        lengths = []
        for text in texts:
            analyzed = analyze(text)
            lengths.append(len(analyzed))
            position.extend([at for at, _ in analyzed])
            term.extend([vocabulary.setdefault(word, len(vocabulary)) for _, word in analyzed])
        return cls(
            list(vocabulary),
            np.frombuffer(term, dtype=np.int32),
            np.frombuffer(position, dtype=np.int32),
            np.asarray(lengths, dtype=np.int64),
        )

    def to_json(self) -> str:
        return json_text({k: v if k == "vocabulary" else v.tolist() for k, v in vars(self).items()})

    @classmethod
    def from_json(cls, text: str) -> RowTerms:
        value = json.loads(text)
        arrays = {k: np.asarray(v, dtype=np.int32) for k, v in value.items() if k != "vocabulary"}
        arrays["lengths"] = arrays["lengths"].astype(np.int64)
        return cls(value["vocabulary"], **arrays)


def row_terms(texts: list[str], cache: DocCache | None) -> RowTerms:
    """`RowTerms.of(texts)`, from the cache when these texts were analysed before (a
    document's rows: adding a document analyses that document's words only)."""
    key = _terms_key(texts)
    cached = cache.get_text(key, "terms.json") if cache else None
    if cached is not None:
        return RowTerms.from_json(cached)
    found = RowTerms.of(texts)
    if cache is not None:
        cache.put_text(key, "terms.json", found.to_json())
    return found


def keep_row_terms(texts: list[str], documents: list[int], cache: DocCache) -> None:
    """Keep each document's analysed words in the cache (unread) on a run whose index came
    whole from the cache: pruned, the next new document would analyse the corpus again."""
    first = 0
    for count in documents:
        cache.keep(_terms_key(texts[first : first + count]), "terms.json")
        first += count


def _terms_key(texts: list[str]) -> str:
    return digest("row_terms", texts)


def postings(
    texts: list[str], documents: list[int] | None = None, cache: DocCache | None = None
) -> Iterator[tuple[str, str]]:
    """(term, JSON of its postings) in the browser's term order: per row having the term,
    [row delta, weight, number of positions, position deltas...], flattened. `documents`:
    how many consecutive rows each document has (analysed, and cached, per document).

    Built with numpy over every (term, row, position) of the corpus at once: a Python list
    per posting held gigabytes and most of the stage's time at two thousand documents."""
    vocabulary: dict[str, int] = {}
    term_ids, positions = [np.zeros(0, np.int32)], [np.zeros(0, np.int32)]
    lengths = [np.zeros(0, np.int64)]
    first = 0
    for count in documents if documents is not None else [len(texts)]:
        part = row_terms(texts[first : first + count], cache)
        first += count
        ids = [vocabulary.setdefault(term, len(vocabulary)) for term in part.vocabulary]
        term_ids.append(np.asarray(ids, dtype=np.int32)[part.term])
        positions.append(part.position)
        lengths.append(part.lengths)
    row_lengths = np.concatenate(lengths)
    terms = sorted(vocabulary, key=_utf16)
    rank = np.empty(len(terms), dtype=np.int32)
    rank[[vocabulary[term] for term in terms]] = np.arange(len(terms))
    term_rank = rank[np.concatenate(term_ids)]
    position = np.concatenate(positions)
    del term_ids, positions  # memory: the corpus's words are held once, in 4-byte values
    row = np.repeat(np.arange(len(row_lengths), dtype=np.int32), row_lengths)
    chunks = _postings_by_term(term_rank, row, position, row_lengths)
    for term, flat in zip(terms, chunks, strict=True):  # one term's text at a time
        yield term, f"[{json_text(term)},[{','.join(map(str, flat.tolist()))}]]"


def _postings_by_term(
    term: np.ndarray, row: np.ndarray, position: np.ndarray, lengths: np.ndarray
) -> Iterator[np.ndarray]:
    """Each term's postings in rank order (ranks 0..k-1, each with at least one word;
    `row` and `position` in reading order), built a chunk of about `POSTINGS_CHUNK` words
    at a time: at two thousand documents, a whole corpus's temporaries held a gigabyte."""
    order = np.argsort(term, kind="stable")  # by term; rows and positions stay in order
    term, row, position = term[order], row[order], position[order]
    del order
    starts = np.flatnonzero(np.r_[True, term[1:] != term[:-1], True])  # terms, and the end
    average = int(lengths.sum()) / len(lengths) if len(lengths) else 1.0
    first = 0
    while first < len(starts) - 1:
        last = max(first + 1, int(np.searchsorted(starts, starts[first] + POSTINGS_CHUNK)) - 1)
        a, b = starts[first], starts[last]
        flat, term_at = _flat_postings(row[a:b], position[a:b], term[a:b], lengths, average)
        bounds = [*term_at.tolist(), len(flat)]
        for begin, end in pairwise(bounds):
            yield flat[begin:end]
        first = last


def _flat_postings(
    row: np.ndarray, position: np.ndarray, term: np.ndarray, lengths: np.ndarray, average: float
) -> tuple[np.ndarray, np.ndarray]:
    """The postings of consecutive terms back to back (words sorted by term, in reading
    order within one), and where each term's begin. BM25 weights as Lunr's: k1 1.2, b 0.75,
    times 10, rounded half to even (Python's round), at least 1."""
    n = len(term)
    starts_group = np.ones(n, dtype=bool)
    starts_group[1:] = (term[1:] != term[:-1]) | (row[1:] != row[:-1])
    group_first = np.flatnonzero(starts_group)
    tf = np.diff(np.append(group_first, n))
    group_term, group_row = term[group_first], row[group_first]
    starts_term = np.ones(len(group_first), dtype=bool)
    starts_term[1:] = group_term[1:] != group_term[:-1]
    row_delta = group_row.copy()
    row_delta[1:] -= group_row[:-1]
    row_delta[starts_term] = group_row[starts_term]
    position_delta = position.copy()
    position_delta[1:] -= position[:-1]
    position_delta[group_first] = position[group_first]
    norm = 1 - B + B * lengths[group_row].astype(np.float64) / average
    weight = np.maximum(1, np.rint(10 * tf * (K1 + 1) / (tf + K1 * norm))).astype(np.int32)
    group_at = 3 * np.arange(len(group_first)) + group_first  # where each posting begins
    flat = np.empty(3 * len(group_first) + n, dtype=np.int32)
    flat[group_at], flat[group_at + 1], flat[group_at + 2] = row_delta, weight, tf
    flat[np.arange(n) + 3 * np.cumsum(starts_group)] = position_delta
    return flat, group_at[starts_term]


def _utf16(term: str) -> bytes:
    """The order of JavaScript's string comparison, which the browser's lookup relies on."""
    return term.encode("utf-16-be")


def json_text(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))
