"""CLI commands of the pipeline's Celery processes: `licitagraph worker` and `licitagraph beat`."""

from __future__ import annotations

from typing import Annotated

import typer


def worker(
    concurrency: Annotated[int, typer.Option("--concurrency", "-c", min=1, help="worker processes")] = 1,
    pool: Annotated[str, typer.Option("--pool", help="prefork | solo | threads")] = "prefork",
    loglevel: Annotated[str, typer.Option("--loglevel", help="DEBUG | INFO | WARNING")] = "INFO",
    hostname: Annotated[str | None, typer.Option("--hostname", "-n", help="worker node name")] = None,
) -> None:
    """Run a Celery worker for the pipeline and alert tasks."""
    from pipeline.celery_app import make_celery

    app = make_celery()
    argv = ["worker", f"--concurrency={concurrency}", f"--pool={pool}", f"--loglevel={loglevel}",
            "--without-gossip", "--without-mingle"]
    if hostname:
        argv.append(f"--hostname={hostname}")
    app.worker_main(argv=argv)


def beat(
    loglevel: Annotated[str, typer.Option("--loglevel", help="DEBUG | INFO | WARNING")] = "INFO",
) -> None:
    """Run Celery beat, which schedules the pipeline (daily at LICITAGRAPH_PIPELINE_SCHEDULE_HOUR:MINUTE)."""
    from core.settings import get_settings
    from pipeline.celery_app import make_celery

    s = get_settings()
    (s.var_dir / "run").mkdir(parents=True, exist_ok=True)
    app = make_celery(s)
    app.Beat(loglevel=loglevel, schedule=str(s.var_dir / "run" / "celerybeat-schedule")).run()
