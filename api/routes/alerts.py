"""`/v1/alerts`: the history of alert deliveries (one row per finding and recipient)."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query

from api.deps import AUTH_RESPONSES, InvestigatorKey, PagingDep, StoreDep
from api.schemas import EMAIL_PATTERN, FINDING_ID_PATTERN, RUN_ID_PATTERN, AlertDelivery, Page
from api.subjects import page

router = APIRouter(prefix="/v1/alerts", tags=["alerts"], responses=AUTH_RESPONSES)


@router.get("", response_model=Page[AlertDelivery], summary="Alert deliveries, newest first")
def list_alerts(
    store: StoreDep,
    _: InvestigatorKey,
    paging: PagingDep,
    recipient: Annotated[str | None, Query(pattern=EMAIL_PATTERN, max_length=254)] = None,
    status: Literal["pending", "sent", "withheld", "withdrawn", "obsolete"] | None = None,
    finding_id: Annotated[str | None, Query(pattern=FINDING_ID_PATTERN)] = None,
    run_id: Annotated[str | None, Query(pattern=RUN_ID_PATTERN)] = None,
) -> dict[str, object]:
    """What was sent, to whom and when (`pending` rows are owed and not yet accepted by the SMTP server; `withheld`
    ones were left out of the emails: findings of the graph neural network without an explanation in words)."""
    total, items = store.list_deliveries(recipient=recipient, status=status, finding_id=finding_id, run_id=run_id,
                                         skip=paging.skip, limit=paging.page_size)
    return page(total, items, paging)
