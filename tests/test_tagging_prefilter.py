"""The span rulers' token patterns tried only where their words are
(pipeline/tagging/prefilter.py): the same spans as spaCy's own Matcher, faster."""

from __future__ import annotations

from conftest import FIXTURES, tag_text

from pipeline.tagging import paragraph_doc
from pipeline.tagging.prefilter import PrefilteredMatcher, install, required_words

TEXTS = [
    "The representative of the University of Oxford and the Ministry of Foreign Affairs "
    "and Trade of New Zealand described cooperation with neighbouring States.",
    "A researcher from the Institute for Security Studies and the Small Arms Foundation "
    "for Peace noted that legislation regulating the civilian possession of firearms and "
    "the import of arms had to be amended to align national laws with the Protocol.",
    "Participants urged States to raise public awareness and to train law enforcement "
    "officials; firearms sold online and weapons advertised on the internet were a concern.",
    "Human Rights Watch and the Arms Trade Coalition against Trafficking made statements. "
    "Smuggled migrants should not be criminalized.",
    "",
    "Nothing here matches any pattern at all.",
]


def matches(nlp, text: str) -> dict[str, list]:
    doc = nlp.make_doc(text)
    for name in ("crp_sentences",):
        doc = nlp.get_pipe(name)(doc)
    return {
        name: [(s.start, s.end, s.label_, s.id_) for s in nlp.get_pipe(name).match(doc)]
        for name in ("crp_terms", "crp_exact")
    }


def corpus_paragraphs() -> list[str]:
    texts = []
    for path in sorted((FIXTURES / "markdown").glob("*.md")):
        texts += [p for p in path.read_text(encoding="utf-8").split("\n\n") if p.strip()]
    return texts


def test_prefiltered_rulers_find_the_same_spans_as_spacys_matcher(nlp, tagger_dir):
    import spacy

    fast = install(spacy.load(tagger_dir))
    assert isinstance(fast.get_pipe("crp_terms").matcher, PrefilteredMatcher)
    assert not isinstance(nlp.get_pipe("crp_terms").matcher, PrefilteredMatcher)
    texts = TEXTS + corpus_paragraphs()
    found = 0
    for text in texts:
        want = matches(nlp, text)
        assert matches(fast, text) == want, text
        found += sum(1 for s in want["crp_terms"] if s[3].startswith("pattern/"))
    assert found >= 3  # token patterns fired, so the comparison covered them
    for text in TEXTS:  # and the same tags, once through the whole tagger
        got, want = tag_text(fast, text), tag_text(nlp, text)
        for key in ("orgs", "actors", "themes"):
            spans = [(s.start, s.end, s.label_, s.id_) for s in got.spans[key]]
            assert spans == [(s.start, s.end, s.label_, s.id_) for s in want.spans[key]]


def test_a_pattern_runs_only_where_every_required_token_can_match(nlp):
    matcher = PrefilteredMatcher(nlp.vocab)
    matcher.add("ministry", [[{"LOWER": "ministry"}, {"LOWER": {"IN": ["of", "for"]}}]])
    matcher.add("title", [[{"IS_TITLE": True, "OP": "+"}, {"LOWER": "watch"}]])
    assert len(matcher) == 2 and "title" in matcher
    doc = paragraph_doc(nlp, "The Ministry of Justice and Human Rights Watch.", "d")
    got = {nlp.vocab.strings[k]: (s, e) for k, s, e in matcher(doc) if e - s == 2}
    assert got == {"ministry": (1, 3), "title": (6, 8)}
    assert matcher(paragraph_doc(nlp, "The ministry for the watch", "d"))  # lower-cased
    assert not matcher(paragraph_doc(nlp, "The Ministry and the Watch", "d"))
    matcher.remove("title")
    assert len(matcher) == 1 and "title" not in matcher


def test_required_words_skip_tokens_that_may_be_absent():
    pattern = [
        {"LOWER": {"IN": ["firearms", "guns"]}},
        {"IS_PUNCT": False, "OP": "{0,4}"},
        {"LOWER": "the", "OP": "?"},
        {"LOWER": {"IN": ["and", "of"]}, "OP": "*"},
        {"LOWER": "not", "OP": "!"},
        {"LOWER": {"IN": ["of", True]}},  # YAML's `on` read as true: not a word list
        {"LOWER": {"NOT_IN": ["x"]}},
        {"LOWER": "online", "OP": "+"},
        {"LOWER": "very", "OP": "{2}"},
        {"LOWER": "much", "OP": "{0,}"},
        {"LOWER": "more", "OP": "{,3}"},
        {"IS_TITLE": True, "LOWER": "watch"},
    ]
    assert required_words(pattern) == [
        frozenset({"firearms", "guns"}),
        frozenset({"online"}),
        frozenset({"very"}),
        frozenset({"watch"}),
    ]


def test_one_search_for_any_cue_decides_as_every_cue_would(nlp):
    from dataclasses import replace

    from pipeline.tagging.recommendations import first_cue

    rules = nlp.get_pipe("crp_resolver").recommendation
    assert rules.any_cue is not None  # the taxonomy's cues can be joined
    every = replace(rules)
    vars(every)["any_cue"] = None  # each cue searched in turn, as before the joined one
    sentences = [s.text for t in TEXTS + corpus_paragraphs() for s in nlp(t).sents]
    sentences += ["They URGED States to act.", "It was invited to", "Recommendations made."]
    found = [first_cue(s, rules) for s in sentences]
    assert found == [first_cue(s, every) for s in sentences]
    assert sum(f is not None for f in found) >= 10


def test_cues_with_groups_are_not_joined():
    import re

    from pipeline.tagging.recommendations import Cue, RecommendationRules

    def rules(*patterns: str) -> RecommendationRules:
        cues = tuple(Cue(str(i), re.compile(p, re.IGNORECASE)) for i, p in enumerate(patterns))
        return RecommendationRules(cues, (), "states", frozenset(), "states")

    assert rules(r"\burge\b", r"\bshould\b").any_cue is not None
    assert rules(r"\b(urge)\s+\1\b", r"\bshould\b").any_cue is None
    assert rules().any_cue is None
