"""`/v1/pipeline/runs`: start the pipeline (ETL, load, detect, GNN, alerts) in the worker, and follow it."""

from __future__ import annotations

import json
import logging
from typing import Annotated, Any, Literal

from fastapi import APIRouter, HTTPException, Path, status

from api.deps import AUTH_RESPONSES, AdminKey, ContextDep, InvestigatorKey, PagingDep, StoreDep
from api.schemas import RUN_ID_PATTERN, Page, PipelineRun, PipelineRunIn
from api.subjects import page
from pipeline.enqueue import EnqueueError, enqueue_run

log = logging.getLogger(__name__)
router = APIRouter(prefix="/v1/pipeline/runs", tags=["pipeline"], responses=AUTH_RESPONSES)


def run_out(r: dict[str, Any]) -> dict[str, Any]:
    out = {k: v for k, v in r.items() if not k.endswith("_json")}
    out["timings"] = json.loads(r.get("timings_json") or "{}")
    out["counts"] = json.loads(r.get("counts_json") or "{}")
    return out


@router.post("", response_model=PipelineRun, status_code=status.HTTP_202_ACCEPTED, summary="Start a pipeline run",
             responses={503: {"description": "the task queue (Redis) does not answer"}})
def start_run(ctx: ContextDep, store: StoreDep, principal: AdminKey, body: PipelineRunIn) -> dict[str, Any]:
    """Record a run as `queued` and hand it to the Celery worker; poll `GET /v1/pipeline/runs/{id}`."""
    try:
        run = enqueue_run(store, ctx.celery, list(body.steps), principal.key_id)
    except EnqueueError as exc:
        raise HTTPException(status.HTTP_503_SERVICE_UNAVAILABLE, "the task queue does not answer") from exc
    return run_out(run)


@router.get("", response_model=Page[PipelineRun], summary="Pipeline runs, newest first")
def list_runs(store: StoreDep, _: InvestigatorKey, paging: PagingDep,
              status: Literal["queued", "running", "succeeded", "failed"] | None = None) -> dict[str, Any]:
    total, items = store.list_runs(status, paging.skip, paging.page_size)
    return page(total, [run_out(r) for r in items], paging)


@router.get("/{run_id}", response_model=PipelineRun, summary="One pipeline run: status and step timings",
            responses={404: {"description": "unknown id"}})
def get_run(store: StoreDep, _: InvestigatorKey,
            run_id: Annotated[str, Path(pattern=RUN_ID_PATTERN, examples=["20251126T030000-a1b2c3"])]) -> dict[str, Any]:
    got = store.get_run(run_id)
    if got is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no pipeline run {run_id}")
    return run_out(got)
