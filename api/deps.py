"""FastAPI dependencies: the app context (settings, runner, reader, store, Redis), auth, roles, paging.

Everything lives on `app.state.ctx`, built by the app's lifespan (or on first use when a test client
skips the lifespan); tests override these dependencies instead of patching globals.
"""

from __future__ import annotations

import hmac
import logging
import threading
from dataclasses import dataclass, field
from typing import Annotated, Any

from fastapi import Depends, HTTPException, Query, Request, Response, Security, status
from fastapi.security import APIKeyHeader, HTTPAuthorizationCredentials, HTTPBearer
from starlette.concurrency import run_in_threadpool

from api.cache import VersionedCache
from api.metrics import Metrics
from api.ratelimit import AUTH_FAILURES_PER_MINUTE, RateLimiter, Verdict
from api.reader import GraphReader
from api.schemas import MAX_PAGE_SIZE
from core.settings import Settings
from reporting.keys import Principal, Role
from reporting.store import RecordsStore, init_store_schema

log = logging.getLogger(__name__)


@dataclass
class AppContext:
    settings: Settings
    runner: Any
    reader: GraphReader
    store: RecordsStore
    redis: Any
    limiter: RateLimiter
    metrics: Metrics
    auth_limiter: RateLimiter  # failed authentications per client address
    store_ready: bool = False
    _celery: Any = field(default=None, repr=False)

    def ensure_store(self) -> None:
        """Create the store's constraints and bootstrap the admin key, once (retried until Neo4j answers)."""
        if self.store_ready:
            return
        init_store_schema(self.runner)
        self.store.bootstrap_admin(self.settings.admin_api_key)
        self.store_ready = True

    @property
    def celery(self) -> Any:
        if self._celery is None:
            from pipeline.enqueue import queue_client

            self._celery = queue_client(self.settings)
        return self._celery

    def close(self) -> None:
        try:
            self.runner.close()
        finally:
            try:
                self.redis.close()
            except Exception:
                pass


_build_lock = threading.Lock()


def build_context(settings: Settings, metrics: Metrics) -> AppContext:
    """Connect to Neo4j and Redis, create the store's constraints and bootstrap the admin key."""
    import redis
    import redis.asyncio as aioredis

    from graph.runner import Neo4jRunner
    from graph.version import data_version

    runner = Neo4jRunner(settings)
    store = RecordsStore(runner, settings.key_hash_secret)
    client = redis.Redis.from_url(settings.redis_url, socket_timeout=2.0, socket_connect_timeout=2.0)
    cache = VersionedCache(lambda: data_version(runner), ttl_s=settings.api_cache_ttl_s,
                           check_s=settings.api_cache_check_s, max_entries=settings.api_cache_max_entries)
    def async_client() -> Any:
        return aioredis.Redis.from_url(settings.redis_url, socket_timeout=2.0, socket_connect_timeout=2.0)

    ctx = AppContext(settings, runner, GraphReader(runner, cache), store, client,
                     RateLimiter(client, settings.api_rate_limit_per_minute, async_factory=async_client), metrics,
                     RateLimiter(client, AUTH_FAILURES_PER_MINUTE, prefix="licitagraph:authfail",
                                 async_factory=async_client))
    try:
        ctx.ensure_store()
    except Exception as exc:  # Neo4j down at start: the API starts anyway and /ready says so
        log.warning("API store not initialised yet (%s); retried on the next authenticated request", exc)
    return ctx


async def get_context(request: Request) -> AppContext:
    # Light dependencies are `async def` so FastAPI runs them in the event loop, not the thread pool
    # (one thread hop per sync dependency is what costs most under load); only I/O stays sync.
    ctx: AppContext | None = getattr(request.app.state, "ctx", None)
    if ctx is None:
        ctx = await run_in_threadpool(_build_once, request)
    return ctx


def _build_once(request: Request) -> AppContext:
    with _build_lock:
        ctx: AppContext | None = getattr(request.app.state, "ctx", None)
        if ctx is None:
            ctx = build_context(request.app.state.settings, request.app.state.metrics)
            request.app.state.ctx = ctx
        return ctx


ContextDep = Annotated[AppContext, Depends(get_context)]


async def get_reader(request: Request) -> GraphReader:
    # `request`, not ContextDep: each sub-dependency costs FastAPI a solve per request (the hot path)
    return (await get_context(request)).reader


async def get_store(ctx: ContextDep) -> RecordsStore:
    return ctx.store


ReaderDep = Annotated[GraphReader, Depends(get_reader)]
StoreDep = Annotated[RecordsStore, Depends(get_store)]

_api_key_header = APIKeyHeader(name="X-API-Key", auto_error=False, description="API key")
_bearer = HTTPBearer(auto_error=False, description="API key as a bearer token")


async def get_principal(
    request: Request,
    response: Response,
    x_api_key: Annotated[str | None, Security(_api_key_header)] = None,
    bearer: Annotated[HTTPAuthorizationCredentials | None, Security(_bearer)] = None,
) -> Principal:
    """The caller, from `X-API-Key` or `Authorization: Bearer`; 401 without a valid key, 429 over the limit.

    Async: a known key (the store's cache) and the rate limit (asyncio Redis) need no thread; a key not
    seen lately is looked up in Neo4j in the thread pool. Invalid keys are counted per client address: past
    AUTH_FAILURES_PER_MINUTE, a key the store does not already know is refused (429) without a lookup."""
    ctx = await get_context(request)
    key = x_api_key or (bearer.credentials if bearer else None)
    if not key or len(key) > 200:
        ctx.metrics.auth_failures.labels("401").inc()
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, "missing or invalid API key",
                            headers={"WWW-Authenticate": "Bearer"})
    principal = ctx.store.cached_principal(key) if ctx.store_ready else None
    if principal is None:
        address = request.client.host if request.client else "unknown"
        _refuse_if_over(ctx, await ctx.auth_limiter.apeek(address))
        # a refusal is cached: no thread, no lookup (the settings' admin key always gets its lookup: a
        # wiped store is re-bootstrapped there)
        if not (ctx.store_ready and ctx.store.refused_lately(key)) or _is_admin_key(ctx, key):
            principal = await run_in_threadpool(_authenticate, ctx, key)
        if principal is None:
            ctx.metrics.auth_failures.labels("401").inc()
            await ctx.auth_limiter.ahit(address)
            raise HTTPException(status.HTTP_401_UNAUTHORIZED, "missing or invalid API key",
                                headers={"WWW-Authenticate": "Bearer"})
    verdict = await ctx.limiter.ahit(principal.key_id)
    response.headers["X-RateLimit-Limit"] = str(verdict.limit)
    response.headers["X-RateLimit-Remaining"] = str(verdict.remaining)
    if not verdict.allowed:
        ctx.metrics.rate_limited.inc()
        raise HTTPException(status.HTTP_429_TOO_MANY_REQUESTS, "rate limit exceeded",
                            headers={"Retry-After": str(verdict.retry_after),
                                     "X-RateLimit-Limit": str(verdict.limit), "X-RateLimit-Remaining": "0"})
    return principal


def _refuse_if_over(ctx: AppContext, verdict: Verdict) -> None:
    """429 when the client address has presented too many invalid keys in this window."""
    if not verdict.allowed:
        ctx.metrics.auth_failures.labels("429").inc()
        raise HTTPException(status.HTTP_429_TOO_MANY_REQUESTS,
                            "too many failed authentications from this address; retry later",
                            headers={"Retry-After": str(verdict.retry_after)})


def _is_admin_key(ctx: AppContext, key: str) -> bool:
    return hmac.compare_digest(key.encode(), ctx.settings.admin_api_key.encode())


def _authenticate(ctx: AppContext, key: str) -> Principal | None:
    ctx.ensure_store()
    principal = ctx.store.authenticate(key)
    if principal is None and _is_admin_key(ctx, key):
        # The settings' admin key always works: re-bootstrap it if the store lost it (a wiped database).
        ctx.store_ready = False
        ctx.ensure_store()
        ctx.store.forget(key)
        principal = ctx.store.authenticate(key)
    return principal


def require(role: Role) -> Any:
    async def check(principal: Annotated[Principal, Depends(get_principal)], request: Request) -> Principal:
        if not principal.can(role):
            request.app.state.ctx.metrics.auth_failures.labels("403").inc()
            raise HTTPException(status.HTTP_403_FORBIDDEN, f"this route needs the {role.name} role")
        return principal

    return check


ReaderKey = Annotated[Principal, Depends(require(Role.reader))]
InvestigatorKey = Annotated[Principal, Depends(require(Role.investigator))]
AdminKey = Annotated[Principal, Depends(require(Role.admin))]


@dataclass(frozen=True)
class Paging:
    page: int
    page_size: int

    @property
    def skip(self) -> int:
        return (self.page - 1) * self.page_size


async def get_paging(
    page: Annotated[int, Query(ge=1, le=10_000, description="page number, from 1")] = 1,
    page_size: Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE, description=f"rows per page, at most {MAX_PAGE_SIZE}")]
    = 20,
) -> Paging:
    return Paging(page, page_size)


PagingDep = Annotated[Paging, Depends(get_paging)]

AUTH_RESPONSES: dict[int | str, dict[str, Any]] = {
    401: {"description": "missing or invalid API key"},
    403: {"description": "the key's role is not enough"},
    429: {"description": "rate limit exceeded; see Retry-After"},
}
