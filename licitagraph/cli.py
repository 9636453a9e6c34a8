"""The `licitagraph` command line: the top of the house.

This package sits above every other one (docs/architecture.md), so it imports each area's light
`<area>/cli.py` by name. Those modules keep their heavy imports (Spark, torch, the Neo4j driver) inside
the command functions, so `licitagraph --help` stays fast.

Other tools script against these names and flags; do not rename them.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence
from typing import Any

import typer
from typer._click.exceptions import NoArgsIsHelpError  # typer vendors click; no public name for this one
from typer.core import TyperGroup

from api import cli as api_cli
from detectors import cli as detectors_cli
from etl import cli as etl_cli
from evaluation import cli as evaluation_cli
from graph import cli as graph_cli
from harvest import cli as harvest_cli
from pipeline import cli as pipeline_cli
from pipeline import demo as pipeline_demo
from services import cli as services_cli
from synth import cli as synth_cli

COMMANDS: dict[str, Callable[..., Any]] = {
    "demo": pipeline_demo.demo,
    "synth": synth_cli.synth,
    "harvest": harvest_cli.harvest,
    "harvest-replay": harvest_cli.harvest_replay,
    "etl": etl_cli.etl,
    "load": graph_cli.load,
    "detect": detectors_cli.detect,
    "evaluate": evaluation_cli.evaluate,
    "train": pipeline_cli.train,
    "train-screens": detectors_cli.train_screens,
    "serve": api_cli.serve,
    "worker": pipeline_cli.worker,
    "beat": pipeline_cli.beat,
    "verdict": graph_cli.verdict,
    "review-queue": graph_cli.review_queue,
}

GROUPS: dict[str, typer.Typer] = {
    "services": services_cli.app,
    "graph": graph_cli.graph_app,
    "keys": api_cli.keys_app,
    "verdicts": graph_cli.verdicts_app,
    "tables": etl_cli.tables_app,
}


class OneLineErrors(TyperGroup):
    """The top group: a user error (a bad value, a missing file: typer's UsageError and BadParameter, which
    the commands raise for their own checks) is one line on stderr naming the command, the option and the
    value, with exit code 2; never a traceback or a framed box. Help asked for by giving no arguments prints
    as usual."""

    def main(self, args: Sequence[str] | None = None, prog_name: str | None = None,
             complete_var: str | None = None, standalone_mode: bool = True, windows_expand_args: bool = True,
             **extra: Any) -> Any:
        try:
            rv = super().main(args=args, prog_name=prog_name, complete_var=complete_var,
                              standalone_mode=False, windows_expand_args=windows_expand_args, **extra)
        except NoArgsIsHelpError as exc:
            if not standalone_mode:
                raise
            exc.show()
            sys.exit(exc.exit_code)
        except typer.TyperException as exc:
            if not standalone_mode:
                raise
            typer.echo(one_line_error(exc, prog_name or "licitagraph"), err=True)
            sys.exit(exc.exit_code)
        except typer.Abort:
            if not standalone_mode:
                raise
            typer.echo("Interrompido.", err=True)
            sys.exit(1)
        if not standalone_mode:
            return rv
        # non-standalone click returns a command's typer.Exit code; the commands themselves return None
        sys.exit(rv if isinstance(rv, int) else 0)


def one_line_error(exc: typer.TyperException, prog_name: str) -> str:
    """`licitagraph synth: error: Invalid value for '--tenders': -5 is not in the range x>=1.`"""
    ctx = getattr(exc, "ctx", None)
    where = ctx.command_path if ctx is not None else prog_name
    message = " ".join(exc.format_message().split())
    # typer checks min/max with pydantic, whose message omits the value: name it
    errors = getattr(exc.__cause__, "errors", None)
    if callable(errors):
        given = [e.get("input") for e in errors() if isinstance(e.get("input"), str)]
        if given:
            message += f" (given: {', '.join(given)})"
    return f"{where}: error: {message}"


def build_app() -> typer.Typer:
    app = typer.Typer(
        cls=OneLineErrors,
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
