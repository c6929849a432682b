"""Every key of params.yaml reaches the code it names, and execution settings change nothing.

Each key is in one of two classes, and a key in neither fails the first test:

- COMPUTING: a setting of what a stage computes. Changing it on a small fixture must
  change that stage's output; a key that changes nothing does nothing and is removed.
- EXECUTION: how the work runs (the PDF reader, the parallel backend and workers, batch
  sizes, the device). Changing it must leave the output byte-identical; such keys are not
  listed as `params` in dvc.yaml, so they never rerun a stage.

Each case returns the output before and after the change, as comparable bytes. Cases that
need the sentence model or a Dask cluster are marked slow; the fast ones use the hashing
model (pipeline.vectors.HashingModel).
"""

from __future__ import annotations

import functools
import hashlib
import io
import json
import re
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml
from badfiles import text_pdf
from conftest import GOLD, REPO, document_row, page_line

from pipeline.paths import TAXONOMY_DIR

PARAMS = yaml.safe_load((REPO / "params.yaml").read_text(encoding="utf-8"))
Case = Callable[[pytest.FixtureRequest], tuple[bytes, bytes]]


def params_keys() -> set[str]:
    """Every `section.key` of params.yaml (a mapping value such as cluster.weights is one
    key: it is set as a whole)."""
    return {f"{section}.{key}" for section, values in PARAMS.items() for key in values}


def frames_bytes(tables: dict[str, pd.DataFrame] | pd.DataFrame) -> bytes:
    """Tables as bytes: each one's parquet file, in name order."""
    if isinstance(tables, pd.DataFrame):
        tables = {"table": tables}
    out = io.BytesIO()
    for name in sorted(tables):
        out.write(name.encode())
        tables[name].reset_index(drop=True).to_parquet(out, index=False)
    return out.getvalue()


def digest(*parts: bytes | str | np.ndarray) -> bytes:
    hasher = hashlib.sha256()
    for part in parts:
        if isinstance(part, np.ndarray):
            part = part.tobytes() + str(part.shape).encode()
        hasher.update(part.encode() if isinstance(part, str) else part)
    return hasher.digest()


# ------------------------------------------------------------------ fixtures of the cases


@pytest.fixture(scope="module")
def small_pdfs(tmp_path_factory) -> Path:
    """Three pages under a plain running header (no symbol, no page number: only its
    repetition in the top margin makes it furniture), two numbered paragraphs."""
    folder = tmp_path_factory.mktemp("pdfs")
    header = "Constructive dialogue on firearms"
    text_pdf(
        folder / "d.pdf",
        [
            [header, "", "1. The speakers discussed the marking of firearms at import and the"],
            [header, "", "records kept of every transfer, as the Protocol requires of States."],
            [header, "", "2. One speaker urged States to destroy seized weapons promptly."],
        ],
    )
    return folder


@pytest.fixture(scope="module")
def small_gold(tmp_path_factory) -> tuple[Path, Path]:
    """Two gold folders of two documents each (one in common), each document cut to its
    first eight paragraphs: enough to train on, quick to tag."""
    root = tmp_path_factory.mktemp("gold")
    folders = []
    for name, docs in (
        ("a", ("som_2024_cd3", "tip_2022_cd1")),
        ("b", ("som_2024_cd3", "fa_2022_cd1")),
    ):
        folder = root / name
        folder.mkdir()
        for doc in docs:
            shutil.copy(GOLD / f"{doc}.doc.json", folder)
            lines = (GOLD / f"{doc}.paragraphs.jsonl").read_text(encoding="utf-8").splitlines()
            (folder / f"{doc}.paragraphs.jsonl").write_text(
                "\n".join(lines[:8]) + "\n", encoding="utf-8"
            )
        folders.append(folder)
    return folders[0], folders[1]


def hashing_encoder():
    from pipeline.vectors import Encoder, HashingModel

    return Encoder(HashingModel())


# ---------------------------------------------------------------------------- extract


def run_extract(request: pytest.FixtureRequest, parallel=None, **settings) -> dict:
    if parallel is None and not settings:
        return _extract_default(request.getfixturevalue("small_pdfs"))
    return _run_extract(request.getfixturevalue("small_pdfs"), parallel, **settings)


@functools.cache
def _extract_default(folder: Path) -> dict:
    return _run_extract(folder, None)


def _run_extract(folder: Path, parallel=None, **settings) -> dict:
    from pipeline.extract import ExtractSettings, extract, input_files
    from pipeline.parallel import ParallelSettings
    from pipeline.segment import SegmentSettings, segment_corpus

    sequential = ParallelSettings(backend="sequential")
    tables = extract(input_files(folder), ExtractSettings(**settings), parallel or sequential)
    tables["paragraphs"] = segment_corpus(tables["pages"], SegmentSettings(), sequential)
    return tables


def extract_change(**settings) -> Case:
    def case(request):
        return frames_bytes(run_extract(request)), frames_bytes(run_extract(request, **settings))

    return case


def extract_backend(request):
    """The reader: the same documents (but for the `reader` column that records it) and
    the same paragraphs; page coordinates are each reader's own."""

    def kept(tables: dict) -> bytes:
        return frames_bytes(
            {
                "documents": tables["documents"].drop(columns="reader"),
                "paragraphs": tables["paragraphs"],
            }
        )

    return kept(run_extract(request)), kept(run_extract(request, backend="pdfplumber"))


# ---------------------------------------------------------------------------- segment


@functools.cache
def run_segment(parallel=None, **settings) -> bytes:
    from pipeline.parallel import ParallelSettings
    from pipeline.segment import SegmentSettings, segment_corpus

    lines = [
        page_line(1, 1, 100, "1. The speakers discussed the regional work-"),
        page_line(1, 2, 114, "shops and the records of every transfer.", x1=300),
        page_line(1, 3, 140, "2. One speaker urged States to act.", x1=300),
    ]
    pages = pd.concat(
        [pd.DataFrame(lines).assign(doc_id=d) for d in ("a", "b", "c")], ignore_index=True
    )
    parallel = parallel or ParallelSettings(backend="sequential")
    return frames_bytes(segment_corpus(pages, SegmentSettings(**settings), parallel))


def parallel_change(**settings) -> Case:
    from pipeline.parallel import ParallelSettings

    def case(request):  # the one parallel map of every per-document stage, here segment's
        changed = ParallelSettings(**{"backend": "threading", "n_jobs": 2, **settings})
        return run_segment(), run_segment(changed)

    return case


def parallel_scheduler(request):
    """A Dask cluster's scheduler: the same tables as one process (extract's too:
    tests/test_scale.py)."""
    distributed = pytest.importorskip("dask.distributed")
    from pipeline.parallel import ParallelSettings

    with distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
    ) as cluster:
        dask = ParallelSettings(backend="dask", scheduler=cluster.scheduler_address)
        return run_segment(), run_segment(dask)


# --------------------------------------------------------------------------- taxonomy


def taxonomy_dir(request):
    """Another taxonomy folder: the tagger compiles its themes."""
    from pipeline.build_tagger import compile_patterns
    from pipeline.knowledge.taxonomy import stage_taxonomy, taxonomy_folder

    copy = request.getfixturevalue("tmp_path") / "taxonomy"
    shutil.copytree(TAXONOMY_DIR, copy)
    themes = (copy / "themes.yaml").read_text(encoding="utf-8")
    (copy / "themes.yaml").write_text(
        themes.replace("alt_labels: [", "alt_labels: [homemade pistols, ", 1), encoding="utf-8"
    )

    def patterns(params: dict) -> bytes:
        taxonomy = stage_taxonomy("build_tagger", taxonomy_folder(params))
        return json.dumps(compile_patterns(taxonomy), sort_keys=True).encode()

    return patterns({}), patterns({"taxonomy": {"dir": str(copy)}})


# ---------------------------------------------------------------- build_tagger and gold


@functools.cache
def run_build(gold: Path, **settings) -> bytes:
    from pipeline.build_tagger import BuildTaggerSettings, build
    from pipeline.knowledge.taxonomy import stage_taxonomy

    nlp = build(
        stage_taxonomy("build_tagger"), BuildTaggerSettings(**settings), gold, hashing_encoder()
    )
    model = nlp.get_pipe("crp_themes").model
    if model is None:
        return b"the lexicon alone"
    with tempfile.TemporaryDirectory() as folder:
        model.to_disk(Path(folder))
        return b"".join(p.read_bytes() for p in sorted(Path(folder).iterdir()))


def build_change(**settings) -> Case:
    def case(request):
        gold, _ = request.getfixturevalue("small_gold")
        return run_build(gold), run_build(gold, **settings)

    return case


def build_labels(request):
    """The analysts' answers: one answer that flips a gold paragraph's theme retrains the
    decision (the answer replaces the gold's target in training)."""
    from pipeline.themes.labels import ThemeAnswer, text_hash, write_answers

    gold, _ = request.getfixturevalue("small_gold")
    row = json.loads((gold / "som_2024_cd3.paragraphs.jsonl").read_text().splitlines()[2])
    theme = "victims_survivors"
    answer = ThemeAnswer(
        doc_id="som_2024_cd3",
        para_no=int(row["para_no"]),
        theme=theme,
        answer="no" if theme in row.get("themes", []) else "yes",
        text_sha256=text_hash(row["text"]),
        text=row["text"],
        file="review.csv",
        date="2026-01-01T00:00:00+00:00",
    )
    labels = request.getfixturevalue("tmp_path") / "themes.jsonl"
    write_answers(labels, [answer])
    return run_build(gold), run_build(gold, labels=str(labels))


# ---------------------------------------------------------------- adopted


class WordsMatcher:
    """Scores an ask by the share of its words in the query text (hedged words dilute it)."""

    def __init__(self) -> None:
        self.frame = re.compile(r"(?!)")  # no reporting frame to strip
        self.ASKS = {
            "mark": "mark frames receivers",
            "data": "collect data",
            "files": "distribution digital files",
        }
        self.index_ = type("Index", (), {"ids": sorted(self.ASKS)})()

    def scores(self, query: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
        ids = self.index_.ids
        rows = []
        for text in query["ask"]:
            words = set(re.findall(r"[a-z]+", text.lower()))
            rows.append([len(words & set(self.ASKS[a].split())) / len(words) * 1.5 for a in ids])
        return np.array([list(range(len(ids)))] * len(query)), np.clip(rows, 0, 1)


def adopted_change(**settings) -> Case:
    """A working group report's recommendations taken up by a matcher that reads their words."""

    def run(**over) -> bytes:
        from test_adopted import CHAPEAU, DOCUMENTS, TAXONOMY, paragraphs

        from pipeline.adopted import adopted
        from pipeline.adoption.matching import MatchSettings
        from pipeline.schemas import get_table

        report = paragraphs(
            "r",
            [
                (1, "I. Recommendations", None, CHAPEAU),
                (2, "I. Recommendations", None, "States should mark frames, collect data."),
                (
                    3,
                    "I. Recommendations",
                    None,
                    "States parties should consider addressing, as appropriate and in "
                    "accordance with their domestic law, the distribution of digital files.",
                ),
                (4, "I. Recommendations", None, "States should collect data and digital files."),
            ],
        )
        tags = get_table("tags").empty()
        out = adopted(report, DOCUMENTS, tags, TAXONOMY, WordsMatcher(), MatchSettings(**over))
        return frames_bytes(out)

    return lambda request: (run(), run(**settings))


def gold_train(request):
    """The training gold: what the theme decision learns, and where the catalogue's
    examples find their paragraphs (cluster)."""
    from pipeline.cluster import catalogue_contexts
    from pipeline.knowledge.taxonomy import stage_taxonomy
    from pipeline.paths import GoldSettings

    taxonomy = stage_taxonomy("cluster")
    no_paragraphs = pd.DataFrame({"doc_id": [], "para_no": [], "text": []})

    def outputs(params: dict) -> bytes:
        gold = GoldSettings(**params).train_folder
        catalogue = catalogue_contexts(taxonomy.asks, no_paragraphs, gold, taxonomy)
        contexts = [e.context for a in catalogue for e in a.examples]
        return run_build(gold) + json.dumps(contexts).encode()

    a, b = request.getfixturevalue("small_gold")
    return outputs({"train": str(a)}), outputs({"train": str(b)})


def gold_score(request):
    """The scoring gold: what evaluate scores the tables against."""
    from pipeline import evaluate
    from pipeline.paths import Layout
    from pipeline.schemas import write_table

    tmp = request.getfixturevalue("tmp_path")
    layout = Layout.under(tmp / "out", tmp / "raw")
    text = "One speaker urged States to mark firearms."
    paragraph = {"doc_id": "d", "para_no": 1, "section": "I", "subsection": None, "text": text}
    write_table(pd.DataFrame([document_row()]), "documents", layout.table("documents"))
    write_table(
        pd.DataFrame([paragraph | {"page_start": 1, "page_end": 1}]),
        "paragraphs",
        layout.table("paragraphs"),
    )
    for name in ("tags", "recommendations"):
        from pipeline.schemas import get_table

        write_table(get_table(name).empty(), name, layout.table(name))
    outputs = []
    for theme in ("marking_tracing", "ghost_guns"):
        gold = tmp / f"gold_{theme}"
        gold.mkdir()
        doc = {"doc_id": "d", "working_group": "firearms", "n_paragraphs": 1}
        (gold / "d.doc.json").write_text(json.dumps(doc), encoding="utf-8")
        row = paragraph | {
            "themes": [theme],
            "recommendations": [
                {"text": text, "by": "participant", "to": "states", "cluster": "c"}
            ],
        }
        (gold / "d.paragraphs.jsonl").write_text(json.dumps(row) + "\n", encoding="utf-8")
        evaluate.main(layout, {"gold": {"score": str(gold)}}, thresholds=False)
        outputs.append((layout.metrics / "per_label_in_sample.csv").read_bytes())
    return outputs[0], outputs[1]


# -------------------------------------------------------------------------------- tag

LONG = ("The Chair opened the session. " * 40) + "One speaker raised the issue of ghost guns."


def run_tag(request, **settings) -> bytes:
    from pipeline.tag import TagSettings, tag

    paragraphs = pd.DataFrame(
        {
            "doc_id": "d",
            "para_no": [1, 2, 3],
            "section": "I",
            "subsection": None,
            "text": [LONG, "She urged States to mark firearms.", "UNODC should help."],
            "page_start": 1,
            "page_end": 1,
        }
    )
    nlp = request.getfixturevalue("nlp")
    return frames_bytes(tag(paragraphs, {"d": "firearms"}, nlp, TagSettings(**settings)))


def tag_change(**settings) -> Case:
    return lambda request: (run_tag(request), run_tag(request, **settings))


# ------------------------------------------------------------------------------ embed

ASK_TEXTS = [
    "He urged States to mark firearms at import.",
    "She called on UNODC to develop a typology of diversion.",
    "They invited States to destroy seized weapons.",
]


def run_embed(encoder=None, **settings) -> bytes:
    from pipeline.asks.frame import reporting_frame
    from pipeline.embed import EmbedSettings, asks_table, embed
    from pipeline.knowledge.taxonomy import stage_taxonomy

    recs = pd.DataFrame({"doc_id": "d", "para_no": [1, 2, 3], "rec_no": 1, "text": ASK_TEXTS})
    table = asks_table(recs, reporting_frame(stage_taxonomy("embed")))
    asks, vectors = embed(table, EmbedSettings(**settings), encoder or hashing_encoder())
    return frames_bytes(asks) + digest(vectors)


def embed_change(**settings) -> Case:
    return lambda request: (run_embed(**settings.get("before", {})), run_embed(**settings["after"]))


def encoder_change(**settings) -> Case:
    """The real model (slow): the asks' table and vectors, byte for byte."""

    def case(request):
        from pipeline.vectors import Encoder, MiniLM

        return run_embed(Encoder(MiniLM("cpu", 64))), run_embed(Encoder(MiniLM(**settings)))

    return case


# ---------------------------------------------------------------------------- cluster


def angle_vectors(degrees: list[float], width: int = 8) -> np.ndarray:
    out = np.zeros((len(degrees), width), dtype=np.float32)
    out[:, 0], out[:, 1] = np.cos(np.radians(degrees)), np.sin(np.radians(degrees))
    return out


# Two tight groups of recommendations, near each other (one cluster when every pair is
# compared; two on a 2-nearest-neighbour graph), a chain (one cluster by single linkage,
# two by complete), and two asks made of two addressees (grouped by ask, or by addressee
# when its weight dominates).
DEGREES = [0, 1, 2, 12, 13, 14, 60, 85, 110, 200, 200, 290, 290]
ADDRESSEES = ["states"] * 9 + ["states", "unodc", "states", "unodc"]


def run_cluster(request, catalogue: bool = False, **settings) -> bytes:
    frozen = tuple(
        sorted(
            (k, tuple(sorted(v.items())) if isinstance(v, dict) else v) for k, v in settings.items()
        )
    )
    return _cluster(catalogue, frozen)


@functools.cache
def _cluster(catalogue: bool, frozen: tuple) -> bytes:
    from pipeline.asks.frame import reporting_frame
    from pipeline.asks.matcher import AskMatcher
    from pipeline.cluster import ClusterSettings, cluster
    from pipeline.knowledge.taxonomy import stage_taxonomy

    n = len(DEGREES)
    texts = [f"One speaker urged States to take measure number {i}." for i in range(n)]
    recs = pd.DataFrame(
        {
            "doc_id": ["a"] * 7 + ["b"] * (n - 7),
            "para_no": range(1, n + 1),
            "rec_no": 1,
            "text": texts,
            "start": 0,
            "end": 1,
            "by": "participant",
            "to": ADDRESSEES,
            "themes": [[] for _ in range(n)],
            "rule": "r",
        }
    )
    asks = recs[["doc_id", "para_no", "rec_no"]].assign(ask=texts)
    docs = pd.DataFrame(
        [document_row(doc_id=d, date=f"2023-0{i}-01") for i, d in enumerate("ab", start=1)]
    )
    paragraphs = recs[["doc_id", "para_no", "text"]]
    settings = {k: dict(v) if k == "weights" else v for k, v in frozen}
    settings = replace(ClusterSettings(), catalogue=catalogue, **settings)
    taxonomy = stage_taxonomy("cluster")
    frame = reporting_frame(taxonomy)
    vectors, matcher = angle_vectors(DEGREES), None
    if settings.catalogue:
        from test_asks import catalogue_of

        encoder = hashing_encoder()
        vectors = encoder.encode(texts)
        matcher = AskMatcher(encoder=encoder, frame=frame, wording=taxonomy.wording)
        matcher = settings.configure(matcher)
        matcher.fit(catalogue_of())
    out = cluster(recs, asks, vectors, docs, paragraphs, settings, frame, matcher, taxonomy.wording)
    return frames_bytes(out)


def cluster_change(catalogue: bool = False, **settings) -> Case:
    """The stage's default (no catalogue: the fixture's vectors are clustered) against
    `settings` (with `catalogue`, the unmatched clustered on the hashing model's)."""

    def case(request):
        return run_cluster(request), run_cluster(request, catalogue, **settings)

    return case


def cluster_weights(request):
    """Issue 16's reproduction: weights that change nothing were weights never read."""
    weights = {"ask": 0.01, "themes": 0.0, "addressee": 10.0}
    before = run_cluster(request) + run_cluster(request, catalogue=True)
    after = run_cluster(request, weights=weights)
    return before, after + run_cluster(request, catalogue=True, weights=weights)


# --------------------------------------------------------------------------- evaluate


def evaluate_first_contact(request):
    from pipeline.evaluate import tagger_cv
    from pipeline.knowledge.taxonomy import stage_taxonomy

    gold, _ = request.getfixturevalue("small_gold")
    taxonomy = stage_taxonomy("crossval")

    def cv(first_contact: list[str]) -> bytes:
        params = {"evaluate": {"first_contact": first_contact}}
        summary, _, _ = tagger_cv(gold, params, taxonomy, hashing_encoder())
        return json.dumps(summary, sort_keys=True).encode()

    return cv([]), cv(["tip_2022_cd1"])


# ------------------------------------------------------------------------------ cases

COMPUTING: dict[str, Case] = {
    "extract.timeout_s": extract_change(timeout_s=1e-6),
    "extract.max_pages": extract_change(max_pages=2),
    "extract.margin_zone": extract_change(margin_zone=0.05),
    "extract.repeat_min_pages": extract_change(repeat_min_pages=4),
    "segment.hyphen_min_zipf": lambda request: (run_segment(), run_segment(hyphen_min_zipf=8)),
    "taxonomy.dir": taxonomy_dir,
    "gold.train": gold_train,
    "gold.score": gold_score,
    "build_tagger.decision": build_change(decision=False),
    "build_tagger.labels": build_labels,
    "build_tagger.similarity": build_change(similarity=False),
    "build_tagger.lexicon_features": build_change(lexicon_features=False),
    "tag.max_chars": tag_change(max_chars=1000),
    "embed.model": embed_change(after={"model": "tfidf"}),
    "embed.tfidf_dimensions": embed_change(
        before={"model": "tfidf"}, after={"model": "tfidf", "tfidf_dimensions": 2}
    ),
    "cluster.catalogue": cluster_change(catalogue=True),
    "cluster.threshold": cluster_change(threshold=0.01),
    "cluster.linkage": cluster_change(linkage="single"),
    "cluster.weights": cluster_weights,
    "cluster.max_exact": cluster_change(max_exact=2, n_neighbors=2),
    "cluster.n_neighbors": cluster_change(max_exact=2, n_neighbors=2),
    "evaluate.first_contact": evaluate_first_contact,
    "adopted.min_score": adopted_change(min_score=0.45),
    "adopted.max_asks": adopted_change(max_asks=1),
    "adopted.strip_hedges": adopted_change(strip_hedges=True),
    "adopted.once_per_report": adopted_change(once_per_report=False),
}
EXECUTION: dict[str, Case] = {
    "extract.backend": extract_backend,
    "parallel.backend": parallel_change(),
    "parallel.n_jobs": parallel_change(n_jobs=3),
    "parallel.scheduler": parallel_scheduler,
    "encoder.device": encoder_change(device="auto"),
    "encoder.batch_size": encoder_change(batch_size=1),
    "tag.batch_size": tag_change(batch_size=1),
}
SLOW = {"parallel.scheduler", "encoder.device", "encoder.batch_size"}


def marked(keys: dict[str, Case]) -> list:
    return [pytest.param(k, marks=[pytest.mark.slow] * (k in SLOW), id=k) for k in sorted(keys)]


def test_params_every_key_is_tested():
    assert params_keys() == set(COMPUTING) | set(EXECUTION)
    assert not set(COMPUTING) & set(EXECUTION)


@pytest.mark.parametrize("key", marked(COMPUTING))
def test_params_key_changes_its_stage_output(key, request):
    before, after = COMPUTING[key](request)
    assert before != after, f"params.yaml {key}: changing it changes no output"


@pytest.mark.parametrize("key", marked(EXECUTION))
def test_params_execution_setting_changes_no_output(key, request):
    before, after = EXECUTION[key](request)
    assert before == after, f"params.yaml {key}: an execution setting changed an output"


def test_params_dvc_yaml_reruns_no_stage_for_an_execution_setting():
    """dvc.yaml lists the keys a stage computes with, not how it runs. The one exception
    is the reader: it changes the pages table's coordinates (and documents.reader), so
    extract lists it; the paragraphs it gives are the same (extract.backend above)."""
    stages = yaml.safe_load((REPO / "dvc.yaml").read_text(encoding="utf-8"))["stages"]
    listed = set()
    for stage in stages.values():
        for param in stage.get("params", []):
            section, _, key = param.partition(".")
            listed |= {f"{section}.{k}" for k in PARAMS[section]} if not key else {param}
    assert listed & set(EXECUTION) == {"extract.backend"}
    assert listed | set(EXECUTION) == params_keys()  # and every other key reruns its stages
