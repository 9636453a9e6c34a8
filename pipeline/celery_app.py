"""The Celery app of the pipeline and alert tasks, built by a function (nothing at import time).

Broker and result backend: Redis (`settings.redis_url`). Beat runs the pipeline daily at
`settings.pipeline_schedule_hour:minute` in `settings.timezone`: harvest -> etl -> load -> detect -> gnn ->
alerts (`pipeline.tasks.SCHEDULED_STEPS`), on the sources folder the ETL reads (`<var>/data/sources`). Tasks are acknowledged late (after they
finish), so a worker that dies mid-task leaves its message in Redis, which redelivers it after the
visibility timeout (`LICITAGRAPH_CELERY_VISIBILITY_TIMEOUT_S`, default 1 hour; see docs/alerts.md).
"""

from __future__ import annotations

from celery import Celery
from celery.schedules import crontab

from core.settings import Settings, get_settings

PIPELINE_TASK = "licitagraph.run_pipeline"
SCHEDULED_TASK = "licitagraph.scheduled_pipeline"
MATCH_TASK = "licitagraph.match_alerts"
SEND_TASK = "licitagraph.send_alert_email"


def visibility_timeout_s(settings: Settings | None = None) -> int:
    """How long Redis waits before redelivering a task whose worker died (settings)."""
    return (settings or get_settings()).celery_visibility_timeout_s


def make_celery(settings: Settings | None = None) -> Celery:
    s = settings or get_settings()
    app = Celery("licitagraph", broker=s.redis_url, backend=s.redis_url, include=["pipeline.tasks"])
    app.conf.update(
        task_serializer="json",
        accept_content=["json"],
        result_serializer="json",
        result_expires=7 * 24 * 3600,
        timezone=s.timezone,
        enable_utc=True,
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        worker_prefetch_multiplier=1,
        broker_connection_retry_on_startup=True,
        broker_transport_options={"visibility_timeout": visibility_timeout_s(s)},
        result_backend_transport_options={"visibility_timeout": visibility_timeout_s(s)},
        beat_schedule={
            "daily-pipeline": {
                "task": SCHEDULED_TASK,
                "schedule": crontab(hour=s.pipeline_schedule_hour, minute=s.pipeline_schedule_minute),
            }
        },
    )
    return app
