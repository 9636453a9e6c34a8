"""`/v1/agencies`: agencies by risk, one agency with its findings, and the network around it."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from fastapi import APIRouter, Path, Query, Request

from api.deps import AUTH_RESPONSES, PagingDep, ReaderDep, ReaderKey
from api.schemas import DETECTOR_PATTERN, ID_PATTERN, AgencySummary, Network, NodeId, Page, SubjectDetail
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

router = APIRouter(prefix="/v1/agencies", tags=["agencies"], responses=AUTH_RESPONSES)

AgencyId = Annotated[str, Path(pattern=ID_PATTERN, max_length=220, description="agency id, e.g. `agency:<cnpj>`",
                               examples=["agency:00001001000100"]), NodeId]
Depth = Annotated[int, Query(ge=1, le=3, description="hops around the agency")]
Limit = Annotated[int, Query(ge=1, le=500, description="most paths expanded")]


@router.get("", response_model=Page[AgencySummary], summary="Agencies by risk, with filters")
async def list_agencies(
    reader: ReaderDep,
    _: ReaderKey,
    paging: PagingDep,
    min_risk: Annotated[float, Query(ge=0.0, le=1.0)] = 0.0,
    max_risk: Annotated[float, Query(ge=0.0, le=1.0)] = 1.0,
    detector: Annotated[str | None, Query(pattern=DETECTOR_PATTERN, description="only agencies with a finding of "
                                          "this detector about them or their tenders")] = None,
    uf: Annotated[str | None, Query(pattern=r"^[A-Z]{2}$")] = None,
    modality_id: Annotated[int | None, Query(ge=1, le=14, description="only agencies with a tender of this PNCP modalidadeId")] = None,
    published_from: Annotated[date | None, Query(description="with a tender published on or after")] = None,
    published_to: Annotated[date | None, Query(description="with a tender published before")] = None,
    sort: Literal["risk_score", "n_findings", "name", "id"] = "risk_score",
    order: Literal["desc", "asc"] = "desc",
) -> dict[str, object]:
    """Agencies with their combined risk score, riskiest first by default."""
    check_range(min_risk, max_risk)
    check_period(published_from, published_to, "published")
    total, items = await reader.alist_subjects(
        "agency", skip=paging.skip, limit=paging.page_size, min_risk=min_risk, max_risk=max_risk, detector=detector,
        uf=uf, modality_id=modality_id, published_from=published_from, published_to=published_to, sort=sort,
        descending=order == "desc")
    return page(total, items, paging)


@router.get("/{agency_id:path}/network.png", response_class=PNGResponse, responses=PNG_RESPONSES,
            summary="The network around an agency, as a picture")
def agency_network_png(reader: ReaderDep, _: ReaderKey, agency_id: AgencyId, depth: Depth = 2,
                       limit: Limit = 200) -> PNGResponse:
    return network_picture(reader, "agency", agency_id, depth, limit)


@router.get("/{agency_id:path}/network", response_model=Network, summary="The network around an agency (JSON)")
async def agency_network(reader: ReaderDep, _: ReaderKey, agency_id: AgencyId, depth: Depth = 2,
                   limit: Limit = 200) -> dict[str, object]:
    """Nodes and edges for a graph viewer (findings excluded)."""
    return await network(reader, "agency", agency_id, depth, limit)


@router.get("/{agency_id:path}", response_model=SubjectDetail, summary="One agency: score, reasons, findings",
            responses={404: {"description": "unknown id"}})
async def get_agency(request: Request, reader: ReaderDep, _: ReaderKey, agency_id: AgencyId,
               top: Annotated[int, Query(ge=1, le=20, description="top reasons shown")] = 5) -> dict[str, object]:
    return await detail(request.app.state.settings, reader, "agency", agency_id, top)
