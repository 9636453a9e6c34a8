"""CLI commands of the ETL: `licitagraph synth` and `licitagraph etl`. Heavy imports stay inside."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer


def synth(
    out: Annotated[Path, typer.Option("--out", help="folder to write the source files into")],
    seed: Annotated[int, typer.Option("--seed", help="random seed; the same seed gives the same files")] = 42,
    tenders: Annotated[int, typer.Option("--tenders", help="number of tenders to generate")] = 500,
) -> None:
    """Generate a synthetic Goiás procurement world in the real source formats, with planted fraud."""
    raise typer.Exit(_not_yet("synth"))


def etl(
    sources: Annotated[Path, typer.Option("--sources", help="folder with the source files")],
    out: Annotated[Path, typer.Option("--out", help="folder for the graph tables")],
) -> None:
    """Read the sources with Spark and write the graph tables (Parquet), rejects and a run manifest."""
    raise typer.Exit(_not_yet("etl"))


def _not_yet(name: str) -> int:
    typer.secho(f"`{name}` is not implemented yet", err=True, fg="red")
    return 2
