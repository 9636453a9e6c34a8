"""A read-through cache for the API's graph reads, keyed by the graph's data version.

Risk scores and findings change only when a load or a scoring run writes them (daily by default), and
every such writer marks the graph with a new version token (graph/version.py). The cache keeps the
answers of the read queries (subject detail, lists, networks, findings) and drops them all when the token
changes. The token is re-read at most once every `check_s` seconds, so a new run shows in the API within
that time; `ttl_s` bounds the age of any entry whatever the token says (a writer outside licitagraph that
does not mark the version is seen after at most `ttl_s`). `ttl_s = 0` turns caching off.

Values are shared between requests: callers must treat them as read-only (copy before changing).
"""

from __future__ import annotations

import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import Any, TypeVar

log = logging.getLogger(__name__)

T = TypeVar("T")
_MISSING = object()
MISSING: Any = _MISSING  # what `peek` answers when it has nothing it may give without I/O


@dataclass
class CacheStats:
    hits: int = 0
    misses: int = 0
    invalidations: int = 0
    version_checks: int = 0


class VersionedCache:
    def __init__(self, probe: Callable[[], str | None], *, ttl_s: float, check_s: float, max_entries: int = 4096,
                 clock: Callable[[], float] = time.monotonic) -> None:
        if ttl_s < 0 or check_s < 0 or max_entries < 1:
            raise ValueError("ttl_s and check_s must be >= 0 and max_entries >= 1")
        self.probe = probe
        self.ttl_s = ttl_s
        self.check_s = check_s
        self.max_entries = max_entries
        self.clock = clock
        self.stats = CacheStats()
        self._entries: OrderedDict[Hashable, tuple[float, Any]] = OrderedDict()
        self._lock = threading.Lock()
        self._version: str | object | None = _MISSING
        self._checked_at = float("-inf")

    @property
    def enabled(self) -> bool:
        return self.ttl_s > 0

    def _refresh_version(self, now: float) -> None:
        """Re-read the token when the last check is older than `check_s`; a new token empties the cache."""
        if now - self._checked_at < self.check_s:
            return
        token = self.probe()  # outside the lock: a slow probe must not block hits of other threads
        with self._lock:
            self.stats.version_checks += 1
            self._checked_at = now
            if token != self._version:
                if self._version is not _MISSING:
                    self.stats.invalidations += 1
                    log.info("graph data version changed; %d cached reads dropped", len(self._entries))
                self._entries.clear()
                self._version = token

    def get(self, key: Hashable, compute: Callable[[], T]) -> T:
        """The cached value for `key`, or `compute()` stored under it (exceptions are not cached)."""
        if not self.enabled:
            return compute()
        now = self.clock()
        self._refresh_version(now)
        with self._lock:
            hit = self._entries.get(key)
            if hit is not None and now - hit[0] < self.ttl_s:
                self._entries.move_to_end(key)
                self.stats.hits += 1
                return hit[1]  # type: ignore[no-any-return]
            self.stats.misses += 1
            version = self._version
        value = compute()
        with self._lock:
            if self._version == version:  # the graph did not change while computing
                self._entries[key] = (now, value)
                self._entries.move_to_end(key)
                while len(self._entries) > self.max_entries:
                    self._entries.popitem(last=False)
        return value

    def peek(self, key: Hashable) -> Any:
        """The cached value for `key` when it can be given without any I/O (the version was checked less
        than `check_s` ago and the entry is fresh), else MISSING: then call `get` off the event loop."""
        if not self.enabled:
            return _MISSING
        now = self.clock()
        if now - self._checked_at >= self.check_s:
            return _MISSING
        with self._lock:
            hit = self._entries.get(key)
            if hit is None or now - hit[0] >= self.ttl_s:
                return _MISSING
            self._entries.move_to_end(key)
            self.stats.hits += 1
            return hit[1]

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self._checked_at = float("-inf")

    def __len__(self) -> int:
        return len(self._entries)
