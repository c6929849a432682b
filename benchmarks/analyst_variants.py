"""Ways a session's answers could teach about the session's other pairs (issue 20).

    python benchmarks/analyst_variants.py [--weights 1,5,20]

Leave one document out over the development gold, from the same fold decisions as
`crp crossval`. For each session the analyst answers K = 5, 10, 20 pairs from its gold
(`unsure.least_sure`, unless a variant chooses otherwise); nothing else of its gold is
read. Printed and kept in benchmarks/results.json under "analyst_variants": pooled themes
F1 over every pair (answers final) and, on the unreviewed paragraphs, F1 before and after.
- `weight=W`: the simulated analyst (pipeline/themes/analyst.py) with `answer_weight` W
  (the answers weigh W in the vocabulary and the decision's rows);
- post-hoc, on the decision fitted without the session (no retraining):
  `offsets/v` (per theme answered, prior variance v), `global/v` (one offset for every
  theme of the session), `knn/a/s` (each answer's residual spread to the session's
  paragraphs whose vector is closer than s, strength a, same theme),
  `recal` (a*z + b + b_theme, a ~ N(1, 0.05), b ~ N(0, 0.25), b_theme ~ N(0, 2)),
  `focus/m` (the K pairs nearest the threshold among the m themes with the most expected
  errors in the session, then offsets/4).
"""

from __future__ import annotations

import argparse
from dataclasses import replace

import numpy as np
from common import record, theme_folds

from pipeline.themes.analyst import prf, simulate
from pipeline.themes.sessions import offset
from pipeline.themes.unsure import least_sure, log_odds


def offsets(var):
    def adapt(z, a, t, v):
        out = z.copy()
        for j in np.flatnonzero(a.any(0)):
            out[:, j] += offset(z[a[:, j], j], t[a[:, j], j], var)
        return out

    return adapt


def one_offset(var):
    return lambda z, a, t, v: z + offset(z[a], t[a], var)


def knn(alpha, s0):
    def adapt(z, a, t, v):
        out, sim = z.copy(), v @ v.T
        for i, j in zip(*np.nonzero(a), strict=True):
            sign = 1.0 if t[i, j] else -1.0
            wrong = 1 / (1 + np.exp(sign * z[i, j]))
            out[:, j] += 2 * alpha * sign * wrong * np.clip((sim[:, i] - s0) / (1 - s0), 0, None)
        return out

    return adapt


def recal(z, a, t, v, sa=0.05, sb=0.25, st=2.0):
    from scipy.optimize import minimize

    rows, cols = np.nonzero(a)
    zz, y = z[rows, cols], t[rows, cols].astype(float)
    themes = np.unique(cols)
    idx = np.searchsorted(themes, cols)

    def loss(w):
        s = w[0] * zz + w[1] + w[2:][idx]
        nll = (np.logaddexp(0, -s) * y + np.logaddexp(0, s) * (1 - y)).sum()
        prior = (w[0] - 1) ** 2 / (2 * sa) + w[1] ** 2 / (2 * sb)
        return nll + prior + (w[2:] ** 2).sum() / (2 * st)

    w = minimize(loss, np.r_[1.0, 0.0, np.zeros(len(themes))], method="L-BFGS-B").x
    out = w[0] * z + w[1]
    out[:, themes] += w[2:]
    return out


def focus(m):
    def choose(p0, threshold, k, z):
        themes = np.argsort(-(1 / (1 + np.exp(np.abs(z)))).sum(0))[:m]
        chosen, used = [], set()
        for _, i, j in sorted((abs(z[i, j]), i, j) for j in themes for i in range(len(z))):
            if len(chosen) < k and i not in used:
                chosen.append((i, j))
                used.add(i)
        return chosen

    return choose


def post_hoc(sessions, adapt, k, choose=None):
    outs, truths, unreviewed, before = [], [], [], []
    for z, t, v, p0, threshold in sessions:
        pairs = choose(p0, threshold, k, z) if choose else least_sure(p0, threshold, k)
        a = np.zeros(t.shape, bool)
        for i, j in pairs:
            a[i, j] = True
        outs.append(np.where(a, t, adapt(z, a, t, v) >= 0))
        truths.append(t)
        unreviewed.append(~a.any(1))
        before.append(z >= 0)
    o, t, u, b = np.vstack(outs), np.vstack(truths), np.concatenate(unreviewed), np.vstack(before)
    return {
        "f1": prf(o, t)["f1"],
        "unreviewed_before": prf(b[u], t[u])["f1"],
        "unreviewed": prf(o[u], t[u])["f1"],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--weights", default="1,5,20")
    args = parser.parse_args()
    context, folds = theme_folds()
    gold, taxonomy, settings, embedded = (
        context[k] for k in ("gold", "taxonomy", "settings", "embedded")
    )
    doc_ids, models, sessions = context["documents"], context["models"], []
    for _, model, data in folds:
        if not data.paragraphs:
            continue
        p0 = model.predict_proba(data.paragraphs, embedded.vectors)
        v = np.stack([embedded.vectors[p.text] for p in data.paragraphs])
        z = log_odds(p0) - log_odds(model.threshold_)
        v = v / np.linalg.norm(v, axis=1, keepdims=True)
        sessions.append((z, data.targets.astype(bool), v, p0, model.threshold_))
    results = {}
    for w in map(float, args.weights.split(",")):
        for m in models.values():
            m.settings = replace(m.settings, answer_weight=w)
        s = simulate(gold, taxonomy, settings, embedded, doc_ids, models)
        for k in ("k0", "k5", "k10", "k20"):
            e = s[k]
            results[f"weight={w:g}/{k}"] = {
                **{v: e[v]["f1"] for v in ("final", "offsets", "retrained", "shipped")},
                "unreviewed": e["unreviewed"],
            }
    variants = {
        "final": (lambda z, a, t, v: z, None),
        **{f"offsets/{v:g}": (offsets(v), None) for v in (1, 2, 4, 8)},
        **{f"global/{v:g}": (one_offset(v), None) for v in (0.25, 1)},
        **{f"knn/{a:g}/{s:g}": (knn(a, s), None) for a in (2, 4) for s in (0.3, 0.5, 0.7)},
        "recal": (recal, None),
        **{f"focus/{m}": (offsets(4), focus(m)) for m in (2, 3, 5)},
    }
    for name, (adapt, choose) in variants.items():
        for k in (5, 10, 20):
            results[f"{name}/k{k}"] = post_hoc(sessions, adapt, k, choose)
    for name, line in results.items():
        print(f"{name:22s} {line}")
    record("analyst_variants", results)


if __name__ == "__main__":
    main()
