"""Every table is checked against its one declared schema when written."""

from __future__ import annotations

import pandas as pd
import pytest

from pipeline.errors import ParamsError, SchemaError
from pipeline.params import build_settings
from pipeline.schemas import TABLES, read_table, write_table
from pipeline.segment import SegmentSettings


def paragraphs(**over) -> pd.DataFrame:
    row = {
        "doc_id": "d",
        "para_no": 1,
        "section": "I. A",
        "subsection": None,
        "text": "x",
        "page_start": 1,
        "page_end": 1,
    }
    row.update(over)
    return pd.DataFrame([row])


def test_write_table_round_trips_with_keys_sorted(tmp_path):
    df = pd.concat([paragraphs(para_no=2), paragraphs(para_no=1)])
    path = write_table(df, "paragraphs", tmp_path / "p.parquet")
    back = read_table("paragraphs", path)
    assert list(back["para_no"]) == [1, 2]
    assert str(back["para_no"].dtype) == "Int64"


def test_write_table_rejects_a_missing_column(tmp_path):
    with pytest.raises(SchemaError, match="missing: \\['text'\\]"):
        write_table(paragraphs().drop(columns=["text"]), "paragraphs", tmp_path / "p.parquet")


def test_write_table_rejects_a_wrong_type(tmp_path):
    with pytest.raises(SchemaError, match="paragraphs"):
        write_table(paragraphs(para_no="twelve"), "paragraphs", tmp_path / "p.parquet")


def test_write_table_rejects_duplicate_keys(tmp_path):
    with pytest.raises(SchemaError, match="duplicate keys"):
        write_table(pd.concat([paragraphs(), paragraphs()]), "paragraphs", tmp_path / "p.parquet")


def test_write_is_byte_identical_for_the_same_content(tmp_path):
    a = write_table(paragraphs(), "paragraphs", tmp_path / "a.parquet").read_bytes()
    b = write_table(paragraphs(), "paragraphs", tmp_path / "b.parquet").read_bytes()
    assert a == b


def test_every_table_declares_keys_among_its_columns():
    for table in TABLES.values():
        assert set(table.keys) <= set(table.columns), table.name
        assert table.description


def test_params_unknown_key_is_named():
    with pytest.raises(ParamsError, match="hyphen_min_zipff"):
        build_settings(SegmentSettings, "segment", {"hyphen_min_zipff": 3})


def test_params_wrong_type_is_named():
    with pytest.raises(ParamsError, match=r"segment\.hyphen_min_zipf"):
        build_settings(SegmentSettings, "segment", {"hyphen_min_zipf": "high"})


def test_params_out_of_range_value_is_named():
    with pytest.raises(ParamsError, match=r"hyphen_min_zipf=12"):
        build_settings(SegmentSettings, "segment", {"hyphen_min_zipf": 12})
