"""GraphReader: the API's reads from Neo4j, through graph/runner.py and the library queries.

It reuses the graph engineer's `api/get_subject_detail` and `api/get_subject_network`, the pictures'
`api/get_finding_network` (reporting.pictures.finding_network), and adds the v1 list queries
(`api/v1_list_*`) for the filters and sorts the v1 routes offer. Every value goes to Neo4j as a parameter.
Results come back as plain dicts shaped for api/schemas.py, CPFs re-masked.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from datetime import date, datetime, time
from typing import Any, TypeVar

from starlette.concurrency import run_in_threadpool

from api.cache import MISSING, VersionedCache
from graph import verdicts
from graph.runner import QueryRunner
from reporting.masking import guard
from reporting.pictures import finding_network

log = logging.getLogger(__name__)
T = TypeVar("T")

LIST_QUERY = {"tender": "api/v1_list_tenders", "supplier": "api/v1_list_suppliers", "agency": "api/v1_list_agencies"}
LABEL_OF = {"tender": "Tender", "supplier": "Supplier", "agency": "Agency"}


def _iso(d: date | datetime | None) -> str | None:
    if d is None:
        return None
    if isinstance(d, datetime):
        return d.isoformat()
    return datetime.combine(d, time.min).isoformat() + "Z"


def _loads(text: Any, default: Any) -> Any:
    if not text:
        return default
    try:
        return json.loads(text)
    except (TypeError, ValueError):
        return default


def finding_out(f: dict[str, Any]) -> dict[str, Any]:
    """A Finding node's map -> the public finding shape (measures and details parsed)."""
    out = {k: v for k, v in f.items() if k not in ("measures_json", "details_json")}
    out["measures"] = _loads(f.get("measures_json"), [])
    out["details"] = _loads(f.get("details_json"), {})
    out["node_ids"] = list(f.get("node_ids") or [])
    out["title"] = f.get("title") or ""
    out["summary"] = f.get("summary") or ""
    out["status"] = f.get("status") or "new"
    return guard(out)


class GraphReader:
    """The API's reads. With a `cache` (api/cache.py), answers are kept until the graph's data version
    changes; the values returned are then shared between requests and must not be changed by callers."""

    def __init__(self, runner: QueryRunner, cache: VersionedCache | None = None) -> None:
        self.runner = runner
        self.cache = cache

    def cached(self, key: tuple[Any, ...], compute: Callable[[], T]) -> T:
        """`compute()`, kept in the cache (when there is one) under `key` until the graph changes."""
        return compute() if self.cache is None else self.cache.get(key, compute)

    async def _acached(self, key: tuple[Any, ...], compute: Callable[[], T]) -> T:
        """For `async` routes: a cache hit answers on the event loop; a miss (a Neo4j read, or the cache's
        version check) runs in the thread pool, like a sync route would."""
        if self.cache is not None:
            got = self.cache.peek(key)
            if got is not MISSING:
                return got  # type: ignore[no-any-return]
        return await run_in_threadpool(self.cached, key, compute)

    async def alist_subjects(self, kind: str, *, skip: int, limit: int,
                             **filters: Any) -> tuple[int, list[dict[str, Any]]]:
        return await self._acached(("list", kind, skip, limit, *sorted(filters.items())),
                                   lambda: self._list_subjects(kind, skip=skip, limit=limit, **filters))

    async def asubject_detail(self, kind: str, subject_id: str, top_reasons: int = 5) -> dict[str, Any] | None:
        return await self._acached(("detail", kind, subject_id, top_reasons),
                                   lambda: self._subject_detail(kind, subject_id, top_reasons))

    async def anetwork(self, subject_id: str, depth: int, limit: int) -> dict[str, Any] | None:
        return await self._acached(("network", subject_id, depth, limit),
                                   lambda: self._network(subject_id, depth, limit))

    async def alist_findings(self, *, skip: int, limit: int, **filters: Any) -> tuple[int, list[dict[str, Any]]]:
        return await self._acached(("findings", skip, limit, *sorted(filters.items())),
                                   lambda: self._list_findings(skip=skip, limit=limit, **filters))

    async def afinding(self, finding_id: str) -> dict[str, Any] | None:
        return await self._acached(("finding", finding_id), lambda: self._finding(finding_id))

    async def afinding_network(self, finding_id: str) -> dict[str, Any] | None:
        return await self._acached(("finding_network", finding_id), lambda: finding_network(self.runner, finding_id))

    # the lifecycle: verdicts are writes, history is read live (never cached) -------------------------
    def record_verdict(self, finding_id: str, verdict: str, note: str, who: str,
                       who_id: str | None = None) -> dict[str, Any]:
        """Record a verdict (graph/verdicts.py); the graph's data version is marked and this process's cache
        emptied at once, so no read here shows the old status (other processes: within api_cache_check_s)."""
        try:
            return guard(verdicts.record_verdict(self.runner, finding_id, verdict, note, who, who_id))
        finally:
            if self.cache is not None:
                self.cache.clear()

    def finding_history(self, finding_id: str) -> dict[str, Any] | None:
        try:
            return guard(verdicts.finding_history(self.runner, finding_id))
        except verdicts.UnknownFinding:
            return None

    def ping(self) -> bool:
        return bool(self.runner.read("api/v1_ping"))

    def list_subjects(self, kind: str, *, skip: int, limit: int, **filters: Any) -> tuple[int, list[dict[str, Any]]]:
        return self.cached(("list", kind, skip, limit, *sorted(filters.items())),
                            lambda: self._list_subjects(kind, skip=skip, limit=limit, **filters))

    def subject_detail(self, kind: str, subject_id: str, top_reasons: int = 5) -> dict[str, Any] | None:
        return self.cached(("detail", kind, subject_id, top_reasons),
                            lambda: self._subject_detail(kind, subject_id, top_reasons))

    def network(self, subject_id: str, depth: int, limit: int) -> dict[str, Any] | None:
        return self.cached(("network", subject_id, depth, limit), lambda: self._network(subject_id, depth, limit))

    def list_findings(self, *, skip: int, limit: int, **filters: Any) -> tuple[int, list[dict[str, Any]]]:
        return self.cached(("findings", skip, limit, *sorted(filters.items())),
                            lambda: self._list_findings(skip=skip, limit=limit, **filters))

    async def areview_queue(self, mix: float, statuses: tuple[str, ...], detector: str | None,
                            agency_id: str | None) -> list[dict[str, Any]]:
        """Unreviewed findings in review order (graph/verdicts.review_queue), findings in the public shape."""
        def compute() -> list[dict[str, Any]]:
            rows = verdicts.review_queue(self.runner, mix, statuses, detector, agency_id)
            return [{**r, "finding": finding_out(r["finding"])} for r in rows]

        return await self._acached(("review_queue", mix, statuses, detector, agency_id), compute)

    def finding(self, finding_id: str) -> dict[str, Any] | None:
        return self.cached(("finding", finding_id), lambda: self._finding(finding_id))

    def finding_network(self, finding_id: str) -> dict[str, Any] | None:
        """The finding's own structure (`api/get_finding_network`), CPFs re-masked; None when unknown."""
        return self.cached(("finding_network", finding_id), lambda: finding_network(self.runner, finding_id))

    def _list_subjects(self, kind: str, *, skip: int, limit: int, **filters: Any) -> tuple[int, list[dict[str, Any]]]:
        params = {k: (_iso(v) if isinstance(v, date) else v) for k, v in filters.items()}
        row = self.runner.read(LIST_QUERY[kind], {**params, "skip": skip, "limit": limit})[0]
        return int(row["total"]), [guard(i) for i in row["items"]]

    def _subject_detail(self, kind: str, subject_id: str, top_reasons: int) -> dict[str, Any] | None:
        rows = self.runner.read("api/get_subject_detail", {"id": subject_id})
        row = next((r for r in rows if r["label"] == LABEL_OF[kind]), None)
        if row is None:
            return None
        props = dict(row["properties"])
        reasons = _loads(props.get("risk_reasons"), [])
        findings = [finding_out(f) for f in row["findings"] if f and f.get("id")]  # superseded ones left out
        name = props.get("name") or props.get("object") or props.get("description") or subject_id
        shown = {k: v for k, v in props.items() if not k.startswith("risk_") and k not in ("source_file",)}
        return guard({
            "id": subject_id, "kind": kind, "name": name, "risk_score": props.get("risk_score"),
            "n_findings": int(props.get("risk_n_findings") or len(findings)),
            "risk_run_id": props.get("risk_run_id"), "risk_tables_version": props.get("risk_tables_version"),
            "reasons": reasons[:top_reasons],
            "risk_weights": props.get("risk_weights_source") or "prior",
            "risk_weights_verdicts": int(props.get("risk_weights_verdicts") or 0),
            "properties": shown, "findings": findings,
        }, person=kind == "supplier" and props.get("person_type") == "PF")

    def _network(self, subject_id: str, depth: int, limit: int) -> dict[str, Any] | None:
        rows = self.runner.read("api/get_subject_network", {"id": subject_id, "depth": depth, "limit": limit})
        if not rows:
            return None
        nodes = [guard(n) for n in rows[0]["nodes"] if n.get("id")]
        ids = {n["id"] for n in nodes}
        edges = [e for e in rows[0]["edges"] if e["src"] in ids and e["dst"] in ids]
        return {"subject_id": subject_id, "depth": depth, "nodes": nodes, "edges": edges}

    def _list_findings(self, *, skip: int, limit: int, **filters: Any) -> tuple[int, list[dict[str, Any]]]:
        params = {k: (_iso(v) if isinstance(v, date) else v) for k, v in filters.items()}
        statuses = filters.get("statuses")
        if isinstance(statuses, tuple):  # a tuple in the cache key, a list for Neo4j
            params["statuses"] = list(statuses)
        row = self.runner.read("api/v1_list_findings", {**params, "skip": skip, "limit": limit})[0]
        return int(row["total"]), [finding_out(f) for f in row["items"]]

    def _finding(self, finding_id: str) -> dict[str, Any] | None:
        rows = self.runner.read("api/v1_get_finding", {"id": finding_id})
        return finding_out(rows[0]["finding"]) if rows else None
