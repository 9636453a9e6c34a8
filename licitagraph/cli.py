"""The `licitagraph` command line: the top of the house.

This package sits above every other one (docs/architecture.md), so it imports each area's light
`<area>/cli.py` by name. Those modules keep their heavy imports (Spark, torch, the Neo4j driver) inside
the command functions, so `licitagraph --help` stays fast.

Other tools script against these names and flags; do not rename them.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Any

import typer

from api import cli as api_cli
from detectors import cli as detectors_cli
from etl import cli as etl_cli
from evaluation import cli as evaluation_cli
from gnn import cli as gnn_cli
from graph import cli as graph_cli
from pipeline import cli as pipeline_cli
from pipeline import demo as pipeline_demo
from services import cli as services_cli
from synth import cli as synth_cli

COMMANDS: dict[str, Callable[..., Any]] = {
    "demo": pipeline_demo.demo,
    "synth": synth_cli.synth,
    "etl": etl_cli.etl,
    "load": graph_cli.load,
    "detect": detectors_cli.detect,
    "evaluate": evaluation_cli.evaluate,
    "train": gnn_cli.train,
    "serve": api_cli.serve,
    "worker": pipeline_cli.worker,
    "beat": pipeline_cli.beat,
}

GROUPS: dict[str, typer.Typer] = {
    "services": services_cli.app,
    "graph": graph_cli.graph_app,
    "keys": api_cli.keys_app,
}


def build_app() -> typer.Typer:
    app = typer.Typer(
        name="licitagraph",
        help="Bid rigging, collusion and overpricing detection for Brazilian public procurement.",
        no_args_is_help=True,
        add_completion=False,
        pretty_exceptions_show_locals=False,
    )
    for name, func in COMMANDS.items():
        app.command(name)(func)
    for name, group in GROUPS.items():
        app.add_typer(group, name=name)
    return app


def main(argv: list[str] | None = None) -> None:
    from core.logs import setup_logging

    setup_logging()
    app = build_app()
    app(args=argv if argv is not None else sys.argv[1:], prog_name="licitagraph")


if __name__ == "__main__":  # pragma: no cover
    main()
