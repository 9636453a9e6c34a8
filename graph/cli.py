"""CLI commands of the graph: `licitagraph graph init` and `licitagraph load`."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

graph_app = typer.Typer(help="Neo4j graph schema and maintenance.", no_args_is_help=True)


@graph_app.command("init")
def init() -> None:
    """Create constraints and indexes (idempotent)."""
    typer.secho("`graph init` is not implemented yet", err=True, fg="red")
    raise typer.Exit(2)


def load(
    tables: Annotated[Path, typer.Option("--tables", help="folder with the graph tables")],
) -> None:
    """Load graph tables into Neo4j, idempotently, and reconcile counts."""
    typer.secho("`load` is not implemented yet", err=True, fg="red")
    raise typer.Exit(2)
