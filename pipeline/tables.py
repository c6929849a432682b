"""Stage `tables`: tidy theme tables for analysts (parquet and CSV, one schema each).

import pipeline
df = pipeline.load("theme_by_session")
"""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa

from pipeline.paths import Layout
from pipeline.schemas import ANALYST_TABLES, conform, get_table, read_table, write_table

SESSION = ["doc_id", "working_group", "year", "session_ordinal", "date"]

LIST_SEPARATOR = "; "


def _sessions(documents: pd.DataFrame) -> pd.DataFrame:
    return documents.loc[documents["status"] == "ok", SESSION]


def _dialogues(documents: pd.DataFrame) -> pd.DataFrame:
    """The sessions of the by-session tables: every read document but the working group
    reports (doc_type wg_report), whose paragraphs are no session of a dialogue."""
    kind = documents["doc_type"] if "doc_type" in documents else pd.Series(index=documents.index)
    return _sessions(documents[kind != "wg_report"])


def _tag_sets(tags: pd.DataFrame, kind: str, explicit: bool | None = None) -> pd.DataFrame:
    sub = tags[tags["kind"] == kind]
    if explicit is not None:
        sub = sub[sub["explicit"].fillna(False).astype(bool) == explicit]
    return sub[["doc_id", "para_no", "label"]].drop_duplicates()


def theme_by_session(
    paragraphs: pd.DataFrame, tags: pd.DataFrame, documents: pd.DataFrame
) -> pd.DataFrame:
    themes = _tag_sets(tags, "theme").rename(columns={"label": "theme"})
    totals = paragraphs.groupby("doc_id").size().rename("session_paragraphs").reset_index()
    counts = themes.groupby(["theme", "doc_id"]).size().rename("paragraphs").reset_index()
    out = counts.merge(totals, on="doc_id").merge(_dialogues(documents), on="doc_id")
    out["share"] = (out["paragraphs"] / out["session_paragraphs"]).round(6)
    return out


def theme_by_actor(tags: pd.DataFrame) -> pd.DataFrame:
    themes = _tag_sets(tags, "theme").rename(columns={"label": "theme"})
    frames = []
    for role, kind in (("actor", "actor_type"), ("speaker", "speaker_type")):
        actors = _tag_sets(tags, kind).rename(columns={"label": "actor_type"})
        joined = themes.merge(actors, on=["doc_id", "para_no"])
        grouped = (
            joined.groupby(["theme", "actor_type"])
            .agg(paragraphs=("para_no", "size"), documents=("doc_id", "nunique"))
            .reset_index()
        )
        frames.append(grouped.assign(role=role))
    return pd.concat(frames, ignore_index=True)


def article_by_session(tags: pd.DataFrame, documents: pd.DataFrame) -> pd.DataFrame:
    arts = tags[(tags["kind"] == "article") & tags["label"].str.startswith("firearms_protocol:")]
    arts = arts.assign(explicit=arts["explicit"].fillna(False).astype(bool))
    per_para = arts.groupby(["label", "doc_id", "para_no"])["explicit"].max().reset_index()
    out = (
        per_para.groupby(["label", "doc_id"])
        .agg(explicit=("explicit", "sum"), related=("explicit", lambda s: int((~s).sum())))
        .reset_index()
        .rename(columns={"label": "article"})
    )
    return out.merge(_dialogues(documents), on="doc_id")


def theme_cooccurrence(tags: pd.DataFrame) -> pd.DataFrame:
    themes = _tag_sets(tags, "theme")
    pairs = themes.merge(themes, on=["doc_id", "para_no"], suffixes=("_a", "_b"))
    return (
        pairs.groupby(["label_a", "label_b"])
        .size()
        .rename("paragraphs")
        .reset_index()
        .rename(columns={"label_a": "theme_a", "label_b": "theme_b"})
    )


def paragraph_index(
    paragraphs: pd.DataFrame,
    tags: pd.DataFrame,
    documents: pd.DataFrame,
    recommendations: pd.DataFrame,
    rec_clusters: pd.DataFrame,
) -> pd.DataFrame:
    keys = ["doc_id", "para_no"]
    out = paragraphs.merge(_sessions(documents), on="doc_id", how="left")
    rows = list(zip(out["doc_id"].tolist(), out["para_no"].astype(int).tolist(), strict=True))
    for column, kind in (
        ("themes", "theme"),
        ("articles", "article"),
        ("actor_types", "actor_type"),
        ("speaker_types", "speaker_type"),
        ("orgs", "org"),
        ("countries", "country"),
    ):
        lists = _lists_by_paragraph(_tag_sets(tags, kind), "label")
        out[column] = [lists.get(row, []) for row in rows]
    n_recs = recommendations.groupby(keys).size().rename("n_recommendations")
    out = out.merge(n_recs, left_on=keys, right_index=True, how="left")
    out["n_recommendations"] = out["n_recommendations"].fillna(0).astype(int)
    clusters = _lists_by_paragraph(
        rec_clusters.drop_duplicates([*keys, "cluster_id"]), "cluster_id"
    )
    out["clusters"] = [[int(c) for c in clusters.get(row, [])] for row in rows]
    return out


def _lists_by_paragraph(frame: pd.DataFrame, column: str) -> dict[tuple[str, int], list]:
    """{(doc_id, para_no): sorted values of `column`} from rows without duplicates (a plain
    dict: pandas' per-group aggregation was most of this stage's time)."""
    ordered = frame.sort_values(["doc_id", "para_no", column])
    out: dict[tuple[str, int], list] = defaultdict(list)
    columns = (ordered["doc_id"].tolist(), ordered["para_no"].tolist(), ordered[column].tolist())
    for doc, para, value in zip(*columns, strict=True):
        out[(doc, int(para))].append(value)
    return out


def build_tables(inputs: dict[str, pd.DataFrame]) -> dict[str, pd.DataFrame]:
    """Every analyst table from the pipeline's tables (pure: no I/O)."""
    p, t, d = inputs["paragraphs"], inputs["tags"], inputs["documents"]
    return {
        "theme_by_session": theme_by_session(p, t, d),
        "theme_by_actor": theme_by_actor(t),
        "article_by_session": article_by_session(t, d),
        "theme_cooccurrence": theme_cooccurrence(t),
        "paragraph_index": paragraph_index(
            p, t, d, inputs["recommendations"], inputs["rec_clusters"]
        ),
    }


def csv_view(table: pa.Table) -> pd.DataFrame:
    """A table as the CSV shows it: list cells joined with LIST_SEPARATOR (spreadsheets
    have no lists; numpy's "['a' 'b']" repr was neither readable nor quick to write)."""
    frame = table.to_pandas()
    for field in table.schema:
        if pa.types.is_list(field.type):
            frame[field.name] = [
                LIST_SEPARATOR.join(str(v) for v in cell) if cell is not None else ""
                for cell in frame[field.name]
            ]
    return frame


def write_readme(folder: Path) -> None:
    lines = [
        "# Theme tables",
        "",
        "Produced by `dvc repro` (stage `tables`). Each table is here as parquet and CSV;",
        'load one with `pipeline.load("<name>")`. In the CSV files a list cell is its',
        f"items joined with {LIST_SEPARATOR!r}.",
        "",
    ]
    for name in ANALYST_TABLES:
        table = get_table(name)
        lines += [
            f"- `{name}`: {table.description} Keys: {', '.join(table.keys)}.",
            "  Columns: " + ", ".join(f"{f.name} ({f.type})" for f in table.schema) + ".",
        ]
    (folder / "README.md").write_text("\n".join(lines) + "\n", encoding="utf-8")


def main(layout: Layout, params: dict[str, Any]) -> dict[str, pd.DataFrame]:
    """`crp tables`: the analyst tables in data/processed/tables (parquet + CSV + README)."""
    names = ("documents", "paragraphs", "tags", "recommendations", "rec_clusters")
    inputs = {name: read_table(name, layout.table(name)) for name in names}
    tables = build_tables(inputs)
    folder = layout.processed / "tables"
    folder.mkdir(parents=True, exist_ok=True)
    for name, frame in tables.items():
        write_table(frame, name, folder / f"{name}.parquet")
        csv_view(conform(frame, name)).to_csv(folder / f"{name}.csv", index=False)
    write_readme(folder)
    return tables
