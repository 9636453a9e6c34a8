"""A fixed-window rate limit per API key in Redis: one INCR (+EXPIRE) per request.

Over the limit the API answers 429 with `Retry-After` (seconds to the next window). When Redis does not
answer, requests pass (fail open, logged) and `/ready` reports Redis as down.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from typing import Any

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Verdict:
    allowed: bool
    limit: int
    remaining: int
    retry_after: int


class RateLimiter:
    def __init__(self, redis: Any, per_minute: int, window_s: int = 60, prefix: str = "licitagraph:rl") -> None:
        self.redis = redis
        self.limit = per_minute
        self.window_s = window_s
        self.prefix = prefix

    def hit(self, key_id: str, now: float | None = None) -> Verdict:
        now = time.time() if now is None else now
        window = int(now // self.window_s)
        retry_after = max(1, int(self.window_s - (now % self.window_s)) + 0)
        name = f"{self.prefix}:{key_id}:{window}"
        try:
            pipe = self.redis.pipeline(transaction=False)
            pipe.incr(name)
            pipe.expire(name, self.window_s + 1)
            count, _ = pipe.execute()
        except Exception as exc:  # redis.exceptions.RedisError, OSError: fail open
            log.warning("rate limit not applied, Redis does not answer: %s", exc)
            return Verdict(True, self.limit, self.limit, 0)
        count = int(count)
        return Verdict(count <= self.limit, self.limit, max(0, self.limit - count), retry_after)
