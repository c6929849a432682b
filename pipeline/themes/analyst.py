"""A simulated analyst: what answering a session's K least sure pairs is worth.

Leave one document out over the development gold. For the left-out session: the decision
fitted on the other documents proposes; the analyst answers its K least sure pairs
(`unsure.least_sure`, as `crp themes review` asks them) from the session's gold; the
decision is retrained with the answers (`sessions.with_session`: partial rows, their
paragraphs also vocabulary examples and neighbours), the session's offsets are fitted
(`sessions.session_offsets`), the answers are final; and every paragraph of the session
is scored. The same K answers are nested (the first 5 of the 10, of the 20), as an
analyst who reviews more goes on down the same list.

Four variants show where a gain comes from: `final` (the answers replace the proposals,
nothing learned), `offsets` (plus the session's offsets on the unchanged decision),
`retrained` (the decision retrained, no offsets) and `shipped` (retrained and offsets:
what `crp themes apply` + `dvc repro` do). Scores are micro precision, recall and F1 over
(paragraph, theme) pairs, pooled over sessions (the `themes` of `crp evaluate`); and the
same on the session's unreviewed paragraphs (none of their pairs answered), against what
the decision without answers gave on those very paragraphs: the gain that carries.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from typing import Any

import numpy as np

from pipeline.knowledge.taxonomy import Taxonomy
from pipeline.themes.model import ThemeModel, ThemeSettings
from pipeline.themes.sessions import offset, with_session
from pipeline.themes.training import Embedded, GoldParagraphs, train
from pipeline.themes.unsure import least_sure, log_odds

log = logging.getLogger("crp")
KS = (0, 5, 10, 20)
VARIANTS = ("final", "offsets", "retrained", "shipped")


def prf(predicted: np.ndarray, truth: np.ndarray) -> dict[str, Any]:
    predicted, truth = np.asarray(predicted, bool), np.asarray(truth, bool)
    tp = int((predicted & truth).sum())
    p = tp / max(int(predicted.sum()), 1)
    r = tp / max(int(truth.sum()), 1)
    f1 = 2 * tp / max(int(predicted.sum() + truth.sum()), 1)
    return {"precision": round(p, 4), "recall": round(r, 4), "f1": round(f1, 4)}


def with_offsets(
    z: np.ndarray, answered: np.ndarray, truth: np.ndarray, before: np.ndarray | None = None
) -> np.ndarray:
    """Log-odds `z` (threshold at 0) with the session's offset of each theme answered,
    fitted on what the decision said of the answered pairs `before` their answers were
    learned (default: `z`): a model retrained on the answers has learned them already."""
    before = z if before is None else before
    out = z.copy()
    for j in np.flatnonzero(answered.any(axis=0)):
        rows = answered[:, j]
        out[:, j] += offset(before[rows, j], truth[rows, j])
    return out


def session_run(
    model: ThemeModel,
    gold: GoldParagraphs,
    taxonomy: Taxonomy,
    embedded: Embedded | None,
    train_ids: Sequence[str],
    session: str,
    ks: Sequence[int] = KS,
) -> dict[int, dict[str, np.ndarray]]:
    """K → variant → the session's decided matrix (paragraphs × labels), and "truth" and
    "answered" (K → answered cells)."""
    full = gold.training_set(taxonomy, [*train_ids, session])
    rows = full.rows_of(session)
    data = full.subset(rows)
    training = full.without(session)
    vectors = embedded.vectors if embedded is not None else None
    concepts = embedded.concepts if embedded is not None else None
    truth = data.targets.astype(bool)
    p0 = model.predict_proba(data.paragraphs, vectors)
    z0 = log_odds(p0) - log_odds(model.threshold_)
    chosen = least_sure(p0, model.threshold_, max(ks))
    out: dict[int, dict[str, np.ndarray]] = {}
    for k in ks:
        answered = np.zeros(truth.shape, dtype=bool)
        for i, j in chosen[:k]:
            answered[i, j] = True

        def final(z: np.ndarray, answered: np.ndarray = answered) -> np.ndarray:
            return np.where(answered, truth, z >= 0)

        decided = {"truth": truth, "answered": answered, "final": final(z0)}
        decided["offsets"] = final(with_offsets(z0, answered, truth))
        if k == 0:
            decided["retrained"] = decided["shipped"] = decided["final"]
            out[k] = decided
            continue
        answered_rows = np.flatnonzero(answered.any(axis=1))
        extra = data.subset(answered_rows)
        extra.known = answered[answered_rows]
        extra.weights = np.full(len(answered_rows), model.settings.answer_weight)
        again = with_session(model, extra, vectors, concepts, training)
        zk = log_odds(again.predict_proba(data.paragraphs, vectors)) - log_odds(again.threshold_)
        decided["retrained"] = final(zk)
        decided["shipped"] = final(with_offsets(zk, answered, truth, z0))
        out[k] = decided
    return out


def simulate(
    gold: GoldParagraphs,
    taxonomy: Taxonomy,
    settings: ThemeSettings,
    embedded: Embedded | None,
    documents: Sequence[str],
    models: dict[tuple[str, ...], ThemeModel] | None = None,
    ks: Sequence[int] = KS,
) -> dict[str, Any]:
    """The simulated analyst leave-one-document-out over `documents`; `models`: fold
    models already fitted (training documents → model), e.g. by the leave-one-out run."""
    started = time.perf_counter()
    models = {} if models is None else models
    runs: dict[int, dict[str, list[np.ndarray]]] = {}
    for session in sorted(documents):
        train_ids = tuple(sorted(d for d in documents if d != session))
        model = models.get(train_ids) or train(gold, taxonomy, settings, embedded, train_ids)
        for k, decided in session_run(
            model, gold, taxonomy, embedded, train_ids, session, ks
        ).items():
            for name, matrix in decided.items():
                runs.setdefault(k, {}).setdefault(name, []).append(matrix)
    pooled = {k: {n: np.vstack(m) for n, m in v.items()} for k, v in runs.items()}
    before = pooled[0]["final"]
    summary: dict[str, Any] = {}
    for k, p in sorted(pooled.items()):
        unreviewed = ~p["answered"].any(axis=1)
        truth = p["truth"]
        entry: dict[str, Any] = {v: prf(p[v], truth) for v in VARIANTS}
        entry["unreviewed"] = {
            "paragraphs": int(unreviewed.sum()),
            "before": prf(before[unreviewed], truth[unreviewed])["f1"],
            **{v: prf(p[v][unreviewed], truth[unreviewed])["f1"] for v in VARIANTS},
        }
        entry["answers"] = int(p["answered"].sum())
        entry["answers_correcting"] = int((p["answered"] & (before != truth)).sum())
        summary[f"k{k}"] = entry
    summary["sessions"] = len(documents)
    log.info(
        "simulated analyst: %d sessions, %d retrainings in %.0f s",
        len(documents),
        len(documents) * sum(k > 0 for k in ks),
        time.perf_counter() - started,
    )
    return summary
