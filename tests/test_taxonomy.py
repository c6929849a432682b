"""The taxonomy: its examples hold, and a broken file fails with its file and line."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml
from conftest import tag_text

from pipeline.knowledge.taxonomy import TaxonomyError, load_taxonomy
from pipeline.paths import TAXONOMY_DIR

TAXONOMY = load_taxonomy()
LABELS = yaml.safe_load((TAXONOMY_DIR / "labels.yaml").read_text(encoding="utf-8"))


def theme_cases() -> list[tuple[str, str, bool]]:
    cases = []
    for theme in TAXONOMY.themes.values():
        cases += [(theme.id, s, True) for s in theme.examples_match]
        cases += [(theme.id, s, False) for s in theme.examples_no_match]
    return cases


@pytest.mark.parametrize(("theme", "sentence", "matches"), theme_cases())
def test_taxonomy_theme_examples(nlp, theme, sentence, matches):
    doc = tag_text(nlp, sentence)
    found = {span.label_ for span in doc.spans["themes"]}
    assert (theme in found) == matches, (theme, sentence, found)


def test_taxonomy_every_theme_has_examples_both_ways():
    for theme in TAXONOMY.themes.values():
        assert theme.examples_match and theme.examples_no_match, theme.id


def test_taxonomy_uses_the_label_contract():
    assert set(LABELS["themes"]) <= set(TAXONOMY.themes)
    assert {o.type for o in TAXONOMY.organizations} <= set(LABELS["actor_types"])
    assert {t.label for t in TAXONOMY.actors.addressees} <= set(LABELS["addressee_types"])
    assert set(TAXONOMY.instruments) <= set(LABELS["instruments"])
    assert set(TAXONOMY.article_subjects) <= set(LABELS["firearms_protocol_articles"])


def test_gazetteer_has_every_un_member_and_observer_state():
    assert len(TAXONOMY.countries) == 195
    assert "Türkiye" in TAXONOMY.countries and "Turkey" in TAXONOMY.countries["Türkiye"]


@pytest.fixture
def taxonomy_copy(tmp_path: Path) -> Path:
    folder = tmp_path / "taxonomy"
    shutil.copytree(TAXONOMY_DIR, folder)
    return folder


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_taxonomy_yaml_syntax_error_names_file_and_line(taxonomy_copy):
    edit(taxonomy_copy / "themes.yaml", "  ghost_guns:", "  ghost_guns: [unclosed")
    with pytest.raises(TaxonomyError, match=r"themes\.yaml:\d+: YAML syntax error"):
        load_taxonomy(taxonomy_copy)


def test_taxonomy_unknown_actor_type_names_the_entry(taxonomy_copy):
    edit(taxonomy_copy / "gazetteers" / "organizations.yaml", "type: academia", "type: academy")
    with pytest.raises(
        TaxonomyError, match=r"organizations\.yaml:\d+: .*unknown actor type 'academy'"
    ):
        load_taxonomy(taxonomy_copy)


def test_taxonomy_unknown_instrument_is_refused(taxonomy_copy):
    edit(taxonomy_copy / "articles.yaml", "  som_protocol:", "  smuggling_protocol:")
    with pytest.raises(TaxonomyError, match="unknown instrument id 'smuggling_protocol'"):
        load_taxonomy(taxonomy_copy)


def test_taxonomy_negative_label_equal_to_a_positive_one_is_refused(taxonomy_copy):
    edit(
        taxonomy_copy / "themes.yaml", "negative_labels: [ghost town", "negative_labels: [ghost gun"
    )
    with pytest.raises(TaxonomyError, match="negative label 'ghost gun' is also a positive one"):
        load_taxonomy(taxonomy_copy)


def test_taxonomy_duplicate_pattern_is_refused(taxonomy_copy):
    edit(
        taxonomy_copy / "themes.yaml",
        "alt_labels: [ghost gun,",
        "alt_labels: [ghost gun, Ghost gun,",
    )
    where = r"themes\.yaml:\d+: themes\.ghost_guns\.alt_labels\.1: duplicate pattern"
    with pytest.raises(TaxonomyError, match=where):
        load_taxonomy(taxonomy_copy)


def test_taxonomy_missing_contract_theme_is_refused(taxonomy_copy):
    path = taxonomy_copy / "themes.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    del data["themes"]["youth"]
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    with pytest.raises(TaxonomyError, match="without an entry: youth"):
        load_taxonomy(taxonomy_copy)


def test_analyst_adds_a_synonym_without_code(taxonomy_copy):
    from pipeline.build_tagger import build_tagger

    edit(
        taxonomy_copy / "themes.yaml",
        "alt_labels: [ghost gun,",
        "alt_labels: [spectre rifle, ghost gun,",
    )
    nlp = build_tagger(taxonomy_copy)
    doc = tag_text(nlp, "Spectre rifles were seized.")
    assert [(s.label_, s.id_) for s in doc.spans["themes"]] == [
        ("ghost_guns", "theme/ghost_guns/spectre rifle")
    ]


def test_taxonomy_unknown_key_names_file_line_and_key(taxonomy_copy):
    edit(taxonomy_copy / "themes.yaml", "    pref_label: ghost guns", "    pref_lable: ghost guns")
    with pytest.raises(TaxonomyError) as info:
        load_taxonomy(taxonomy_copy)
    message = str(info.value)
    line = next(
        n
        for n, text in enumerate((taxonomy_copy / "themes.yaml").read_text().splitlines(), 1)
        if "pref_lable" in text
    )
    assert f"themes.yaml:{line}: themes.ghost_guns.pref_lable: unknown key" in message
    assert "pref_label" in message  # the keys that are allowed


def test_taxonomy_wrong_type_names_the_key(taxonomy_copy):
    edit(
        taxonomy_copy / "working_groups.yaml",
        "    protocol: convention",
        "    protocol: [convention]",
    )
    with pytest.raises(
        TaxonomyError, match=r"working_groups\.yaml:\d+: working_groups\.\w+\.protocol"
    ):
        load_taxonomy(taxonomy_copy)


def test_taxonomy_every_working_group_of_the_contract_has_names_and_a_protocol():
    groups = TAXONOMY.working_groups
    assert set(groups) == set(LABELS["working_groups"])
    assert {g.protocol for g in groups.values()} <= set(LABELS["instruments"])
    assert all(g.label and g.symbols and g.names for g in groups.values())


def test_taxonomy_a_new_working_group_needs_no_code(taxonomy_copy):
    labels = taxonomy_copy / "labels.yaml"
    edit(labels, "working_groups:\n", 'working_groups:\n  corruption: "Working Group on X"\n')
    with pytest.raises(TaxonomyError, match="no entry for corruption"):
        load_taxonomy(taxonomy_copy)
    groups = taxonomy_copy / "working_groups.yaml"
    edit(
        groups,
        "working_groups:\n",
        "working_groups:\n  corruption:\n    label: Corruption\n    names: [Working Group on X]\n"
        "    symbols: [CTOC/COP/WG.9]\n    topics: [corruption]\n    protocol: convention\n",
    )
    assert load_taxonomy(taxonomy_copy).working_groups["corruption"].label == "Corruption"


def test_article_names_come_from_the_data():
    assert TAXONOMY.article_name("convention:29").startswith("Organized Crime Convention, art. 29")
    assert TAXONOMY.article_name("som_protocol:16") == (
        "Smuggling of Migrants Protocol, art. 16 (Protection and assistance measures)"
    )
    assert TAXONOMY.article_name("other:11") == "Other instrument, art. 11"


def test_gold_malformed_line_is_an_error_naming_the_line(tmp_path):
    import json

    from pipeline.knowledge.gold import read_gold

    good = {"doc_id": "d", "para_no": 1, "text": "x", "themes": ["ghost_guns"]}
    bad = {"doc_id": "d", "para_no": 2, "text": "y", "themes": ["ghost_gun"]}
    lines = [json.dumps(good), json.dumps(bad)]
    (tmp_path / "d.paragraphs.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(TaxonomyError, match=r"d\.paragraphs\.jsonl:2: .*unknown theme 'ghost_gun'"):
        read_gold(tmp_path, TAXONOMY.labels)
    (tmp_path / "d.paragraphs.jsonl").write_text(lines[0] + "\n{not json\n", encoding="utf-8")
    with pytest.raises(TaxonomyError, match=r"d\.paragraphs\.jsonl:2: not JSON"):
        read_gold(tmp_path, TAXONOMY.labels)


# ------------------------------------------------ word lists: reporting.yaml, ask_wording.yaml


def test_taxonomy_reporting_verb_listed_twice_names_file_and_line(taxonomy_copy):
    edit(taxonomy_copy / "reporting.yaml", "verbs: [said, stated,", "verbs: [said, stated, said,")
    with pytest.raises(
        TaxonomyError, match=r"reporting\.yaml:\d+: verbs\.2: 'said' is listed twice"
    ):
        load_taxonomy(taxonomy_copy, parts=["actors"])


def test_taxonomy_ask_wording_unknown_key_names_file_line_and_key(taxonomy_copy):
    edit(taxonomy_copy / "ask_wording.yaml", "  trailing: [", "  trailling: [")
    with pytest.raises(
        TaxonomyError, match=r"ask_wording\.yaml:\d+: label\.trailling: unknown key"
    ):
        load_taxonomy(taxonomy_copy, parts=["wording"])


def test_taxonomy_cue_role_is_checked(taxonomy_copy):
    edit(taxonomy_copy / "recommendations.yaml", "role: modal", "role: modl")
    with pytest.raises(TaxonomyError, match=r"recommendations\.yaml:\d+: cues\.\d+\.role: "):
        load_taxonomy(taxonomy_copy, parts=["recommendations"])


def test_reporting_verbs_are_one_list_for_speakers_frame_and_labels(taxonomy_copy):
    from pipeline.asks.frame import ask_of, reporting_frame
    from pipeline.asks.labels import new_ask_label

    parts = ["actors", "recommendations", "wording"]
    before = load_taxonomy(TAXONOMY_DIR, parts)
    edit(taxonomy_copy / "reporting.yaml", "verbs: [said,", "verbs: [opined, said,")
    after = load_taxonomy(taxonomy_copy, parts)
    assert "opined" in after.actors.speaker["reporting_verbs"]  # the speaker rules
    assert "opined" not in before.actors.speaker["reporting_verbs"]
    frame = "She opined the necessity of training judges on firearms identification."
    assert ask_of(frame, reporting_frame(before)) == frame.rstrip(".")
    assert ask_of(frame, reporting_frame(after)) == "training judges on firearms identification"
    label = "She proposed it; panellists opined that judges needed more training."
    assert new_ask_label(label, reporting_frame(after), after.wording) == (
        "Judges needed more training"  # the reporting clause dropped
    )
    assert "opined" in new_ask_label(label, reporting_frame(before), before.wording)


def test_recommendation_modal_cue_is_known_by_its_role_not_its_id(nlp, taxonomy_copy):
    from pipeline.tagging.recommendations import RecommendationRules

    text = "UNODC should develop guidance on the marking of firearms."
    assert tag_text(nlp, text)._.recommendations[0]["to"] == "unodc"  # named before "should"
    path = taxonomy_copy / "recommendations.yaml"
    resolver = nlp.get_pipe("crp_resolver")
    shipped = resolver.recommendation

    def tagged_with_copy() -> dict:
        recommendation = load_taxonomy(taxonomy_copy, ["recommendations"]).recommendation
        resolver.recommendation = RecommendationRules.from_config(recommendation)
        try:
            [rec] = tag_text(nlp, text)._.recommendations
        finally:
            resolver.recommendation = shipped
        return rec

    edit(path, "- id: should", "- id: modal_verb")
    rec = tagged_with_copy()
    assert (rec["to"], rec["rule"]) == ("unodc", "recommendation/modal_verb")
    edit(path, "    role: modal\n", "")
    assert tagged_with_copy()["to"] == "states"  # no longer modal: the default, as the role said


def test_taxonomy_yaml_reads_on_off_yes_no_as_words_and_only_true_false_as_booleans(tmp_path):
    from pipeline.knowledge.source import read_source

    path = tmp_path / "words.yaml"
    path.write_text("words: [on, off, yes, no, y, n, On]\nflags: [true, false, True]\n", "utf-8")
    data = read_source(path).data
    assert data["words"] == ["on", "off", "yes", "no", "y", "n", "On"]
    assert data["flags"] == [True, False, True]


def _booleans(value, where=()):
    """Where a boolean stands in a taxonomy file's lists (a word YAML 1.1 would misread)."""
    if isinstance(value, bool) and where and isinstance(where[-1], int):
        yield where
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _booleans(item, (*where, key))
    elif isinstance(value, list):
        for i, item in enumerate(value):
            yield from _booleans(item, (*where, i))


@pytest.mark.parametrize("name", sorted(p.name for p in TAXONOMY_DIR.glob("*.yaml")))
def test_taxonomy_lists_hold_no_boolean(name):
    from pipeline.knowledge.source import read_source

    assert list(_booleans(read_source(TAXONOMY_DIR / name).data)) == []
