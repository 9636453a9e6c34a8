"""The polite HTTP client every harvester uses: a request rate cap, Retry-After on 429, retries with
exponential backoff on 5xx, timeouts and bodies cut short, and resumable downloads with HTTP Range.

A response is only returned whole: a body shorter than its Content-Length (httpx raises) or JSON that
does not parse counts as a failed attempt and is fetched again. Client errors other than 429 are not
retried: they raise `HarvestHTTPError` at once, naming the URL and the status.
"""

from __future__ import annotations

import email.utils
import json
import logging
import random
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

log = logging.getLogger(__name__)

Params = Mapping[str, str | int]


class HarvestHTTPError(RuntimeError):
    """A request that failed for good (a 4xx, or every retry spent); the message names the URL."""

    def __init__(self, url: str, message: str, status: int | None = None) -> None:
        self.url, self.status = url, status
        super().__init__(f"{url}: {message}")


@dataclass
class FetchStats:
    """What a client did: requests sent, retries and their causes, time waited, bytes received."""

    requests: int = 0
    retries: int = 0
    throttled: int = 0  # 429 answers
    server_errors: int = 0  # 5xx answers
    timeouts: int = 0
    truncated: int = 0  # bodies cut short or not parseable
    waited_s: float = 0.0  # sleeping for the rate cap, Retry-After and backoff
    bytes: int = 0
    by_kind: dict[str, int] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {k: (round(v, 3) if isinstance(v, float) else v) for k, v in vars(self).items()}


@dataclass(frozen=True)
class Policy:
    """How politely to ask: at most `rps` requests a second, up to `retries` retries a request (429s have
    their own allowance), backoff `backoff_s * 2**n` plus jitter, capped at `max_backoff_s`."""

    rps: float = 2.0
    retries: int = 6
    max_throttled: int = 20
    backoff_s: float = 1.0
    max_backoff_s: float = 60.0
    max_retry_after_s: float = 300.0
    timeout_s: float = 60.0
    user_agent: str = "licitagraph-harvest/1 (+https://github.com/licitagraph)"


def retry_after_seconds(value: str | None, now: float | None = None) -> float | None:
    """Seconds to wait from a Retry-After header: a number of seconds or an HTTP date; None if absent/bad."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - (now if now is not None else time.time()))


class RateLimiter:
    """At most `rps` request starts a second (evenly spaced), shared by the threads of one client."""

    def __init__(self, rps: float, clock: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], None] = time.sleep) -> None:
        self.interval = 1.0 / rps if rps > 0 else 0.0
        self.clock, self.sleep = clock, sleep
        self._next = 0.0
        self._lock = threading.Lock()

    def wait(self) -> float:
        with self._lock:
            now = self.clock()
            delay = max(0.0, self._next - now)
            self._next = max(now, self._next) + self.interval
        if delay:
            self.sleep(delay)
        return delay

    def hold(self, seconds: float) -> None:
        """Start nothing for `seconds` (after a 429 with Retry-After)."""
        with self._lock:
            self._next = max(self._next, self.clock() + seconds)


class Fetcher:
    """GET with the policy above. `cache` (URL -> body) lets a resumed run replay what it already fetched."""

    def __init__(self, policy: Policy | None = None, *, client: httpx.Client | None = None,
                 sleep: Callable[[float], None] = time.sleep, seed: int | None = None) -> None:
        self.policy = policy or Policy()
        self.client = client or httpx.Client(
            timeout=httpx.Timeout(self.policy.timeout_s), follow_redirects=True,
            headers={"User-Agent": self.policy.user_agent, "Accept": "*/*"},
        )
        self.sleep = sleep
        self.limiter = RateLimiter(self.policy.rps, sleep=self._sleep)
        self.stats = FetchStats()
        self._rng = random.Random(seed)
        self._on_request: list[Callable[[str], None]] = []

    def close(self) -> None:
        self.client.close()

    def __enter__(self) -> Fetcher:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def on_request(self, hook: Callable[[str], None]) -> None:
        """Call `hook(url)` before each request is sent (tests use it to stop a run mid-way)."""
        self._on_request.append(hook)

    def _sleep(self, s: float) -> None:
        self.stats.waited_s += s
        self.sleep(s)

    def _backoff(self, attempt: int) -> float:
        base = min(self.policy.max_backoff_s, self.policy.backoff_s * (2 ** attempt))
        return base * (0.5 + self._rng.random() / 2)

    # ------------------------------------------------------------------------------------------------

    def get(self, url: str, params: Params | None = None, *, headers: Mapping[str, str] | None = None,
            kind: str = "request", accept: Callable[[httpx.Response], None] | None = None,
            ok_status: tuple[int, ...] = (200, 204)) -> httpx.Response:
        """One GET, retried until whole. `accept(resp)` may raise ValueError to reject a body (retried)."""
        attempt = throttled = 0
        last = "no attempt"
        while True:
            self.limiter.wait()
            for hook in self._on_request:
                hook(url)
            self.stats.requests += 1
            self.stats.by_kind[kind] = self.stats.by_kind.get(kind, 0) + 1
            retry_in: float | None = None
            try:
                resp = self.client.get(url, params=dict(params or {}), headers=dict(headers or {}))
                self.stats.bytes += len(resp.content)
                if resp.status_code == 429:
                    self.stats.throttled += 1
                    throttled += 1
                    wait = retry_after_seconds(resp.headers.get("Retry-After"))
                    wait = min(wait if wait is not None else self._backoff(throttled), self.policy.max_retry_after_s)
                    if throttled > self.policy.max_throttled:
                        raise HarvestHTTPError(str(resp.url), f"still throttled after {throttled} answers 429", 429)
                    log.info("%s: 429, waiting %.2fs", resp.url, wait)
                    self.limiter.hold(wait)
                    continue
                if resp.status_code >= 500:
                    self.stats.server_errors += 1
                    last = f"HTTP {resp.status_code}"
                    retry_in = retry_after_seconds(resp.headers.get("Retry-After"))
                elif resp.status_code not in ok_status:
                    raise HarvestHTTPError(str(resp.url), f"HTTP {resp.status_code}: {resp.text[:200]!r}",
                                           resp.status_code)
                else:
                    try:
                        if accept is not None:
                            accept(resp)
                    except ValueError as exc:
                        self.stats.truncated += 1
                        last = f"bad body: {exc}"
                    else:
                        return resp
            except httpx.TimeoutException as exc:
                self.stats.timeouts += 1
                last = f"timeout ({type(exc).__name__})"
            except (httpx.RemoteProtocolError, httpx.ReadError, httpx.ConnectError, httpx.WriteError) as exc:
                self.stats.truncated += 1
                last = f"{type(exc).__name__}: {exc}"
            if attempt >= self.policy.retries:
                raise HarvestHTTPError(url, f"gave up after {attempt + 1} attempts; last: {last}")
            wait = retry_in if retry_in is not None else self._backoff(attempt)
            attempt += 1
            self.stats.retries += 1
            log.info("%s: %s; retry %d in %.2fs", url, last, attempt, wait)
            self._sleep(wait)

    def get_json(self, url: str, params: Params | None = None, *, kind: str = "json") -> tuple[Any, bytes]:
        """(parsed JSON, body bytes); an empty answer (HTTP 204, or no body) is (None, b"")."""

        def whole(resp: httpx.Response) -> None:
            if resp.status_code == 204 or not resp.content.strip():
                return
            json.loads(resp.content)  # raises ValueError (JSONDecodeError) when cut short

        resp = self.get(url, params, kind=kind, accept=whole)
        if resp.status_code == 204 or not resp.content.strip():
            return None, b""
        return json.loads(resp.content), resp.content

    # ------------------------------------------------------------------------------------------------

    def download(self, url: str, part: Path, *, kind: str = "download", chunk: int = 1 << 20) -> Path:
        """Download `url` into `part`, resuming from the bytes already there (HTTP Range + If-Range).

        A server that ignores the range (200 instead of 206), or whose file changed (If-Range fails), sends
        the whole file again and `part` restarts. Returns `part` once it holds the whole body (the size the
        server declared)."""
        meta = part.with_name(part.name + ".meta")
        attempt = 0
        while True:
            have = part.stat().st_size if part.exists() else 0
            validator = meta.read_text(encoding="utf-8").strip() if meta.exists() and have else ""
            headers = {"Range": f"bytes={have}-"} if have else {}
            if have and validator:
                headers["If-Range"] = validator
            self.limiter.wait()
            for hook in self._on_request:
                hook(url)
            self.stats.requests += 1
            self.stats.by_kind[kind] = self.stats.by_kind.get(kind, 0) + 1
            try:
                with self.client.stream("GET", url, headers=headers) as resp:
                    if resp.status_code == 416 and have:  # already whole
                        return part
                    if resp.status_code == 429:
                        self.stats.throttled += 1
                        wait = retry_after_seconds(resp.headers.get("Retry-After")) or self._backoff(attempt)
                        self.limiter.hold(min(wait, self.policy.max_retry_after_s))
                        continue
                    if resp.status_code >= 500:
                        self.stats.server_errors += 1
                        raise _Retry(f"HTTP {resp.status_code}")
                    if resp.status_code not in (200, 206):
                        raise HarvestHTTPError(url, f"HTTP {resp.status_code}", resp.status_code)
                    total = _total_size(resp, have)
                    mode = "ab" if resp.status_code == 206 else "wb"
                    new_validator = resp.headers.get("ETag") or resp.headers.get("Last-Modified") or ""
                    if mode == "wb" or not validator:
                        meta.write_text(new_validator, encoding="utf-8")
                    with part.open(mode) as fh:
                        for block in resp.iter_bytes(chunk):
                            fh.write(block)
                            self.stats.bytes += len(block)
                    size = part.stat().st_size
                    if total is not None and size != total:
                        raise _Retry(f"got {size} of {total} bytes")
                    meta.unlink(missing_ok=True)
                    return part
            except httpx.TimeoutException:
                self.stats.timeouts += 1
                last = "timeout"
            except (httpx.RemoteProtocolError, httpx.ReadError, httpx.ConnectError) as exc:
                self.stats.truncated += 1
                last = f"{type(exc).__name__}: {exc}"
            except _Retry as exc:
                last = str(exc)
            if attempt >= self.policy.retries:
                raise HarvestHTTPError(url, f"download gave up after {attempt + 1} attempts; last: {last}")
            attempt += 1
            self.stats.retries += 1
            wait = self._backoff(attempt - 1)
            log.info("%s: %s; resuming in %.2fs", url, last, wait)
            self._sleep(wait)


class _Retry(Exception):
    pass


def _total_size(resp: httpx.Response, have: int) -> int | None:
    """The whole file's size: from Content-Range on a 206, else Content-Length."""
    if resp.status_code == 206:
        cr = resp.headers.get("Content-Range", "")
        if "/" in cr and not cr.endswith("/*"):
            return int(cr.rsplit("/", 1)[1])
        length = resp.headers.get("Content-Length")
        return have + int(length) if length else None
    length = resp.headers.get("Content-Length")
    return int(length) if length else None
