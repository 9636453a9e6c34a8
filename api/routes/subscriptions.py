"""`/v1/subscriptions`: who wants which alerts (investigators manage their own; admins see all)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Path, Request, Response, status

from api.deps import AUTH_RESPONSES, InvestigatorKey, PagingDep, StoreDep
from api.schemas import UUID_PATTERN, Page, Subscription, SubscriptionIn
from api.subjects import invalid, page
from reporting.keys import Principal, Role

router = APIRouter(prefix="/v1/subscriptions", tags=["subscriptions"], responses=AUTH_RESPONSES)

DOMAIN_RESPONSES: dict[int | str, dict[str, Any]] = {
    403: {"description": "the key's role is not enough, or an investigator's `email` is outside the alert domains"}}

SubId = Annotated[str, Path(pattern=UUID_PATTERN, examples=["6f1d0c2e-8a4b-4c5d-9e6f-0a1b2c3d4e5f"])]


def _owner(p: Principal) -> str | None:
    return None if p.can(Role.admin) else p.key_id


def in_domains(domain: str, allowed: list[str]) -> bool:
    """`domain` is one of `allowed` or a subdomain of one (`cge.go.gov.br` is in `go.gov.br`; `evilgo.gov.br`
    is not)."""
    domain = domain.lower().rstrip(".")
    for a in allowed:
        a = a.lower().strip().lstrip("@.").rstrip(".")
        if a and (domain == a or domain.endswith("." + a)):
            return True
    return False


def _fields(request: Request, principal: Principal, body: SubscriptionIn) -> dict[str, object]:
    try:
        body.checked()
    except ValueError as exc:
        raise invalid(("body",), str(exc)) from exc
    allowed: list[str] = request.app.state.settings.api_alert_email_domains
    if not principal.can(Role.admin) and not in_domains(body.email_domain, allowed):
        where = ", ".join(allowed) if allowed else "no domain (LICITAGRAPH_API_ALERT_EMAIL_DOMAINS is empty)"
        raise HTTPException(status.HTTP_403_FORBIDDEN,
                            f"an investigator may subscribe only addresses in {where}; "
                            f"ask an admin to subscribe {body.email}")
    return body.model_dump()


@router.post("", response_model=Subscription, status_code=status.HTTP_201_CREATED, summary="Subscribe to alerts",
             responses=DOMAIN_RESPONSES)
def create_subscription(request: Request, store: StoreDep, principal: InvestigatorKey,
                        body: SubscriptionIn) -> dict[str, object]:
    """Alerts go to `email` for findings with score >= `min_risk`, from any of `detectors` (all when empty),
    about `agency_ids` (any when empty) and involving `supplier_ids` (any when empty). An investigator may
    subscribe only addresses in the alert domains (`LICITAGRAPH_API_ALERT_EMAIL_DOMAINS`, default `go.gov.br`
    and its subdomains); an admin may subscribe any address."""
    return store.create_subscription(principal.key_id, _fields(request, principal, body))


@router.get("", response_model=Page[Subscription], summary="Subscriptions")
def list_subscriptions(store: StoreDep, principal: InvestigatorKey, paging: PagingDep) -> dict[str, object]:
    total, items = store.list_subscriptions(_owner(principal), paging.skip, paging.page_size)
    return page(total, items, paging)


@router.get("/{subscription_id}", response_model=Subscription, summary="One subscription",
            responses={404: {"description": "unknown id"}})
def get_subscription(store: StoreDep, principal: InvestigatorKey, subscription_id: SubId) -> dict[str, object]:
    got = store.get_subscription(subscription_id, _owner(principal))
    if got is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "no such subscription")
    return got


@router.put("/{subscription_id}", response_model=Subscription, summary="Replace a subscription",
            responses={404: {"description": "unknown id"}, **DOMAIN_RESPONSES})
def update_subscription(request: Request, store: StoreDep, principal: InvestigatorKey, subscription_id: SubId,
                        body: SubscriptionIn) -> dict[str, object]:
    """The same rules as creating one (the alert domains included)."""
    got = store.update_subscription(subscription_id, _owner(principal), _fields(request, principal, body))
    if got is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "no such subscription")
    return got


@router.delete("/{subscription_id}", status_code=status.HTTP_204_NO_CONTENT, response_class=Response,
               response_model=None, summary="Delete a subscription", responses={404: {"description": "unknown id"}})
def delete_subscription(store: StoreDep, principal: InvestigatorKey, subscription_id: SubId) -> Response:
    if not store.delete_subscription(subscription_id, _owner(principal)):
        raise HTTPException(status.HTTP_404_NOT_FOUND, "no such subscription")
    return Response(status_code=status.HTTP_204_NO_CONTENT)
