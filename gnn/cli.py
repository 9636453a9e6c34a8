"""CLI command of the GNN: `licitagraph train`."""

from __future__ import annotations

import typer


def train() -> None:
    """Train the graph neural network on the graph tables."""
    typer.secho("`train` is not implemented yet", err=True, fg="red")
    raise typer.Exit(2)
