"""CLI commands of the detectors: `licitagraph detect` and `licitagraph evaluate`."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer


def detect() -> None:
    """Run every detector, score risk and write findings."""
    typer.secho("`detect` is not implemented yet", err=True, fg="red")
    raise typer.Exit(2)


def evaluate(
    format: Annotated[str, typer.Option("--format", help="garcia | synth")],
    input: Annotated[Path, typer.Option("--input", help="labelled input file")],
    out: Annotated[Path, typer.Option("--out", help="output folder")],
    model: Annotated[str, typer.Option("--model", help="screens | gnn | ensemble")] = "screens",
) -> None:
    """Measure detection quality on labelled data (grouped cross-validation)."""
    typer.secho("`evaluate` is not implemented yet", err=True, fg="red")
    raise typer.Exit(2)
