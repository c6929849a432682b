"""Clustering: deterministic, readable labels, exemplars from the cluster, scalable path."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd
import pytest

from pipeline.asks.clustering import Agglomeration, cluster_labels, cosine_pdist, neighbour_graph
from pipeline.asks.frame import reporting_frame
from pipeline.cluster import ClusterSettings, cluster
from pipeline.embed import asks_table, tfidf_vectors
from pipeline.knowledge.taxonomy import load_taxonomy

TAXONOMY = load_taxonomy(parts=["recommendations", "wording"])
FRAME, WORDING = reporting_frame(TAXONOMY), TAXONOMY.wording

TEXTS = [
    "He urged States to mark firearms at the time of import.",
    "She recommended that States mark imported firearms.",
    "They called on UNODC to train prosecutors and judges.",
    "One speaker invited UNODC to provide training for judges and prosecutors.",
    "He proposed that the Working Group hold a session on corruption.",
]
DOCS = pd.DataFrame(
    {
        "doc_id": ["a", "b"],
        "working_group": ["firearms", "firearms"],
        "year": [2022, 2023],
        "session_ordinal": [1, 2],
        "date": ["2022-05-06", "2023-05-05"],
    }
)


def recs(texts: list[str]) -> pd.DataFrame:
    n = len(texts)
    return pd.DataFrame(
        {
            "doc_id": ["a" if i % 2 == 0 else "b" for i in range(n)],
            "para_no": range(1, n + 1),
            "rec_no": 1,
            "text": texts,
            "start": 0,
            "end": 1,
            "by": "participant",
            "to": ["states", "states", "unodc", "unodc", "working_group"][:n]
            + ["states"] * max(0, n - 5),
            "themes": [
                ["marking_tracing"],
                ["marking_tracing"],
                ["capacity_building"],
                ["capacity_building"],
                [],
            ][:n]
            + [[]] * max(0, n - 5),
            "rule": "r",
        }
    )


def run(texts: list[str], settings: ClusterSettings | None = None) -> dict[str, pd.DataFrame]:
    table = recs(texts)
    asks = asks_table(table, FRAME)
    paragraphs = table[["doc_id", "para_no", "text"]]
    return cluster(
        table,
        asks,
        tfidf_vectors(list(asks["ask"]), 32),
        DOCS,
        paragraphs,
        settings or ClusterSettings(threshold=0.6, catalogue=False),
        FRAME,
        wording=WORDING,
    )


def test_cluster_groups_the_same_ask_and_keeps_singletons():
    out = run(TEXTS)
    ids = out["rec_clusters"].set_index("para_no")["cluster_id"]
    assert ids[1] == ids[2] and ids[3] == ids[4]
    assert len({ids[1], ids[3], ids[5]}) == 3
    assert out["clusters"]["size"].sum() == len(TEXTS)


def test_cluster_is_deterministic_and_ids_follow_time():
    a, b = run(TEXTS), run(TEXTS)
    for name in a:
        pd.testing.assert_frame_equal(a[name], b[name])
    assert a["rec_clusters"].set_index("para_no").loc[1, "cluster_id"] == 1


def test_cluster_labels_are_verb_phrases_and_exemplars_are_members():
    out = run(TEXTS)
    labels = out["clusters"].set_index("cluster_id")["label"]
    ids = out["rec_clusters"].set_index("para_no")["cluster_id"]
    assert labels[ids[1]] in ("Mark firearms at the time of import", "Mark imported firearms")
    assert labels[ids[5]] == "Hold a session on corruption"
    for row in out["clusters"].itertuples():
        assert "·" not in row.label and row.label[0].isupper(), row.label  # never a word bag
        assert row.source == "new" and row.ask_id.startswith("new_")
        members = out["rec_clusters"][out["rec_clusters"]["cluster_id"] == row.cluster_id]
        assert row.exemplar in set(recs(TEXTS).set_index("para_no").loc[members["para_no"], "text"])


def test_recurrence_marks_the_first_session_as_new():
    out = run(TEXTS)
    recurrence = out["recurrence"]
    marking = out["rec_clusters"].set_index("para_no").loc[1, "cluster_id"]
    rows = recurrence[recurrence["cluster_id"] == marking].set_index("doc_id")
    assert bool(rows.loc["a", "new"]) and not bool(rows.loc["b", "new"])
    clusters = out["clusters"].set_index("cluster_id")
    assert clusters.loc[marking, "first_seen"] == "2022-05-06"
    assert clusters.loc[marking, "last_seen"] == "2023-05-05"


@pytest.mark.parametrize("texts", [[], TEXTS[:1], [TEXTS[0]] * 4])
def test_cluster_degenerate_inputs_give_valid_tables(texts):
    out = run(texts)
    assert len(out["rec_clusters"]) == len(texts)
    if texts:
        assert out["rec_clusters"]["cluster_id"].nunique() == 1
        assert out["clusters"].iloc[0]["size"] == len(texts)


def test_cluster_beyond_max_exact_uses_a_neighbour_graph_with_the_same_result(caplog):
    settings = ClusterSettings(threshold=0.6, catalogue=False)
    exact = run(TEXTS * 4, settings)["rec_clusters"]["cluster_id"]
    with caplog.at_level("INFO", logger="crp"):
        graph = run(TEXTS * 4, replace(settings, max_exact=6, n_neighbors=5))["rec_clusters"][
            "cluster_id"
        ]
    assert "neighbour-graph components" in caplog.text  # 10 distinct rows > max_exact
    assert (exact == graph).all()


def test_cosine_distances_match_scipy():
    from scipy.spatial.distance import pdist

    x = np.random.default_rng(0).normal(size=(700, 40)).astype(np.float32)
    ours = cosine_pdist(x, block=64)  # several blocks, the last one partial
    assert ours.shape == (700 * 699 // 2,)
    assert np.abs(ours - pdist(x.astype(np.float64), "cosine")).max() < 1e-6
    assert cosine_pdist(x[:1]).shape == (0,)


def test_neighbour_graph_matches_scikit_learn():
    from sklearn.neighbors import kneighbors_graph

    x = np.random.default_rng(2).normal(size=(900, 16)).astype(np.float32)
    ours = neighbour_graph(x, 7, threshold=0.8, block=128)
    theirs = kneighbors_graph(x, 7, mode="distance", metric="cosine", include_self=False)
    theirs.data[theirs.data > 0.8] = 0
    theirs.eliminate_zeros()
    theirs = theirs.maximum(theirs.T).tocsr()
    assert ours.nnz == theirs.nnz > 0
    assert (ours != 0).toarray().tolist() == (theirs != 0).toarray().tolist()
    assert abs(ours - theirs).max() < 1e-5


def test_identical_rows_are_clustered_once_with_the_same_partition():
    from scipy.cluster.hierarchy import fcluster, linkage
    from scipy.spatial.distance import pdist
    from sklearn.metrics import adjusted_rand_score

    rng = np.random.default_rng(1)
    distinct = rng.normal(size=(40, 8)).astype(np.float32)
    x = distinct[rng.integers(0, 40, size=160)]  # each row repeated about four times
    distances = pdist(x.astype(np.float64), "cosine")
    for method in ("complete", "single", "average"):  # average counts copies: not collapsed
        for threshold in (0.3, 0.5, 0.8):
            ours = cluster_labels(x, Agglomeration(threshold=threshold, linkage=method))
            full = fcluster(linkage(distances, method), threshold - 1e-9, "distance")
            assert adjusted_rand_score(full, ours) == 1.0, (method, threshold)
            assert len(set(ours[np.all(x == x[0], axis=1)])) == 1


def test_cluster_settings_validate_themselves():
    with pytest.raises(ValueError, match="weights"):
        ClusterSettings(weights={"colour": 1.0})


def test_sweep_without_gold_documents_is_empty_not_an_error():
    from pipeline.evaluate import sweep

    table = recs(TEXTS)
    asks = asks_table(table, FRAME)
    out = sweep(table, tfidf_vectors(list(asks["ask"]), 32), ClusterSettings(), {("other", 1): {}})
    assert out.empty and list(out.columns) == ["threshold", "ari", "v_measure", "n_clusters"]
