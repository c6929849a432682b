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


def repo_root(start: Path | None = None) -> Path:
    """The project root, found the way DVC and git find theirs: `CRP_ROOT` if set, else the
    nearest folder at or above the working directory that holds `dvc.yaml`, else the
    folder above the package (an installed package used outside any project).

    Not the package's own location: with one environment and two clones of the project,
    `dvc repro` in the second clone must read and write the second clone."""
    env = os.environ.get("CRP_ROOT")
    if env:
        return Path(env).resolve()
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        if (folder / "dvc.yaml").is_file():
            return folder
    return PACKAGE_DIR.parent


def project_path(value: str) -> Path:
    """A path of params.yaml: absolute as given, relative from the project root."""
    path = Path(value)
    return path if path.is_absolute() else repo_root() / path


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
        )

    @classmethod
    def under(cls, out: Path, raw: Path) -> Layout:
        out = out.resolve()
        return cls(
            raw=raw.resolve(),
            processed=out,
            models=out / "models",
            metrics=out / "metrics",
            reports=out / "reports",
            cache=out / "cache",
        )

    def table(self, name: str) -> Path:
        """The parquet file of a table declared in `pipeline.schemas`."""
        return self.processed / f"{name}.parquet"


@dataclass(frozen=True)
class GoldSettings:
    """params.yaml `gold`: the two roles a gold folder plays, named once each.

    `train`: what the learned parts learn from (build_tagger trains the theme classifier on
    it; cluster reads the paragraphs of the catalogue's examples from it). `score`: what the
    outputs are scored against (evaluate; `crp evaluate OUT GOLD` and `crp run --gold GOLD`
    replace it, never `train`). Both are the development gold by default, so the in-sample
    figures of metrics/tagging.json flatter the pipeline (README: evaluate)."""

    train: str = "data/gold"
    score: str = "data/gold"

    @property
    def train_folder(self) -> Path:
        return project_path(self.train)

    @property
    def score_folder(self) -> Path:
        return project_path(self.score)
