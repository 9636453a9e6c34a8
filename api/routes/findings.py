"""`/v1/findings`: the red flags, with their evidence, their lifecycle status and the investigators' verdicts."""

from __future__ import annotations

import logging
from datetime import date
from typing import Annotated, Literal

from fastapi import APIRouter, HTTPException, Path, Query, status

from api.deps import AUTH_RESPONSES, ContextDep, InvestigatorKey, PagingDep, ReaderDep, ReaderKey, StoreDep
from api.schemas import (
    DETECTOR_PATTERN,
    FINDING_ID_PATTERN,
    ID_PATTERN,
    Finding,
    FindingHistory,
    FindingNetwork,
    NodeId,
    Page,
    VerdictIn,
)
from api.subjects import (
    FINDING_PNG_RESPONSES,
    PNGResponse,
    check_period,
    check_range,
    finding_picture_response,
    invalid,
    page,
)
from graph.verdicts import STATUSES, UnknownFinding, VerdictError, parse_statuses
from pipeline.enqueue import EnqueueError, enqueue_run

log = logging.getLogger(__name__)

router = APIRouter(prefix="/v1/findings", tags=["findings"], responses=AUTH_RESPONSES)

FindingId = Annotated[str, Path(pattern=FINDING_ID_PATTERN, examples=["finding:3f1c2a9b8d7e6f5a4b3c"])]


@router.get("", response_model=Page[Finding], summary="Findings, with filters")
async def list_findings(
    reader: ReaderDep,
    _: ReaderKey,
    paging: PagingDep,
    min_score: Annotated[float, Query(ge=0.0, le=1.0)] = 0.0,
    max_score: Annotated[float, Query(ge=0.0, le=1.0)] = 1.0,
    detector: Annotated[str | None, Query(pattern=DETECTOR_PATTERN)] = None,
    subject_kind: Literal["tender", "supplier", "agency", "item"] | None = None,
    subject_id: Annotated[str | None, Query(pattern=ID_PATTERN, max_length=220), NodeId] = None,
    agency_id: Annotated[str | None, Query(pattern=ID_PATTERN, max_length=220,
                                           description="findings about this agency or its tenders"), NodeId] = None,
    created_from: Annotated[date | None, Query(description="created on or after")] = None,
    created_to: Annotated[date | None, Query(description="created before")] = None,
    status_: Annotated[list[str] | None, Query(
        alias="status",
        description=f"lifecycle statuses ({', '.join(STATUSES)}), repeated or comma-separated; "
                    "by default every status but superseded")] = None,
    sort: Literal["score", "created_at", "id"] = "score",
    order: Literal["desc", "asc"] = "desc",
) -> dict[str, object]:
    check_range(min_score, max_score, "score")
    check_period(created_from, created_to, "created")
    try:
        statuses = parse_statuses(status_)
    except VerdictError as exc:
        raise invalid(("query", "status"), str(exc), ",".join(status_ or [])) from None
    total, items = await reader.alist_findings(
        skip=paging.skip, limit=paging.page_size, min_score=min_score, max_score=max_score, detector=detector,
        subject_kind=subject_kind, subject_id=subject_id, agency_id=agency_id, created_from=created_from,
        created_to=created_to, statuses=statuses, sort=sort, descending=order == "desc")
    return page(total, items, paging)


@router.get("/{finding_id}/network.png", response_class=PNGResponse, responses=FINDING_PNG_RESPONSES,
            summary="A finding's own structure, as a picture")
def finding_network_png(reader: ReaderDep, _: ReaderKey, finding_id: FindingId) -> PNGResponse:
    """The same picture as in the alert emails: the finding's firms, what links them and the tenders they met
    in (won bids solid green, lost bids dashed grey), never the agency's other tenders."""
    return finding_picture_response(reader, finding_id)


@router.get("/{finding_id}/network", response_model=FindingNetwork, summary="A finding's own structure (JSON)",
            responses={404: {"description": "unknown id"}})
async def finding_network(reader: ReaderDep, _: ReaderKey, finding_id: FindingId) -> dict[str, object]:
    """Nodes and edges of the finding's structure, bounded (about 60 nodes); bids carry `won`."""
    got = await reader.afinding_network(finding_id)
    if got is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no finding {finding_id}")
    return got


@router.get("/{finding_id}", response_model=Finding, summary="One finding with its evidence",
            responses={404: {"description": "unknown id"}})
async def get_finding(reader: ReaderDep, _: ReaderKey, finding_id: FindingId) -> dict[str, object]:
    got = await reader.afinding(finding_id)
    if got is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no finding {finding_id}")
    return got


@router.post("/{finding_id}/verdict", response_model=FindingHistory, summary="An investigator's verdict",
             responses={404: {"description": "unknown id"}, 422: {"description": "bad verdict or note"}})
def post_verdict(ctx: ContextDep, store: StoreDep, reader: ReaderDep, principal: InvestigatorKey,
                 finding_id: FindingId, body: VerdictIn) -> dict[str, object]:
    """Record a verdict (investigator role or above): `confirmed`, `dismissed`, or `needs_info` (status
    `under_review`), with a note; the key's name and id are recorded as who. Answers the finding's status and
    its whole history. A superseded finding keeps `superseded` and takes the verdict's status if it comes back.
    A confirmation starts a detect + alerts run (`started_run`; LICITAGRAPH_VERDICT_CONFIRM_STARTS_RUN), so
    the other tenders of the confirmed firms are re-scored (`confirmed_cartel`) and their subscribers alerted;
    when the task queue does not answer, the verdict stands and the next scheduled run does it."""
    who = f"{principal.name} ({principal.key_id})" if principal.name else principal.key_id
    try:
        got = reader.record_verdict(finding_id, body.verdict, body.note, who, principal.key_id)
    except UnknownFinding:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no finding {finding_id}") from None
    except VerdictError as exc:
        raise invalid(("body",), str(exc), body.verdict) from None
    if body.verdict == "confirmed" and ctx.settings.verdict_confirm_starts_run:
        try:
            run = enqueue_run(store, ctx.celery, ["detect", "alerts"], f"verdict:{principal.key_id}")
            got = {**got, "started_run": run["id"]}
        except EnqueueError as exc:
            log.warning("confirmed %s, but no detect run could be started: %s", finding_id, exc)
    return got


@router.get("/{finding_id}/history", response_model=FindingHistory, summary="A finding's status history",
            responses={404: {"description": "unknown id"}})
def finding_history(reader: ReaderDep, _: ReaderKey, finding_id: FindingId) -> dict[str, object]:
    """Every status change (made by a run) and verdict (made by an investigator), oldest first; read live."""
    got = reader.finding_history(finding_id)
    if got is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no finding {finding_id}")
    return got
