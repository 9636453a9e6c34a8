"""CLI command of the API: `licitagraph serve`."""

from __future__ import annotations

import typer


def serve() -> None:
    """Serve the risk API (FastAPI)."""
    typer.secho("`serve` is not implemented yet", err=True, fg="red")
    raise typer.Exit(2)
