"""Public schemas of the v1 API (separate from the store's records and core's domain types)."""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Any, Generic, Literal, TypeVar

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from reporting.masking import CPF_RE

# Node ids: `<prefix>:<natural key>` (core/tables.py). No quotes, braces, spaces or control characters; `*` only
# in a masked CPF `***123456**` (PF suppliers: `supplier:pf:***123456**:<name key>`). The patterns are also
# checked by pydantic-core's regex engine (Path/Query/Field), where `$` is the end of the text; Python code
# must use `re.fullmatch` with them, since there `$` also matches before a trailing newline.
ID_PATTERN = r"^[a-z]{2,12}:(?:[A-Za-z0-9_\-./:@+]|\*\*\*[0-9]{6}\*\*){1,200}$"
FINDING_ID_PATTERN = r"^finding:[0-9a-f]{8,64}$"
DETECTOR_PATTERN = r"^[a-z][a-z0-9_]{0,63}$"
EMAIL_PATTERN = r"^[A-Za-z0-9._%+\-]{1,64}@[A-Za-z0-9.\-]{1,190}\.[A-Za-z]{2,24}$"
UUID_PATTERN = r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$"
RUN_ID_PATTERN = r"^[A-Za-z0-9_\-]{1,64}$"
KEY_ID_PATTERN = r"^[a-z0-9_]{1,40}$"
MAX_PAGE_SIZE = 100

# Ids that may hold a person's document: a full CPF there is refused, whatever the pattern lets through.
_PERSON_PREFIXES = ("supplier:", "person:")


def check_id(value: str) -> str:
    """A node id: ID_PATTERN as a whole, and no full CPF (bare or formatted) in a supplier or person id."""
    if not re.fullmatch(ID_PATTERN, value):
        raise ValueError(f"{value!r} is not a node id (`<kind>:<key>`, {ID_PATTERN})")
    if value.startswith(_PERSON_PREFIXES) and CPF_RE.search(value):
        raise ValueError("ids hold only masked CPFs (`***123456**`), never a full CPF")
    return value


def _node_id(value: Any) -> Any:
    return value if value is None else check_id(value)


# `Annotated[str, Path(pattern=ID_PATTERN, ...), NodeId]` (also for optional query parameters)
NodeId = AfterValidator(_node_id)

T = TypeVar("T")

TENDER_EXAMPLE: dict[str, Any] = {
    "id": "tender:00001001000100-1-000001/2025", "kind": "tender", "name": "AQUISIÇÃO DE LUVAS",
    "risk_score": 0.82, "n_findings": 2, "agency_id": "agency:00001001000100",
    "unit_id": "unit:00001001000100:1", "year": 2025, "modality_id": 6, "modality": "Pregão - Eletrônico",
    "estimated_value": 1200.0, "awarded_value": 1000.0, "published_at": "2025-02-03T00:00:00Z",
}


class Page(BaseModel, Generic[T]):
    total: int = Field(description="rows matching the filters, all pages together")
    page: int
    page_size: int
    items: list[T]


class SubjectSummary(BaseModel):
    id: str
    kind: str
    name: str | None = None
    risk_score: float | None = Field(default=None, description="combined risk in [0, 1]; null when never scored")
    n_findings: int = 0


class TenderSummary(SubjectSummary):
    model_config = ConfigDict(json_schema_extra={"examples": [TENDER_EXAMPLE]})

    agency_id: str | None = None
    unit_id: str | None = None
    year: int | None = None
    modality_id: int | None = None
    modality: str | None = None
    estimated_value: float | None = None
    awarded_value: float | None = None
    published_at: datetime | None = None


class SupplierSummary(SubjectSummary):
    model_config = ConfigDict(json_schema_extra={"examples": [{
        "id": "supplier:00000001000101", "kind": "supplier", "name": "FORNECEDOR 1 LTDA", "risk_score": 0.7,
        "n_findings": 3, "document": "00000001000101", "person_type": "PJ", "uf": "GO",
        "registry_status": "ATIVA", "founded_on": "2010-01-01"}]})

    document: str | None = Field(default=None, description="CNPJ, or a masked CPF `***123456**`")
    person_type: str | None = None
    uf: str | None = None
    registry_status: str | None = None
    founded_on: date | None = None


class AgencySummary(SubjectSummary):
    model_config = ConfigDict(json_schema_extra={"examples": [{
        "id": "agency:00001001000100", "kind": "agency", "name": "SECRETARIA DE ESTADO DA SAÚDE",
        "risk_score": 0.6, "n_findings": 4, "cnpj": "00001001000100", "uf": "GO", "sphere": "E"}]})

    cnpj: str | None = None
    uf: str | None = None
    sphere: str | None = None


FindingStatus = Literal["new", "under_review", "confirmed", "dismissed", "superseded"]
VerdictName = Literal["confirmed", "dismissed", "needs_info"]


class Measure(BaseModel):
    name: str
    value: float | int | str | None = None
    threshold: float | int | str | None = None
    comparison: str | None = None
    unit: str | None = None


class Finding(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{
        "id": "finding:3f1c2a9b8d7e6f5a4b3c", "detector": "shared_contacts", "detector_version": "1",
        "subject_kind": "tender", "subject_id": "tender:00001001000100-1-000002/2025", "score": 0.9,
        "title": "Concorrentes com telefone em comum",
        "summary": "Dois licitantes do pregão compartilham o telefone (62) 99999-0000.",
        "measures": [{"name": "shared_links", "value": 2, "threshold": 1, "comparison": ">=", "unit": None}],
        "node_ids": ["supplier:00000003000103", "supplier:00000004000104", "phone:62999990000"],
        "details": {}, "run_id": "20250301T030000-abc123", "tables_version": 12,
        "created_at": "2025-03-01T03:10:00Z", "status": "new"}]})

    id: str
    detector: str
    detector_version: str | None = None
    subject_kind: str
    subject_id: str
    score: float
    title: str = ""
    summary: str = ""
    measures: list[Measure] = []
    node_ids: list[str] = []
    details: dict[str, Any] = {}
    run_id: str | None = None
    tables_version: int | None = Field(
        default=None, description="run version of the graph tables the finding was computed from: "
        "`licitagraph detect --as-of VERSION` recomputes it on the same data (docs/graph-tables.md#versions)")
    created_at: datetime | None = None
    status: FindingStatus = Field(default="new", description="lifecycle status (docs/verdicts.md): new, "
                                  "under_review, confirmed, dismissed, or superseded (no longer in the data)")


class ReviewItem(BaseModel):
    priority: float = Field(description="(1 - mix) * risk + mix * uncertainty; the queue is sorted by it")
    risk: float = Field(description="the subject's combined risk (the finding's score when it has none)")
    uncertainty: float = Field(description="1 - |2 * risk - 1|: how much a verdict would teach the model")
    why: str = Field(description="why it is this high in the queue (Portuguese)")
    finding: Finding


class ReviewQueue(BaseModel):
    total: int
    page: int
    page_size: int
    mix: float = Field(description="0 = by risk only, 1 = by what a verdict would teach only")
    weights: str = Field(description="`prior` (risk weights set by hand) or `fitted` (on verdicts)")
    items: list[ReviewItem]


class VerdictIn(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{
        "verdict": "confirmed", "note": "Sócios em comum confirmados na Junta Comercial."}]})

    verdict: VerdictName = Field(description="confirmed, dismissed, or needs_info (status under_review)")
    note: str = Field(default="", max_length=2000, description="the investigator's reasons (CPFs are masked)")


class HistoryEntry(BaseModel):
    status: FindingStatus
    verdict: VerdictName | None = Field(default=None, description="null for a change made by a run")
    note: str = ""
    who: str | None = Field(default=None, description="the API key's name and id, the CLI's --who, or "
                            "`licitagraph` for a run")
    at: datetime | None = None
    run_id: str | None = Field(default=None, description="the run whose data the finding had then")


class FindingHistory(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{
        "finding_id": "finding:3f1c2a9b8d7e6f5a4b3c", "status": "confirmed", "history": [
            {"status": "new", "verdict": None, "note": "encontrada pelo processamento", "who": "licitagraph",
             "at": "2025-03-01T03:10:00Z", "run_id": "20250301T030000-abc123"},
            {"status": "confirmed", "verdict": "confirmed", "note": "Sócios em comum confirmados.",
             "who": "auditoria (k3f9a1)", "at": "2025-03-02T14:00:00Z", "run_id": "20250301T030000-abc123"}]}]})

    finding_id: str
    status: FindingStatus
    history: list[HistoryEntry] = Field(description="every status change and verdict, oldest first")
    started_run: str | None = Field(default=None, description="a confirmation starts a detect + alerts run (its "
                                    "id here), so the other tenders of the cartel's firms are re-scored and alert")


class Reason(BaseModel):
    detector: str | None = None
    finding_id: str | None = None
    title: str | None = None
    score: float | None = None
    weight: float | None = None


class SubjectDetail(BaseModel):
    id: str
    kind: str
    name: str | None = None
    risk_score: float | None = None
    n_findings: int = 0
    risk_run_id: str | None = None
    risk_tables_version: int | None = Field(default=None, description="run version of the graph tables the "
                                            "risk score was computed from")
    reasons: list[Reason] = Field(default=[], description="top reasons of the risk score, strongest first")
    risk_weights: str = Field(
        default="prior",
        description="where the detectors' weights in the risk score came from: `prior` (set by hand, before any "
        "verdict) or `fitted` (fitted on investigators' verdicts, docs/verdicts.md)",
    )
    risk_weights_verdicts: int = Field(default=0, description="verdicts the fitted weights saw (0 for priors)")
    properties: dict[str, Any] = Field(default={}, description="the node's properties (CPFs masked)")
    findings: list[Finding] = Field(default=[], description="findings about the subject, strongest first")
    links: dict[str, str] = {}


class NetworkNode(BaseModel):
    id: str
    label: str | None = None
    caption: str | None = None
    risk_score: float | None = None


class NetworkEdge(BaseModel):
    src: str
    dst: str
    type: str
    won: bool | None = None  # bids only: whether it won


class Network(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{
        "subject_id": "tender:00001001000100-1-000001/2025", "depth": 2,
        "nodes": [{"id": "tender:00001001000100-1-000001/2025", "label": "Tender", "caption": "AQUISIÇÃO DE LUVAS",
                   "risk_score": 0.8},
                  {"id": "item:00001001000100-1-000001/2025:1", "label": "Item", "caption": "LUVA", "risk_score": None}],
        "edges": [{"src": "tender:00001001000100-1-000001/2025", "dst": "item:00001001000100-1-000001/2025:1",
                   "type": "HAS_ITEM"}]}]})

    subject_id: str
    depth: int
    nodes: list[NetworkNode]
    edges: list[NetworkEdge]


class FindingNetworkNode(NetworkNode):
    document: str | None = None  # CNPJ; masked CPF for people
    person_type: str | None = None
    process_number: str | None = None
    year: int | None = None
    named: bool = False  # among the finding's evidence nodes (or its subject)


class FindingNetworkEdge(NetworkEdge):
    # bids only: won is true when any of the firm's bids in that tender (or on that item) won
    value: float | None = None  # bids only: their total value, R$
    rank: int | None = None  # bids only: the best rank
    bids: int | None = None  # bids only: how many
    unit_value: float | None = None  # bids only, when there is one: its unit price, R$


class FindingNetwork(BaseModel):
    """A finding's own structure: the subject networks' shape, with the bids' outcome on their edges."""

    model_config = ConfigDict(json_schema_extra={"examples": [{
        "finding_id": "finding:3f1c2a9b8d7e6f5a4b3c", "subject_id": "tender:00001001000100-1-000001/2025",
        "title": "Concorrentes com sócio em comum", "detector": "shared_contacts",
        "nodes": [{"id": "supplier:00000001000101", "label": "Supplier", "caption": "FORNECEDOR 1 LTDA",
                   "document": "00000001000101", "named": True},
                  {"id": "tender:00001001000100-1-000001/2025", "label": "Tender", "caption": "AQUISIÇÃO DE LUVAS",
                   "named": True}],
        "edges": [{"src": "supplier:00000001000101", "dst": "tender:00001001000100-1-000001/2025", "type": "BID",
                   "won": True, "value": 1000.0, "rank": 1, "bids": 1}]}]})

    finding_id: str
    subject_id: str
    title: str = ""
    detector: str | None = None
    nodes: list[FindingNetworkNode]
    edges: list[FindingNetworkEdge]


class Health(BaseModel):
    status: Literal["ok"] = "ok"


class Ready(BaseModel):
    status: Literal["ready", "not ready"]
    neo4j: bool
    redis: bool


class Problem(BaseModel):
    detail: str


class SubscriptionIn(BaseModel):
    model_config = ConfigDict(extra="forbid", allow_inf_nan=False, json_schema_extra={"examples": [{
        "email": "auditoria@cge.go.gov.br", "agency_ids": ["agency:00001001000100"], "detectors": ["shared_contacts"],
        "supplier_ids": [], "min_risk": 0.6, "active": True}]})

    email: str = Field(pattern=EMAIL_PATTERN, max_length=254)
    agency_ids: list[str] = Field(default=[], max_length=200)
    detectors: list[str] = Field(default=[], max_length=50)
    supplier_ids: list[str] = Field(default=[], max_length=500)
    min_risk: float = Field(default=0.5, ge=0.0, le=1.0)
    active: bool = True

    def checked(self) -> SubscriptionIn:
        for name in ("agency_ids", "supplier_ids"):
            for v in getattr(self, name):
                try:
                    check_id(v)
                except ValueError as exc:
                    raise ValueError(f"{name}: {exc}") from None
        for v in self.detectors:
            if not re.fullmatch(DETECTOR_PATTERN, v):
                raise ValueError(f"detectors: {v!r} does not match {DETECTOR_PATTERN}")
        return self

    @property
    def email_domain(self) -> str:
        return self.email.rpartition("@")[2].lower()


class Subscription(SubscriptionIn):
    model_config = ConfigDict(extra="ignore")

    id: str
    owner: str
    created_at: datetime | None = None
    updated_at: datetime | None = None


class AlertDelivery(BaseModel):
    key: str
    finding_id: str
    recipient: str
    status: str = Field(description="pending: owed, not yet accepted by SMTP; sent; withheld: left out of the emails "
                        "(a GNN finding without an explanation in words); obsolete: finding gone from the data (superseded); "
                        "withdrawn: owed, then the finding was confirmed or dismissed (docs/verdicts.md)")
    score: float | None = None
    version: int | None = None
    run_id: str | None = None
    subscription_ids: list[str] = []
    message_id: str | None = None
    created_at: datetime | None = None
    sent_at: datetime | None = None
    attempts: int | None = None


PipelineStep = Literal["etl", "load", "detect", "gnn", "alerts"]


class PipelineRunIn(BaseModel):
    model_config = ConfigDict(extra="forbid", allow_inf_nan=False, json_schema_extra={"examples": [{"steps": ["load", "detect", "alerts"]}]})

    steps: list[PipelineStep] = Field(default=["etl", "load", "detect", "gnn", "alerts"], min_length=1, max_length=5)


class PipelineRun(BaseModel):
    id: str
    status: str
    steps: list[str] = []
    step: str | None = None
    requested_by: str | None = None
    timings: dict[str, float] = {}
    counts: dict[str, Any] = {}
    error: str | None = None
    created_at: datetime | None = None
    started_at: datetime | None = None
    finished_at: datetime | None = None


class ApiKeyIn(BaseModel):
    model_config = ConfigDict(extra="forbid", allow_inf_nan=False, json_schema_extra={"examples": [{"name": "painel TCE", "role": "reader"}]})

    name: str = Field(min_length=1, max_length=120)
    role: Literal["reader", "investigator", "admin"] = "reader"


class ApiKey(BaseModel):
    id: str
    role: str
    name: str | None = None
    revoked: bool | None = None
    created_at: datetime | None = None


class ApiKeyCreated(ApiKey):
    key: str = Field(description="the full key: shown once, never stored")
