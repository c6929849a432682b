"""The report's search index: its size, build time, load and query times in headless Chromium.

    python benchmarks/search.py [--documents 2000] [--seed 1]

Run after `dvc repro` (it reads data/processed/). Two indexes are measured: the sample
corpus's, as the report stage writes it, and a synthetic corpus of `--documents`
documents whose paragraphs (and their recommendations) are the sample's, recombined at
random (seeded): each synthetic document draws as many paragraphs as a sample document
has, from any document, renames their countries and organizations (to names of the
gazetteers) and renumbers their numbers, consistently within the document. Both are built by
`pipeline.report_search.write_search`, the report's own code, and opened from file:// in
headless Chromium (Debian's chromium and chromium-driver):

- load: from the first use of the search box to the manifest (`search/index.js`) read;
- query (cold): a fresh page per query, the manifest already read; includes loading the
  term, row and facet shards the query needs and showing its first 20 hits;
- query (warm): the same queries again on one page (shards already loaded).
"""

from __future__ import annotations

import argparse
import random
import re
import shutil
import statistics
import tempfile
import time
from pathlib import Path

import pandas as pd
from common import ROOT, record

PROCESSED = ROOT / "data" / "processed"
OUT = ROOT / "benchmarks" / "out" / "search"
QUERIES: list[tuple[str, dict[str, int]]] = [
    ("hawala", {}),
    ("scam centres", {}),
    ('"scam centres"', {}),
    ("blacksmiths", {}),
    ("Nigeria", {}),
    ("Côte d'Ivoire", {}),
    ("UNODC", {}),
    ("firearms marking", {}),
    ('"trafficking in persons"', {}),
    ("states", {}),
    ("civil society participation", {}),
    ("virtual assets", {}),
    ("traffick", {}),
    ("mig", {}),
    ("deactivation of firearms", {}),
    ("ghost guns", {}),
    ('"mutual legal assistance"', {}),
    ("data protection victims", {}),
    ("states", {"working_group": 0}),
    ("victims", {"year": 0}),
]
FLAGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-dev-shm-usage",
    "--window-size=1280,1600",
]


def sample_site():
    from pipeline.knowledge.taxonomy import stage_taxonomy
    from pipeline.report import TABLES
    from pipeline.report_pages import site_data
    from pipeline.schemas import read_table

    tables = {name: read_table(name, PROCESSED / f"{name}.parquet") for name in TABLES}
    return tables, site_data(tables, stage_taxonomy("report"), "../raw")


def gazetteer_names() -> dict[str, list[str]]:
    """The names a synthetic document may use: the gazetteers' States and organizations."""
    from pipeline.knowledge.taxonomy import load_taxonomy

    taxonomy = load_taxonomy()
    return {
        "country": sorted(taxonomy.countries),
        "org": sorted(o.name for o in taxonomy.organizations),
    }


def synthetic_tables(tables: dict[str, pd.DataFrame], n_docs: int, seed: int) -> dict:
    """`n_docs` documents recombined from the sample's paragraphs, recommendations and tags."""
    rnd = random.Random(seed)
    documents, paragraphs, recs, tags = (
        tables[t] for t in ("documents", "paragraphs", "recommendations", "tags")
    )
    ok = documents[documents["status"] == "ok"]
    sizes = list(paragraphs.groupby("doc_id").size())
    groups = sorted(ok["working_group"].dropna().unique())
    names = tags[tags["kind"].isin(["country", "org"])]
    name_kind = dict(zip(names["label"], names["kind"], strict=False))
    pool = gazetteer_names()
    pattern = re.compile("|".join(re.escape(n) for n in sorted(name_kind, key=len, reverse=True)))
    recs_of = {k: g for k, g in recs.groupby(["doc_id", "para_no"])}
    tags_of = {k: g for k, g in tags.groupby(["doc_id", "para_no"])}
    out: dict[str, list] = {"documents": [], "paragraphs": [], "recommendations": [], "tags": []}
    for d in range(n_docs):
        doc_id, year = f"syn_{d:05d}", rnd.randint(2016, 2030)
        renamed = {n: rnd.choice(pool[k]) for n, k in name_kind.items()}
        numbers: dict[str, str] = {}

        def vary(text: str, renamed=renamed, numbers=numbers) -> str:
            text = pattern.sub(lambda m: renamed[m[0]], text)
            return re.sub(
                r"\d+", lambda m: numbers.setdefault(m[0], str(rnd.randint(1, 999))), text
            )

        row = ok.iloc[0].to_dict() | {
            "doc_id": doc_id, "file": f"{doc_id}.pdf", "working_group": rnd.choice(groups),
            "year": year, "date": f"{year}-06-01", "session_ordinal": d % 9 + 1,
        }  # fmt: skip
        out["documents"].append(row)
        for para_no, source in enumerate(
            paragraphs.sample(rnd.choice(sizes), random_state=rnd.randint(0, 2**31)).itertuples(), 1
        ):
            key = (source.doc_id, source.para_no)
            text = vary(source.text)
            out["paragraphs"].append(
                source._asdict() | {"doc_id": doc_id, "para_no": para_no, "text": text}
            )
            for rec in recs_of.get(key, pd.DataFrame()).itertuples():
                rec_text = vary(rec.text)
                start = max(text.find(rec_text), 0)
                out["recommendations"].append(
                    rec._asdict() | {"doc_id": doc_id, "para_no": para_no, "text": rec_text,
                                     "start": start, "end": start + len(rec_text)}
                )  # fmt: skip
            for tag in tags_of.get(key, pd.DataFrame()).itertuples():
                label = (
                    renamed.get(tag.label, tag.label)
                    if tag.kind in ("country", "org")
                    else tag.label
                )
                out["tags"].append(
                    tag._asdict() | {"doc_id": doc_id, "para_no": para_no, "label": label}
                )
    frames = {
        name: pd.DataFrame(rows).drop(columns="Index", errors="ignore")
        for name, rows in out.items()
    }
    frames["documents"] = frames["documents"].astype(documents.dtypes.to_dict())
    return frames | {
        "rec_clusters": tables["rec_clusters"].head(0),
        "clusters": tables["clusters"].head(0),
    }


def build(site, folder: Path) -> dict:
    from pipeline.report_search import write_search

    labels = {t: theme.title for t, theme in site.taxonomy.themes.items()}
    shutil.rmtree(folder, ignore_errors=True)
    start = time.perf_counter()
    files = write_search(site, folder / "search", labels)
    seconds = time.perf_counter() - start
    from pipeline.report import environment

    (folder / "index.html").write_text(environment().get_template("base.html").render(), "utf-8")
    return {
        "build_s": round(seconds, 1),
        "files": len(files),
        "size_mb": round(sum(f.stat().st_size for f in files) / 1e6, 2),
        "manifest_kb": round((folder / "search" / "index.js").stat().st_size / 1e3, 1),
    }


def browser():
    from selenium import webdriver

    options = webdriver.ChromeOptions()
    options.binary_location = shutil.which("chromium") or "chromium"
    for flag in [*FLAGS, f"--user-data-dir={tempfile.mkdtemp(prefix='chromium-')}"]:
        options.add_argument(flag)
    return webdriver.Chrome(
        options=options, service=webdriver.ChromeService(shutil.which("chromedriver"))
    )


LOAD = """const done = arguments[arguments.length - 1];
const t = performance.now();
CRPSearch.open().then(() => done(performance.now() - t), e => done(String(e)));"""
QUERY = """const [query, filters, done] = arguments;
const panel = document.getElementById('search-panel');
const input = document.getElementById('search-q');
const wait = (f) => new Promise((r) => {
  const tick = () => (f() ? r() : setTimeout(tick, 2));
  tick();
});
(async () => {
  input.dispatchEvent(new Event('focus'));  // the box opens the manifest: the load
  await wait(() => panel.querySelector('.search-filters select'));
  for (const s of panel.querySelectorAll('.search-filters [data-facet]')) {
    s.value = s.dataset.facet in filters ? String(filters[s.dataset.facet]) : '';
  }
  input.value = query;
  input.form.requestSubmit();
  await wait(() => panel.dataset.answered === query);
  const status = panel.querySelector('.search-status').textContent;
  done([Number(panel.dataset.ms), status]);
})();"""


def measure(driver, page: Path, repeat_load: int = 5) -> dict:
    loads = []
    for _ in range(repeat_load):
        driver.get(page.as_uri())
        loads.append(driver.execute_async_script(LOAD))
    cold, warm, answers = [], [], {}
    for query, filters in QUERIES:
        driver.get(page.as_uri())
        ms, status = driver.execute_async_script(QUERY, query, filters)
        cold.append(ms)
        answers[f"{query} {filters or ''}".strip()] = f"{ms:.0f} ms: {status}"
    for query, filters in QUERIES:
        warm.append(driver.execute_async_script(QUERY, query, filters)[0])
    return {
        "load_ms_median": round(statistics.median(loads), 1),
        "query_ms_cold": percentiles(cold),
        "query_ms_warm": percentiles(warm),
        "answers": answers,
    }


def percentiles(values: list[float]) -> dict:
    ordered = sorted(values)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return {
        "p50": round(statistics.median(ordered), 1),
        "p95": round(p95, 1),
        "max": round(ordered[-1], 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--documents", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    from pipeline.report_pages import site_data

    tables, sample = sample_site()
    figures: dict = {"queries": len(QUERIES)}
    figures["sample"] = {"rows": len(tables["paragraphs"]) + len(tables["recommendations"])}
    figures["sample"] |= build(sample, OUT / "sample")
    synthetic = synthetic_tables(tables, args.documents, args.seed)
    site = site_data(synthetic, sample.taxonomy, "../raw")
    key = f"synthetic_{args.documents}"
    figures[key] = {
        "documents": args.documents,
        "paragraphs": len(synthetic["paragraphs"]),
        "recommendations": len(synthetic["recommendations"]),
    } | build(site, OUT / key)
    driver = browser()
    try:
        for name in ("sample", key):
            figures[name] |= measure(driver, OUT / name / "index.html")
    finally:
        driver.quit()
    record("search", figures)


if __name__ == "__main__":
    main()
