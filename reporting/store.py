"""The records in Neo4j that the API and the alerts share (one store): API keys, subscriptions, alert deliveries, pipeline runs.

Every query is a parameterized library file `cypher/api/v1_*.cypher` run through graph/runner.py. The
constraints below are constant text (no input ever reaches them) and run once at start.
"""

from __future__ import annotations

import json
import logging
import threading
import time
import uuid
from collections import OrderedDict
from typing import Any

from graph.runner import QueryRunner, Statement
from reporting.keys import ADMIN_KEY_ID, Principal, Role, key_hash, new_key

log = logging.getLogger(__name__)

SCHEMA = (
    "CREATE CONSTRAINT apikey_id IF NOT EXISTS FOR (k:ApiKey) REQUIRE k.id IS UNIQUE",
    "CREATE CONSTRAINT apikey_hash IF NOT EXISTS FOR (k:ApiKey) REQUIRE k.hash IS UNIQUE",
    "CREATE CONSTRAINT subscription_id IF NOT EXISTS FOR (s:Subscription) REQUIRE s.id IS UNIQUE",
    "CREATE CONSTRAINT pipelinerun_id IF NOT EXISTS FOR (r:PipelineRun) REQUIRE r.id IS UNIQUE",
    "CREATE CONSTRAINT alertdelivery_key IF NOT EXISTS FOR (d:AlertDelivery) REQUIRE d.key IS UNIQUE",
    "CREATE CONSTRAINT alertdelivery_pair IF NOT EXISTS FOR (d:AlertDelivery) "
    "REQUIRE (d.finding_id, d.recipient) IS UNIQUE",
    "CREATE INDEX alertdelivery_status IF NOT EXISTS FOR (d:AlertDelivery) ON (d.recipient, d.status)",
)


def init_store_schema(runner: QueryRunner) -> None:
    """Constraints of the API's records, idempotently (IF NOT EXISTS)."""
    for stmt in SCHEMA:
        runner.execute([Statement(stmt)])


class RecordsStore:
    """Keys, subscriptions, deliveries and runs, over a QueryRunner."""

    KEY_CACHE_S = 10.0
    # Refused keys are remembered apart from valid ones, in a bounded LRU, so that a flood of bad keys
    # neither reaches Neo4j for each repeat nor pushes the valid keys out of their cache.
    REFUSED_CACHE_S = 10.0
    REFUSED_CACHE_MAX = 10_000

    def __init__(self, runner: QueryRunner, secret: str) -> None:
        self.runner = runner
        self._secret = secret
        self._cache: dict[str, tuple[float, Principal]] = {}
        self._refused: OrderedDict[str, float] = OrderedDict()  # hash -> expiry
        self._lock = threading.Lock()

    # keys ---------------------------------------------------------------------------------------
    def bootstrap_admin(self, admin_key: str) -> None:
        """Store the configured admin key (idempotent; a changed admin key replaces the old record)."""
        self.runner.write("api/v1_upsert_api_key", {
            "id": ADMIN_KEY_ID, "hash": key_hash(admin_key, self._secret), "role": Role.admin.name,
            "name": "admin key from settings (LICITAGRAPH_API_ADMIN_KEY)"})

    def cached_principal(self, key: str) -> Principal | None:
        """The principal of a key answered lately (no I/O); None when unknown, expired or refused."""
        h = key_hash(key, self._secret)
        with self._lock:
            hit = self._cache.get(h)
        return hit[1] if hit and hit[0] > time.monotonic() else None

    def refused_lately(self, key: str) -> bool:
        """Whether the key was refused less than REFUSED_CACHE_S seconds ago (no I/O)."""
        h = key_hash(key, self._secret)
        with self._lock:
            return self._refused_at(h, time.monotonic())

    def _refused_at(self, h: str, now: float) -> bool:
        expiry = self._refused.get(h)
        if expiry is None:
            return False
        if expiry <= now:
            del self._refused[h]
            return False
        return True

    def authenticate(self, key: str) -> Principal | None:
        """The principal a presented key belongs to, or None. Valid keys are cached for KEY_CACHE_S seconds,
        refused ones for REFUSED_CACHE_S."""
        h = key_hash(key, self._secret)
        now = time.monotonic()
        with self._lock:
            hit = self._cache.get(h)
            if hit and hit[0] > now:
                return hit[1]
            if self._refused_at(h, now):
                return None
        rows = self.runner.read("api/v1_get_api_key_by_hash", {"hash": h})
        principal = None
        if rows and rows[0]["role"] in Role.__members__:
            principal = Principal(rows[0]["id"], Role[rows[0]["role"]], rows[0]["name"] or "")
        with self._lock:
            if principal is None:
                self._refused[h] = now + self.REFUSED_CACHE_S
                self._refused.move_to_end(h)
                while len(self._refused) > self.REFUSED_CACHE_MAX:
                    self._refused.popitem(last=False)
            else:
                if len(self._cache) > 10_000:
                    self._cache.clear()
                self._cache[h] = (now + self.KEY_CACHE_S, principal)
        return principal

    def forget(self, key: str) -> None:
        """Drop a key's cached answer (after the store changed under it)."""
        h = key_hash(key, self._secret)
        with self._lock:
            self._cache.pop(h, None)
            self._refused.pop(h, None)

    def create_key(self, name: str, role: Role) -> tuple[dict[str, Any], str]:
        key_id, key = new_key()
        res = self.runner.write("api/v1_upsert_api_key", {
            "id": key_id, "hash": key_hash(key, self._secret), "role": role.name, "name": name})
        return res.rows[0]["key"], key

    def list_keys(self) -> list[dict[str, Any]]:
        return self.runner.read("api/v1_list_api_keys")

    def revoke_key(self, key_id: str) -> dict[str, Any] | None:
        res = self.runner.write("api/v1_revoke_api_key", {"id": key_id})
        with self._lock:
            self._cache.clear()
            self._refused.clear()
        return res.rows[0] if res.rows else None

    # subscriptions ------------------------------------------------------------------------------
    def create_subscription(self, owner: str, fields: dict[str, Any]) -> dict[str, Any]:
        res = self.runner.write("api/v1_create_subscription", {"id": str(uuid.uuid4()), "owner": owner, **fields})
        return dict(res.rows[0]["subscription"])

    def get_subscription(self, sub_id: str, owner: str | None) -> dict[str, Any] | None:
        rows = self.runner.read("api/v1_get_subscription", {"id": sub_id, "owner": owner})
        return rows[0]["subscription"] if rows else None

    def list_subscriptions(self, owner: str | None, skip: int, limit: int) -> tuple[int, list[dict[str, Any]]]:
        row = self.runner.read("api/v1_list_subscriptions", {"owner": owner, "skip": skip, "limit": limit})[0]
        return int(row["total"]), list(row["items"])

    def update_subscription(self, sub_id: str, owner: str | None, fields: dict[str, Any]) -> dict[str, Any] | None:
        res = self.runner.write("api/v1_update_subscription", {"id": sub_id, "owner": owner, **fields})
        return dict(res.rows[0]["subscription"]) if res.rows else None

    def delete_subscription(self, sub_id: str, owner: str | None) -> bool:
        res = self.runner.write("api/v1_delete_subscription", {"id": sub_id, "owner": owner})
        return bool(res.rows and res.rows[0]["deleted"])

    # alert deliveries ---------------------------------------------------------------------------
    def list_deliveries(self, **filters: Any) -> tuple[int, list[dict[str, Any]]]:
        row = self.runner.read("api/v1_list_alert_deliveries", filters)[0]
        return int(row["total"]), list(row["items"])

    # pipeline runs ------------------------------------------------------------------------------
    def create_run(self, run_id: str, steps: list[str], options: dict[str, Any], requested_by: str) -> dict[str, Any]:
        res = self.runner.write("api/v1_create_pipeline_run", {
            "id": run_id, "steps": steps, "options_json": json.dumps(options, sort_keys=True),
            "requested_by": requested_by})
        return dict(res.rows[0]["run"])

    def get_run(self, run_id: str) -> dict[str, Any] | None:
        rows = self.runner.read("api/v1_get_pipeline_run", {"id": run_id})
        return rows[0]["run"] if rows else None

    def list_runs(self, status: str | None, skip: int, limit: int) -> tuple[int, list[dict[str, Any]]]:
        row = self.runner.read("api/v1_list_pipeline_runs", {"status": status, "skip": skip, "limit": limit})[0]
        return int(row["total"]), list(row["items"])

    def update_run(self, run_id: str, status: str, *, step: str | None = None, timings: dict[str, float] | None = None,
                   counts: dict[str, Any] | None = None, error: str | None = None) -> None:
        self.runner.write("api/v1_update_pipeline_run", {
            "id": run_id, "status": status, "step": step, "timings_json": json.dumps(timings or {}),
            "counts_json": json.dumps(counts or {}, default=str), "error": error})
