"""`licitagraph services up|down|status|install`: the local Neo4j, Redis, SMTP sink and Spark cluster."""

from __future__ import annotations

import json
from typing import Annotated

import typer

app = typer.Typer(
    help="Start, stop and inspect the local Neo4j, Redis, SMTP sink and Spark cluster.", no_args_is_help=True
)

OnlyOpt = Annotated[
    list[str] | None,
    typer.Option("--only", help="limit to these services: neo4j, redis, smtp, spark (repeatable)"),
]


def _manager():  # type: ignore[no-untyped-def]
    from services.manager import ServiceManager

    return ServiceManager.from_settings()


def _fail(exc: Exception) -> typer.Exit:
    typer.secho(f"error: {exc}", err=True, fg="red")
    return typer.Exit(1)


@app.command()
def up(
    only: OnlyOpt = None,
    spark: Annotated[
        bool, typer.Option("--spark", help="also start the Spark standalone master and workers")
    ] = False,
) -> None:
    """Start the services that are not running and wait until each answers (idempotent)."""
    from services.process import ServiceError

    manager = _manager()
    try:
        started = manager.up(only, spark=spark)
    except (ServiceError, ValueError) as exc:
        raise _fail(exc) from exc
    for name, now in started.items():
        typer.echo(f"{name}: {'started' if now else 'already running'}")
    manager.print_status(only=list(started))
    if "spark" in started and manager.settings.spark_master != manager.spark.url:
        typer.echo(
            f"the ETL, detect --engine graphframes and the pipeline use {manager.settings.spark_master!r}; "
            f"to run them on this cluster: export LICITAGRAPH_SPARK_MASTER={manager.spark.url}"
        )


@app.command()
def down(only: OnlyOpt = None) -> None:
    """Stop the services that are running."""
    from services.process import ServiceError

    try:
        stopped = _manager().down(only)
    except (ServiceError, ValueError) as exc:
        raise _fail(exc) from exc
    for name, now in stopped.items():
        typer.echo(f"{name}: {'stopped' if now else 'not running'}")


@app.command()
def status(
    only: OnlyOpt = None,
    as_json: Annotated[bool, typer.Option("--json", help="print JSON instead of a table")] = False,
) -> None:
    """Report each service: state, address, versions (Neo4j, APOC, GDS), data size."""
    manager = _manager()
    if as_json:
        typer.echo(json.dumps(manager.status(only), indent=2, default=str))
    else:
        manager.print_status(only=only)


@app.command()
def install() -> None:
    """Fetch Neo4j, APOC and GDS from Maven Central, install redis-server if missing, and fetch the Swagger UI
    and ReDoc files the API serves at /docs and /redoc from the npm registry (all cached)."""
    from core.settings import get_settings
    from services.neo4j_server import ensure_installed
    from services.process import ServiceError
    from services.redis_server import ensure_installed as ensure_redis
    from services.web_assets import ensure_web_assets

    settings = get_settings()
    try:
        inst = ensure_installed(settings)
        redis_bin = ensure_redis()
        web = ensure_web_assets(settings.web_assets_dir)
    except ServiceError as exc:
        raise _fail(exc) from exc
    typer.echo(f"neo4j: {inst.root}")
    typer.echo(f"redis: {redis_bin}")
    typer.echo(f"web assets: {web}")
