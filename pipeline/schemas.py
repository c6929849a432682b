"""The one declared schema of every table the pipeline writes.

A table's columns, their Arrow types, its key columns and a one-line description live
here and nowhere else; `write_table` checks a frame against its schema before writing,
so a stage that drifts from the contract fails loudly instead of feeding bad data on.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from pipeline.errors import SchemaError

STR = pa.string()
INT = pa.int64()
FLOAT = pa.float64()
BOOL = pa.bool_()
STR_LIST = pa.list_(pa.string())
INT_LIST = pa.list_(pa.int64())


@dataclass(frozen=True)
class Table:
    name: str
    schema: pa.Schema
    keys: tuple[str, ...]
    description: str

    @property
    def columns(self) -> list[str]:
        return list(self.schema.names)

    def empty(self) -> pd.DataFrame:
        """A frame with this table's columns and no rows."""
        return self.schema.empty_table().to_pandas(types_mapper=nullable_types)

    @property
    def pandas_metadata(self) -> dict[bytes, bytes]:
        """Schema metadata telling pandas to read integer and boolean columns as nullable
        (Int64, boolean): with one missing year, plain `pd.read_parquet` would otherwise give
        floats (2024.0) and CSV exports would print them."""
        return _pandas_metadata(self.name)


@functools.cache
def _pandas_metadata(name: str) -> dict[bytes, bytes]:
    table = get_table(name)
    return pa.Table.from_pandas(table.empty(), schema=table.schema).schema.metadata or {}


def _table(name: str, keys: tuple[str, ...], description: str, **cols: pa.DataType) -> Table:
    return Table(name, pa.schema(list(cols.items())), keys, description)


TABLES: dict[str, Table] = {
    t.name: t
    for t in [
        _table(
            "documents",
            ("doc_id",),
            "One row per input file: checksum, status (ok/failed), error, and metadata "
            "read from the document, its kind first (doc_type: crp, wg_report or other, "
            "labels.yaml doc_types; empty for a file that could not be read).",
            doc_id=STR,
            file=STR,
            sha256=STR,
            n_pages=INT,
            status=STR,
            error=STR,
            doc_type=STR,
            symbol=STR,
            title=STR,
            working_group=STR,
            meeting=STR,
            session_ordinal=INT,
            date=STR,
            year=INT,
            reader=STR,
        ),
        _table(
            "pages",
            ("doc_id", "page", "line_no"),
            "Every text line of every page with its position, font and role (body, "
            "furniture, footnote); footnote markers are moved from `text` to `markers`.",
            doc_id=STR,
            page=INT,
            line_no=INT,
            x0=FLOAT,
            x1=FLOAT,
            top=FLOAT,
            bottom=FLOAT,
            text=STR,
            font=STR,
            size=FLOAT,
            bold=BOOL,
            italic=BOOL,
            markers=STR_LIST,
            role=STR,
        ),
        _table(
            "footnotes",
            ("doc_id", "page", "marker"),
            "Footnote bodies, kept out of the paragraphs.",
            doc_id=STR,
            page=INT,
            marker=STR,
            text=STR,
        ),
        _table(
            "paragraphs",
            ("doc_id", "para_no"),
            "Numbered paragraphs as a reader reads them, with their section and "
            "italic sub-heading.",
            doc_id=STR,
            para_no=INT,
            section=STR,
            subsection=STR,
            text=STR,
            page_start=INT,
            page_end=INT,
        ),
        _table(
            "tags",
            ("doc_id", "para_no", "kind", "label", "start", "end"),
            "Long-format tags of every paragraph: articles, actor and speaker types, named "
            "organizations and States, themes; each with its evidence span and the rule "
            "that produced it. A theme's `score` is the theme classifier's probability "
            "that the paragraph is about it (filter on it; empty without a classifier); a "
            "theme an analyst confirmed has rule `analyst/<theme>` and score 1.0 "
            "(data/labels/themes.jsonl, `crp themes apply`).",
            doc_id=STR,
            para_no=INT,
            kind=STR,
            label=STR,
            explicit=BOOL,
            score=FLOAT,
            start=INT,
            end=INT,
            evidence=STR,
            rule=STR,
        ),
        _table(
            "recommendations",
            ("doc_id", "para_no", "rec_no"),
            "One row per recommendation sentence: who recommends (by), to whom (to), the "
            "themes inside it, its character offsets in the paragraph and the cue rule.",
            doc_id=STR,
            para_no=INT,
            rec_no=INT,
            text=STR,
            start=INT,
            end=INT,
            by=STR,
            to=STR,
            themes=STR_LIST,
            rule=STR,
        ),
        _table(
            "asks",
            ("doc_id", "para_no", "rec_no"),
            "The ask of each recommendation (its reporting frame stripped), the sha256 key its "
            "vector is cached under, its token count and whether the model truncated it "
            "(beyond 256 tokens). Row i has vector i of embeddings.safetensors.",
            doc_id=STR,
            para_no=INT,
            rec_no=INT,
            ask=STR,
            key=STR,
            n_tokens=INT,
            truncated=BOOL,
        ),
        _table(
            "rec_clusters",
            ("doc_id", "para_no", "rec_no"),
            "The ask of every recommendation: its cluster, the ask's id and label, whether it "
            "was matched to the catalogue of known asks (source=catalogue, with the matcher's "
            "score) or grouped with other unmatched ones as a candidate new ask (source=new).",
            doc_id=STR,
            para_no=INT,
            rec_no=INT,
            cluster_id=INT,
            cluster_label=STR,
            ask_id=STR,
            source=STR,
            score=FLOAT,
        ),
        _table(
            "matches",
            ("doc_id", "para_no", "rec_no"),
            "Cache entries of the cluster stage (data/cache/cluster), not an output: each "
            "recommendation's best catalogue ask as the matcher scores it (ask_id empty below "
            "its threshold), one document at a time.",
            doc_id=STR,
            para_no=INT,
            rec_no=INT,
            ask_id=STR,
            score=FLOAT,
            candidate=STR,
        ),
        _table(
            "clusters",
            ("cluster_id",),
            "One row per ask made in the corpus: a catalogue ask (its label) or a candidate new "
            "ask (labelled by a verb phrase of its most central sentence), that sentence, "
            "where and when it was asked, by whom and of whom.",
            cluster_id=INT,
            ask_id=STR,
            source=STR,
            label=STR,
            exemplar=STR,
            size=INT,
            n_docs=INT,
            working_groups=STR_LIST,
            years=INT_LIST,
            first_seen=STR,
            last_seen=STR,
            by_types=STR_LIST,
            to_types=STR_LIST,
            themes=STR_LIST,
        ),
        _table(
            "recurrence",
            ("cluster_id", "doc_id"),
            "Ask × session counts; `new` marks the session where an ask was first raised, "
            "the other rows the sessions it was raised in again.",
            cluster_id=INT,
            ask_id=STR,
            doc_id=STR,
            working_group=STR,
            year=INT,
            session_ordinal=INT,
            date=STR,
            count=INT,
            new=BOOL,
        ),
        _table(
            "adopted",
            ("doc_id", "para_no"),
            "One row per recommendation a working group adopted (a numbered paragraph of the "
            "chapter of recommendations of a report, doc_type wg_report): its text, to whom "
            "it is addressed, the themes the tagger finds in it (most probable first), and "
            "the catalogue ask it resembles most with the matcher's score, taken up or not.",
            doc_id=STR,
            para_no=INT,
            text=STR,
            to=STR,
            themes=STR_LIST,
            candidate=STR,
            candidate_score=FLOAT,
        ),
        _table(
            "adopted_asks",
            ("doc_id", "para_no", "ask_id"),
            "One row per adopted recommendation and catalogue ask it takes up (none, one or "
            "several): the matcher's score, and who decided (source: matcher or analyst).",
            doc_id=STR,
            para_no=INT,
            ask_id=STR,
            score=FLOAT,
            source=STR,
        ),
        _table(
            "uptake",
            ("ask_id", "working_group"),
            "One row per ask raised in the constructive dialogues of a working group: where "
            "and when it was first raised, how often and by whom since, and whether a report "
            "of that working group dated after it adopted a recommendation taking it up "
            "(the first such report, its paragraph, year and the lag in years) or not.",
            ask_id=STR,
            working_group=STR,
            label=STR,
            source=STR,
            first_doc=STR,
            first_para_no=INT,
            first_date=STR,
            first_year=INT,
            n_raised=INT,
            n_sessions=INT,
            last_date=STR,
            by_types=STR_LIST,
            themes=STR_LIST,
            taken_up=BOOL,
            report_doc=STR,
            report_para_no=INT,
            report_date=STR,
            report_year=INT,
            lag_years=INT,
            status=STR,
        ),
        _table(
            "theme_by_session",
            ("theme", "doc_id"),
            "Paragraphs tagged with each theme in each session (working group, year, "
            "session), and their share of the session's paragraphs (working group reports "
            "left out).",
            theme=STR,
            working_group=STR,
            year=INT,
            session_ordinal=INT,
            date=STR,
            doc_id=STR,
            paragraphs=INT,
            session_paragraphs=INT,
            share=FLOAT,
        ),
        _table(
            "theme_by_actor",
            ("theme", "role", "actor_type"),
            "Who raises what: paragraphs where a theme occurs with an actor type, as any actor "
            "(role=actor) or as a speaker (role=speaker).",
            theme=STR,
            role=STR,
            actor_type=STR,
            paragraphs=INT,
            documents=INT,
        ),
        _table(
            "article_by_session",
            ("article", "doc_id"),
            "Firearms Protocol articles by session: paragraphs citing the article (explicit) "
            "and paragraphs discussing its subject without the number (related); working group "
            "reports left out.",
            article=STR,
            working_group=STR,
            year=INT,
            session_ordinal=INT,
            date=STR,
            doc_id=STR,
            explicit=INT,
            related=INT,
        ),
        _table(
            "theme_cooccurrence",
            ("theme_a", "theme_b"),
            "Paragraphs in which two themes occur together (both orders; the diagonal is the "
            "theme's own paragraph count).",
            theme_a=STR,
            theme_b=STR,
            paragraphs=INT,
        ),
        _table(
            "paragraph_index",
            ("doc_id", "para_no"),
            "One row per paragraph with its session, section, tags as lists and its "
            "recommendations' clusters, for filtering.",
            doc_id=STR,
            para_no=INT,
            working_group=STR,
            year=INT,
            session_ordinal=INT,
            date=STR,
            section=STR,
            subsection=STR,
            page_start=INT,
            page_end=INT,
            themes=STR_LIST,
            articles=STR_LIST,
            actor_types=STR_LIST,
            speaker_types=STR_LIST,
            orgs=STR_LIST,
            countries=STR_LIST,
            n_recommendations=INT,
            clusters=INT_LIST,
            text=STR,
        ),
    ]
}

ANALYST_TABLES = (
    "theme_by_session",
    "theme_by_actor",
    "article_by_session",
    "theme_cooccurrence",
    "paragraph_index",
)


def get_table(name: str) -> Table:
    try:
        return TABLES[name]
    except KeyError:
        raise SchemaError(f"unknown table {name!r}; known tables: {', '.join(TABLES)}") from None


def conform(df: pd.DataFrame, name: str) -> pa.Table:
    """Check `df` against the schema of table `name` and return it as an Arrow table.

    Rows are sorted by the key columns so that the same content always gives the same
    bytes, whatever order the rows were produced in.
    """
    table = get_table(name)
    _check_columns(df, table, f"table {name}")
    df = df[table.columns]
    if len(df) and df.duplicated(list(table.keys)).any():
        dup = df[df.duplicated(list(table.keys), keep=False)][list(table.keys)].head(3)
        raise SchemaError(f"table {name}: duplicate keys {dup.to_dict('records')}")
    return to_arrow(df.sort_values(list(table.keys), kind="stable").reset_index(drop=True), name)


def to_arrow(df: pd.DataFrame, name: str, where: str = "") -> pa.Table:
    """`df` typed as table `name` (no pandas metadata, rows as given); a frame that does
    not fit is a SchemaError naming the table and `where` (e.g. the document)."""
    table = get_table(name)
    where = f"table {name}" + (f" ({where})" if where else "")
    _check_columns(df, table, where)
    try:
        arrow = pa.Table.from_pandas(df, schema=table.schema, preserve_index=False)
    except (pa.ArrowInvalid, pa.ArrowTypeError, TypeError, ValueError) as exc:
        raise SchemaError(f"{where}: a column does not fit its declared type: {exc}") from exc
    return arrow.replace_schema_metadata(table.pandas_metadata)


def _check_columns(df: pd.DataFrame, table: Table, where: str) -> None:
    missing = [c for c in table.columns if c not in df.columns]
    extra = [c for c in df.columns if c not in table.columns]
    if missing or extra:
        raise SchemaError(
            f"{where}: columns do not match the schema "
            f"(missing: {missing or 'none'}; unexpected: {extra or 'none'})"
        )


def write_table(df: pd.DataFrame, name: str, path: Path) -> Path:
    """Validate `df` as table `name` and write it to `path` as parquet."""
    arrow = conform(df, name)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(path.suffix + ".tmp")
    pq.write_table(arrow, tmp, compression="zstd")
    tmp.replace(path)
    return path


def read_table(name: str, path: Path, columns: list[str] | None = None) -> pd.DataFrame:
    """Read table `name` from `path` (only `columns`, if given), with nullable dtypes for
    integer columns."""
    get_table(name)
    arrow = pq.read_table(path, columns=columns)
    return arrow.to_pandas(types_mapper=nullable_types)


def nullable_types(arrow_type: pa.DataType) -> object | None:
    if pa.types.is_integer(arrow_type):
        return pd.Int64Dtype()
    if pa.types.is_boolean(arrow_type):
        return pd.BooleanDtype()
    return None
