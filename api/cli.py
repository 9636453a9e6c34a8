"""CLI command of the API: `licitagraph serve`."""

from __future__ import annotations

from typing import Annotated

import typer


def serve(
    host: Annotated[str | None, typer.Option("--host", help="bind address (default: LICITAGRAPH_API_HOST)")] = None,
    port: Annotated[int | None, typer.Option("--port", help="port (default: LICITAGRAPH_API_PORT)")] = None,
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
