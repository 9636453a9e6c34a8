"""`/v1/tenders`: tenders by risk, one tender with its findings, and the network around it."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from fastapi import APIRouter, Path, Query, Request

from api.deps import AUTH_RESPONSES, PagingDep, ReaderDep, ReaderKey
from api.schemas import DETECTOR_PATTERN, ID_PATTERN, Network, NodeId, Page, SubjectDetail, TenderSummary
from api.subjects import (
    PNG_RESPONSES,
    PNGResponse,
    check_period,
    check_range,
    detail,
    network,
    network_picture,
    page,
)

router = APIRouter(prefix="/v1/tenders", tags=["tenders"], responses=AUTH_RESPONSES)

TenderId = Annotated[str, Path(pattern=ID_PATTERN, max_length=220, description="tender id, e.g. `tender:<numeroControlePNCP>`",
                               examples=["tender:00001001000100-1-000001/2025"]), NodeId]
Depth = Annotated[int, Query(ge=1, le=3, description="hops around the tender")]
Limit = Annotated[int, Query(ge=1, le=500, description="most paths expanded")]


@router.get("", response_model=Page[TenderSummary], summary="Tenders by risk, with filters")
async def list_tenders(
    reader: ReaderDep,
    _: ReaderKey,
    paging: PagingDep,
    min_risk: Annotated[float, Query(ge=0.0, le=1.0)] = 0.0,
    max_risk: Annotated[float, Query(ge=0.0, le=1.0)] = 1.0,
    detector: Annotated[str | None, Query(pattern=DETECTOR_PATTERN, description="only tenders with a finding of "
                                          "this detector")] = None,
    agency_id: Annotated[str | None, Query(pattern=ID_PATTERN, max_length=220), NodeId] = None,
    modality_id: Annotated[int | None, Query(ge=1, le=14, description="PNCP modalidadeId (6 pregão eletrônico, "
                                             "8 dispensa, ...)")] = None,
    published_from: Annotated[date | None, Query(description="published on or after")] = None,
    published_to: Annotated[date | None, Query(description="published before")] = None,
    sort: Literal["risk_score", "published_at", "estimated_value", "n_findings", "id"] = "risk_score",
    order: Literal["desc", "asc"] = "desc",
) -> dict[str, object]:
    """Tenders with their combined risk score, riskiest first by default."""
    check_range(min_risk, max_risk)
    check_period(published_from, published_to, "published")
    total, items = await reader.alist_subjects(
        "tender", skip=paging.skip, limit=paging.page_size, min_risk=min_risk, max_risk=max_risk, detector=detector,
        agency_id=agency_id, modality_id=modality_id, published_from=published_from, published_to=published_to,
        sort=sort, descending=order == "desc")
    return page(total, items, paging)


@router.get("/{tender_id:path}/network.png", response_class=PNGResponse, responses=PNG_RESPONSES,
            summary="The network around a tender, as a picture")
def tender_network_png(reader: ReaderDep, _: ReaderKey, tender_id: TenderId, depth: Depth = 2,
                       limit: Limit = 200) -> PNGResponse:
    return network_picture(reader, "tender", tender_id, depth, limit)


@router.get("/{tender_id:path}/network", response_model=Network, summary="The network around a tender (JSON)")
async def tender_network(reader: ReaderDep, _: ReaderKey, tender_id: TenderId, depth: Depth = 2,
                   limit: Limit = 200) -> dict[str, object]:
    """Nodes and edges for a graph viewer (findings excluded)."""
    return await network(reader, "tender", tender_id, depth, limit)


@router.get("/{tender_id:path}", response_model=SubjectDetail, summary="One tender: score, reasons, findings",
            responses={404: {"description": "unknown id"}})
async def get_tender(request: Request, reader: ReaderDep, _: ReaderKey, tender_id: TenderId,
               top: Annotated[int, Query(ge=1, le=20, description="top reasons shown")] = 5) -> dict[str, object]:
    return await detail(request.app.state.settings, reader, "tender", tender_id, top)
