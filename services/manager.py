"""All local services together: Neo4j, Redis, the SMTP sink and, on request, the Spark standalone cluster."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Protocol

from rich.console import Console
from rich.table import Table

from core.settings import Settings, get_settings
from services.mail_sink import MailSink
from services.neo4j_server import Neo4jServer
from services.redis_server import RedisServer
from services.spark_cluster import SparkCluster

log = logging.getLogger(__name__)

SERVICE_NAMES = ("neo4j", "redis", "smtp", "spark")
# what `services up` starts unless asked for more: the Spark cluster only with --spark (or --only spark),
# since local mode needs none; `down` and `status` cover them all
DEFAULT_UP = ("neo4j", "redis", "smtp")


class Service(Protocol):
    def start(self) -> bool: ...
    def stop(self) -> bool: ...
    def status(self) -> dict[str, Any]: ...


@dataclass
class ServiceManager:
    settings: Settings
    neo4j: Neo4jServer
    redis: RedisServer
    smtp: MailSink
    spark: SparkCluster

    @classmethod
    def from_settings(cls, settings: Settings | None = None) -> ServiceManager:
        s = settings or get_settings()
        return cls(s, Neo4jServer(s), RedisServer(s), MailSink(s), SparkCluster(s))

    def _select(self, only: Iterable[str] | None, default: Iterable[str] = SERVICE_NAMES) -> list[tuple[str, Service]]:
        names = list(only) if only else list(default)
        unknown = set(names) - set(SERVICE_NAMES)
        if unknown:
            raise ValueError(f"unknown service(s) {sorted(unknown)}; choose from {', '.join(SERVICE_NAMES)}")
        return [(n, getattr(self, n)) for n in SERVICE_NAMES if n in names]

    def up(self, only: Iterable[str] | None = None, spark: bool = False) -> dict[str, bool]:
        """Start what is not running (idempotent); returns name -> started now. Without `only`: Neo4j, Redis
        and the SMTP sink, and the Spark cluster too when `spark`."""
        default = (*DEFAULT_UP, "spark") if spark else DEFAULT_UP
        names = [*(only or default), *(["spark"] if spark and only else [])]
        return {name: svc.start() for name, svc in self._select(names)}

    def down(self, only: Iterable[str] | None = None) -> dict[str, bool]:
        """Stop what is running; returns name -> stopped now."""
        return {name: svc.stop() for name, svc in reversed(self._select(only))}

    def status(self, only: Iterable[str] | None = None) -> list[dict[str, Any]]:
        out = []
        for _name, svc in self._select(only):
            try:
                out.append(svc.status())
            except Exception as exc:  # status must report, not crash
                out.append({"service": _name, "running": None, "error": str(exc)})
        return out

    def print_status(self, console: Console | None = None, only: Iterable[str] | None = None) -> None:
        console = console or Console()
        table = Table(title="licitagraph services", show_lines=False)
        for col in ("service", "state", "address", "details"):
            table.add_column(col)
        for st in self.status(only):
            state = "[green]running[/]" if st.get("running") else ("[red]error[/]" if st.get("error") else "stopped")
            details = ", ".join(
                f"{k}={v}" for k, v in st.items() if k not in {"service", "running", "address"} and v is not None
            )
            table.add_row(st["service"], state, str(st.get("address", "")), details)
        console.print(table)
