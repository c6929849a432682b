"""The report's search index: paragraphs and recommendations, found by words in the browser.

Built by the `report` stage from the tables (never by crawling its HTML) and written as
static script files into `reports/search/`, which every page loads on demand with <script>
tags: a browser refuses `fetch` from `file://`, a script it runs. Each file is
`CRPSearch.receive(name, "<base64 of raw deflate of JSON>")`, inflated by the browser's
DecompressionStream; compressed, the sample corpus's index is a few hundred kilobytes.

Words are analysed, and their postings built, by `pipeline.report_postings`, the same
way as `templates/search.js` analyses a query.

The index is split so that a query loads only what it needs: term shards (contiguous
ranges of sorted terms, so a prefix falls in one or two), row shards (the text and labels
of consecutive rows, loaded for the hits shown) and one file per facet (loaded when its
filter is set); the manifest `index.js` names the shards' first terms and rows.

A kind of searchable row is one entry of `ROW_KINDS`: a function from the report's data to
rows (doc_id, para_no, sub_no, text, themes, countries, orgs).
"""

from __future__ import annotations

import base64
import hashlib
import zlib
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from itertools import groupby
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from pipeline.cache import DocCache, digest
from pipeline.paths import TEMPLATES_DIR
from pipeline.report_files import SiteFiles
from pipeline.report_pages import SiteData, group_name
from pipeline.report_postings import STOP_WORDS, json_text, keep_row_terms, postings

TERM_SHARD_CHARS = 48_000  # JSON characters per term shard, before compression
ROW_SHARD_CHARS = 16_000  # JSON characters per row shard: the hits shown load one each
STATIC = {
    "search.js": TEMPLATES_DIR / "search.js",
    "stemmer.js": TEMPLATES_DIR / "vendor" / "stemmer.js",
}
ROW_COLUMNS = ["kind", "doc_id", "para_no", "sub_no", "text", "themes", "countries", "orgs"]


# -- rows ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class RowKind:
    name: str
    label: str  # shown on a hit: "Recommendation"
    rows: Callable[[SiteData], pd.DataFrame]  # columns ROW_COLUMNS but kind


def _tag_labels(site: SiteData, kind: str) -> pd.DataFrame:
    tags = site.tags[site.tags["kind"] == kind]
    return tags[["doc_id", "para_no", "label", "start", "end"]]


def _labels_of_paragraphs(site: SiteData, kind: str) -> pd.Series:
    """(doc_id, para_no) → sorted labels of the paragraph's tags of `kind`."""
    return _label_sets(_tag_labels(site, kind), ["doc_id", "para_no"])


def _label_sets(tags: pd.DataFrame, keys: list[str]) -> pd.Series:
    """`keys` → the sorted distinct labels of the rows having them. One pass over the
    sorted rows: a groupby with a Python function per group took seconds at 900,000 tags."""
    rows = tags[[*keys, "label"]].drop_duplicates().sort_values([*keys, "label"])
    groups: dict[tuple, list[str]] = {}
    for *key, label in zip(*(rows[c] for c in [*keys, "label"]), strict=True):
        groups.setdefault(tuple(key), []).append(label)
    index = (
        pd.MultiIndex.from_tuples(list(groups), names=keys)
        if groups
        else pd.MultiIndex.from_arrays([[] for _ in keys], names=keys)
    )
    return pd.Series(list(groups.values()), index=index, dtype=object)


def paragraph_rows(site: SiteData) -> pd.DataFrame:
    rows = site.paragraphs[["doc_id", "para_no", "text"]].copy()
    keys = pd.MultiIndex.from_frame(rows[["doc_id", "para_no"]])
    for column, kind in (("themes", "theme"), ("countries", "country"), ("orgs", "org")):
        labels = _labels_of_paragraphs(site, kind).reindex(keys)
        rows[column] = [v if isinstance(v, list) else [] for v in labels]
    return rows.assign(sub_no=pd.NA)


def recommendation_rows(site: SiteData) -> pd.DataFrame:
    """A recommendation's themes are its own; its countries and organizations are those
    named inside its span of the paragraph."""
    recs = site.recs
    rows = recs[["doc_id", "para_no", "text"]].assign(
        sub_no=recs["rec_no"],
        themes=[[] if t is None else sorted(set(t)) for t in recs["themes"]],
    )
    for column, kind in (("countries", "country"), ("orgs", "org")):
        tags = _tag_labels(site, kind).merge(
            recs[["doc_id", "para_no", "rec_no", "start", "end"]],
            on=["doc_id", "para_no"],
            suffixes=("", "_rec"),
        )
        inside = tags[(tags["start"] >= tags["start_rec"]) & (tags["end"] <= tags["end_rec"])]
        labels = _label_sets(inside, ["doc_id", "para_no", "rec_no"])
        keys = pd.MultiIndex.from_frame(recs[["doc_id", "para_no", "rec_no"]])
        rows[column] = [v if isinstance(v, list) else [] for v in labels.reindex(keys)]
    return rows


def adopted_rows(site: SiteData) -> pd.DataFrame:
    """A recommendation a working group adopted: its paragraph's text, themes, countries
    and organizations (it is the whole paragraph)."""
    adopted = site.adopted
    rows = adopted[["doc_id", "para_no", "text"]].assign(
        sub_no=0, themes=[sorted(set(t)) if t is not None else [] for t in adopted["themes"]]
    )
    keys = pd.MultiIndex.from_frame(rows[["doc_id", "para_no"]])
    for column, kind in (("countries", "country"), ("orgs", "org")):
        labels = _labels_of_paragraphs(site, kind).reindex(keys)
        rows[column] = [v if isinstance(v, list) else [] for v in labels]
    return rows


ROW_KINDS: tuple[RowKind, ...] = (
    RowKind("paragraph", "Paragraph", paragraph_rows),
    RowKind("recommendation", "Recommendation", recommendation_rows),
    RowKind("adopted", "Adopted recommendation", adopted_rows),
)


def search_rows(site: SiteData) -> pd.DataFrame:
    """Every searchable row of the readable documents, in reading order: documents in
    time, then paragraph number, then kind, then the row's number within its paragraph."""
    frames = [kind.rows(site).assign(kind=kind.name) for kind in ROW_KINDS]
    rows = pd.concat(frames, ignore_index=True)[ROW_COLUMNS]
    rows = rows[rows["doc_id"].isin(site.order)]
    order = {kind.name: i for i, kind in enumerate(ROW_KINDS)}
    sort = pd.DataFrame(
        {
            "doc": rows["doc_id"].map(site.order),
            "para": rows["para_no"].astype(int),
            "kind": rows["kind"].map(order),
            "sub": rows["sub_no"].fillna(0).astype(int),
        }
    )
    return rows.loc[sort.sort_values(["doc", "para", "kind", "sub"]).index].reset_index(drop=True)


# -- the index -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Facet:
    name: str
    label: str  # the filter's name on the page
    values: list[tuple[str, str]]  # (value, label shown), in the order offered
    rows: list[list[int]]  # per value, the rows having it (sorted)


def facets(rows: pd.DataFrame, site: SiteData, theme_labels: dict[str, str]) -> list[Facet]:
    """The filters: kind, working group, year, theme, country, organization."""
    documents = site.documents.set_index("doc_id")
    per_row: dict[str, list[list[str]]] = {
        "kind": [[k] for k in rows["kind"]],
        "working_group": [
            [] if pd.isna(g) else [str(g)] for g in rows["doc_id"].map(documents["working_group"])
        ],
        "year": [
            [] if pd.isna(y) else [str(int(y))] for y in rows["doc_id"].map(documents["year"])
        ],
        "theme": list(rows["themes"]),
        "country": list(rows["countries"]),
        "org": list(rows["orgs"]),
    }
    kinds = {k.name: k.label for k in ROW_KINDS}
    shown: dict[str, tuple[str, Callable[[str], str]]] = {
        "kind": ("Kind", lambda v: kinds[v]),
        "working_group": ("Working group", lambda v: group_name(site.taxonomy, v)),
        "year": ("Year", str),
        "theme": ("Theme", lambda v: theme_labels.get(v, v.replace("_", " "))),
        "country": ("Country", str),
        "org": ("Organization", str),
    }
    out = []
    for name, values_of_row in per_row.items():
        label, label_of = shown[name]
        members: dict[str, list[int]] = defaultdict(list)
        for row, values in enumerate(values_of_row):
            for value in values:
                members[value].append(row)
        ordered = sorted(members, key=lambda v: (label_of(v).casefold(), v))
        if name == "kind":
            ordered = [k.name for k in ROW_KINDS if k.name in members]
        out.append(
            Facet(name, label, [(v, label_of(v)) for v in ordered], [members[v] for v in ordered])
        )
    return out


def _run_lengths(values: list[str]) -> list[int]:
    """How many equal values follow each other: ["a", "a", "b"] → [2, 1]."""
    return [len(list(run)) for _, run in groupby(values)]


def _deltas(values: list[int]) -> list[int]:
    return [b - a for a, b in zip([0, *values[:-1]], values, strict=True)]


def _shards(
    items: Iterable[Any], limit: int, size_of: Callable[[Any], int] | None = None
) -> Iterator[list[Any]]:
    """Consecutive items, a new shard when the current one's JSON passes `limit` chars
    (`size_of`: an item's JSON length, when known without encoding it)."""
    size_of = size_of or (lambda item: len(json_text(item)))
    shard: list[Any] = []
    size = 0
    for item in items:
        if size >= limit:
            yield shard
            shard, size = [], 0
        shard.append(item)
        size += size_of(item)
    if shard:
        yield shard


def script(name: str, text: str) -> str:
    """A file of the index: its JSON `text`, deflated and base64-encoded, handed to
    search.js."""
    packer = zlib.compressobj(6, zlib.DEFLATED, -15)  # 9: 4 times the time, 0.8% smaller
    raw = packer.compress(text.encode("utf-8")) + packer.flush()
    return f'CRPSearch.receive("{name}","{base64.b64encode(raw).decode("ascii")}");\n'


def index_files(
    rows: pd.DataFrame,
    documents: list[tuple[str, str]],
    row_facets: list[Facet],
    cache: DocCache | None = None,
) -> Iterator[tuple[str, str]]:
    """The index's files (name, content), one at a time (an index of two thousand
    documents is tens of megabytes: never all in memory), for `rows` (ROW_COLUMNS, in
    order), the readable documents as (doc_id, label shown) and the filters; `cache` keeps
    each document's analysed words. The manifest `index.js` comes last."""
    terms = postings(list(rows["text"]), _run_lengths(list(rows["doc_id"])), cache)
    first_terms = []
    for i, shard in enumerate(_shards(terms, TERM_SHARD_CHARS, lambda item: len(item[1]))):
        first_terms.append(shard[0][0])
        terms_json = f"[{','.join(text for _, text in shard)}]"  # each term's JSON, joined
        yield f"terms-{i:04d}.js", script(f"terms-{i:04d}", terms_json)
    row_starts, count = [], 0
    for i, shard in enumerate(_shards(_row_entries(rows, documents, row_facets), ROW_SHARD_CHARS)):
        row_starts.append(count)
        count += len(shard)
        yield _file(f"rows-{i:04d}", shard)
    for f in row_facets:
        yield _file(f"facet-{f.name}", [_deltas(members) for members in f.rows])
    manifest = {
        "version": 1,
        "rows": len(rows),
        "stopWords": sorted(STOP_WORDS),
        "kinds": [k.label for k in ROW_KINDS],
        "docs": [list(d) for d in documents],
        "termShards": first_terms,
        "rowShards": row_starts,
        "facets": [
            {
                "name": f.name,
                "label": f.label,
                "values": [[v, lab, len(m)] for (v, lab), m in zip(f.values, f.rows, strict=True)],
            }
            for f in row_facets
        ],
    }
    yield _file("index", manifest)


def _row_entries(
    rows: pd.DataFrame, documents: list[tuple[str, str]], row_facets: list[Facet]
) -> Iterator[list[Any]]:
    """What a hit shows of each row: document, kind, paragraph, number, text, themes."""
    doc_index = {doc_id: i for i, (doc_id, _) in enumerate(documents)}
    kinds = [k.name for k in ROW_KINDS]
    theme_facet = next(f for f in row_facets if f.name == "theme")
    theme_index = {value: i for i, (value, _) in enumerate(theme_facet.values)}
    for r in rows.itertuples():
        yield [
            doc_index[r.doc_id],
            kinds.index(r.kind),
            int(r.para_no),
            None if pd.isna(r.sub_no) else int(r.sub_no),
            r.text,
            [theme_index[t] for t in r.themes],
        ]


def _file(name: str, value: Any) -> tuple[str, str]:
    return f"{name}.js", script(name, json_text(value))


# -- writing -------------------------------------------------------------------------------


def write_search(
    site: SiteData,
    folder: Path,
    theme_labels: dict[str, str],
    cache: DocCache | None = None,
    files: SiteFiles | None = None,
) -> list[Path]:
    """Write the index and the search scripts into `folder`; with `cache`, an index whose
    rows, documents and filters are unchanged is taken from the last run, not rebuilt;
    `files`: the site's files (a file already as it should be is not written again)."""
    rows = search_rows(site)
    documents = [(d, site.label_of[d]) for d in sorted(site.order, key=site.order.get)]
    row_facets = facets(rows, site, theme_labels)
    key = _inputs_key(rows, documents, row_facets) if cache else ""
    own = files is None
    files = SiteFiles(folder) if files is None else files
    prefix = "" if folder == files.root else f"{folder.relative_to(files.root).as_posix()}/"
    cached = cache.get_folder(key, "search") if cache else None
    if cached is not None:
        keep_row_terms(list(rows["text"]), _run_lengths(list(rows["doc_id"])), cache)
        names = sorted(p.name for p in cached.iterdir())
        for name in names:
            files.write_keyed(prefix + name, key, (cached / name).read_text)
    else:
        names = []
        for name, content in index_files(rows, documents, row_facets, cache):
            files.write(prefix + name, content, key)
            names.append(name)
        if cache is not None:
            cache.put_folder(key, "search", folder, names)
    for name, path in STATIC.items():
        files.write(prefix + name, path.read_text(encoding="utf-8"))
    if own:
        files.close()
    return [folder / name for name in sorted([*names, *STATIC])]


def _inputs_key(
    rows: pd.DataFrame, documents: list[tuple[str, str]], row_facets: list[Facet]
) -> str:
    """What the index is built from: its rows, the documents' names and the filters (the
    rows hashed a column at a time, lists as their items joined: no copy of the table)."""
    hashed = hashlib.sha256()
    for column in ROW_COLUMNS:
        if column in ("themes", "countries", "orgs"):
            texts = ["\x1f".join(v) for v in rows[column]]
        else:
            texts = [str(v) for v in rows[column]]  # astype(str) would make Arrow strings
        hashed.update(pd.util.hash_array(np.array(texts, dtype=object)).tobytes())
    return digest("search", hashed.hexdigest(), documents, row_facets)
