"""CLI commands of the detectors: `licitagraph detect` and `licitagraph evaluate`.

Heavy imports (pandas, scikit-learn, Spark) happen inside the functions so `licitagraph --help` stays fast.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer


def detect(
    tables: Annotated[
        Path, typer.Option("--tables", help="graph tables folder (core/tables.py layout)")
    ] = Path("var/data/tables"),
    engine: Annotated[
        str, typer.Option("--engine", help="graph engine: networkx | graphframes")
    ] = "networkx",
    only: Annotated[
        list[str] | None, typer.Option("--only", help="run only these detector codes (repeatable)")
    ] = None,
    config: Annotated[
        Path | None, typer.Option("--config", help="JSON file {detector code: {option: value}}")
    ] = None,
    run_id: Annotated[str | None, typer.Option("--run-id", help="run id stored with the findings")] = None,
    neo4j: Annotated[
        bool, typer.Option("--neo4j/--no-neo4j", help="also write findings into Neo4j (graph.findings)")
    ] = False,
) -> None:
    """Run every detector, score risk and write findings."""
    import json

    from rich.console import Console
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
    from rich.table import Table

    from detectors.runner import DetectError, run_detectors

    console = Console()
    if engine not in ("networkx", "graphframes"):
        typer.secho(f"--engine must be networkx or graphframes, not {engine!r}", err=True, fg="red")
        raise typer.Exit(2)
    configs = json.loads(config.read_text()) if config else {}
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        TextColumn("{task.completed}/{task.total}"),
        TimeElapsedColumn(),
        console=console,
    ) as progress:
        task = progress.add_task("detectors", total=None)

        def on_step(name: str, done: int, total: int) -> None:
            progress.update(task, description=f"detector {name}", completed=done, total=total)

        try:
            result = run_detectors(
                tables, engine=engine, only=only, configs=configs, run_id=run_id, on_step=on_step
            )
        except DetectError as exc:
            typer.secho(str(exc), err=True, fg="red")
            raise typer.Exit(2) from exc
    summary = Table(title=f"detect run {result.run_id}")
    for col in ("detector", "version", "findings", "max score", "seconds", "note"):
        summary.add_column(col)
    for row in result.summary:
        summary.add_row(
            row["detector"],
            row["version"],
            str(row["findings"]),
            f"{row['max_score']:.2f}" if row["findings"] else "-",
            f"{row['seconds']:.2f}",
            row.get("note", ""),
        )
    console.print(summary)
    console.print(
        f"findings: {result.findings_path}  risk: {result.risk_path}  ({result.n_risk} subjects scored)"
    )
    if neo4j:
        try:
            from graph.findings import write_findings
        except ImportError as exc:
            typer.secho(
                f"--neo4j needs graph.findings.write_findings(tables_dir), which is not available ({exc}); "
                "findings and risk are in Parquet only",
                err=True,
                fg="yellow",
            )
            raise typer.Exit(3) from exc
        counts = write_findings(tables)
        console.print(f"findings written to Neo4j: {counts}")


def evaluate(
    format: Annotated[str, typer.Option("--format", help="garcia | synth")],
    input: Annotated[Path, typer.Option("--input", help="labelled input file")],
    out: Annotated[Path, typer.Option("--out", help="output folder")],
    model: Annotated[str, typer.Option("--model", help="screens | gnn | ensemble")] = "screens",
    repeats: Annotated[int, typer.Option("--repeats", help="cross-validation repeats (seeds 0..n-1)")] = 5,
    tables: Annotated[
        Path | None,
        typer.Option(
            "--tables", help="synth: tables folder holding findings/ (default: tables/ beside the input file)"
        ),
    ] = None,
) -> None:
    """Measure detection quality on labelled data (grouped cross-validation)."""
    from rich.console import Console
    from rich.progress import Progress
    from rich.table import Table

    console = Console()
    if format == "garcia":
        from detectors.evaluation import EvaluationInputError, evaluate_garcia_file
        from detectors.models import MODELS, ModelUnavailableError

        if model not in MODELS:
            typer.secho(
                f"--model must be one of {', '.join(sorted(MODELS))}, not {model!r}", err=True, fg="red"
            )
            raise typer.Exit(2)
        try:
            with Progress(console=console) as progress:
                task = progress.add_task(f"{model} on {input.name}", total=repeats)
                metrics = evaluate_garcia_file(
                    input,
                    out,
                    model=model,
                    n_repeats=repeats,
                    progress=lambda r: progress.update(task, completed=r),
                )
        except (EvaluationInputError, ModelUnavailableError) as exc:
            typer.secho(str(exc), err=True, fg="red")
            raise typer.Exit(2) from exc
        t = Table(
            title=f"{input.name}: {model}, {metrics['n_tenders']} tenders ({metrics['n_positive']} collusive)"
        )
        for col in ("metric", "mean", "std", "min", "max"):
            t.add_column(col)
        for name, v in metrics["spread"].items():
            t.add_row(name, f"{v['mean']:.3f}", f"{v['std']:.3f}", f"{v['min']:.3f}", f"{v['max']:.3f}")
        console.print(t)
        console.print(f"written: {out}/scores.csv, metrics.json, roc.png, pr.png, report.md")
    elif format == "synth":
        from detectors.synth_eval import SynthEvalError, evaluate_synth

        try:
            result = evaluate_synth(input, tables or input.parent / "tables", out)
        except SynthEvalError as exc:
            typer.secho(str(exc), err=True, fg="red")
            raise typer.Exit(2) from exc
        t = Table(title=f"planted cases in {input}")
        for col in ("pattern", "cases", "found", "recall", "findings", "precision", "detectors"):
            t.add_column(col)
        for p in result["patterns"]:
            t.add_row(
                p["pattern"],
                str(p["cases"]),
                str(p["found"]),
                f"{p['recall']:.2f}",
                str(p["findings"]),
                "-" if p["precision"] is None else f"{p['precision']:.2f}",
                ", ".join(p["detectors"]),
            )
        console.print(t)
        console.print(f"written: {out}/synth_metrics.json")
    else:
        typer.secho(f"--format must be garcia or synth, not {format!r}", err=True, fg="red")
        raise typer.Exit(2)
