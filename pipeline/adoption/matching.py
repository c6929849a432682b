"""The catalogue asks an adopted recommendation takes up.

The matcher is the dialogues' (pipeline.asks.matcher: learned from the catalogue,
leave-one-session-out). An adopted recommendation is longer than a dialogue's and may
take up several asks, so every candidate ask scoring at least `min_score` is taken up (at
most `max_asks`, the surest first), not only the best. Its wording is formal and hedged
("States parties should consider ..., as appropriate and in accordance with their
domestic law, ..."), which the matcher never learned from: its scores run lower and less
calibrated than on dialogue sentences, so `min_score` is the matcher's probability the
development reports showed precise (0.4; the dialogues' own threshold, about 0.28, takes
up too much, a threshold chosen for 85-90 % precision on the catalogue moves between 0.36
and 0.6 with the catalogue). With `strip_hedges`, the hedges of adopted.yaml are left out
of what is matched (tried: no better). An analyst's decision (adopted.yaml `decisions`)
replaces the matcher's.
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
    min_score: float = 0.4  # the matcher's score from which an ask is taken up
    max_asks: int = 3  # at most this many asks taken up by one recommendation
    strip_hedges: bool = False  # leave adopted.yaml's hedges out of what is matched

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
    rows = []
    best_ids, best_scores = [], []
    for i, (doc_id, para_no) in enumerate(zip(keys["doc_id"], keys["para_no"], strict=True)):
        order = np.argsort(-np.round(scores[i], 9), kind="stable")
        best_ids.append(str(ids[i][order[0]]))
        best_scores.append(round(float(scores[i][order[0]]), 6))
        for j in order[: settings.max_asks]:
            if scores[i][j] >= settings.min_score:
                rows.append(
                    {
                        "doc_id": doc_id,
                        "para_no": int(para_no),
                        "ask_id": str(ids[i][j]),
                        "score": round(float(scores[i][j]), 6),
                        "source": "matcher",
                    }
                )
    best = pd.DataFrame({"candidate": best_ids, "candidate_score": best_scores}, index=query.index)
    return pd.DataFrame(rows, columns=ASK_COLUMNS), best


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
