"""The risk API: `create_app(settings)` builds a FastAPI app; nothing is created at import time.

Connections (Neo4j runner, Redis) are opened by the lifespan and closed at shutdown. Routes live in
api/routes/<resource>.py; docs/api.md describes them. `/console` (api/routes/console.py) serves the
investigator's pages, `/docs` and `/redoc` (api/routes/docs.py) the API docs, all with local assets only.
"""

from __future__ import annotations

import logging
import math
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import JSONResponse

from core.settings import Settings, get_settings

log = logging.getLogger(__name__)

DESCRIPTION = """
Risk scores, findings and collusion networks of Goiás public procurement (licitagraph).

Every route but `/health` needs an API key, in `X-API-Key: <key>` or `Authorization: Bearer <key>`.
Roles: **reader** (risk, findings, networks) < **investigator** (+ subscriptions, alerts, pipeline runs)
< **admin** (+ start the pipeline, manage keys). Requests are rate limited per key (429 + `Retry-After`).
Partner CPFs are only ever shown masked (`***123456**`).
"""

TAGS = [
    {"name": "tenders", "description": "Licitações, dispensas and inexigibilidades by risk"},
    {"name": "suppliers", "description": "Suppliers (CNPJ) by risk"},
    {"name": "agencies", "description": "Buying agencies (órgãos) by risk"},
    {"name": "findings", "description": "Red flags with their evidence"},
    {"name": "review", "description": "The unreviewed findings in the order investigators should review them"},
    {"name": "alerts", "description": "Alert emails sent"},
    {"name": "subscriptions", "description": "Who receives which alerts"},
    {"name": "pipeline", "description": "ETL -> load -> detect -> GNN -> alerts runs"},
    {"name": "keys", "description": "API keys (admin)"},
    {"name": "console", "description": "Signed links to the investigator console's case pages (`/console`)"},
    {"name": "operations", "description": "Health, readiness, metrics"},
]


def json_safe(value: Any) -> Any:
    """`value` with NaN and +-Infinity written as the strings "NaN", "Infinity", "-Infinity": Python's JSON
    reader accepts them in a request body, but a JSON answer cannot hold them."""
    if _not_finite(value):
        return "NaN" if math.isnan(value) else ("Infinity" if value > 0 else "-Infinity")
    if isinstance(value, dict):
        return {k: json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [json_safe(v) for v in value]
    return value


def _not_finite(value: Any) -> bool:
    return isinstance(value, float) and not math.isfinite(value)


async def validation_failed(request: Request, exc: RequestValidationError) -> JSONResponse:
    """FastAPI's own 422, with the rejected input echoed JSON-safe (a NaN in a body made the default handler
    fail with a 500), and saying so where the input was NaN or Infinity (echoed as a string, it would read as
    the string "NaN")."""
    errors = []
    for error in exc.errors():
        if _not_finite(error.get("input")) and error.get("type") != "finite_number":
            error = {**error, "msg": f"{error.get('msg')}; NaN and Infinity are not valid JSON numbers"}
        errors.append(error)
    return JSONResponse({"detail": json_safe(jsonable_encoder(errors))}, status_code=422)


class RedactSignatures(logging.Filter):
    """Drops the value of `sig=` from the paths uvicorn's access log writes: a signed case link opens its page
    for days (reporting/links.py), so it must not sit in log files."""

    _SIG = re.compile(r"([?&]sig=)[^&\s]*")

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple):
            record.args = tuple(self._SIG.sub(r"\1[redacted]", a) if isinstance(a, str) else a for a in record.args)
        return True


def redact_access_log() -> None:
    """Install RedactSignatures on uvicorn's access logger once per process."""
    access = logging.getLogger("uvicorn.access")
    if not any(isinstance(f, RedactSignatures) for f in access.filters):
        access.addFilter(RedactSignatures())


def create_app(settings: Settings | None = None) -> FastAPI:
    from fastapi.staticfiles import StaticFiles

    from api.metrics import Metrics, MetricsMiddleware
    from api.routes import (
        agencies,
        alerts,
        console,
        docs,
        findings,
        health,
        keys,
        pipeline,
        review,
        subscriptions,
        suppliers,
        tenders,
    )
    from graph.connection import Neo4jAuthFailed, Neo4jUnavailable

    s = settings or get_settings()
    metrics = Metrics()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        from api.deps import build_context

        if getattr(app.state, "ctx", None) is None:
            app.state.ctx = build_context(s, metrics)
        try:
            yield
        finally:
            ctx = getattr(app.state, "ctx", None)
            if ctx is not None:
                await ctx.limiter.aclose()
                await ctx.auth_limiter.aclose()
                ctx.close()
                app.state.ctx = None

    redact_access_log()
    # /docs and /redoc are api/routes/docs.py's: the same pages with every file served locally (no CDN)
    app = FastAPI(title="licitagraph risk API", version="1.0.0", description=DESCRIPTION, openapi_tags=TAGS,
                  lifespan=lifespan, docs_url=None, redoc_url=None)
    app.state.settings = s
    app.state.metrics = metrics
    app.state.ctx = None
    for r in (health, tenders, suppliers, agencies, findings, review, alerts, subscriptions, pipeline, keys, docs, console):
        app.include_router(r.router)
    app.mount(console.STATIC_PREFIX, StaticFiles(directory=console.STATIC_DIR, check_dir=False), name="console-static")
    if s.api_cors_origins:
        app.add_middleware(CORSMiddleware, allow_origins=s.api_cors_origins, allow_methods=["GET", "POST", "PUT",
                           "DELETE"], allow_headers=["X-API-Key", "Authorization", "Content-Type"])
    app.add_middleware(MetricsMiddleware, metrics=metrics)

    app.add_exception_handler(RequestValidationError, validation_failed)  # type: ignore[arg-type]

    @app.exception_handler(Neo4jUnavailable)
    async def _neo4j_down(request: Request, exc: Neo4jUnavailable) -> JSONResponse:
        log.error("Neo4j unavailable: %s", exc)
        return JSONResponse({"detail": "the graph database does not answer"}, status_code=503)

    @app.exception_handler(Neo4jAuthFailed)
    async def _neo4j_auth(request: Request, exc: Neo4jAuthFailed) -> JSONResponse:
        log.error("Neo4j refused the API's credentials: %s", exc)
        return JSONResponse({"detail": "the graph database refused the API's credentials"}, status_code=503)

    return app
