"""Prometheus metrics of one app (its own registry, so several apps in one process do not clash)."""

from __future__ import annotations

import time
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Histogram


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter("licitagraph_api_requests_total", "HTTP requests", ("method", "route", "status"),
                                registry=self.registry)
        self.latency = Histogram(
            "licitagraph_api_request_seconds", "HTTP request latency", ("method", "route"), registry=self.registry,
            buckets=(0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0))
        self.rate_limited = Counter("licitagraph_api_rate_limited_total", "requests refused by a key's rate limit (429)",
                                    registry=self.registry)
        self.auth_failures = Counter("licitagraph_api_auth_failures_total",
                                     "requests refused with 401/403, or 429 after too many invalid keys from one "
                                     "address", ("status",), registry=self.registry)


class MetricsMiddleware:
    """Pure ASGI middleware: count and time every HTTP request by its route template."""

    def __init__(self, app: Any, metrics: Metrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = {"code": 500}

        async def send_wrapper(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                status["code"] = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_wrapper)
        finally:
            route = scope.get("route")
            path = getattr(route, "path", None) or "unmatched"
            method = scope.get("method", "")
            self.metrics.requests.labels(method, path, str(status["code"])).inc()
            self.metrics.latency.labels(method, path).observe(time.perf_counter() - started)
