"""The `crp` command: one subcommand per DVC stage, plus `crp run` for any folder.

Every subcommand is a thin shell over a stage's `main(layout, params)`; errors caused
by input or configuration are printed as one line, never as a traceback.
"""

from __future__ import annotations

import importlib
import logging
import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from pipeline.errors import PipelineError
from pipeline.params import read_params
from pipeline.paths import Layout

log = logging.getLogger("crp")
app = typer.Typer(
    no_args_is_help=True,
    add_completion=False,
    help="NLP pipeline over UNTOC review-mechanism conference room papers.",
    pretty_exceptions_show_locals=False,
)

# The stages in the order `crp run` runs them: (CLI subcommand = module = dvc.yaml stage).
STAGES = [
    "extract",
    "segment",
    "build_tagger",
    "tag",
    "embed",
    "cluster",
    "adopted",
    "uptake",
    "tables",
    "report",
]
# Stages `crp run` leaves out: cross-validation judges the learned parts on the gold, not
# the outputs of a run (`crp crossval`, or `crp evaluate --cv`).
OTHER_STAGES = ["crossval"]

OutOption = Annotated[
    Path | None,
    typer.Option("--out", help="Write outputs under this folder instead of the repository."),
]
RawOption = Annotated[
    Path | None, typer.Option("--raw", help="Folder of PDFs (default: data/raw).")
]
ParamsOption = Annotated[
    Path | None, typer.Option("--params", help="params.yaml to use (default: the repository's).")
]


def _layout(out: Path | None, raw: Path | None) -> Layout:
    """The repository layout, or one under OUT; raw PDFs default to the repo's."""
    repo = Layout.repo()
    if out is None and raw is None:
        return repo
    return Layout.under(out or repo.processed, raw or repo.raw)


def _scoring(params: dict[str, Any], gold: Path | None) -> dict[str, Any]:
    """params with `gold.score` replaced by a gold folder given on the command line (the
    training gold, `gold.train`, stays what params.yaml says)."""
    if gold is None:
        return params
    return {**params, "gold": {**(params.get("gold") or {}), "score": str(gold.resolve())}}


def _run_stage(name: str, layout: Layout, params: dict[str, Any]) -> Any:
    module = importlib.import_module(f"pipeline.{name}")
    log.info("stage %s", name)
    return module.main(layout, params)


# One line of help per stage, here so that `crp <stage>` imports only that stage's module.
HELP = {
    "extract": "data/raw → documents, pages and footnotes tables.",
    "segment": "pages → numbered paragraphs with section and sub-heading.",
    "build_tagger": "Compile pipeline/taxonomy into the spaCy pipeline models/tagger.",
    "tag": "paragraphs → tags and recommendations tables.",
    "embed": "recommendations → asks and their vectors (cached by content).",
    "cluster": "Recommendations grouped by what they ask, tracked across sessions.",
    "adopted": "Working group reports → the recommendations adopted and the asks they take up.",
    "uptake": "Per ask and working group: first raised in a dialogue, taken up by a report or not.",
    "tables": "The analyst theme tables in data/processed/tables (parquet, CSV, README).",
    "report": "The theme reports as a static HTML site in reports/.",
    "crossval": "The learned parts judged on gold documents they never saw → metrics/cv.json.",
}


def _stage_command(name: str) -> None:
    def command(out: OutOption = None, raw: RawOption = None, params: ParamsOption = None) -> None:
        _run_stage(name, _layout(out, raw), read_params(params))

    command.__doc__ = HELP[name]
    app.command(name=name)(command)


for _name in STAGES + OTHER_STAGES:
    _stage_command(_name)


@app.command()
def evaluate(
    out_dir: Annotated[
        Path | None, typer.Argument(help="Folder of output tables (default: data/processed).")
    ] = None,
    gold_dir: Annotated[
        Path | None,
        typer.Argument(help="Folder of gold files to score against (default: gold.score)."),
    ] = None,
    sweep: Annotated[
        bool,
        typer.Option("--sweep", help="Also score cluster thresholds → metrics/cluster_sweep.csv."),
    ] = False,
    cv: Annotated[
        bool,
        typer.Option(
            "--cv",
            help="Also judge the learned parts leave-one-document-out and on first contact "
            "→ metrics/cv.json, metrics/per_label.csv.",
        ),
    ] = False,
    params: ParamsOption = None,
) -> None:
    """Score the tables of OUT_DIR against the gold files of GOLD_DIR; writes metrics/."""
    from pipeline import evaluate as evaluate_stage

    layout = _layout(out_dir, None)
    settings = _scoring(read_params(params), gold_dir)
    evaluate_stage.main(layout, settings, thresholds=sweep)
    if cv:
        _run_stage("crossval", layout, settings)
    typer.echo(f"metrics written to {layout.metrics}")


asks_app = typer.Typer(
    no_args_is_help=True,
    help="The catalogue of known asks: review what the matcher was unsure of, apply it.",
)
app.add_typer(asks_app, name="asks")


@asks_app.command("review")
def asks_review(
    table: Annotated[Path, typer.Argument(help="CSV to write, one row per recommendation.")],
    out: OutOption = None,
    below: Annotated[
        float, typer.Option("--below", help="Also list catalogue matches scoring below this.")
    ] = 0.6,
) -> None:
    """Write the candidate new asks and the unsure matches (of the dialogues, then of the
    recommendations working groups adopted), with an empty `decision` column."""
    import pandas as pd

    from pipeline.adoption.review import adopted_review_rows
    from pipeline.asks.review import review_table
    from pipeline.knowledge.taxonomy import load_taxonomy, taxonomy_folder
    from pipeline.schemas import read_table

    layout = _layout(out, None)
    recs = read_table("recommendations", layout.table("recommendations"))
    rows = review_table(read_table("rec_clusters", layout.table("rec_clusters")), recs, below)
    n_adopted = 0
    if layout.table("adopted").exists():
        asks = load_taxonomy(taxonomy_folder(read_params()), parts=["asks"]).asks
        adopted = adopted_review_rows(
            read_table("adopted", layout.table("adopted")),
            read_table("adopted_asks", layout.table("adopted_asks")),
            {a.id: a.label for a in asks},
            below,
        )
        n_adopted = len(adopted)
        rows = pd.concat([rows, adopted], ignore_index=True) if n_adopted else rows
    table.parent.mkdir(parents=True, exist_ok=True)
    rows.to_csv(table, index=False)
    typer.echo(
        f"{len(rows)} recommendation(s) to review in {table} ({n_adopted} adopted by a working "
        "group): fill `decision` with accept, an ask id, or a new ask's label (for an adopted "
        "one: accept, ask ids joined by ';', or none); then run `crp asks apply`"
    )


@asks_app.command("apply")
def asks_apply(
    table: Annotated[Path, typer.Argument(help="The review CSV with `decision` filled in.")],
    out: OutOption = None,
    params: ParamsOption = None,
) -> None:
    """Merge the decisions of a review CSV into the catalogue (taxonomy/asks.yaml)."""
    from pipeline.asks.review import apply_asks

    layout = _layout(out, None)
    typer.echo(apply_asks(table, layout, read_params(params)))


themes_app = typer.Typer(
    no_args_is_help=True,
    help="Theme tags: review the pairs the decision was least sure of, apply the answers.",
)
app.add_typer(themes_app, name="themes")


@themes_app.command("review")
def themes_review(
    table: Annotated[Path, typer.Argument(help="CSV to write, one row per (paragraph, theme).")],
    per_document: Annotated[
        int, typer.Option("--per-document", help="Pairs asked about per document.")
    ] = 10,
    documents: Annotated[
        list[str] | None,
        typer.Option("--documents", help="Only these documents (repeat, or separate by ',')."),
    ] = None,
    out: OutOption = None,
    params: ParamsOption = None,
) -> None:
    """Write each document's least sure (paragraph, theme) pairs, with an empty `answer`."""
    from pipeline.themes.review import run_review

    chosen = [d.strip() for item in documents or [] for d in item.split(",") if d.strip()]
    typer.echo(run_review(_layout(out, None), read_params(params), table, per_document, chosen))


@themes_app.command("apply")
def themes_apply(
    table: Annotated[Path, typer.Argument(help="The review CSV with `answer` filled in.")],
    withdraw: Annotated[
        bool, typer.Option("--withdraw", help="Remove the answers that came from this file.")
    ] = False,
    out: OutOption = None,
    params: ParamsOption = None,
) -> None:
    """Record the answers of a review CSV in the analysts' labels (build_tagger.labels)."""
    from pipeline.themes.answers import run_apply

    typer.echo(run_apply(_layout(out, None), read_params(params), table, withdraw))


@app.command()
def run(
    pdf_dir: Annotated[Path, typer.Argument(help="Folder of PDFs to process.")],
    out: Annotated[Path, typer.Option("--out", help="Folder for every output table.")],
    params: ParamsOption = None,
    gold: Annotated[
        Path | None,
        typer.Option(
            "--gold",
            help="Also score the outputs against this gold folder (the learned parts still "
            "train on params.yaml gold.train).",
        ),
    ] = None,
) -> None:
    """Run every stage over PDF_DIR without DVC, writing the same tables into OUT."""
    from pipeline.params import load_settings
    from pipeline.paths import GoldSettings

    layout = Layout.under(out, pdf_dir)
    settings = read_params(params)
    if gold is not None:
        train = load_settings(GoldSettings, "gold", settings).train_folder
        typer.echo(f"gold: training on {train} (params.yaml gold.train), scoring against {gold}")
    run_all(layout, settings)
    if gold is not None:
        evaluate(layout.processed, gold, sweep=False, cv=False, params=params)
    log.info("outputs in %s; report: %s", layout.processed, layout.reports / "index.html")


def run_all(layout: Layout, params: dict[str, Any]) -> None:
    """Every stage in order over one layout (what `crp run` does, callable from Python)."""
    for name in STAGES:
        _run_stage(name, layout, params)


def main() -> None:
    """Console entry point: configures logging and turns PipelineError into one line."""
    logging.basicConfig(format="%(message)s", level=logging.INFO, stream=sys.stderr)
    try:
        app()
    except PipelineError as exc:
        print(f"crp: error: {exc}", file=sys.stderr)
        sys.exit(1)
    except KeyboardInterrupt:
        print("crp: interrupted", file=sys.stderr)
        sys.exit(130)


if __name__ == "__main__":
    main()
