"""What a stage's output depends on, derived rather than listed by hand.

A stage's result is shaped by its code (its module and every `pipeline` module it imports,
at any depth, including imports inside functions), the taxonomy parts it reads
(`pipeline.knowledge.taxonomy.STAGE_PARTS`), the templates it renders, and the versions of
the libraries that compute it (a new pypdfium2 may read a page differently). The
per-document caches are keyed by all of these, and a test checks that `dvc.yaml` lists the
same files, so neither the caches nor DVC's "up to date" can miss a change.
"""

from __future__ import annotations

import ast
import hashlib
from functools import cache
from importlib import metadata
from pathlib import Path

from pipeline.paths import PACKAGE_DIR, TEMPLATES_DIR

# Libraries whose version can change a stage's output (distribution names).
STAGE_LIBRARIES: dict[str, tuple[str, ...]] = {
    "extract": ("pypdfium2", "pdfplumber", "wordfreq", "numpy"),
    "segment": ("wordfreq",),
    "build_tagger": ("spacy",),
    "tag": ("spacy", "numpy"),
    "embed": ("sentence-transformers", "transformers", "torch", "numpy"),
    "cluster": ("numpy", "scipy", "scikit-learn"),
    "report": ("jinja2", "markupsafe", "lunr"),
}
# Folders of data files a stage reads besides the taxonomy.
STAGE_FOLDERS: dict[str, tuple[Path, ...]] = {"report": (TEMPLATES_DIR,)}


def module_file(name: str) -> Path | None:
    """The source file of a `pipeline.*` module name, if it exists."""
    parts = name.split(".")
    if parts[0] != "pipeline":
        return None
    base = PACKAGE_DIR.joinpath(*parts[1:])
    for candidate in (base.with_suffix(".py"), base / "__init__.py"):
        if candidate.is_file():
            return candidate
    return None


def _imported(path: Path) -> set[str]:
    """Every `pipeline.*` module that `path` imports, at top level or inside a function."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
            names.update(f"{node.module}.{a.name}" for a in node.names)
    return {n for n in names if n.split(".")[0] == "pipeline"}


@cache
def code_files(stage: str) -> tuple[Path, ...]:
    """The stage's module and its import closure inside `pipeline/` (package __init__s of
    every module on the way included: importing `pipeline.a.b` runs `pipeline/a/__init__`)."""
    todo = [f"pipeline.{stage}"]
    seen: set[str] = set()
    files: set[Path] = set()
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        path = module_file(name)
        if path is None:
            continue
        files.add(path)
        parents = [".".join(name.split(".")[:i]) for i in range(2, name.count(".") + 1)]
        todo += parents + sorted(_imported(path))
    files.discard(PACKAGE_DIR / "__init__.py")  # `import pipeline` alone shapes no output
    return tuple(sorted(files))


def folder_files(stage: str) -> tuple[Path, ...]:
    folders = STAGE_FOLDERS.get(stage, ())
    return tuple(sorted(p for folder in folders for p in folder.rglob("*") if p.is_file()))


def library_versions(stage: str) -> dict[str, str]:
    versions = {}
    for name in STAGE_LIBRARIES.get(stage, ()):
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = "absent"
    return versions


def code_digest(stage: str) -> str:
    """A digest of the stage's code and data folders (paths and contents) and libraries."""
    hasher = hashlib.sha256()
    for path in (*code_files(stage), *folder_files(stage)):
        hasher.update(path.relative_to(PACKAGE_DIR).as_posix().encode())
        hasher.update(path.read_bytes())
    for name, version in sorted(library_versions(stage).items()):
        hasher.update(f"{name}=={version}".encode())
    return hasher.hexdigest()
