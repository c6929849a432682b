"""Stage `uptake`: from dialogue to recommendation, per ask and working group.

For every ask raised in a working group's constructive dialogues (the `cluster` stage's
asks of the recommendations of `crp` documents): where and when civil society first raised
it, how often and by whom since, and whether a report of that working group dated after it
adopted a recommendation taking it up (the `adopted` stage): which report, paragraph and
year, and the lag in years; else "not taken up" (pipeline.adoption.timeline). Writes
`uptake.parquet`.
"""

from __future__ import annotations

import logging
from typing import Any

import pandas as pd

from pipeline.adoption.timeline import uptake
from pipeline.paths import Layout
from pipeline.schemas import read_table, write_table

log = logging.getLogger("crp")
INPUTS = ("documents", "recommendations", "rec_clusters", "adopted_asks")


def main(layout: Layout, params: dict[str, Any]) -> pd.DataFrame:
    """`crp uptake`: dialogues' asks and adopted recommendations → the uptake table."""
    tables = {name: read_table(name, layout.table(name)) for name in INPUTS}
    table = uptake(*(tables[name] for name in INPUTS))
    write_table(table, "uptake", layout.table("uptake"))
    log.info(
        "uptake: %d asks raised in the dialogues of %d working group(s), %d taken up",
        len(table),
        table["working_group"].nunique(),
        int(table["taken_up"].sum()),
    )
    return table
