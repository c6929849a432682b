"""What an analyst's answers teach about their own session, beyond the pairs answered.

A session has its own ways: one discusses "victims" in passing in every paragraph,
another names cooperation only by its institutions. When an analyst answers a few of a
session's least sure pairs, the answers say more than themselves: a "no" to a theme the
decision was barely sure of says the session's evidence for that theme reads weaker than
the training documents'. Per session (document) and theme answered, an offset is added to
the decision's log-odds, the maximum a posteriori shift that makes the answers likely
(`offset`: a Gaussian prior of variance PRIOR_VARIANCE, chosen leave-one-document-out on
the development gold, 1 to 8 tried; one "no" at the threshold moves the theme by about
-0.7). The shipped model keeps them by document id (`ThemeModel.sessions_`) and
`predict_proba` adds them to the paragraphs of that document.

`with_session` is the retraining of the simulated analyst (pipeline/themes/analyst.py): a
fitted model refitted with a new session's answers as partial rows, reusing the training
documents' out-of-fold evidence (`ThemeModel.rows_`): the answers' own evidence comes from
parts fitted without their session, exactly as a full refit gives it; the training
documents' would differ only by the few answered rows in their parts.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping, Sequence

import numpy as np

from pipeline.themes.features import feature_names, pair_features
from pipeline.themes.model import PairRows
from pipeline.themes.unsure import log_odds

PRIOR_VARIANCE = 2.0


def offset(z: np.ndarray, yes: np.ndarray, prior: float = PRIOR_VARIANCE) -> float:
    """The shift b of log-odds `z` that maximizes the likelihood of the answers `yes`
    under a N(0, prior) prior on b (Newton's method; the objective is convex)."""
    z = np.asarray(z, dtype=np.float64)
    sign = np.where(np.asarray(yes, dtype=bool), 1.0, -1.0)
    b = 0.0
    for _ in range(50):
        q = 1.0 / (1.0 + np.exp(sign * (z + b)))  # probability of the wrong answer
        grad = -(sign * q).sum() + b / prior
        hess = (q * (1 - q)).sum() + 1.0 / prior
        step = grad / hess
        b -= step
        if abs(step) < 1e-9:
            break
    return float(b)


def session_offsets(
    model, paragraphs: Sequence, targets: np.ndarray, known: np.ndarray, vectors
) -> dict[str, float]:
    """theme → offset for one session, from its answered pairs (`known`) and the answers
    (`targets`), read against the model's probabilities without offsets."""
    if not len(paragraphs) or not np.asarray(known).any():
        return {}
    z = log_odds(model.predict_proba(paragraphs, vectors, sessions=False))
    z -= log_odds(model.threshold_)
    out = {}
    for j, label in enumerate(model.labels):
        rows = np.flatnonzero(known[:, j])
        if len(rows):
            out[label] = round(offset(z[rows, j], targets[rows, j]), 6)
    return out


def fit_sessions(model, data, vectors) -> dict[str, dict[str, float]]:
    """document → theme → offset, for every document with an answered pair in `data` (a
    TrainingSet whose partial rows are answers)."""
    partial = ~data.mask.all(axis=1)
    out = {}
    for document in sorted({d for d, p in zip(data.documents, partial, strict=True) if p}):
        rows = [i for i in data.rows_of(document) if partial[i]]
        offsets = session_offsets(
            model,
            [data.paragraphs[i] for i in rows],
            data.targets[rows],
            data.mask[rows],
            vectors,
        )
        if offsets:
            out[document] = offsets
    return out


def with_session(
    model,
    extra,
    vectors: Mapping[str, np.ndarray] | None,
    concepts,
    training,
):
    """`model` (fitted on `training`, a TrainingSet) refitted with `extra`: a session's
    answers as partial rows, its document not among the training documents."""
    if set(extra.documents) & set(training.documents):
        raise ValueError("with_session: the session's document is among the training documents")
    rows = model.rows_
    known = extra.mask.ravel()
    x_new = pair_features(extra.paragraphs, model.parts_, vectors, model.lexicon_)[known]
    y_new = extra.targets.ravel()[known]
    w_new = np.repeat(extra.row_weights, len(model.labels))[known]
    groups_new = np.repeat(np.asarray(extra.documents), len(model.labels))[known]
    x = np.vstack([rows.x, x_new])
    y = np.concatenate([rows.y, y_new])
    w = np.concatenate([rows.w, w_new])
    groups = np.concatenate([rows.groups, groups_new])
    whole = np.concatenate([rows.whole, np.zeros(len(y_new), dtype=bool)])
    out = copy.copy(model)
    out.parts_ = model.fit_parts(training.plus(extra), vectors, concepts)
    names = feature_names(out.parts_, model.lexicon_)
    out.decision_ = model._linear().fit(x, y, names, sample_weight=w)
    out.threshold_ = out._threshold(x, y, w, groups, whole)
    out.rows_ = PairRows(x, y, w, groups, whole)
    out.sessions_ = {}
    return out
