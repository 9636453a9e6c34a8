"""CLI commands of the alerts: `licitagraph worker` and `licitagraph beat`."""

from __future__ import annotations

import typer


def worker() -> None:
    """Run a Celery worker for the pipeline and alert tasks."""
    typer.secho("`worker` is not implemented yet", err=True, fg="red")
    raise typer.Exit(2)


def beat() -> None:
    """Run Celery beat, which schedules the pipeline."""
    typer.secho("`beat` is not implemented yet", err=True, fg="red")
    raise typer.Exit(2)
