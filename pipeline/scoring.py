"""Scores of the pipeline's tables against gold, as GOLD_FORMAT.md says (pure functions).

Extraction: paragraph counts, numbers and text similarity. Tagging: per paragraph, the
predicted set against the gold set (articles explicit and all, actor types, speaker
types, orgs, countries, themes), micro precision/recall/F1 and per label. Recommendations:
a prediction matches a gold one in the same paragraph when their texts overlap by at
least 80 % of the shorter; then `by` and `to` accuracy over the matched ones. Clustering:
adjusted Rand index and V-measure over the gold recommendations.
"""

from __future__ import annotations

import unicodedata
from collections import Counter, defaultdict
from dataclasses import dataclass

import pandas as pd
from rapidfuzz.distance import Levenshtein

SET_FIELDS = (
    "articles_explicit",
    "articles_all",
    "actor_types",
    "speaker_types",
    "orgs",
    "countries",
    "themes",
)
TAG_KIND = {
    "actor_types": "actor_type",
    "speaker_types": "speaker_type",
    "orgs": "org",
    "countries": "country",
    "themes": "theme",
}


@dataclass
class PRF:
    tp: int = 0
    fp: int = 0
    fn: int = 0

    def add(self, predicted: set, gold: set) -> None:
        self.tp += len(predicted & gold)
        self.fp += len(predicted - gold)
        self.fn += len(gold - predicted)

    def scores(self) -> dict[str, float]:
        p = self.tp / (self.tp + self.fp) if self.tp + self.fp else 0.0
        r = self.tp / (self.tp + self.fn) if self.tp + self.fn else 0.0
        f = 2 * p * r / (p + r) if p + r else 0.0
        return {
            "precision": round(p, 4),
            "recall": round(r, 4),
            "f1": round(f, 4),
            "support": self.tp + self.fn,
        }


def name_key(text: str) -> str:
    """Names compared as a reader would: case, accents of quotes and spacing folded."""
    text = unicodedata.normalize("NFKC", text).replace("’", "'").replace("‘", "'")
    return " ".join(text.casefold().split())


def gold_sets(row: dict) -> dict[str, set[str]]:
    arts = row.get("articles", [])
    return {
        "articles_explicit": {f"{a['instrument']}:{a['article']}" for a in arts if a["explicit"]},
        "articles_all": {f"{a['instrument']}:{a['article']}" for a in arts},
        "actor_types": set(row.get("actor_types", [])),
        "speaker_types": set(row.get("speaker_types", [])),
        "orgs": {name_key(o) for o in row.get("orgs", [])},
        "countries": {name_key(c) for c in row.get("countries", [])},
        "themes": set(row.get("themes", [])),
    }


def predicted_sets(tags: pd.DataFrame) -> dict[tuple[str, int], dict[str, set[str]]]:
    out: dict[tuple[str, int], dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
    for row in tags.itertuples(index=False):
        sets = out[(row.doc_id, int(row.para_no))]
        if row.kind == "article":
            sets["articles_all"].add(row.label)
            if bool(row.explicit):
                sets["articles_explicit"].add(row.label)
        for name, kind in TAG_KIND.items():
            if row.kind == kind:
                sets[name].add(name_key(row.label) if name in ("orgs", "countries") else row.label)
    return out


def score_tags(tags: pd.DataFrame, gold: dict[tuple[str, int], dict]) -> tuple[dict, pd.DataFrame]:
    """Micro scores per field, and a per-label table (field, label, P, R, F1, support)."""
    predicted = predicted_sets(tags[tags["doc_id"].isin({k[0] for k in gold})])
    micro = {f: PRF() for f in SET_FIELDS}
    per_label: dict[tuple[str, str], PRF] = defaultdict(PRF)
    for key, row in gold.items():
        g = gold_sets(row)
        p = predicted.get(key, {})
        for field in SET_FIELDS:
            ps, gs = set(p.get(field, set())), g[field]
            micro[field].add(ps, gs)
            if field in ("themes", "actor_types", "speaker_types", "articles_all"):
                for label in ps | gs:
                    per_label[(field, label)].add(ps & {label}, gs & {label})
    table = pd.DataFrame(
        [{"field": f, "label": lab, **prf.scores()} for (f, lab), prf in sorted(per_label.items())]
    )
    return {f: m.scores() for f, m in micro.items()}, table


def _span_in(text: str, needle: str) -> tuple[int, int] | None:
    at = text.find(needle)
    if at < 0:
        squeezed = " ".join(needle.split())
        at = " ".join(text.split()).find(squeezed)
        if at < 0:
            return None
        return at, at + len(squeezed)
    return at, at + len(needle)


def _overlap(a: tuple[int, int], b: tuple[int, int]) -> float:
    inter = max(0, min(a[1], b[1]) - max(a[0], b[0]))
    shorter = min(a[1] - a[0], b[1] - b[0])
    return inter / shorter if shorter > 0 else 0.0


def match_recommendations(
    recs: pd.DataFrame, gold: dict[tuple[str, int], dict]
) -> list[tuple[dict, dict | None, tuple[str, int]]]:
    """Gold recommendations paired with their matched prediction (or None)."""
    by_para: dict[tuple[str, int], list[dict]] = defaultdict(list)
    for row in recs.to_dict("records"):
        by_para[(row["doc_id"], int(row["para_no"]))].append(row)
    pairs = []
    for key, row in gold.items():
        available = list(by_para.get(key, []))
        for g in row.get("recommendations", []):
            span = _span_in(row["text"], g["text"])
            best = None
            if span is not None:
                scored = [(p, _overlap(span, (int(p["start"]), int(p["end"])))) for p in available]
                scored = [s for s in scored if s[1] >= 0.8]
                if scored:
                    best = max(scored, key=lambda s: s[1])[0]
                    available.remove(best)
            pairs.append((g, best, key))
    return pairs


def score_recommendations(recs: pd.DataFrame, gold: dict[tuple[str, int], dict]) -> dict:
    recs = recs[recs["doc_id"].isin({k[0] for k in gold})]
    pairs = match_recommendations(recs, gold)
    matched = [(g, p) for g, p, _ in pairs if p is not None]
    n_pred, n_gold = len(recs), len(pairs)
    p = len(matched) / n_pred if n_pred else 0.0
    r = len(matched) / n_gold if n_gold else 0.0
    return {
        "precision": round(p, 4),
        "recall": round(r, 4),
        "f1": round(2 * p * r / (p + r), 4) if p + r else 0.0,
        "support": n_gold,
        "predicted": n_pred,
        "by_accuracy": round(sum(g["by"] == q["by"] for g, q in matched) / len(matched), 4)
        if matched
        else 0.0,
        "to_accuracy": round(sum(g["to"] == q["to"] for g, q in matched) / len(matched), 4)
        if matched
        else 0.0,
    }


def score_clusters(
    recs: pd.DataFrame, rec_clusters: pd.DataFrame, gold: dict[tuple[str, int], dict]
) -> dict[str, float]:
    """ARI and V-measure over the gold recommendations: each gets the cluster of the
    prediction it matches; an unmatched one is a cluster of its own."""
    from sklearn.metrics import adjusted_rand_score, v_measure_score

    recs = recs[recs["doc_id"].isin({k[0] for k in gold})]
    ids = {
        (r.doc_id, int(r.para_no), int(r.rec_no)): int(r.cluster_id)
        for r in rec_clusters.itertuples(index=False)
    }
    truth, predicted = [], []
    for n, (g, p, _) in enumerate(match_recommendations(recs, gold)):
        truth.append(g["cluster"])
        key = (p["doc_id"], int(p["para_no"]), int(p["rec_no"])) if p is not None else None
        predicted.append(ids.get(key, -1 - n) if key else -1 - n)
    if not truth:
        return {"ari": 0.0, "v_measure": 0.0, "n_gold": 0}
    return {
        "ari": round(float(adjusted_rand_score(truth, predicted)), 4),
        "v_measure": round(float(v_measure_score(truth, predicted)), 4),
        "n_gold": len(truth),
        "n_gold_clusters": len(set(truth)),
        "n_predicted_clusters": len(set(predicted)),
    }


def score_extraction(
    paragraphs: pd.DataFrame,
    documents: pd.DataFrame,
    gold_docs: dict,
    gold: dict[tuple[str, int], dict],
) -> dict:
    got = paragraphs.set_index(["doc_id", "para_no"])["text"]
    sims = []
    for key, row in gold.items():
        text = got.get(key)
        sims.append(
            0.0
            if text is None
            else Levenshtein.normalized_similarity(
                " ".join(row["text"].split()), " ".join(str(text).split())
            )
        )
    counts = Counter(paragraphs["doc_id"])
    docs = documents.set_index("doc_id")
    meta_ok = [
        all(
            str(docs.loc[d, k]) == str(v)
            for k, v in g.items()
            if k in ("working_group", "date", "year", "session_ordinal")
        )
        for d, g in gold_docs.items()
        if d in docs.index
    ]
    return {
        "documents": len(gold_docs),
        "paragraph_count_exact": round(
            sum(counts.get(d, 0) == g.get("n_paragraphs") for d, g in gold_docs.items())
            / max(1, len(gold_docs)),
            4,
        ),
        "text_similarity_mean": round(sum(sims) / len(sims), 4) if sims else 0.0,
        "text_similarity_min": round(min(sims), 4) if sims else 0.0,
        "metadata_exact": round(sum(meta_ok) / len(meta_ok), 4) if meta_ok else 0.0,
    }
