"""The `licitagraph` command line.

`core` imports no other package of the project (see docs/architecture.md), so the commands are named
here as `module:function` strings and bound when the app is built. Each area keeps its command
functions in its own light `cli.py` (heavy imports such as Spark or torch happen inside the functions),
so `licitagraph --help` stays fast.

Other tools script against these names and flags; do not rename them.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable
from typing import Any

import typer

# name -> "module:function" (top-level commands)
COMMANDS: dict[str, str] = {
    "demo": "core.demo:demo",
    "synth": "etl.cli:synth",
    "etl": "etl.cli:etl",
    "load": "graph.cli:load",
    "detect": "detectors.cli:detect",
    "evaluate": "detectors.cli:evaluate",
    "train": "gnn.cli:train",
    "serve": "api.cli:serve",
    "worker": "alerts.cli:worker",
    "beat": "alerts.cli:beat",
}

# group -> "module:typer_app"
GROUPS: dict[str, str] = {
    "services": "services.cli:app",
    "graph": "graph.cli:graph_app",
    "keys": "api.cli:keys_app",
}


def _resolve(target: str) -> Any:
    module_name, _, attr = target.partition(":")
    module = importlib.import_module(module_name)
    return getattr(module, attr)


def build_app() -> typer.Typer:
    app = typer.Typer(
        name="licitagraph",
        help="Bid rigging, collusion and overpricing detection for Brazilian public procurement.",
        no_args_is_help=True,
        add_completion=False,
        pretty_exceptions_show_locals=False,
    )
    for name, target in COMMANDS.items():
        func: Callable[..., Any] = _resolve(target)
        app.command(name)(func)
    for name, target in GROUPS.items():
        app.add_typer(_resolve(target), name=name)
    return app


def main(argv: list[str] | None = None) -> None:
    from core.logs import setup_logging

    setup_logging()
    app = build_app()
    app(args=argv if argv is not None else sys.argv[1:], prog_name="licitagraph")


if __name__ == "__main__":  # pragma: no cover
    main()
