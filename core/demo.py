"""`licitagraph demo`: the whole system end to end on the embedded default (a local demo)."""

from __future__ import annotations

import typer


def demo() -> None:
    """Start the local services and run the pipeline end to end on a synthetic Goiás world."""
    from services.manager import ServiceManager

    manager = ServiceManager.from_settings()
    manager.up()
    manager.print_status()
