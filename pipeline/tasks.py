"""Celery tasks: thin wrappers that take ids and call the plain functions of pipeline.run and alerts.notify.

All are idempotent and acknowledged late (a killed worker's task is redelivered); retries are declared.
"""

from __future__ import annotations

import logging
import smtplib
import threading
from typing import Any

from celery import shared_task

from alerts.notify import DeliveryBusy
from graph.connection import Neo4jUnavailable
from pipeline.celery_app import MATCH_TASK, PIPELINE_TASK, SCHEDULED_TASK, SEND_TASK

log = logging.getLogger(__name__)

# the daily run: fetch the public sources into the folder the ETL reads, then the steps of any run
SCHEDULED_STEPS = ("harvest", "etl", "load", "detect", "gnn", "alerts")

RETRYABLE = (smtplib.SMTPException, OSError, DeliveryBusy, Neo4jUnavailable)

_lock = threading.Lock()
_resources: dict[str, Any] = {}


def resources() -> tuple[Any, Any, Any]:
    """(settings, Neo4j runner, Redis client) of this worker process, opened on first use."""
    with _lock:
        if not _resources:
            import redis

            from core.settings import get_settings
            from graph.runner import Neo4jRunner

            s = get_settings()
            _resources["settings"] = s
            _resources["runner"] = Neo4jRunner(s)
            _resources["redis"] = redis.Redis.from_url(s.redis_url, socket_timeout=5.0)
            from reporting.store import init_store_schema

            init_store_schema(_resources["runner"])
        return _resources["settings"], _resources["runner"], _resources["redis"]


@shared_task(name=PIPELINE_TASK, acks_late=True, autoretry_for=(Neo4jUnavailable,), retry_backoff=True,
             retry_jitter=True, max_retries=3)
def run_pipeline(run_id: str) -> dict[str, Any]:
    """Run the recorded pipeline run `run_id`; then, when its steps include `alerts`, match alerts."""
    from pipeline.run import run_pipeline as run

    settings, runner, _ = resources()
    result = run(run_id, settings, runner)
    if "alerts" in (result.get("steps") or []):
        match_alerts.delay(run_id)
    return {"id": run_id, "status": result.get("status")}


@shared_task(name=SCHEDULED_TASK, acks_late=True)
def scheduled_pipeline() -> str:
    """Beat's daily entry: record a full run (harvest first, then every step of a run) and start it."""
    from pipeline.enqueue import new_run_id
    from reporting.store import RecordsStore

    settings, runner, _ = resources()
    run_id = new_run_id()
    RecordsStore(runner, settings.key_hash_secret).create_run(run_id, list(SCHEDULED_STEPS), {}, "beat")
    run_pipeline.delay(run_id)
    return run_id


@shared_task(name=MATCH_TASK, acks_late=True, autoretry_for=RETRYABLE, retry_backoff=True, retry_jitter=True,
             max_retries=8)
def match_alerts(run_id: str) -> dict[str, int]:
    """Record what each subscriber is owed after the scoring run `run_id`; one send task per recipient."""
    from alerts.notify import match_alerts as match

    _, runner, _ = resources()
    owed = match(runner, run_id)
    for recipient, n in owed.items():
        if n:
            send_alert_email.delay(run_id, recipient)
    return owed


@shared_task(name=SEND_TASK, acks_late=True, autoretry_for=RETRYABLE, retry_backoff=True, retry_backoff_max=300,
             retry_jitter=True, max_retries=10)
def send_alert_email(run_id: str, recipient: str) -> dict[str, Any]:
    """Send one email with every pending alert of `recipient` (nothing when none is pending)."""
    from alerts.notify import deliver

    settings, runner, redis = resources()
    out = deliver(recipient, settings, runner, redis)
    if out is None:
        return {"run_id": run_id, "recipient": recipient, "sent": 0}
    return {"run_id": run_id, "recipient": recipient, "sent": len(out.keys), "message_id": out.message_id}
