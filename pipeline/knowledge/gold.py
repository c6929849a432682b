"""Gold files (GOLD_FORMAT.md) read and validated by the same contract as the taxonomy.

A malformed gold line must stop scoring with the file and line, not skew a score quietly:
every `*.doc.json` and every line of `*.paragraphs.jsonl` is checked for its shape
(pydantic) and for ids of `labels.yaml` (working group, instrument, actor types, themes,
addressees).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from pydantic import Field

from pipeline.knowledge.models import Labels, Strict, parse
from pipeline.knowledge.parts import check_ids
from pipeline.knowledge.source import Source, TaxonomyError, jsonl_sources, read_source

CRP, REPORT = "crp", "wg_report"  # labels.yaml doc_types


class GoldDocument(Strict):
    doc_id: str
    doc_type: str = "crp"  # labels.yaml doc_types; CRP gold files leave it out
    title: str | None = None
    working_group: str
    meeting: str | None = None
    session_ordinal: int | None = None
    date: str | None = None
    year: int | None = None
    n_paragraphs: int


class GoldArticle(Strict):
    instrument: str
    article: str
    explicit: bool


class GoldRecommendation(Strict):
    text: str
    by: str
    to: str
    cluster: str


class GoldParagraph(Strict):
    doc_id: str
    para_no: int
    section: str | None = None
    subsection: str | None = None
    text: str
    articles: list[GoldArticle] = Field(default_factory=list)
    actor_types: list[str] = Field(default_factory=list)
    speaker_types: list[str] = Field(default_factory=list)
    orgs: list[str] = Field(default_factory=list)
    countries: list[str] = Field(default_factory=list)
    themes: list[str] = Field(default_factory=list)
    recommendations: list[GoldRecommendation] = Field(default_factory=list)


def read_gold(folder: Path, labels: Labels) -> tuple[dict[str, dict], dict[tuple[str, int], dict]]:
    """(documents by doc_id, paragraphs by (doc_id, para_no)) of the tagged documents of a
    gold folder (the CRPs), validated. Working group reports are read by
    `read_report_gold`; `gold_doc_types` gives the type of every gold document."""
    every = gold_documents(folder, labels)
    docs = {d: doc for d, doc in every.items() if doc["doc_type"] == CRP}
    paras: dict[tuple[str, int], dict] = {}
    for path in sorted(folder.glob("*.paragraphs.jsonl")):
        if every.get(path.name[: -len(".paragraphs.jsonl")], {}).get("doc_type", CRP) != CRP:
            continue  # a working group report's paragraphs carry no tags
        for row in _paragraphs(path, labels):
            key = (row["doc_id"], row["para_no"])
            if key in paras:
                raise TaxonomyError(f"{path}: paragraph {key[1]} of {key[0]} is given twice")
            paras[key] = row
    if not paras:
        raise TaxonomyError(f"gold folder {folder} holds no *.paragraphs.jsonl files")
    return docs, paras


def gold_documents(folder: Path, labels: Labels) -> dict[str, dict]:
    """Every `*.doc.json` of a gold folder by doc_id (with its `doc_type`), validated."""
    if not folder.is_dir():
        raise TaxonomyError(f"gold folder {folder} does not exist")
    docs: dict[str, dict] = {}
    for path in sorted(folder.glob("*.doc.json")):
        source = read_source(path)  # JSON is YAML: the parser gives every key its line
        doc = parse(source, GoldDocument)
        _check_ids(source, (), doc.working_group, labels.working_groups, "working group")
        if doc.doc_type not in labels.doc_types:
            raise source.error(
                ("doc_type",), f"unknown document type {doc.doc_type!r} (labels.yaml doc_types)"
            )
        docs[path.name[: -len(".doc.json")]] = doc.model_dump()
    return docs


def gold_doc_types(folder: Path, labels: Labels) -> dict[str, str]:
    """The type of every gold document (labels.yaml doc_types), by doc_id."""
    return {d: doc["doc_type"] for d, doc in gold_documents(folder, labels).items()}


def _paragraphs(path: Path, labels: Labels) -> list[dict]:
    rows = []
    for source in jsonl_sources(path):
        para = parse(source, GoldParagraph)
        loc = ("paragraph", para.para_no)
        check_ids(source, (*loc, "actor_types"), para.actor_types, labels.actor_types, "actor type")
        check_ids(
            source, (*loc, "speaker_types"), para.speaker_types, labels.actor_types, "actor type"
        )
        check_ids(source, (*loc, "themes"), para.themes, labels.themes, "theme")
        check_ids(
            source,
            (*loc, "articles"),
            [a.instrument for a in para.articles],
            labels.instruments,
            "instrument",
        )
        check_ids(
            source,
            (*loc, "recommendations.by"),
            [r.by for r in para.recommendations],
            labels.actor_types,
            "actor type",
        )
        check_ids(
            source,
            (*loc, "recommendations.to"),
            [r.to for r in para.recommendations],
            labels.addressee_types,
            "addressee type",
        )
        rows.append(para.model_dump())
    return rows


def _check_ids(source: Source, loc: tuple, value: str, ids: dict[str, str], what: str) -> None:
    if value not in ids:
        raise source.error((*loc, "working_group"), f"unknown {what} {value!r} (labels.yaml)")


class GoldAdopted(Strict):
    """One adopted recommendation of a working group report (GOLD_FORMAT.md)."""

    doc_id: str
    para_no: int
    text: str
    to: str
    themes: list[str] = Field(default_factory=list)
    asks: list[str] = Field(default_factory=list)  # cluster ids (CLUSTERS.md) it takes up
    new_ask: str | None = None  # what it asks instead, when `asks` is empty (read, not scored)


@dataclass(frozen=True)
class ReportGold:
    """The gold of the working group reports of a gold folder."""

    documents: dict[str, dict]  # doc_id → doc.json
    paragraphs: dict[tuple[str, int], dict]  # (doc_id, para_no) → section, text...
    adopted: list[dict]  # GoldAdopted rows, in document order


def read_report_gold(folder: Path, labels: Labels) -> ReportGold:
    """The working group reports of a gold folder (`"doc_type": "wg_report"`): their
    documents, paragraphs and adopted recommendations, validated (ids of labels.yaml)."""
    docs = {
        d: doc for d, doc in gold_documents(folder, labels).items() if doc["doc_type"] == REPORT
    }
    paras: dict[tuple[str, int], dict] = {}
    adopted: list[dict] = []
    for doc_id in sorted(docs):
        path = folder / f"{doc_id}.paragraphs.jsonl"
        if path.exists():
            paras.update({(r["doc_id"], r["para_no"]): r for r in _paragraphs(path, labels)})
        path = folder / f"{doc_id}.recommendations.jsonl"
        for source in jsonl_sources(path) if path.exists() else []:
            row = parse(source, GoldAdopted)
            loc = ("recommendation", row.para_no)
            check_ids(source, (*loc, "to"), [row.to], labels.addressee_types, "addressee type")
            check_ids(source, (*loc, "themes"), row.themes, labels.themes, "theme")
            adopted.append(row.model_dump())
    return ReportGold(docs, paras, adopted)
