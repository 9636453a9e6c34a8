"""CLI command of the ETL: `licitagraph etl`. Heavy imports stay inside."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer


def etl(
    sources: Annotated[Path, typer.Option("--sources", exists=True, file_okay=False, help="folder with the source files")],
    out: Annotated[Path, typer.Option("--out", help="folder for the graph tables")],
    rebuild: Annotated[
        bool,
        typer.Option(
            "--rebuild",
            help="rebuild every table from the files now in --sources (drops the rows of removed files)",
        ),
    ] = False,
) -> None:
    """Read the sources with Spark and write the graph tables (Parquet), rejects and a run manifest.

    Incremental: files already loaded unchanged are skipped, new files merge in by id, a changed file
    rebuilds the tables. Removing a source file keeps its rows until a run with --rebuild."""
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from etl.run import run
    from etl.sources.base import EtlInputError

    console = Console()
    tasks: dict[str, Any] = {}
    with Progress(
        TextColumn("{task.description:<18}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=False,
    ) as bar:

        def progress(stage: str, done: int, total: int) -> None:
            if stage not in tasks:
                tasks[stage] = bar.add_task(stage, total=max(total, 1))
            bar.update(tasks[stage], completed=done if total else 1, total=max(total, 1))

        try:
            result = run(sources, out, progress=progress, rebuild=rebuild)
        except EtlInputError as exc:
            bar.stop()
            typer.secho(f"error: {exc}", err=True, fg="red")
            raise typer.Exit(1) from exc
    _summary(console, result)


def _summary(console: Any, result: Any) -> None:
    from rich.table import Table

    files = Table(title="sources")
    for col, just in (
        ("file", "left"),
        ("source", "left"),
        ("status", "left"),
        ("read", "right"),
        ("accepted", "right"),
        ("rejected", "right"),
    ):
        files.add_column(col, justify=just)  # type: ignore[arg-type]
    for f in result.files:
        files.add_row(f.rel, f.source, f.status, f"{f.read:,}", f"{f.accepted:,}", f"{f.rejected:,}")
    console.print(files)
    if result.dropped:
        console.print(
            f"[yellow]rebuilt without {len(result.dropped)} file(s) no longer in the sources:[/] "
            + ", ".join(result.dropped[:10])
        )
    tables = Table(title=f"graph tables in {result.out}")
    tables.add_column("table")
    tables.add_column("rows", justify="right")
    for name, n in result.tables.items():
        tables.add_row(name, f"{n:,}")
    tables.add_row("rejects", f"{result.rejects:,}")
    console.print(tables)
    for rel in result.unplaced:
        console.print(f"[yellow]not loaded (unknown source file): {rel}[/yellow]")
