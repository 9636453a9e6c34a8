"""Shared handlers for the three subject resources (tenders, suppliers, agencies)."""

from __future__ import annotations

from typing import Any

from fastapi import HTTPException, Response, status
from fastapi.exceptions import RequestValidationError

from api.deps import Paging
from api.reader import GraphReader
from core.settings import Settings
from reporting.pictures import network_png


class PNGResponse(Response):
    media_type = "image/png"


PNG_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {"content": {"image/png": {}}, "description": "the network around the subject, as a PNG picture"},
    404: {"description": "unknown id"},
}
FINDING_PNG_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {"content": {"image/png": {}},
          "description": "the finding's own structure (firms, their links, the tenders they met in), as a PNG "
                         "picture of at least 1200 x 800 pixels, legend in Portuguese"},
    404: {"description": "unknown id"},
}


def links(settings: Settings, kind: str, subject_id: str) -> dict[str, str]:
    base = settings.api_public_url.rstrip("/")
    return {
        "self": f"{base}/v1/{kind}s/{subject_id}",
        "network": f"{base}/v1/{kind}s/{subject_id}/network",
        "network_png": f"{base}/v1/{kind}s/{subject_id}/network.png",
        "bloom": settings.bloom_url,
        "bloom_phrase": f"Achados sobre {subject_id}",
    }


def page(total: int, items: list[dict[str, Any]], paging: Paging) -> dict[str, Any]:
    return {"total": total, "page": paging.page, "page_size": paging.page_size, "items": items}


def invalid(loc: tuple[str, ...], msg: str, value: Any = None) -> RequestValidationError:
    """A 422 shaped like FastAPI's own validation errors (so the documented schema holds)."""
    return RequestValidationError([{"type": "value_error", "loc": loc, "msg": msg, "input": value}])


def check_range(lo: float, hi: float, what: str = "risk") -> None:
    if lo > hi:
        raise invalid(("query", f"min_{what}"), f"min_{what} must not exceed max_{what}", lo)


def check_period(start: Any, end: Any, name: str) -> None:
    if start is not None and end is not None and start > end:
        raise invalid(("query", f"{name}_from"), f"{name}_from must not be after {name}_to", str(start))


async def detail(settings: Settings, reader: GraphReader, kind: str, subject_id: str, top: int) -> dict[str, Any]:
    got = await reader.asubject_detail(kind, subject_id, top)
    if got is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no {kind} {subject_id}")
    return {**got, "links": links(settings, kind, subject_id)}  # `got` may be the cache's shared value


def _network_or_404(got: dict[str, Any] | None, kind: str, subject_id: str) -> dict[str, Any]:
    if got is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no {kind} {subject_id}")
    return got


async def network(reader: GraphReader, kind: str, subject_id: str, depth: int, limit: int) -> dict[str, Any]:
    if not subject_id.startswith(f"{kind}:"):
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no {kind} {subject_id}")
    return _network_or_404(await reader.anetwork(subject_id, depth, limit), kind, subject_id)


def network_picture(reader: GraphReader, kind: str, subject_id: str, depth: int, limit: int) -> PNGResponse:
    """Sync (thread pool): drawing is CPU work."""
    if not subject_id.startswith(f"{kind}:"):
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no {kind} {subject_id}")
    net = _network_or_404(reader.network(subject_id, depth, limit), kind, subject_id)
    caption = next((n.get("caption") for n in net["nodes"] if n["id"] == subject_id), None)
    png = reader.cached(("png", subject_id, depth, limit), lambda: network_png(net, title=caption or subject_id))
    return PNGResponse(png)


def finding_picture_response(reader: GraphReader, finding_id: str) -> PNGResponse:
    """Sync (thread pool): the finding's own structure as a PNG (reporting.pictures), kept in the cache."""
    net = reader.finding_network(finding_id)
    if net is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no finding {finding_id}")
    png = reader.cached(("finding_png", finding_id), lambda: network_png(net, title=net["title"] or finding_id))
    return PNGResponse(png)
