"""`/health` (liveness, no key), `/ready` (Neo4j and Redis answer) and `/metrics` (Prometheus)."""

from __future__ import annotations

import logging

from fastapi import APIRouter, Response
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from api.deps import AUTH_RESPONSES, ContextDep, ReaderKey
from api.schemas import Health, Ready

log = logging.getLogger(__name__)
router = APIRouter(tags=["operations"])


@router.get("/health", response_model=Health, summary="Liveness (no key needed)")
def health() -> Health:
    return Health()


@router.get("/ready", response_model=Ready, summary="Readiness: Neo4j and Redis answer",
            responses={**AUTH_RESPONSES, 503: {"model": Ready, "description": "a dependency does not answer"}})
def ready(ctx: ContextDep, _: ReaderKey) -> JSONResponse:
    try:
        neo4j_ok = ctx.reader.ping()
    except Exception as exc:
        log.warning("ready: Neo4j does not answer: %s", exc)
        neo4j_ok = False
    try:
        redis_ok = bool(ctx.redis.ping())
    except Exception as exc:
        log.warning("ready: Redis does not answer: %s", exc)
        redis_ok = False
    ok = neo4j_ok and redis_ok
    body = Ready(status="ready" if ok else "not ready", neo4j=neo4j_ok, redis=redis_ok)
    return JSONResponse(body.model_dump(), status_code=200 if ok else 503)


class MetricsResponse(Response):
    media_type = CONTENT_TYPE_LATEST


@router.get("/metrics", response_class=MetricsResponse, summary="Prometheus metrics",
            responses={**AUTH_RESPONSES, 200: {"content": {"text/plain": {}}}})
def metrics(ctx: ContextDep, _: ReaderKey) -> MetricsResponse:
    return MetricsResponse(generate_latest(ctx.metrics.registry))
