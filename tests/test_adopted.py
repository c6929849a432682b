"""The `adopted` stage: which paragraphs of a working group report are adopted
recommendations, to whom they are addressed, their themes, and the asks they take up."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd
import pytest
from conftest import document_row

from pipeline.adopted import adopted
from pipeline.adoption.chapter import (
    Addressees,
    addressee,
    adopted_recommendations,
    chapter_paragraphs,
    paragraph_themes,
)
from pipeline.adoption.matching import MatchSettings, take_up, with_decisions, without_hedges
from pipeline.knowledge.documents import Decision
from pipeline.knowledge.taxonomy import load_taxonomy
from pipeline.schemas import get_table

TAXONOMY = load_taxonomy(
    parts=["labels", "actors", "recommendations", "asks", "adopted", "wording"]
)
RULES = TAXONOMY.adopted
ADDRESSEES = Addressees.from_terms(TAXONOMY.actors.addressees)
CHAPEAU = (
    "At its meeting held in Vienna on 3 and 4 April 2024, the Working Group on Firearms "
    "adopted the following recommendations:"
)


def paragraphs(doc_id: str = "r", rows=()) -> pd.DataFrame:
    return pd.DataFrame(
        [
            {"doc_id": doc_id, "para_no": n, "section": s, "subsection": sub, "text": t}
            for n, s, sub, t in rows
        ]
    )


REPORT = paragraphs(
    "r",
    [
        (1, "I. Recommendations", None, CHAPEAU),
        (2, "I. Recommendations", "A. Parts", "States parties should mark frames and receivers."),
        (
            3,
            "I. Recommendations",
            "B. Diversion",
            "The secretariat should continue to collect data.",
        ),
        (
            4,
            "I. Recommendations",
            "C. Follow-up",
            "The Working Group may wish to consider progress.",
        ),
        (5, "II. Summary of deliberations", None, "Speakers stressed that States should act."),
    ],
)
DOCUMENTS = pd.DataFrame(
    [
        document_row(doc_id="r", doc_type="wg_report", session_ordinal=None, date="2024-04-03"),
        document_row(doc_id="c", doc_type="crp"),
    ]
)


def test_adopted_chapter_paragraphs_after_the_chapeau_whatever_sub_headings_group_them():
    crp = paragraphs("c", [(1, "I. Recommendations", None, "States should mark firearms.")])
    got = chapter_paragraphs(pd.concat([REPORT, crp]), DOCUMENTS, RULES)
    assert list(zip(got["doc_id"], got["para_no"], strict=True)) == [("r", 2), ("r", 3), ("r", 4)]


def test_adopted_an_opening_paragraph_that_is_no_chapeau_is_a_recommendation():
    rows = REPORT[REPORT["para_no"] != 1]
    got = chapter_paragraphs(rows, DOCUMENTS, RULES)
    assert list(got["para_no"]) == [2, 3, 4]


@pytest.mark.parametrize(
    ("text", "to"),
    [
        ("States parties should consider reviewing their legislation.", "states"),
        ("States parties are encouraged to cooperate with the private sector.", "states"),
        ("The secretariat should, subject to resources, assist States parties.", "unodc"),
        ("The Working Group may wish to consider the needs of States.", "working_group"),
        ("In view of virtual assets, the secretariat should assist States parties.", "unodc"),
        ("In cooperation with civil society, States parties should raise awareness.", "states"),
        ("Further research into the causes of trafficking is needed.", "states"),  # default
    ],
)
def test_adopted_addressee_is_named_before_the_directive(text, to):
    assert addressee(text, RULES, ADDRESSEES, "states") == to


def test_adopted_themes_are_the_paragraph_theme_rows_most_probable_first():
    rows = [
        ("theme", "marking_tracing", 0.6),
        ("theme", "parts_components", 0.9),
        ("theme", "marking_tracing", 0.7),
        ("org", "UNODC", None),
    ]
    tags = pd.DataFrame(
        [{"doc_id": "r", "para_no": 2, "kind": k, "label": b, "score": s} for k, b, s in rows]
    )
    assert paragraph_themes(tags) == {("r", 2): ["parts_components", "marking_tracing"]}


def test_adopted_recommendations_table_fits_its_schema():
    got = adopted_recommendations(REPORT, DOCUMENTS, get_table("tags").empty(), RULES, ADDRESSEES)
    assert list(got["to"]) == ["states", "unodc", "working_group"]
    assert list(got["themes"]) == [[], [], []]
    table = got.assign(candidate=None, candidate_score=np.nan)
    assert list(table.columns) == get_table("adopted").columns


class FakeMatcher:
    """Scores given per recommendation: {ask id: score}, the asks of the index."""

    frame = None

    def __init__(self, scores: list[dict[str, float]]) -> None:
        self.index_ = type("Index", (), {"ids": sorted({a for s in scores for a in s})})()
        self._scores = scores

    def scores(self, query: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
        ids = self.index_.ids
        cand = np.array([list(range(len(ids)))] * len(query))
        return cand, np.array([[s.get(a, 0.0) for a in ids] for s in self._scores])


def test_adopted_takes_up_every_ask_scoring_high_enough_at_most_max_asks():
    matcher = FakeMatcher(
        [
            {"mark": 0.9, "trace": 0.5, "data": 0.45, "destroy": 0.1},  # three asks at 0.4
            {"mark": 0.2, "trace": 0.1, "data": 0.3, "destroy": 0.05},  # none
        ]
    )
    keys = pd.DataFrame({"doc_id": ["r", "r"], "para_no": [2, 3]})
    asks, best = take_up(
        keys.assign(text="x"), keys, matcher, MatchSettings(min_score=0.4, max_asks=2)
    )
    assert list(zip(asks["para_no"], asks["ask_id"], strict=True)) == [(2, "mark"), (2, "trace")]
    assert set(asks["source"]) == {"matcher"}
    assert list(best["candidate"]) == ["mark", "data"]  # the best, whatever its score
    assert list(best["candidate_score"]) == [0.9, 0.3]


def test_adopted_an_ask_is_taken_up_once_per_report_by_the_best_assignment():
    """A broad ask scoring high for three recommendations of one report is taken up by
    one of them: the one whose other candidates are weak, not the one scoring it highest,
    and the others take their next candidate (the set of links with the highest total
    score). Another report's recommendation takes it up too."""
    matcher = FakeMatcher(
        [
            {"needs": 0.58, "dialogue": 0.02},  # r 2: nothing else to take up
            {"needs": 0.67, "funds": 0.27},  # r 3: scores "needs" highest
            {"needs": 0.47, "civil": 0.39},  # r 4
            {"needs": 0.6},  # another report
        ]
    )
    keys = pd.DataFrame({"doc_id": ["r", "r", "r", "s"], "para_no": [2, 3, 4, 2]})
    settings = MatchSettings(min_score=0.25, max_asks=1)
    asks, best = take_up(keys.assign(text="x"), keys, matcher, settings)
    assert list(zip(asks["doc_id"], asks["para_no"], asks["ask_id"], strict=True)) == [
        ("r", 2, "needs"),
        ("r", 3, "funds"),
        ("r", 4, "civil"),
        ("s", 2, "needs"),
    ]
    assert list(best["candidate"]) == ["needs"] * 4  # the best candidate is unchanged
    every, _ = take_up(
        keys.assign(text="x"), keys, matcher, replace(settings, once_per_report=False)
    )
    assert list(every["ask_id"]) == ["needs"] * 4


def test_adopted_once_per_report_keeps_several_asks_of_one_recommendation():
    matcher = FakeMatcher([{"share": 0.99, "online": 0.51}, {"online": 0.47, "tools": 0.06}])
    keys = pd.DataFrame({"doc_id": ["r", "r"], "para_no": [4, 7]})
    asks, _ = take_up(keys.assign(text="x"), keys, matcher, MatchSettings(0.25, 3))
    assert list(zip(asks["para_no"], asks["ask_id"], strict=True)) == [(4, "share"), (4, "online")]


def test_adopted_an_analysts_decision_replaces_the_matchers():
    asks = pd.DataFrame(
        [{"doc_id": "r", "para_no": 2, "ask_id": "trace", "score": 0.5, "source": "matcher"}]
    )
    recs = pd.DataFrame({"doc_id": ["r", "r"], "para_no": [2, 3]})
    decisions = (
        Decision("r", 2, ("mark",)),
        Decision("r", 3, ()),  # takes up nothing: no row
        Decision("elsewhere", 9, ("mark",)),  # not an adopted recommendation here: ignored
    )
    got = with_decisions(asks, recs, decisions)
    assert got.to_dict("records") == [
        {"doc_id": "r", "para_no": 2, "ask_id": "mark", "score": 1.0, "source": "analyst"}
    ]


def test_adopted_hedges_are_left_out_what_is_asked_stays():
    text = (
        "States parties should consider addressing, as appropriate and in accordance with "
        "their domestic law, the distribution of digital files, upon request."
    )
    assert without_hedges(text, RULES.hedges) == (
        "States parties should addressing, and, the distribution of digital files."
    )


def test_adopted_stage_without_a_matcher_gives_valid_empty_asks():
    out = adopted(REPORT, DOCUMENTS, get_table("tags").empty(), TAXONOMY, None, MatchSettings())
    assert len(out["adopted"]) == 3 and len(out["adopted_asks"]) == 0
    for name, frame in out.items():
        assert list(frame.columns) == get_table(name).columns


def test_adopted_stage_without_any_report_writes_empty_tables(tmp_path):
    from pipeline.schemas import write_table

    crp = paragraphs("c", [(1, "I. Recommendations", None, "States should mark firearms.")])
    out = adopted(crp, DOCUMENTS, get_table("tags").empty(), TAXONOMY, None, MatchSettings())
    for name, frame in out.items():
        assert len(frame) == 0
        write_table(frame, name, tmp_path / f"{name}.parquet")  # fits its schema


@pytest.mark.slow  # all-MiniLM-L6-v2 (torch)
def test_adopted_matches_formal_wording_to_the_catalogue():
    """A real matcher on the shipped catalogue's firearms sessions: an adopted
    recommendation in the formal words of a report takes up the ask a dialogue raised in
    its own words."""
    from pipeline.adopted import fit_matcher
    from pipeline.asks.catalogue import without_docs
    from pipeline.vectors import Encoder, MiniLM

    text = (
        "States parties are encouraged to consider requiring that essential parts and "
        "components, in particular frames and receivers, be marked and recorded, including "
        "when they are sold separately from a complete firearm."
    )
    report = paragraphs(
        "r", [(1, "I. Recommendations", None, CHAPEAU), (2, "I. Recommendations", None, text)]
    )
    sessions = {e.doc_id for a in TAXONOMY.asks for e in a.examples}
    firearms = without_docs(TAXONOMY.asks, {d for d in sessions if not d.startswith("fa_")})
    matcher = fit_matcher(firearms, TAXONOMY, Encoder(MiniLM()))
    out = adopted(report, DOCUMENTS, get_table("tags").empty(), TAXONOMY, matcher, MatchSettings())
    assert "mark_register_parts_components" in set(out["adopted_asks"]["ask_id"])


def test_adopted_matcher_is_restored_not_refitted_when_its_inputs_are_unchanged(
    tmp_path, monkeypatch
):
    """The second run restores the fitted matcher from data/cache/adopted and takes up the
    same asks with the same scores, bit for bit; a changed catalogue fits again."""
    from pipeline import adopted as stage
    from pipeline.asks.catalogue import without_docs
    from pipeline.vectors import Encoder, HashingModel

    sessions = {e.doc_id for a in TAXONOMY.asks for e in a.examples}
    firearms = without_docs(TAXONOMY.asks, {d for d in sessions if not d.startswith("fa_")})
    encoder = Encoder(HashingModel())
    fitted = stage.cached_matcher(firearms, TAXONOMY, encoder, tmp_path)
    fits = []
    real = stage.fit_matcher
    monkeypatch.setattr(stage, "fit_matcher", lambda *a: fits.append(1) or real(*a))
    restored = stage.cached_matcher(firearms, TAXONOMY, encoder, tmp_path)
    assert fits == []
    tags = get_table("tags").empty()
    outs = [
        adopted(REPORT, DOCUMENTS, tags, TAXONOMY, m, MatchSettings()) for m in (fitted, restored)
    ]
    assert outs[0]["adopted"]["candidate_score"].notna().all()  # every one was scored
    for name in ("adopted", "adopted_asks"):
        pd.testing.assert_frame_equal(outs[0][name], outs[1][name])
    stage.cached_matcher(firearms[1:], TAXONOMY, encoder, tmp_path)
    assert fits == [1]
