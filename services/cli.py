"""`licitagraph services up|down|status`: the local Neo4j, Redis and SMTP sink."""

from __future__ import annotations

import typer

app = typer.Typer(help="Start, stop and inspect the local Neo4j, Redis and SMTP sink.", no_args_is_help=True)
