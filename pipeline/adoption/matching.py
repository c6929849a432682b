"""The catalogue asks an adopted recommendation takes up.

The matcher is the dialogues' (pipeline.asks.matcher: learned from the catalogue,
leave-one-session-out). An adopted recommendation is longer than a dialogue's and may
take up several asks, so every candidate ask scoring at least `min_score` is taken up (at
most `max_asks`, the surest first), not only the best. Its wording is formal and hedged
("States parties should consider ..., as appropriate and in accordance with their
domestic law, ..."), which the matcher never learned from: its scores run lower and less
calibrated than on dialogue sentences, and one broad ask ("needs identified in the
reviews should inform technical assistance", "counter the online misuse of technology")
scores high for several recommendations of the same report, most of which ask something
else. A report's recommendations are its separate points: with `once_per_report`, an ask
is taken up by at most one recommendation of a report, the links above `min_score` being
the set with the highest total score (an assignment: a recommendation whose other
candidates are weak keeps the ask, one with a good second candidate takes that one). In
the development gold one ask in 41 links is taken up twice in a report. `min_score`
(0.25) was chosen leave-one-report-out on the four development reports (every fold chose
it; without `once_per_report` the folds chose 0.25 or 0.5 and precision stayed near 0.70):
benchmarks/uptake_variants.py. With `strip_hedges`, the hedges of adopted.yaml are left
out of what is matched (tried: no better, with or without `once_per_report`). An
analyst's decision (adopted.yaml `decisions`) replaces the matcher's.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import pandas as pd

from pipeline.asks.frame import ask_of
from pipeline.asks.matcher import AskMatcher
from pipeline.knowledge.documents import AdoptedRules, Decision

ASK_COLUMNS = ["doc_id", "para_no", "ask_id", "score", "source"]
BEST_COLUMNS = ["candidate", "candidate_score"]


@dataclass(frozen=True)
class MatchSettings:
    min_score: float = 0.25  # the matcher's score from which an ask is taken up
    max_asks: int = 3  # at most this many asks taken up by one recommendation
    strip_hedges: bool = False  # leave adopted.yaml's hedges out of what is matched
    once_per_report: bool = True  # an ask is taken up by one recommendation of a report

    def __post_init__(self) -> None:
        if not 0.0 < self.min_score <= 1.0:
            raise ValueError(f"min_score={self.min_score} must lie in (0, 1]")
        if self.max_asks < 1:
            raise ValueError(f"max_asks={self.max_asks} must be at least 1")


def without_hedges(text: str, hedges: tuple[re.Pattern[str], ...]) -> str:
    """`text` without its formal hedges, and without the commas they leave behind."""
    for hedge in hedges:
        text = hedge.sub(" ", text)
    text = re.sub(r"\(\s*\)", " ", text)
    text = re.sub(r",(?:\s*,)+", ",", text)  # ", ," → ","
    text = re.sub(r",\s*([.;:])", r"\1", text)  # ", ." → "."
    text = re.sub(r"\s+([,.;:])", r"\1", text)
    return " ".join(text.split()).strip(" ,")


def queries(
    adopted: pd.DataFrame,
    documents: pd.DataFrame,
    rules: AdoptedRules,
    frame: re.Pattern[str],
    strip_hedges: bool,
) -> pd.DataFrame:
    """What the matcher reads of each adopted recommendation: its text, what it asks
    (the directive and, with `strip_hedges`, the hedges left out), addressee, themes,
    working group and paragraph (itself)."""
    groups = dict(zip(documents["doc_id"], documents["working_group"], strict=True))
    texts = [str(t) for t in adopted["text"]]
    asks = [without_hedges(t, rules.hedges) if strip_hedges else t for t in texts]
    return pd.DataFrame(
        {
            "text": texts,
            "ask": [ask_of(a, frame) for a in asks],
            "to": list(adopted["to"]),
            "themes": [list(t) for t in adopted["themes"]],
            "working_group": [
                g if isinstance(g, str) else None for g in adopted["doc_id"].map(groups)
            ],
            "context": texts,
        },
        index=adopted.index,
    )


def take_up(
    query: pd.DataFrame, keys: pd.DataFrame, matcher: AskMatcher, settings: MatchSettings
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(one row per (recommendation, ask taken up): doc_id, para_no, ask_id, score,
    source; per recommendation its best candidate and score, whatever the score)."""
    if len(query) == 0:
        return pd.DataFrame(columns=ASK_COLUMNS), pd.DataFrame(columns=BEST_COLUMNS)
    cand, scores = matcher.scores(query)
    ids = np.asarray(matcher.index_.ids, dtype=object)[cand]
    scores = np.round(np.asarray(scores, dtype=np.float64), 9)
    doc_ids = [str(d) for d in keys["doc_id"]]
    taken: list[tuple[int, int]] = []  # (recommendation, candidate)
    for doc in dict.fromkeys(doc_ids):
        rows = [i for i, d in enumerate(doc_ids) if d == doc]
        if settings.once_per_report:
            taken.extend(assigned(rows, ids, scores, settings))
        else:
            for i in rows:
                order = np.argsort(-scores[i], kind="stable")[: settings.max_asks]
                taken.extend((i, int(j)) for j in order if scores[i][j] >= settings.min_score)
    taken.sort(key=lambda p: (p[0], -scores[p[0]][p[1]], p[1]))
    links = pd.DataFrame(
        [
            {
                "doc_id": doc_ids[i],
                "para_no": int(keys["para_no"].iloc[i]),
                "ask_id": str(ids[i][j]),
                "score": round(float(scores[i][j]), 6),
                "source": "matcher",
            }
            for i, j in taken
        ],
        columns=ASK_COLUMNS,
    )
    top = [int(np.argsort(-s, kind="stable")[0]) for s in scores]
    best = pd.DataFrame(
        {
            "candidate": [str(ids[i][j]) for i, j in enumerate(top)],
            "candidate_score": [round(float(scores[i][j]), 6) for i, j in enumerate(top)],
        },
        index=query.index,
    )
    return links, best


def assigned(
    rows: list[int], ids: np.ndarray, scores: np.ndarray, settings: MatchSettings
) -> list[tuple[int, int]]:
    """The links of one report's recommendations (`rows`) when an ask is taken up by at
    most one of them: among the (recommendation, candidate) pairs scoring at least
    `min_score`, at most `max_asks` per recommendation, the set with the highest total
    score (each recommendation `max_asks` slots, an assignment of slots to asks)."""
    from scipy.optimize import linear_sum_assignment

    asks = sorted({str(a) for i in rows for a in ids[i]})
    column = {a: n for n, a in enumerate(asks)}
    weight = np.zeros((len(rows), len(asks)))
    where = np.full((len(rows), len(asks)), -1)
    for r, i in enumerate(rows):
        for j, (ask, score) in enumerate(zip(ids[i], scores[i], strict=True)):
            if score >= settings.min_score:
                weight[r, column[str(ask)]] = score
                where[r, column[str(ask)]] = j
    slots = np.tile(weight, (settings.max_asks, 1))  # slot s of recommendation r: s·n + r
    picked = linear_sum_assignment(slots, maximize=True)
    return [
        (rows[s % len(rows)], int(where[s % len(rows), a]))
        for s, a in zip(*picked, strict=True)
        if slots[s, a] > 0
    ]


def with_decisions(
    asks: pd.DataFrame, adopted: pd.DataFrame, decisions: tuple[Decision, ...]
) -> pd.DataFrame:
    """The asks taken up, an analyst's decision replacing the matcher's for its paragraph
    (decisions on paragraphs that are not adopted recommendations here are ignored)."""
    present = set(zip(adopted["doc_id"], adopted["para_no"].astype(int), strict=True))
    decisions = tuple(d for d in decisions if (d.doc_id, d.para_no) in present)
    if not decisions:
        return asks
    decided = {(d.doc_id, d.para_no) for d in decisions}
    keys = zip(asks["doc_id"], asks["para_no"].astype(int), strict=True)
    kept = asks[[k not in decided for k in keys]]
    rows = [
        {"doc_id": d.doc_id, "para_no": d.para_no, "ask_id": a, "score": 1.0, "source": "analyst"}
        for d in decisions
        for a in d.asks
    ]
    return pd.concat([kept, pd.DataFrame(rows, columns=ASK_COLUMNS)], ignore_index=True)
