"""NLP pipeline over UNTOC review-mechanism conference room papers.

For analysts: `pipeline.load("theme_by_session")` returns a theme table as a DataFrame.
Nothing heavy happens on import.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pandas as pd


def load(name: str, folder: str | Path | None = None) -> pd.DataFrame:
    """A table of the pipeline as a pandas DataFrame.

    `name` is an analyst table (theme_by_session, theme_by_actor, article_by_session,
    theme_cooccurrence, paragraph_index) or a pipeline table (paragraphs, tags,
    recommendations, clusters, recurrence, ...). The folder is `folder`, else
    $CRP_OUTPUTS, else the repository's data/processed.
    """
    from pipeline.errors import PipelineError
    from pipeline.paths import Layout
    from pipeline.schemas import ANALYST_TABLES, get_table, read_table

    get_table(name)
    base = Path(folder or os.environ.get("CRP_OUTPUTS") or Layout.repo().processed)
    path = (
        base / "tables" / f"{name}.parquet" if name in ANALYST_TABLES else base / f"{name}.parquet"
    )
    if not path.exists():
        raise PipelineError(f"{path} does not exist: run `make repro` (or `crp run`) first")
    return read_table(name, path)
