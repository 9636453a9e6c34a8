"""CLI command of the evaluation harness: `licitagraph evaluate`. Heavy imports stay inside."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer


def evaluate(
    format: Annotated[str, typer.Option("--format", help="garcia | synth")],
    input: Annotated[Path, typer.Option("--input", exists=True, dir_okay=False, readable=True, help="labelled input file")],
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
        from evaluation.classifiers import MODELS, ModelUnavailableError
        from evaluation.harness import EvaluationInputError, evaluate_garcia_file

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
        from evaluation.synthetic import SynthEvalError, evaluate_synth

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
