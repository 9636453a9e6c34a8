"""Fixed-window rate limits in Redis: one INCR (+EXPIRE) per counted request.

Two limits use it: requests per API key (`api_rate_limit_per_minute`), and failed authentications per client
address (AUTH_FAILURES_PER_MINUTE: a presented key that is not valid). Over a limit the API answers 429
with `Retry-After` (seconds to the next window). When Redis does not answer, requests pass (fail open,
logged) and `/ready` reports Redis as down.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

log = logging.getLogger(__name__)

# Invalid keys one client address may present per minute; then every key it presents that the API does
# not already know is refused with 429 (no Neo4j lookup) until the window ends.
AUTH_FAILURES_PER_MINUTE = 30


@dataclass(frozen=True)
class Verdict:
    allowed: bool
    limit: int
    remaining: int
    retry_after: int


class RateLimiter:
    """`hit` (sync client) and `ahit` (asyncio client, for async dependencies: no thread hop per request).

    `async_factory` makes an asyncio Redis client; one is kept per event loop, since asyncio connections
    belong to the loop that opened them (a test client may run several loops over one app)."""

    def __init__(self, redis: Any, per_minute: int, window_s: int = 60, prefix: str = "licitagraph:rl",
                 async_factory: Callable[[], Any] | None = None) -> None:
        self.redis = redis
        self.limit = per_minute
        self.window_s = window_s
        self.prefix = prefix
        self.async_factory = async_factory
        self._async: tuple[Any, Any] | None = None  # (loop, client)

    def _window(self, key_id: str, now: float | None) -> tuple[str, int]:
        now = time.time() if now is None else now
        window = int(now // self.window_s)
        retry_after = max(1, int(self.window_s - (now % self.window_s)))
        return f"{self.prefix}:{key_id}:{window}", retry_after

    def _verdict(self, count: Any, retry_after: int) -> Verdict:
        n = int(count)
        return Verdict(n <= self.limit, self.limit, max(0, self.limit - n), retry_after)

    def _fail_open(self, exc: BaseException) -> Verdict:
        log.warning("rate limit not applied, Redis does not answer: %s", exc)
        return Verdict(True, self.limit, self.limit, 0)

    def _async_client(self) -> Any:
        loop = asyncio.get_running_loop()
        if self._async is None or self._async[0] is not loop:
            self._async = (loop, self.async_factory() if self.async_factory else None)
        return self._async[1]

    def peek(self, key_id: str, now: float | None = None) -> Verdict:
        """Whether one more would be allowed, without counting it (a GET)."""
        name, retry_after = self._window(key_id, now)
        try:
            count = self.redis.get(name)
        except Exception as exc:  # redis.exceptions.RedisError, OSError: fail open
            return self._fail_open(exc)
        return self._verdict(int(count or 0) + 1, retry_after)

    async def apeek(self, key_id: str, now: float | None = None) -> Verdict:
        if self.async_factory is None:
            from starlette.concurrency import run_in_threadpool

            return await run_in_threadpool(self.peek, key_id, now)
        name, retry_after = self._window(key_id, now)
        try:
            count = await self._async_client().get(name)
        except Exception as exc:  # redis.exceptions.RedisError, OSError: fail open
            return self._fail_open(exc)
        return self._verdict(int(count or 0) + 1, retry_after)

    def hit(self, key_id: str, now: float | None = None) -> Verdict:
        name, retry_after = self._window(key_id, now)
        try:
            pipe = self.redis.pipeline(transaction=False)
            pipe.incr(name)
            pipe.expire(name, self.window_s + 1)
            count, _ = pipe.execute()
        except Exception as exc:  # redis.exceptions.RedisError, OSError: fail open
            return self._fail_open(exc)
        return self._verdict(count, retry_after)

    async def ahit(self, key_id: str, now: float | None = None) -> Verdict:
        if self.async_factory is None:
            from starlette.concurrency import run_in_threadpool

            return await run_in_threadpool(self.hit, key_id, now)
        name, retry_after = self._window(key_id, now)
        try:
            pipe = self._async_client().pipeline(transaction=False)
            pipe.incr(name)
            pipe.expire(name, self.window_s + 1)
            count, _ = await pipe.execute()
        except Exception as exc:  # redis.exceptions.RedisError, OSError: fail open
            return self._fail_open(exc)
        return self._verdict(count, retry_after)

    async def aclose(self) -> None:
        """Close the asyncio client of the running loop (the app's shutdown)."""
        held, self._async = self._async, None
        if held is not None and held[0] is asyncio.get_running_loop():
            try:
                await held[1].aclose()
            except Exception as exc:  # closing must not fail the shutdown
                log.debug("closing the asyncio Redis client: %s", exc)
