"""Domain types shared by every package: subjects, evidence, findings and risk scores.

A `Finding` is one red flag raised by one detector about one subject (a tender, a supplier, an agency
or an item), with a score in [0, 1] and the evidence an auditor needs to check it: what was measured,
against which threshold, and the ids of the graph nodes involved so the same subgraph opens in Bloom.
"""

from __future__ import annotations

import hashlib
import json
import re
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

# A full CPF in free text, bare (12345678901) or formatted (123.456.789-01), not inside a longer number; its
# groups are the four parts. Masked to `***` + digits 4-9 + `**` (the Receita's public form) by mask_cpf_text
# below and by etl.transforms.columns (Spark's Java regex: the same syntax).
CPF_IN_TEXT = r"(?<!\d)(\d{3})\.?(\d{3})\.?(\d{3})-?(\d{2})(?!\d)"
CPF_RE = re.compile(CPF_IN_TEXT)


def mask_cpf_text(text: str) -> str:
    """Every full CPF in `text` replaced by its masked form (`***456789**`)."""
    return CPF_RE.sub(lambda m: f"***{m.group(2)}{m.group(3)}**", text)


def mask_cpf_everywhere(value: Any) -> Any:
    """mask_cpf_text on every string inside `value` (lists and dicts walked; keys kept)."""
    if isinstance(value, str):
        return mask_cpf_text(value)
    if isinstance(value, list):
        return [mask_cpf_everywhere(v) for v in value]
    if isinstance(value, dict):
        return {k: mask_cpf_everywhere(v) for k, v in value.items()}
    return value


class SubjectKind(StrEnum):
    TENDER = "tender"
    SUPPLIER = "supplier"
    AGENCY = "agency"
    ITEM = "item"


SUBJECT_LABELS: dict[SubjectKind, str] = {
    SubjectKind.TENDER: "Tender",
    SubjectKind.SUPPLIER: "Supplier",
    SubjectKind.AGENCY: "Agency",
    SubjectKind.ITEM: "Item",
}


class Subject(BaseModel):
    model_config = ConfigDict(frozen=True)

    kind: SubjectKind
    id: str = Field(min_length=1, description="graph node id, e.g. `tender:...`")

    @property
    def label(self) -> str:
        return SUBJECT_LABELS[self.kind]


class Measure(BaseModel):
    """One measured value and the threshold it was compared with."""

    model_config = ConfigDict(frozen=True)

    name: str
    value: float | int | str | None
    threshold: float | int | str | None = None
    comparison: str | None = Field(default=None, description="'>', '<', '>=', '<=', '==' or a phrase")
    unit: str | None = None


class Evidence(BaseModel):
    model_config = ConfigDict(frozen=True)

    summary: str = Field(description="one sentence an auditor can read, in Brazilian Portuguese")
    measures: tuple[Measure, ...] = ()
    node_ids: tuple[str, ...] = Field(default=(), description="ids of every graph node involved")
    details: dict[str, Any] = Field(default_factory=dict)


class Finding(BaseModel):
    model_config = ConfigDict(frozen=True)

    detector: str = Field(description="detector code, e.g. `screens`, `shared_contacts`")
    detector_version: str
    subject: Subject
    score: float = Field(ge=0.0, le=1.0)
    title: str = Field(description="short Portuguese title shown in lists and emails")
    evidence: Evidence
    run_id: str | None = None
    # the run version of the graph tables the finding was computed from (core/delta.py); None: unversioned
    tables_version: int | None = None
    created_at: datetime = Field(default_factory=lambda: datetime.now(UTC))

    @field_validator("score")
    @classmethod
    def _finite(cls, v: float) -> float:
        if v != v:  # NaN
            raise ValueError("score is NaN")
        return v

    @property
    def id(self) -> str:
        """Stable id: the same detector, subject and evidence nodes give the same id on every run,
        so reruns update a finding instead of duplicating it."""
        key = json.dumps(
            [self.detector, self.subject.kind.value, self.subject.id, sorted(self.evidence.node_ids)],
            separators=(",", ":"),
        )
        return "finding:" + hashlib.sha1(key.encode()).hexdigest()[:20]


class Reason(BaseModel):
    model_config = ConfigDict(frozen=True)

    detector: str
    finding_id: str
    title: str
    score: float
    weight: float


class RiskScore(BaseModel):
    model_config = ConfigDict(frozen=True)

    subject: Subject
    score: float = Field(ge=0.0, le=1.0)
    reasons: tuple[Reason, ...] = Field(default=(), description="top reasons, strongest first")
    n_findings: int = 0
    # where the detectors' weights came from: "prior" (hand-set) or "fitted" (on investigators' verdicts)
    weights_source: str = "prior"
    weights_verdicts: int = 0
