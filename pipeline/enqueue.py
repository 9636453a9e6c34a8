"""The pipeline's public entry for callers above it (the API): record a run and hand it to the worker.

This module is light on purpose: it imports Celery and the records store, never the steps (Spark, torch),
so the API can start runs without reaching them. The steps run in the worker (`pipeline.tasks`).
"""

from __future__ import annotations

import logging
import time
import uuid
from typing import Any

from core.settings import Settings
from pipeline.celery_app import PIPELINE_TASK, make_celery
from reporting.store import RecordsStore

log = logging.getLogger(__name__)

STEPS = ("etl", "load", "detect", "gnn", "alerts")


class EnqueueError(RuntimeError):
    """The task queue (Redis) did not take the run; the run is recorded as failed with this message."""


def new_run_id() -> str:
    """A sortable run id: UTC start time plus a random suffix (`20251126T030000-a1b2c3`)."""
    return time.strftime("%Y%m%dT%H%M%S", time.gmtime()) + "-" + uuid.uuid4().hex[:6]


def queue_client(settings: Settings) -> Any:
    """The Celery app used to send pipeline tasks (no worker, no task module imported)."""
    return make_celery(settings)


def enqueue_run(store: RecordsStore, client: Any, steps: list[str], requested_by: str) -> dict[str, Any]:
    """Record a run as `queued` and send it to the worker; raise EnqueueError when the queue does not answer
    (the run is then recorded as failed, so nothing is left queued for ever)."""
    run_id = new_run_id()
    run = store.create_run(run_id, list(steps), {}, requested_by)
    try:
        client.send_task(PIPELINE_TASK, args=[run_id])
    except Exception as exc:  # kombu OperationalError, redis ConnectionError
        log.error("cannot enqueue pipeline run %s: %s", run_id, exc)
        store.update_run(run_id, "failed", error=f"could not enqueue: {exc}")
        raise EnqueueError(str(exc)) from exc
    return run
