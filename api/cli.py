"""CLI commands of the API: `licitagraph serve` and `licitagraph keys create|list|revoke`."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Annotated, Any

import typer


def serve(
    host: Annotated[str | None, typer.Option("--host", help="bind address (default: LICITAGRAPH_API_HOST)")] = None,
    port: Annotated[int | None, typer.Option("--port", min=1, max=65535, help="port (default: LICITAGRAPH_API_PORT)")] = None,
    workers: Annotated[int, typer.Option("--workers", min=1, help="uvicorn worker processes")] = 1,
    log_level: Annotated[str, typer.Option("--log-level", help="uvicorn log level")] = "info",
    access_log: Annotated[bool, typer.Option("--access-log/--no-access-log")] = True,
) -> None:
    """Serve the risk API (FastAPI on uvicorn); OpenAPI docs at /docs."""
    import uvicorn

    from core.settings import get_settings

    s = get_settings()
    uvicorn.run("api.main:create_app", factory=True, host=host or s.api_host, port=port or s.api_port,
                workers=workers, log_level=log_level, access_log=access_log)


keys_app = typer.Typer(help="API keys: create (shown once), list, revoke. Stored hashed in Neo4j.",
                       no_args_is_help=True)


def _store() -> Any:
    from core.settings import get_settings
    from graph.runner import Neo4jRunner
    from reporting.store import RecordsStore, init_store_schema

    s = get_settings()
    runner = Neo4jRunner(s)
    init_store_schema(runner)
    return runner, RecordsStore(runner, s.key_hash_secret)


def _guard(fn: Callable[[], None]) -> None:
    from graph.connection import Neo4jAuthFailed, Neo4jUnavailable

    try:
        fn()
    except (Neo4jUnavailable, Neo4jAuthFailed) as exc:
        typer.secho(str(exc), err=True, fg="red")
        raise typer.Exit(1) from exc


@keys_app.command("create")
def create_key(
    name: Annotated[str, typer.Option("--name", help="who or what uses the key, e.g. 'painel CGE-GO'")],
    role: Annotated[str, typer.Option("--role", help="reader, investigator or admin")] = "reader",
    json_out: Annotated[bool, typer.Option("--json", help="print the key record as JSON")] = False,
) -> None:
    """Create an API key; the key itself is printed once and only its keyed hash is stored."""
    from reporting.keys import Role

    if role not in Role.__members__:
        typer.secho(f"--role must be one of {', '.join(Role.__members__)}", err=True, fg="red")
        raise typer.Exit(2)
    if not name.strip() or len(name) > 200:
        typer.secho("--name must be 1 to 200 characters", err=True, fg="red")
        raise typer.Exit(2)

    def go() -> None:
        runner, store = _store()
        with runner:
            record, key = store.create_key(name.strip(), Role[role])
        if json_out:
            typer.echo(json.dumps({**_plain(record), "key": key}))
            return
        typer.echo(f"created key {record['id']} ({role}) for {name.strip()!r}; store it now, it is not shown again:")
        typer.echo(key)

    _guard(go)


@keys_app.command("list")
def list_keys(json_out: Annotated[bool, typer.Option("--json", help="JSON lines")] = False) -> None:
    """Every key's id, role, state, creation time and name (never the key or its hash)."""

    def go() -> None:
        runner, store = _store()
        with runner:
            rows = [_plain(r) for r in store.list_keys()]
        for r in rows:
            if json_out:
                typer.echo(json.dumps(r))
            else:
                state = "revoked" if r.get("revoked") else "active"
                typer.echo(f"{r.get('id')}\t{r.get('role')}\t{state}\t{r.get('created_at')}\t{r.get('name') or ''}")

    _guard(go)


@keys_app.command("revoke")
def revoke_key(key_id: Annotated[str, typer.Argument(help="the key's id (lg_<prefix>), from `keys list`")]) -> None:
    """Revoke a key (API processes stop accepting it within 10 s, their key cache)."""

    def go() -> None:
        runner, store = _store()
        with runner:
            got = store.revoke_key(key_id)
        if got is None:
            typer.secho(f"no key {key_id}", err=True, fg="red")
            raise typer.Exit(1)
        typer.echo(f"revoked {key_id}")

    _guard(go)


def _plain(record: Any) -> dict[str, Any]:
    return {k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in dict(record).items()
            if k not in ("hash", "key_hash")}
