"""Answers that share their evidence with the session's other pairs (issue 20, second try).

    python benchmarks/analyst_evidence.py [--bootstrap 2000]

Leave one document out over the development gold, from the same fold decisions as
`crp crossval` (benchmarks/analyst_variants.py tried offsets, kNN, recalibration, focus
and answer weights; none of them is repeated here). For each session the analyst answers
K = 5, 10, 20 pairs from its gold; nothing else of its gold is read, except by the
`oracle/*` lines, which are bounds, not methods. Printed and kept in
benchmarks/results.json under "analyst_evidence":

- `ceiling/<key>`: how many of the fold decisions' errors share their evidence key with
  another error of the same session (the most evidence-sharing could reach), and at K10
  how many pairs share an answered pair's key: `same_error` (the same error as the
  answered pair's, which propagation would fix), `harmed` (decided right, of the other
  answer, which propagation would break);
- `oracle_propagation/<key>/kK`: least-sure answers, then every pair sharing an answer's
  key and having the answer's truth set right, nothing else touched;
- `oracle_selection/kK`: the K answers all errors (one per paragraph first): what
  selection alone could give;
- `<selection>+<adapt>/kK`: pooled F1 (answers final), unreviewed paragraphs' F1 before
  and after. Evidence keys: `phrase` (the lexicon's matched phrases, lower-cased),
  `like` (the theme's concept sentence the paragraph is nearest, as `crp themes review`
  shows it), `both` (phrase where the lexicon matched, else like). Adaptations:
  `share/<key>/a` (each answer moves the same-theme pairs sharing its key by
  2·a·sign·q, q the decision's probability of the answer's opposite), `keyoff/<key>/v`
  (a MAP offset per (theme, key) answered, prior variance v, as sessions.offset fits per
  theme), `offsets/4` (per-theme offsets, for comparison). Selections: `least`
  (unsure.least_sure), `mates/b` (|z| - b·log(1 + pairs near the threshold sharing the
  phrase)), `theme/b` (|z| - b·log(1 + the theme's other pairs with |z| < 1)),
  `asym/g` (a pair below the threshold counts g times its distance: errors are rarer
  there), `gain` (the decision's expected F1 gain of the answer: (1-p)·F above the
  threshold, p·(2-F) below, F = 0.83);
- `bootstrap/...`: paired bootstrap over sessions (and over paragraphs) of the K10 F1
  difference against `least+final` (today's figure without retraining), for the best
  K10 line above (the best of many: its difference is biased upwards), share/phrase/1
  (hypothesis 1) and gain (the selection finding the most errors);
- `simulated/<selection>/kK` (`--retrain`): the simulated analyst of `crp crossval`
  (retrained, offsets; pipeline/themes/analyst.py) with that selection in place of
  `unsure.least_sure`; `least` reproduces metrics/cv.json.

Post-hoc lines take seconds; the fold models about two minutes, each `--retrain` selection
a few more. The unreviewed paragraphs differ between selections: compare `unreviewed`
with the same line's `unreviewed_before`.
"""

from __future__ import annotations

import argparse
from collections import defaultdict
from collections.abc import Callable

import numpy as np
from common import record, theme_folds

from pipeline.themes.analyst import prf
from pipeline.themes.sessions import offset
from pipeline.themes.similarity import unit_rows
from pipeline.themes.unsure import log_odds

KS = (5, 10, 20)
F_TODAY = 0.83  # pooled F1 without answers: weighs a fixed miss against a fixed false tag


def fold_sessions() -> tuple[list[dict], dict]:
    """Per left-out document: log-odds z (threshold at 0), truth, probabilities and the
    evidence keys of every (paragraph, theme) pair; and what `simulate` needs."""
    context, folds = theme_folds()
    embedded = context["embedded"]
    sessions = []
    for held, model, data in folds:
        p0 = model.predict_proba(data.paragraphs, embedded.vectors)
        own = unit_rows(np.stack([embedded.vectors[p.text] for p in data.paragraphs]))
        phrase, like = [], []
        for label in model.labels:
            poles = model.parts_.concepts.vectors[label]
            near = np.argmax(own @ poles.T, axis=1)
            phrase.append(
                [
                    {p.text[h.start : h.end].lower() for h in p.hits_of(label)}
                    for p in data.paragraphs
                ]
            )
            like.append([{("like", int(n))} for n in near])
        keys = {
            "phrase": phrase,
            "like": like,
            "both": [
                [a or b for a, b in zip(pa, li, strict=True)]
                for pa, li in zip(phrase, like, strict=True)
            ],
        }
        z = log_odds(p0) - log_odds(model.threshold_)
        sessions.append({"z": z, "t": data.targets.astype(bool), "p": p0, "keys": keys})
        print(held, len(data.paragraphs), flush=True)
    return sessions, context


# -- selections: (session, k) -> chosen cells ----------------------------------------------
def pick(margin: np.ndarray, k: int) -> list[tuple[int, int]]:
    """The k cells of smallest margin, one per paragraph first (as unsure.least_sure)."""
    order = np.argsort(margin, axis=None, kind="stable")
    chosen: list[tuple[int, int]] = []
    taken: set[int] = set()
    for first in (True, False):
        for flat in order:
            i, j = divmod(int(flat), margin.shape[1])
            if len(chosen) == k:
                return chosen
            if (i, j) in chosen or (first and i in taken):
                continue
            chosen.append((i, j))
            taken.add(i)
    return chosen


def mates(s: dict, key: str = "phrase", near: float = 2.0) -> np.ndarray:
    """Per cell: the session's other pairs of the theme sharing its key, |z| < near."""
    z = s["z"]
    out = np.zeros(z.shape)
    for j, column in enumerate(s["keys"][key]):
        close = np.abs(z[:, j]) < near
        for i, own in enumerate(column):
            if own:
                out[i, j] = sum(
                    close[m] and m != i and bool(own & column[m]) for m in range(len(z))
                )
    return out


def least(s, k):
    return pick(np.abs(s["z"]), k)


def by_mates(b):
    return lambda s, k: pick(np.abs(s["z"]) - b * np.log1p(mates(s)), k)


def by_theme(b):
    def choose(s, k):
        near = np.abs(s["z"]) < 1
        return pick(np.abs(s["z"]) - b * np.log1p(near.sum(0, keepdims=True) - near), k)

    return choose


def asym(g):
    return lambda s, k: pick(np.where(s["z"] >= 0, s["z"], -g * s["z"]), k)


def gain(s, k):
    p, above = s["p"], s["z"] >= 0
    return pick(-np.where(above, (1 - p) * F_TODAY, p * (2 - F_TODAY)), k)


def errors_first(s, k):
    wrong = (s["z"] >= 0) != s["t"]
    return pick(np.abs(s["z"]) + np.where(wrong, 0, 1e3), k)


# -- adaptations: (session, answered) -> log-odds of every pair ------------------------------
def unchanged(s, a):
    return s["z"]


def share(key, alpha):
    def adapt(s, a):
        z, t, column = s["z"], s["t"], s["keys"][key]
        out = z.copy()
        for i, j in zip(*np.nonzero(a), strict=True):
            own = column[j][i]
            sign = 1.0 if t[i, j] else -1.0
            q = 1 / (1 + np.exp(sign * z[i, j]))
            for m in range(len(z)):
                if m != i and own & column[j][m]:
                    out[m, j] += 2 * alpha * sign * q
        return out

    return adapt


def keyoff(key, var):
    def adapt(s, a):
        z, t, keys = s["z"], s["t"], s["keys"][key]
        out, groups = z.copy(), defaultdict(list)
        for i, j in zip(*np.nonzero(a), strict=True):
            for value in keys[j][i]:
                groups[j, value].append(i)
        for (j, value), rows in groups.items():
            b = offset(z[rows, j], t[rows, j], var)
            for m in range(len(z)):
                if value in keys[j][m]:
                    out[m, j] += b / len(keys[j][m])
        return out

    return adapt


def theme_offsets(s, a, var=4.0):
    out = s["z"].copy()
    for j in np.flatnonzero(a.any(0)):
        out[:, j] += offset(s["z"][a[:, j], j], s["t"][a[:, j], j], var)
    return out


def oracle_propagation(key):
    def adapt(s, a):
        z, t, column = s["z"], s["t"], s["keys"][key]
        out = z.copy()
        for i, j in zip(*np.nonzero(a), strict=True):
            for m in range(len(z)):
                if column[j][i] & column[j][m] and t[m, j] == t[i, j]:
                    out[m, j] = 5.0 if t[m, j] else -5.0
        return out

    return adapt


# -- scoring --------------------------------------------------------------------------------
Choose = Callable[[dict, int], list]
Adapt = Callable[[dict, np.ndarray], np.ndarray]


def decide(sessions, choose: Choose, adapt: Adapt, k: int) -> list[dict]:
    out = []
    for s in sessions:
        a = np.zeros(s["t"].shape, bool)
        for i, j in choose(s, k):
            a[i, j] = True
        decided = np.where(a, s["t"], adapt(s, a) >= 0)
        out.append({"o": decided, "t": s["t"], "u": ~a.any(1), "b": s["z"] >= 0})
    return out


def score(runs: list[dict]) -> dict[str, float]:
    o, t, b = (np.vstack([r[n] for r in runs]) for n in ("o", "t", "b"))
    u = np.concatenate([r["u"] for r in runs])
    return {
        "f1": prf(o, t)["f1"],
        "unreviewed_before": prf(b[u], t[u])["f1"],
        "unreviewed": prf(o[u], t[u])["f1"],
    }


def counts(o: np.ndarray, t: np.ndarray) -> np.ndarray:
    """Per row: true positives, predicted, true (micro F1 = 2·tp / (pred + true))."""
    return np.stack([(o & t).sum(1), o.sum(1), t.sum(1)], 1).astype(float)


def bootstrap(runs, base, n: int, rng: np.random.Generator) -> dict[str, float]:
    """Paired bootstrap of the pooled F1 difference, over sessions and over paragraphs."""
    out = {}
    per_session = [
        (counts(r["o"], r["t"]).sum(0), counts(q["o"], q["t"]).sum(0))
        for r, q in zip(runs, base, strict=True)
    ]
    rows = (
        counts(np.vstack([r["o"] for r in runs]), np.vstack([r["t"] for r in runs])),
        counts(np.vstack([q["o"] for q in base]), np.vstack([q["t"] for q in base])),
    )
    units = {
        "sessions": (np.stack([a for a, _ in per_session]), np.stack([b for _, b in per_session])),
        "paragraphs": rows,
    }
    for name, (new, old) in units.items():
        draws = rng.integers(0, len(new), size=(n, len(new)))
        f = [2 * c[draws, 0].sum(1) / (c[draws, 1].sum(1) + c[draws, 2].sum(1)) for c in (new, old)]
        d = f[0] - f[1]
        out[f"{name}_mean"] = round(float(d.mean()), 4)
        out[f"{name}_ci95"] = [round(float(x), 4) for x in np.percentile(d, [2.5, 97.5])]
        out[f"{name}_p_not_better"] = round(float((d <= 0).mean()), 4)
    return out


def ceiling(sessions, key: str) -> dict[str, int]:
    """Errors sharing (theme, key) with another error of their session; and at K10, the
    pairs sharing an answered pair's key, by what propagation would do to them."""
    out = {"errors": 0, "sharing_an_error": 0, "k10_mates": 0, "k10_same_error": 0, "k10_harmed": 0}
    for s in sessions:
        z, t, column = s["z"], s["t"], s["keys"][key]
        wrong = (z >= 0) != t
        groups = defaultdict(set)
        for i, j in zip(*np.nonzero(wrong), strict=True):
            for value in column[j][i]:
                groups[j, value].add(i)
        for i, j in zip(*np.nonzero(wrong), strict=True):
            out["errors"] += 1
            out["sharing_an_error"] += any(len(groups[j, v]) > 1 for v in column[j][i])
        for i, j in least(s, 10):
            for m in range(len(z)):
                if m == i or not column[j][i] & column[j][m]:
                    continue
                out["k10_mates"] += 1
                out["k10_same_error"] += int(wrong[m, j] and t[m, j] == t[i, j])
                out["k10_harmed"] += int(not wrong[m, j] and t[m, j] != t[i, j])
    return out


AS_ASKED = {  # the selections readable from the probabilities alone, as `least_sure` is called
    "least": lambda p, thr, z: np.abs(z),
    "gain": lambda p, thr, z: -np.where(z >= 0, (1 - p) * F_TODAY, p * (2 - F_TODAY)),
    "theme/0.5": lambda p, thr, z: (
        np.abs(z) - 0.5 * np.log1p((np.abs(z) < 1).sum(0) - (np.abs(z) < 1))
    ),
}


def retrained(name: str, context: dict) -> dict:
    """The simulated analyst (retraining, offsets: what `crp crossval` reports) with the
    selection `name` in place of `unsure.least_sure`."""
    from pipeline.themes import analyst

    def ask(probs, threshold, k):
        z = log_odds(probs) - log_odds(threshold)
        return pick(AS_ASKED[name](probs, threshold, z), k)

    shipped, analyst.least_sure = analyst.least_sure, ask
    try:
        s = analyst.simulate(**context)
    finally:
        analyst.least_sure = shipped
    return {
        f"simulated/{name}/k{k}": {
            **{v: s[f"k{k}"][v]["f1"] for v in analyst.VARIANTS},
            "unreviewed": s[f"k{k}"]["unreviewed"],
            "answers_correcting": s[f"k{k}"]["answers_correcting"],
        }
        for k in (0, *KS)
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--bootstrap", type=int, default=2000)
    parser.add_argument("--retrain", default="least,gain,theme/0.5")
    args = parser.parse_args()
    sessions, context = fold_sessions()
    results: dict = {}
    for key in ("phrase", "like", "both"):
        results[f"ceiling/{key}"] = ceiling(sessions, key)
        for k in KS:
            results[f"oracle_propagation/{key}/k{k}"] = score(
                decide(sessions, least, oracle_propagation(key), k)
            )
    for k in KS:
        results[f"oracle_selection/k{k}"] = score(decide(sessions, errors_first, unchanged, k))
    selections = {
        "least": least,
        **{f"mates/{b:g}": by_mates(b) for b in (0.25, 0.5, 1)},
        **{f"theme/{b:g}": by_theme(b) for b in (0.25, 0.5, 1)},
        **{f"asym/{g:g}": asym(g) for g in (1.5, 2, 3)},
        "gain": gain,
    }
    adapts = {
        "final": unchanged,
        "offsets/4": theme_offsets,
        **{
            f"share/{key}/{a:g}": share(key, a)
            for key in ("phrase", "like", "both")
            for a in (0.5, 1, 2)
        },
        **{f"keyoff/{key}/{v:g}": keyoff(key, v) for key in ("phrase", "both") for v in (2, 4)},
    }
    runs = {}
    for sname, choose in selections.items():
        for aname, adapt in adapts.items():
            if sname != "least" and not (
                aname in ("final", "offsets/4") or aname.endswith("phrase/1")
            ):
                continue
            for k in KS:
                runs[f"{sname}+{aname}/k{k}"] = decide(sessions, choose, adapt, k)
                results[f"{sname}+{aname}/k{k}"] = score(runs[f"{sname}+{aname}/k{k}"])
    rng = np.random.default_rng(20)
    base = runs["least+final/k10"]
    tried = {
        n: r
        for n, r in results.items()
        if n.endswith("/k10") and n in runs and n != "least+final/k10"
    }
    best = max(tried, key=lambda n: tried[n]["f1"])
    for name in sorted({best, "least+share/phrase/1/k10", "gain+final/k10"}):
        results[f"bootstrap/{name}"] = {
            **results[name],
            **bootstrap(runs[name], base, args.bootstrap, rng),
        }
    for name in filter(None, args.retrain.split(",")):
        results.update(retrained(name, context))
    for name, line in results.items():
        print(f"{name:34s} {line}")
    record("analyst_evidence", results)


if __name__ == "__main__":
    main()
