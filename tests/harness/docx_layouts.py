"""The layout grid: what real producers vary, combined pairwise, typeset with python-docx and
converted to PDF by LibreOffice Writer, with the PDFs cached.

Every value of every axis meets every value of every other axis in at least one
combination (a pairwise covering array, built greedily and deterministically), so a
rule that holds for one font but breaks with tab numbering, or holds for justified text
but breaks with 0-pt spacing, shows up without running the full product of the axes
(thousands of documents). `sample()` is the few combinations the test suite runs: every
value of every axis at least once.

PDFs are cached in tests/harness/.pdf-cache (gitignored) under a key made of the
combination, the markdown and the generator's source, so a rerun converts nothing.
"""

from __future__ import annotations

import hashlib
import json
import os
import random
import shutil
import subprocess
import tempfile
from dataclasses import asdict
from itertools import combinations
from pathlib import Path

from harness.crp_markdown import parse
from harness.docx_build import Style, build_docx

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
MARKDOWN = REPO / "tests" / "fixtures" / "markdown"
GOLD = REPO / "data" / "gold"
CACHE = HERE / ".pdf-cache"
GENERATOR = (HERE / "crp_markdown.py", HERE / "docx_build.py")
SAMPLE_SIZE = 6

AXES: dict[str, tuple] = {
    "font": ("Liberation Serif", "Liberation Sans", "DejaVu Serif", "DejaVu Sans"),
    "size": (10, 11, 12),
    "align": ("justified", "ragged"),
    "numbering": ("hanging", "tab", "inline"),
    "subheading": ("italic", "bold", "bold-italic"),
    "para_space": (0, 6, 12),
    "heading_space": (0, 6, 12),
    "paper": ("A4", "Letter"),
    "margins": ("narrow", "wide"),
    "furniture": ("header+footer", "none"),
    "footnotes": ("notes", "none"),
}


def grid() -> list[Style]:
    """A pairwise covering array over AXES: each new combination starts from the first
    pair not yet covered and takes, axis by axis, the value covering most new pairs."""
    names = list(AXES)
    uncovered = {
        (a, i, b, j)
        for a, b in combinations(names, 2)
        for i in range(len(AXES[a]))
        for j in range(len(AXES[b]))
    }
    order = {name: k for k, name in enumerate(names)}
    rows: list[dict[str, int]] = []
    while uncovered:
        a, i, b, j = min(uncovered, key=lambda p: (order[p[0]], p[1], order[p[2]], p[3]))
        row = {a: i, b: j}
        for name in names:
            if name not in row:
                gains = [_gain(row, name, v, uncovered) for v in range(len(AXES[name]))]
                row[name] = gains.index(max(gains))
        uncovered -= _pairs(row, order)
        rows.append(row)
    return [Style(**{n: AXES[n][row[n]] for n in names}) for row in rows]


def _gain(row: dict[str, int], name: str, value: int, uncovered: set) -> int:
    return sum(
        1
        for other, v in row.items()
        if (other, v, name, value) in uncovered or (name, value, other, v) in uncovered
    )


def _pairs(row: dict[str, int], order: dict[str, int]) -> set:
    names = sorted(row, key=order.__getitem__)
    return {(a, row[a], b, row[b]) for a, b in combinations(names, 2)}


def random_styles(n: int, seed: int) -> list[Style]:
    """`n` combinations drawn from the full product of the axes (not only the pairwise
    grid's), for checking that the rules hold beyond the combinations they were tried on."""
    rng = random.Random(seed)
    return [Style(**{name: rng.choice(values) for name, values in AXES.items()}) for _ in range(n)]


def sample(styles: list[Style] | None = None, size: int = SAMPLE_SIZE) -> list[Style]:
    """A few combinations of the grid that show every value of every axis: greedily the one
    showing most values not yet shown, then the grid's order."""
    styles = list(styles or grid())
    chosen: list[Style] = []
    unseen = {(n, v) for n, values in AXES.items() for v in values}
    while unseen:
        best = max(styles, key=lambda s: len(_values(s) & unseen))
        chosen.append(best)
        styles.remove(best)
        unseen -= _values(best)
    return chosen + styles[: max(0, size - len(chosen))]


def sample_jobs(styles: list[Style] | None = None) -> list[tuple[str, Style]]:
    """The sample's (document, combination) pairs: each combination with two documents,
    or more where there are more than twice as many documents as combinations, taken in
    turn (each pass continues where the last stopped), so every document appears."""
    docs = doc_ids()
    chosen = styles or sample()
    passes = max(2, -(-len(docs) // len(chosen)))
    return [
        (docs[(k + n * len(chosen)) % len(docs)], style)
        for k, style in enumerate(chosen)
        for n in range(passes)
    ]


def _values(style: Style) -> set[tuple[str, object]]:
    return set(asdict(style).items())


def doc_ids() -> list[str]:
    return sorted(p.stem for p in MARKDOWN.glob("*.md"))


def soffice() -> str | None:
    """LibreOffice's command, or None where it is not installed."""
    return shutil.which("soffice") or shutil.which("libreoffice")


def cache_key(doc_id: str, style: Style) -> str:
    digest = hashlib.sha256(json.dumps(asdict(style), sort_keys=True).encode())
    digest.update((MARKDOWN / f"{doc_id}.md").read_bytes())
    for source in GENERATOR:
        digest.update(source.read_bytes())
    return digest.hexdigest()[:16]


def pdf_path(doc_id: str, style: Style, cache: Path = CACHE) -> Path:
    return cache / f"{doc_id}--{style.key()}--{cache_key(doc_id, style)}.pdf"


def make_pdfs(jobs: list[tuple[str, Style]], cache: Path = CACHE) -> dict[tuple[str, Style], Path]:
    """The PDF of each (document, style), converted only where the cache lacks it: the
    missing ones go through one LibreOffice run (its start-up is most of the cost)."""
    paths = {job: pdf_path(*job, cache=cache) for job in jobs}
    missing = [job for job, path in paths.items() if not path.exists()]
    if missing:
        command = soffice()
        if command is None:
            raise RuntimeError("LibreOffice (soffice) is not installed: `make harness-tools`")
        _convert(command, missing, paths, cache)
    for (doc_id, style), path in paths.items():  # earlier versions of the same PDFs
        for stale in cache.glob(f"{doc_id}--{style.key()}--*.pdf"):
            if stale != path:
                stale.unlink()
    return paths


def _convert(
    command: str, jobs: list[tuple[str, Style]], paths: dict[tuple[str, Style], Path], cache: Path
) -> None:
    cache.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="harness-") as tmp:
        work = Path(tmp)
        for doc_id, style in jobs:
            crp = parse((MARKDOWN / f"{doc_id}.md").read_text(encoding="utf-8"))
            year = json.loads((GOLD / f"{doc_id}.doc.json").read_text(encoding="utf-8"))["year"]
            build_docx(crp, style, doc_id, year).save(work / f"{paths[(doc_id, style)].stem}.docx")
        docx = sorted(str(p) for p in work.glob("*.docx"))
        # A profile of its own: two LibreOffice runs sharing one profile block each other.
        profile = (work / "profile").as_uri()
        options = ["--headless", "--convert-to", "pdf", "--outdir", str(work)]
        subprocess.run(
            [command, f"-env:UserInstallation={profile}", *options, *docx],
            check=True,
            capture_output=True,
            timeout=120 + 20 * len(docx),
        )
        for job in jobs:
            made = work / f"{paths[job].stem}.pdf"
            if not made.exists():
                raise RuntimeError(f"LibreOffice made no PDF of {made.stem}.docx")
            os.replace(made, paths[job])
