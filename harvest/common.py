"""What the harvesters share: their options, date windows, and JSON requests answered from the journal."""

from __future__ import annotations

import json
import urllib.parse
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from harvest.http import Fetcher, Params
from harvest.store import Journal, RunManifest


@dataclass
class Options:
    """One harvest: where to write, which dates, which filters, which server, how politely."""

    sources: Path
    date_from: date | None = None
    date_to: date | None = None
    uf: str | None = None
    municipio: str | None = None  # IBGE code (PNCP codigoMunicipioIbge)
    cnpj: str | None = None  # buying agency CNPJ (PNCP) / UASG code (compras)
    base_url: str | None = None
    refresh: bool = False
    window_days: int = 1
    modalities: tuple[int, ...] = tuple(range(1, 15))
    page_size: int = 50
    months: str = "latest"  # cnpj: "latest", "all", or "YYYY-MM[,YYYY-MM...]"
    extra: dict[str, Any] = field(default_factory=dict)

    def window_range(self, default_back: int = 1) -> tuple[date, date]:
        """(first, last) day; default: yesterday only (today's notices are still being published)."""
        yesterday = date.today() - timedelta(days=1)
        d1 = self.date_to or yesterday
        d0 = self.date_from or (d1 - timedelta(days=default_back - 1))
        if d0 > d1:
            raise ValueError(f"--from {d0} is after --to {d1}")
        return d0, d1


@dataclass(frozen=True)
class Window:
    start: date
    end: date

    @property
    def key(self) -> str:
        return f"{self.start.isoformat()}_{self.end.isoformat()}"


def windows(d0: date, d1: date, days: int) -> Iterator[Window]:
    """Consecutive windows of `days` days covering [d0, d1]."""
    cur = d0
    while cur <= d1:
        end = min(d1, cur + timedelta(days=max(1, days) - 1))
        yield Window(cur, end)
        cur = end + timedelta(days=1)


def request_key(url: str, params: Params | None) -> str:
    q = urllib.parse.urlencode(sorted((k, str(v)) for k, v in (params or {}).items()))
    return f"{url}?{q}" if q else url


class JsonSource:
    """JSON GETs of one unit of work, answered from its journal when a resumed run already received them."""

    def __init__(self, fetcher: Fetcher, journal: Journal, manifest: RunManifest) -> None:
        self.fetcher, self.journal, self.manifest = fetcher, journal, manifest

    def get(self, url: str, params: Params | None = None, kind: str = "json") -> tuple[Any, str]:
        """(parsed JSON or None for an empty answer, the body text)."""
        key = request_key(url, params)
        body = self.journal.get(key)
        if body is None:
            _, raw = self.fetcher.get_json(url, params, kind=kind)
            body = raw.decode("utf-8", errors="replace")
            self.journal.put(key, body)
        else:
            self.manifest.replayed += 1
        return (json.loads(body) if body.strip() else None), body


def jsonl(lines: list[dict[str, Any]]) -> bytes:
    return "".join(json.dumps(x, ensure_ascii=False) + "\n" for x in lines).encode("utf-8")
