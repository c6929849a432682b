"""What each stage reads, derived from the code, is what dvc.yaml lists for it."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from conftest import REPO

from pipeline import provenance
from pipeline.cli import OTHER_STAGES, STAGES
from pipeline.knowledge.taxonomy import STAGE_PARTS, Taxonomy
from pipeline.paths import PACKAGE_DIR

DVC = yaml.safe_load((REPO / "dvc.yaml").read_text(encoding="utf-8"))["stages"]
PARAMS = yaml.safe_load((REPO / "params.yaml").read_text(encoding="utf-8"))


def listed_deps(stage: str) -> list[Path]:
    """A stage's deps in dvc.yaml, with ${taxonomy.dir} filled in from params.yaml."""
    deps = []
    for dep in DVC[stage]["deps"]:
        dep = dep.replace("${taxonomy.dir}", PARAMS["taxonomy"]["dir"])
        deps.append((REPO / dep).resolve())
    return deps


def required(stage: str) -> list[Path]:
    """Every file the stage's output depends on: code closure, taxonomy parts, templates."""
    taxonomy = Taxonomy(REPO / PARAMS["taxonomy"]["dir"], STAGE_PARTS[stage])
    return [
        *provenance.code_files(stage),
        *taxonomy.files(),
        *provenance.folder_files(stage),
    ]


def uncovered(files: list[Path], deps: list[Path]) -> list[str]:
    return sorted(
        str(f.relative_to(REPO)) for f in files if not any(f == d or d in f.parents for d in deps)
    )


def test_every_stage_is_one_module_one_command_one_dvc_stage():
    assert set(DVC) == set(STAGES) | set(OTHER_STAGES) | {"evaluate"} == set(STAGE_PARTS)
    for stage in DVC:
        assert (PACKAGE_DIR / f"{stage}.py").is_file()
        assert DVC[stage]["cmd"].split()[:2] == ["crp", stage]


@pytest.mark.parametrize("stage", sorted(DVC))
def test_dvc_yaml_lists_everything_the_stage_reads(stage):
    missing = uncovered(required(stage), listed_deps(stage))
    assert not missing, f"dvc.yaml stage {stage} does not list {missing}"


@pytest.mark.parametrize("stage", sorted(DVC))
def test_dvc_yaml_lists_no_code_or_knowledge_that_is_gone(stage):
    """A listed module or taxonomy file that no longer exists stops `dvc repro`."""
    code = [d for d in listed_deps(stage) if "$" not in str(d) and REPO / "pipeline" in d.parents]
    gone = sorted(str(d.relative_to(REPO)) for d in code if not d.exists())
    assert not gone, f"dvc.yaml stage {stage} lists {gone}, which do not exist"


def test_the_check_sees_a_module_missing_from_dvc_yaml():
    deps = [d for d in listed_deps("report") if d.name != "report_charts.py"]
    assert uncovered(required("report"), deps) == ["pipeline/report_charts.py"]


def test_import_closure_follows_imports_inside_functions():
    # tag imports spaCy's components only inside load_tagger (lazily): still a dependency
    assert PACKAGE_DIR / "tagging" / "components.py" in provenance.code_files("tag")
    assert PACKAGE_DIR / "tagging" / "__init__.py" in provenance.code_files("tag")
    assert PACKAGE_DIR / "report.py" not in provenance.code_files("extract")


def test_stage_fingerprint_changes_with_a_library_version_it_uses(monkeypatch):
    before = {stage: provenance.code_digest(stage) for stage in ("extract", "tables")}
    real = provenance.metadata.version
    monkeypatch.setattr(
        provenance.metadata,
        "version",
        lambda name: "999.0" if name == "pypdfium2" else real(name),
    )
    assert provenance.code_digest("extract") != before["extract"]  # extract reads with it
    assert provenance.code_digest("tables") == before["tables"]  # tables never uses it


def test_stage_fingerprint_changes_with_its_code_only(tmp_path, monkeypatch):
    import shutil

    package = tmp_path / "pipeline"
    shutil.copytree(PACKAGE_DIR, package, ignore=shutil.ignore_patterns("__pycache__"))
    monkeypatch.setattr(provenance, "PACKAGE_DIR", package)
    provenance.code_files.cache_clear()
    try:
        before = {s: provenance.code_digest(s) for s in ("extract", "segment", "tables")}
        with (package / "tables.py").open("a", encoding="utf-8") as handle:
            handle.write("\n# an edit\n")
        after = {s: provenance.code_digest(s) for s in before}
    finally:
        provenance.code_files.cache_clear()
    assert after["tables"] != before["tables"]
    assert after["extract"] == before["extract"] and after["segment"] == before["segment"]


def test_reading_an_undeclared_taxonomy_part_is_refused():
    taxonomy = Taxonomy(parts=STAGE_PARTS["embed"])
    assert taxonomy.recommendation["frame"]
    with pytest.raises(RuntimeError, match="part 'themes' was not declared"):
        _ = taxonomy.themes
