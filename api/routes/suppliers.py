"""`/v1/suppliers`: suppliers by risk, one supplier with its findings, and the network around it."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from fastapi import APIRouter, Path, Query, Request

from api.deps import AUTH_RESPONSES, PagingDep, ReaderDep, ReaderKey
from api.schemas import DETECTOR_PATTERN, ID_PATTERN, Network, NodeId, Page, SubjectDetail, SupplierSummary
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

router = APIRouter(prefix="/v1/suppliers", tags=["suppliers"], responses=AUTH_RESPONSES)

SupplierId = Annotated[str, Path(pattern=ID_PATTERN, max_length=220, description="supplier id, e.g. `supplier:<cnpj>`",
                               examples=["supplier:00000001000101"]), NodeId]
Depth = Annotated[int, Query(ge=1, le=3, description="hops around the supplier")]
Limit = Annotated[int, Query(ge=1, le=500, description="most paths expanded")]


@router.get("", response_model=Page[SupplierSummary], summary="Suppliers by risk, with filters")
async def list_suppliers(
    reader: ReaderDep,
    _: ReaderKey,
    paging: PagingDep,
    min_risk: Annotated[float, Query(ge=0.0, le=1.0)] = 0.0,
    max_risk: Annotated[float, Query(ge=0.0, le=1.0)] = 1.0,
    detector: Annotated[str | None, Query(pattern=DETECTOR_PATTERN, description="only suppliers with a finding of "
                                          "this detector")] = None,
    agency_id: Annotated[str | None, Query(pattern=ID_PATTERN, max_length=220,
                                           description="only suppliers that won an item of this agency"), NodeId] = None,
    name_contains: Annotated[str | None, Query(min_length=1, max_length=100,
                                               description="part of the name or CNPJ, any case")] = None,
    modality_id: Annotated[int | None, Query(ge=1, le=14, description="only suppliers that won an item of a tender of this PNCP modalidadeId")] = None,
    published_from: Annotated[date | None, Query(description="won in a tender published on or after")] = None,
    published_to: Annotated[date | None, Query(description="won in a tender published before")] = None,
    sort: Literal["risk_score", "founded_on", "n_findings", "id"] = "risk_score",
    order: Literal["desc", "asc"] = "desc",
) -> dict[str, object]:
    """Suppliers with their combined risk score, riskiest first by default."""
    check_range(min_risk, max_risk)
    check_period(published_from, published_to, "published")
    total, items = await reader.alist_subjects(
        "supplier", skip=paging.skip, limit=paging.page_size, min_risk=min_risk, max_risk=max_risk, detector=detector,
        agency_id=agency_id, name_contains=name_contains, modality_id=modality_id, published_from=published_from,
        published_to=published_to, sort=sort, descending=order == "desc")
    return page(total, items, paging)


@router.get("/{supplier_id:path}/network.png", response_class=PNGResponse, responses=PNG_RESPONSES,
            summary="The network around a supplier, as a picture")
def supplier_network_png(reader: ReaderDep, _: ReaderKey, supplier_id: SupplierId, depth: Depth = 2,
                       limit: Limit = 200) -> PNGResponse:
    return network_picture(reader, "supplier", supplier_id, depth, limit)


@router.get("/{supplier_id:path}/network", response_model=Network, summary="The network around a supplier (JSON)")
async def supplier_network(reader: ReaderDep, _: ReaderKey, supplier_id: SupplierId, depth: Depth = 2,
                   limit: Limit = 200) -> dict[str, object]:
    """Nodes and edges for a graph viewer (findings excluded)."""
    return await network(reader, "supplier", supplier_id, depth, limit)


@router.get("/{supplier_id:path}", response_model=SubjectDetail, summary="One supplier: score, reasons, findings",
            responses={404: {"description": "unknown id"}})
async def get_supplier(request: Request, reader: ReaderDep, _: ReaderKey, supplier_id: SupplierId,
               top: Annotated[int, Query(ge=1, le=20, description="top reasons shown")] = 5) -> dict[str, object]:
    return await detail(request.app.state.settings, reader, "supplier", supplier_id, top)
