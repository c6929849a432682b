"""Every path the pipeline reads or writes, derived from the repository root in one place.

Stages never build paths of their own: they ask this module, so a moved folder is a
one-line change and nothing is written outside the layout DVC tracks.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
TAXONOMY_DIR = PACKAGE_DIR / "taxonomy"
TEMPLATES_DIR = PACKAGE_DIR / "templates"


def repo_root() -> Path:
    """The project root: `CRP_ROOT` if set, else the folder above the package."""
    env = os.environ.get("CRP_ROOT")
    return Path(env).resolve() if env else PACKAGE_DIR.parent


@dataclass(frozen=True)
class Layout:
    """Where one run reads its PDFs and writes its outputs.

    `dvc repro` uses the repository layout; `crp run PDF_DIR --out OUT` builds the same
    layout under OUT so a researcher's folder gets exactly the tables DVC produces.
    """

    raw: Path
    processed: Path
    models: Path
    metrics: Path
    reports: Path
    cache: Path
    gold: Path

    @classmethod
    def repo(cls) -> Layout:
        root = repo_root()
        return cls(
            raw=root / "data" / "raw",
            processed=root / "data" / "processed",
            models=root / "models",
            metrics=root / "metrics",
            reports=root / "reports",
            cache=root / "data" / "cache",
            gold=root / "data" / "gold",
        )

    @classmethod
    def under(cls, out: Path, raw: Path, gold: Path | None = None) -> Layout:
        out = out.resolve()
        return cls(
            raw=raw.resolve(),
            processed=out,
            models=out / "models",
            metrics=out / "metrics",
            reports=out / "reports",
            cache=out / "cache",
            gold=(gold or out / "gold").resolve(),
        )

    def table(self, name: str) -> Path:
        """The parquet file of a table declared in `pipeline.schemas`."""
        return self.processed / f"{name}.parquet"
