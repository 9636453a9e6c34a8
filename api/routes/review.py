"""`/v1/review-queue`: the unreviewed findings in the order investigators should review them (core/review.py)."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query

from api.deps import AUTH_RESPONSES, ContextDep, PagingDep, ReaderDep, ReaderKey
from api.schemas import DETECTOR_PATTERN, ID_PATTERN, NodeId, ReviewQueue

router = APIRouter(prefix="/v1/review-queue", tags=["review"], responses=AUTH_RESPONSES)


@router.get("", response_model=ReviewQueue, summary="Unreviewed findings, most worth reviewing first")
async def review_queue(
    ctx: ContextDep,
    reader: ReaderDep,
    _: ReaderKey,
    paging: PagingDep,
    mix: Annotated[float | None, Query(ge=0.0, le=1.0, description="0 = by risk only, 1 = by what a verdict "
                                       "would teach only; default LICITAGRAPH_REVIEW_QUEUE_MIX")] = None,
    status: Annotated[list[Literal["new", "under_review"]] | None, Query(
        description="which unreviewed statuses to queue (default: new)")] = None,
    detector: Annotated[str | None, Query(pattern=DETECTOR_PATTERN)] = None,
    agency_id: Annotated[str | None, Query(pattern=ID_PATTERN, max_length=220,
                                           description="findings about this agency or its tenders"), NodeId] = None,
) -> dict[str, object]:
    """Findings nobody has reviewed yet, ordered by priority = (1 - mix) * risk + mix * uncertainty, where
    risk is the subject's combined risk read as the probability that auditors confirm it and uncertainty is
    how unsure that probability is (largest at 0.5): a mix of what matters most now and what a verdict
    would teach the risk model most (docs/verdicts.md). Read live from the graph (cached per data version)."""
    m = ctx.settings.review_queue_mix if mix is None else mix
    statuses = tuple(sorted(set(status or ["new"])))
    rows = await reader.areview_queue(m, statuses, detector, agency_id)
    items = rows[paging.skip: paging.skip + paging.page_size]
    return {"total": len(rows), "page": paging.page, "page_size": paging.page_size, "mix": m,
            "weights": rows[0]["weights_source"] if rows else "prior", "items": items}
