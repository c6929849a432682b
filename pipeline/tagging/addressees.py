"""Whom an ask that names no addressee is addressed to: what the ask implies.

The gold reads an unnamed ask as `states` when only States can act on it (a law, a
regulation, national authorities: "She concluded that strict regulation is key"), and as
`unspecified` when no one to act on it can be read from the text ("They stressed the need
for further research"). The line is drawn case by case, so it is learned from the gold
(`ImpliedAddressee`, on pipeline/learn) over evidence of the sentence (`evidence`):

- the cue's kind: a directive ("recommended that", "urged"), a modal ("should") or one
  that names no one ("stressed the need", "called for");
- the ask in the passive ("... that the findings be published");
- what the ask is about: words of acts only States perform (legislation, criminalization,
  ratification, licensing, national authorities...; actors.yaml `addressing.implied`) and
  words of asks anyone may take up (research, partnerships, participation...);
- whether an actor is named in the sentence, a State or another.

(The working group was tried as evidence and left out: it changed nothing out of fold,
and a session of a working group the gold has never seen would get no evidence from it.)

Without a fitted decision the rules decide (recommendations.default_addressee).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from spacy.tokens import Span

from pipeline.tagging.views import span_text

FORMAT = "crp-implied-addressee/1"
MODEL_FILE = "implied_addressee.json"
POSITIVE, NEGATIVE = "states", "unspecified"  # the two readings the decision is between
CUE_KINDS = ("directive", "modal", "open")


@dataclass(frozen=True)
class AddresseeWords:
    """actors.yaml `addressing`: words that name an addressee without a term, and the
    evidence lists of what an ask implies (regexes, matched case-insensitively)."""

    pronouns: frozenset[str] = frozenset()  # "encouraged [them] to"
    agent_words: frozenset[str] = frozenset()  # "the need for States [to]"
    clause_openers: frozenset[str] = frozenset()  # "and [that] UNODC use"
    implied: tuple[tuple[str, re.Pattern[str]], ...] = ()  # evidence name → regex
    passive: re.Pattern[str] | None = None  # the ask in the passive

    @classmethod
    def from_config(cls, cfg: dict[str, Any]) -> AddresseeWords:
        def words(key: str) -> frozenset[str]:
            return frozenset(w.lower() for w in cfg.get(key, []))

        implied = tuple(
            (name, re.compile("|".join(f"(?:{p})" for p in patterns), re.IGNORECASE))
            for name, patterns in sorted((cfg.get("implied") or {}).items())
            if patterns
        )
        passive = cfg.get("passive")
        return cls(
            pronouns=words("pronouns"),
            agent_words=words("agent_words"),
            clause_openers=words("clause_openers"),
            implied=implied,
            passive=re.compile(passive, re.IGNORECASE) if passive else None,
        )


def evidence(
    sent: Span,
    cue_kind: str,
    actors: list[Span],
    speakers: list[Span],
    words: AddresseeWords,
) -> dict[str, float]:
    """What a recommendation sentence that names no addressee says of whom it asks: the
    ask is the sentence without who speaks ("strict regulation is key", "the importance
    of legislation" hold their object before or around the cue); `actors` are those the
    paragraph names, its speakers left out."""
    ask = _without(sent, speakers)
    inside = [a for a in actors if sent.start <= a.start and a.end <= sent.end]
    out = {f"cue_{k}": float(cue_kind == k) for k in CUE_KINDS}
    out["passive"] = float(bool(words.passive and words.passive.search(ask)))
    for name, regex in words.implied:
        out[name] = float(len(regex.findall(ask)) > 0)
    out["state_named"] = float(any(a.label_ == "member_state" for a in inside))
    out["other_named"] = float(any(a.label_ != "member_state" for a in inside))
    return out


def _without(sent: Span, spans: list[Span]) -> str:
    """The sentence's text with the spans blanked (offsets kept)."""
    chars = list(span_text(sent))
    for span in spans:
        for k in range(max(span.start_char, sent.start_char), min(span.end_char, sent.end_char)):
            chars[k - sent.start_char] = " "
    return "".join(chars)


@dataclass
class ImpliedAddressee:
    """The learned decision: `states` where P(states | evidence) ≥ `threshold`, else
    `unspecified`; `model` is a pipeline/learn LinearModel over `features`."""

    features: list[str]
    model: Any  # LinearModel
    threshold: float
    stats: dict[str, Any] = field(default_factory=dict)  # how it was chosen, out of fold

    def proba(self, rows: Sequence[dict[str, float]]) -> np.ndarray:
        return self.model.proba(matrix(rows, self.features))

    def decide(self, seen: dict[str, float]) -> str:
        return POSITIVE if float(self.proba([seen])[0]) >= self.threshold else NEGATIVE

    def to_json(self) -> dict[str, Any]:
        return {
            "format": FORMAT,
            "features": list(self.features),
            "threshold": self.threshold,
            "model": self.model.to_json(),
            "stats": self.stats,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> ImpliedAddressee:
        from pipeline.learn import LinearModel

        if not isinstance(data, dict) or data.get("format") != FORMAT:
            found = data.get("format") if isinstance(data, dict) else type(data).__name__
            raise ValueError(f"implied addressee format {found!r} is not {FORMAT!r}: rebuild it")
        return cls(
            list(data["features"]),
            LinearModel.from_json(data["model"]),
            float(data["threshold"]),
            dict(data.get("stats", {})),
        )


def matrix(rows: Sequence[dict[str, float]], features: Sequence[str]) -> np.ndarray:
    return np.array([[row.get(f, 0.0) for f in features] for row in rows], dtype=np.float64)


MIN_ROWS = 4  # of each reading, to learn anything
C = 0.3  # inverse L2 strength: ~50 training rows (benchmarks/speakers_variants.py)


def fit_implied(
    rows: Sequence[dict[str, float]],
    states: Sequence[bool],
    documents: Sequence[str],
    c: float = C,
) -> ImpliedAddressee | None:
    """The decision learned from unnamed asks and the gold's reading of each (`states`
    True for `states`, False for `unspecified`), grouped by document: a LinearModel
    (pipeline/learn) over the evidence, its threshold chosen on out-of-fold probabilities
    (each document's by a model fitted on the others: `logo_predictions`) for the most
    right readings. None with fewer than MIN_ROWS of either reading."""
    from pipeline.learn import LinearModel, choose_threshold, logo_predictions

    y = np.asarray(states, dtype=bool)
    if y.sum() < MIN_ROWS or (~y).sum() < MIN_ROWS:
        return None
    features = sorted({name for row in rows for name in row})
    x = matrix(rows, features)
    estimator = LinearModel(C=c)
    oof = logo_predictions(estimator, x, y.astype(int), np.asarray(documents))
    scored = ~np.isnan(oof)
    threshold = 0.5
    if scored.any():
        ys = y[scored]
        threshold = choose_threshold(
            oof[scored], lambda d: float((d & ys).sum() + (~d & ~ys).sum())
        )
    model = LinearModel(C=c).fit(x, y.astype(int), features)
    stats = {
        "rows": len(y),
        "states": int(y.sum()),
        "documents": len(set(documents)),
        "out_of_fold_right": int(((oof[scored] >= threshold) == y[scored]).sum()),
    }
    return ImpliedAddressee(features, model, threshold, stats)
