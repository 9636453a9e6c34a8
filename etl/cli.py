"""CLI command of the ETL: `licitagraph etl`. Heavy imports stay inside."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

tables_app = typer.Typer(help="The graph tables' versions: list, vacuum.", no_args_is_help=True)


def etl(
    out: Annotated[Path, typer.Option("--out", help="folder for the graph tables")],
    sources: Annotated[
        Path | None, typer.Option("--sources", exists=True, file_okay=False, help="folder with the source files")
    ] = None,
    rebuild: Annotated[
        bool,
        typer.Option(
            "--rebuild",
            help="rebuild every table from the files now in --sources (drops the rows of removed files)",
        ),
    ] = False,
    as_of: Annotated[
        str | None,
        typer.Option(
            "--as-of",
            help="instead of loading sources: write the tables of --tables as of a run version (3) or a date "
            "(2026-03-31, end of that day UTC) into the new folder --out (docs/graph-tables.md#versions)",
        ),
    ] = None,
    tables: Annotated[
        Path | None, typer.Option("--tables", file_okay=False, help="with --as-of: the versioned tables folder")
    ] = None,
) -> None:
    """Read the sources with Spark and write the graph tables (Delta Lake), rejects and a run manifest.

    Incremental: files already loaded unchanged are skipped, new files merge in by id, a changed file
    rebuilds the tables. Removing a source file keeps its rows until a run with --rebuild. Each run
    commits a run version; `--as-of` exports an old one."""
    if as_of is not None:
        _export(as_of, tables, out)
        return
    if sources is None:
        raise typer.BadParameter("give --sources (or --as-of with --tables)", param_hint="--sources")
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


def _export(as_of: str, tables: Path | None, out: Path) -> None:
    from core.delta import VersionError
    from etl.versions import export

    if tables is None:
        raise typer.BadParameter("--as-of needs --tables (the versioned tables folder to read)", param_hint="--tables")
    if not tables.is_dir():
        raise typer.BadParameter(f"{tables} is not a folder", param_hint="--tables")
    try:
        at = export(tables, as_of, out)
    except VersionError as exc:
        typer.secho(f"error: {exc}", err=True, fg="red")
        raise typer.Exit(1) from exc
    typer.echo(f"run version {at.version} (committed {at.committed_at}) of {tables} written to {out}")


def versions(
    tables: Annotated[Path, typer.Option("--tables", file_okay=False, help="graph tables folder")] = Path(
        "var/data/tables"
    ),
) -> None:
    """List the run versions of the graph tables still readable with --as-of."""
    from core.delta import run_versions

    runs = run_versions(tables)
    if not runs:
        typer.echo(f"{tables}: no run versions")
        return
    for r in runs:
        typer.echo(f"{r.version}\t{r.committed_at}\t{len(r.tables)} tables")


def vacuum(
    tables: Annotated[Path, typer.Option("--tables", file_okay=False, help="graph tables folder")] = Path(
        "var/data/tables"
    ),
    retention_days: Annotated[
        float | None,
        typer.Option("--retention-days", min=0, help="default: the setting LICITAGRAPH_TABLES_RETENTION_DAYS"),
    ] = None,
) -> None:
    """Remove the data files of run versions older than the retention (the latest always stays)."""
    from etl.versions import vacuum as run_vacuum

    res = run_vacuum(tables, retention_days)
    typer.echo(f"kept run versions {res.kept or '-'}; vacuumed {res.dropped or '-'}; {res.removed_files} files removed")


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
    tables = Table(title=f"graph tables in {result.out}, run version {result.version}")
    tables.add_column("table")
    tables.add_column("rows", justify="right")
    for name, n in result.tables.items():
        tables.add_row(name, f"{n:,}")
    tables.add_row("rejects", f"{result.rejects:,}")
    console.print(tables)
    if result.vacuumed:
        console.print(f"old versions vacuumed: {result.vacuumed:,} data files removed")
    for rel in result.unplaced:
        console.print(f"[yellow]not loaded (unknown source file): {rel}[/yellow]")


tables_app.command("versions")(versions)
tables_app.command("vacuum")(vacuum)
