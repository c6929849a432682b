"""A corpus of documents that differ in their text: the sample's paragraphs recombined.

    python benchmarks/recombine.py N OUT_DIR [--seed 1]

Each document takes the title, opening paragraphs and headings of a sample document
(tests/fixtures/markdown, the development documents' text) and as many body paragraphs as
it has, drawn at random from every sample document; then, consistently within the
document, renames its States and organizations (to other names of the gazetteers), moves
its year, renumbers its other numbers and swaps common words for synonyms, each
occurrence at random. So a paragraph, and nearly every sentence, is new text: copies that
differ only in their bytes would let the text-keyed caches (the vector store, the matcher's
per-document entries) flatter a benchmark, and would turn every candidate new ask into
hundreds of duplicates. Typeset straight into PDF by tests/harness/pdf_direct.py (fonts
from matplotlib's package data), a few documents a second per core. Seeded: the same
(N, seed) gives the same files, byte for byte.
"""

from __future__ import annotations

import argparse
import random
import re
import sys
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import replace
from pathlib import Path

from common import ROOT

MARKDOWN = ROOT / "tests" / "fixtures" / "markdown"
OPENING = 4  # paragraphs kept from the template: who met, when, where (the metadata)

# Neutral words and their synonyms: no recommendation cue, actor, theme or article word,
# so the tagger finds the same kinds of things in the varied text.
SYNONYMS = {
    "important": ["essential", "crucial", "vital"],
    "information": ["data", "knowledge"],
    "measures": ["steps", "actions"],
    "efforts": ["work", "endeavours"],
    "challenges": ["difficulties", "obstacles"],
    "particular": ["specific"],
    "particularly": ["especially", "notably"],
    "several": ["a number of", "various"],
    "many": ["numerous", "a great many"],
    "significant": ["considerable", "substantial"],
    "example": ["instance"],
    "ensure": ["guarantee", "make sure"],
    "strengthen": ["reinforce", "bolster"],
    "relevant": ["pertinent", "applicable"],
    "various": ["diverse", "different"],
    "approach": ["method"],
    "approaches": ["methods"],
    "process": ["procedure"],
    "issues": ["questions", "matters"],
    "however": ["nevertheless", "still"],
    "regarding": ["concerning", "as regards"],
    "effective": ["efficient", "successful"],
    "current": ["present", "existing"],
    "increase": ["rise", "growth"],
    "experience": ["practice"],
    "work": ["activities"],
    "new": ["novel", "recent"],
    "also": ["further", "moreover"],
    "further": ["additional"],
    "areas": ["fields", "domains"],
    "provide": ["offer", "supply"],
    "use": ["utilization"],
    "given": ["considering"],
    "level": ["scale"],
    "different": ["distinct"],
    "number": ["range"],
    "role": ["function"],
    "while": ["whereas"],
    "must": ["should"],
    "could": ["might"],
    "often": ["frequently"],
    "large": ["big", "sizeable"],
    "support": ["backing"],
    "system": ["framework"],
    "systems": ["frameworks"],
    "including": ["among them", "such as"],
    "such as": ["including", "like"],
    "in order to": ["so as to", "to"],
    "because": ["since", "as"],
    "however,": ["yet,"],
    "between": ["among"],
    "their": ["its"],
    "had been": ["were"],
    "without": ["with no"],
    "example,": ["instance,"],
}
# Reporting verbs swapped within a group (every one is in taxonomy/reporting.yaml, so the
# speaker rules and the reporting frame see a reporting verb either way).
for group in (
    ["noted", "observed", "remarked", "commented"],
    ["stressed", "emphasized", "underlined", "underscored"],
    ["explained", "clarified", "indicated"],
    ["said", "stated"],
    ["added", "mentioned"],
):
    for verb in group:
        SYNONYMS[verb] = [v for v in group if v != verb]
_WORDS = re.compile(
    r"\b(" + "|".join(re.escape(w) for w in sorted(SYNONYMS, key=len, reverse=True)) + r")(?!\w)"
)
_MONTH = (
    r"(?:January|February|March|April|May|June|July|August|September|October|November|December)"
)
_DATE_PART = re.compile(rf"\b(?P<a>\d{{1,2}})\s+{_MONTH}|{_MONTH}\s+(?P<b>\d{{1,2}})\b")
# Openings put before a body sentence at random (the sentence keeps its words and cues).
# fmt: off
CONNECTORS = [
    "In addition, ", "Moreover, ", "In this regard, ", "At the same time, ", "Furthermore, ",
    "In that context, ", "Similarly, ", "In particular, ", "Along the same lines, ",
    "On that point, ", "Likewise, ", "Against this background, ", "In that connection, ",
    "Besides, ", "Accordingly, ", "Turning to that question, ",
]
LOWER_FIRST = {
    "She", "He", "They", "The", "A", "An", "It", "This", "These", "That", "Those", "Several",
    "Some", "One", "Another", "Many", "Other", "Such", "Two", "Three", "Most", "All", "Her",
    "His", "Their", "In", "On", "For", "As", "With", "According", "Speakers", "Participants",
    "Representatives", "Panellists", "Members", "Both", "Each", "Finally", "Among", "Given",
    "Although", "While", "When", "If", "To", "At", "During", "By", "From", "Under", "Despite",
    "Where", "Its", "We", "There", "Convictions", "Large-scale", "Experts", "Victims",
}
# fmt: on
_SENTENCE = re.compile(r"(?<!\bMr)(?<!\bMs)(?<!\bDr)(?<!\bMrs)(?<!\bNo)(?<=[.;])\s+(?=[A-Z])")
_NUMBER = re.compile(r"\b\d+\b")
_YEAR = re.compile(r"\b(?:19|20)\d\d\b")


def _harness() -> None:
    tests = str(ROOT / "tests")
    if tests not in sys.path:
        sys.path.insert(0, tests)


def sample_documents() -> dict[str, object]:
    """The development documents' structure (harness.crp_markdown.Crp), by doc_id."""
    _harness()
    from harness.crp_markdown import parse

    return {p.stem: parse(p.read_text(encoding="utf-8")) for p in sorted(MARKDOWN.glob("*.md"))}


def gazetteer_names(drawable: set[str]) -> tuple[list[str], list[str]]:
    """(States, organizations) of the gazetteers whose names the fonts can draw."""
    from pipeline.knowledge.taxonomy import load_taxonomy

    taxonomy = load_taxonomy()
    ok = lambda name: set(name) <= drawable  # noqa: E731
    countries = sorted(n for n in taxonomy.countries if ok(n))
    orgs = sorted({o.name for o in taxonomy.organizations if ok(o.name) and len(o.name) > 3})
    return countries, orgs


class Variation:
    """One document's consistent renaming, renumbering and rewording."""

    def __init__(self, rnd: random.Random, names: tuple[list[str], list[str]], year: int):
        self.rnd = rnd
        self.countries, self.orgs = names
        self.renamed: dict[str, str] = {}
        self.numbers: dict[str, str] = {}
        self.year = year
        pattern = "|".join(re.escape(n) for n in sorted(self.countries + self.orgs, key=len)[::-1])
        self.names = re.compile(rf"\b(?:{pattern})\b")

    def _name(self, match: re.Match[str]) -> str:
        name = match[0]
        if name not in self.renamed:
            pool = self.countries if name in self.countries else self.orgs
            self.renamed[name] = self.rnd.choice(pool)
        return self.renamed[name]

    def _number(self, match: re.Match[str]) -> str:
        value = match[0]
        if _YEAR.fullmatch(value):
            return str(self.year + int(value) - 2023)
        return self.numbers.setdefault(value, str(self.rnd.randint(2, 60)))

    def _word(self, match: re.Match[str]) -> str:
        word = match[0]
        return self.rnd.choice(SYNONYMS[word]) if self.rnd.random() < 0.75 else word

    def text(self, text: str, opening: bool = False) -> str:
        text = self.names.sub(self._name, text)
        if opening:  # dates must stay dates: their day is kept, their year moves
            days = {m.start(m.lastgroup) for m in _DATE_PART.finditer(text)}
            return _NUMBER.sub(lambda m: m[0] if m.start() in days else self._number(m), text)
        text = _WORDS.sub(self._word, _NUMBER.sub(self._number, text))
        return " ".join(self._connect(s) for s in _SENTENCE.split(text))

    def _connect(self, sentence: str) -> str:
        first = sentence.split(" ", 1)[0]
        if first not in LOWER_FIRST or self.rnd.random() < 0.2:
            return sentence
        start = first.lower()
        return self.rnd.choice(CONNECTORS) + start + sentence[len(first) :]


def recombined(index: int, seed: int, samples: dict, names: tuple) -> object:
    """Document `index` of the corpus of `seed` (a harness.crp_markdown.Crp)."""
    from harness.crp_markdown import Block, Run

    rnd = random.Random(f"{seed}/{index}")
    template = samples[rnd.choice(sorted(samples))]
    pool = [
        b for d in sorted(samples) for b in samples[d].paragraphs() if (b.number or 0) > OPENING
    ]
    vary = Variation(rnd, names, rnd.randint(2016, 2030))
    blocks, number = [], 0

    def runs(block: Block, opening: bool) -> list[Run]:
        return [replace(r, text=vary.text(r.text, opening)) for r in block.runs if r.text]

    for block in template.blocks:
        if block.kind != "paragraph":
            blocks.append(Block(block.kind, runs(block, True)))
            continue
        number += 1
        source = block if number <= OPENING else rnd.choice(pool)
        blocks.append(Block("paragraph", runs(source, number <= OPENING), number))
    return type(template)(blocks=blocks)


def _typeset(job: tuple[int, int, Path, str]) -> Path:
    index, seed, path, _ = job
    _harness()
    from harness.pdf_direct import typeset

    crp = recombined(index, seed, _SAMPLES, _NAMES)
    path.write_bytes(typeset(crp))
    return path


_SAMPLES: dict = {}
_NAMES: tuple = ((), ())


def _init() -> None:
    global _SAMPLES, _NAMES
    _harness()
    from harness.pdf_fonts import charset

    _SAMPLES = sample_documents()
    _NAMES = gazetteer_names(set(charset()))


def make_corpus(
    out: Path, count: int, seed: int = 1, start: int = 0, jobs: int = 2, prefix: str = "rc"
) -> list[Path]:
    """Documents start..start+count-1 of the corpus of `seed` as `prefix_<index>.pdf` in
    `out` (an existing file is kept: the corpus is deterministic)."""
    out.mkdir(parents=True, exist_ok=True)
    todo = [
        (i, seed, out / f"{prefix}_{i:05d}.pdf", "")
        for i in range(start, start + count)
        if not (out / f"{prefix}_{i:05d}.pdf").exists()
    ]
    if todo:
        with ProcessPoolExecutor(max_workers=jobs, initializer=_init) as pool:
            list(pool.map(_typeset, todo, chunksize=8))
    return [out / f"{prefix}_{i:05d}.pdf" for i in range(start, start + count)]


def text_of(index: int, seed: int = 1) -> list[str]:
    """The paragraphs of document `index` (to check the corpus's distinctness)."""
    if not _SAMPLES:
        _init()
    return [b.text for b in recombined(index, seed, _SAMPLES, _NAMES).paragraphs()]


def main(argv: list[str] | None = None, report: Callable[[str], None] = print) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("n", type=int)
    parser.add_argument("out", type=Path)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    files = make_corpus(args.out, args.n, args.seed)
    report(f"{len(files)} documents in {args.out}")


if __name__ == "__main__":
    main()
