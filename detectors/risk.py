"""Combined risk: one score per tender, supplier and agency from the findings, with the top reasons.

Per subject, each detector contributes its strongest finding, weighted (`registry.WEIGHTS`); the
contributions combine as a noisy-OR, 1 - prod(1 - w * s), so independent red flags add up without ever
passing 1. Tender findings also reach the tender's agency (x 0.3) and its winning suppliers (x 0.5).
"""

from __future__ import annotations

import json
from collections import defaultdict

import pandas as pd

from core.domain import Finding, Reason, RiskScore, Subject, SubjectKind
from detectors.registry import WEIGHTS

AGENCY_ROLLUP = 0.3
WINNER_ROLLUP = 0.5
TOP_REASONS = 5


def combine(
    findings: list[Finding],
    tender_agency: dict[str, str] | None = None,
    tender_winners: dict[str, list[str]] | None = None,
) -> list[RiskScore]:
    tender_agency = tender_agency or {}
    tender_winners = tender_winners or {}
    # (kind, id) -> detector -> best (weighted score, finding, weight)
    best: dict[tuple[SubjectKind, str], dict[str, tuple[float, Finding, float]]] = defaultdict(dict)
    counts: dict[tuple[SubjectKind, str], int] = defaultdict(int)

    def add(kind: SubjectKind, sid: str, f: Finding, w: float) -> None:
        key = (kind, sid)
        counts[key] += 1
        cur = best[key].get(f.detector)
        if cur is None or w * f.score > cur[0]:
            best[key][f.detector] = (w * f.score, f, w)

    for f in findings:
        if f.subject.kind == SubjectKind.ITEM:
            continue
        w = WEIGHTS.get(f.detector, 0.5)
        add(f.subject.kind, f.subject.id, f, w)
        if f.subject.kind == SubjectKind.TENDER:
            if f.subject.id in tender_agency:
                add(SubjectKind.AGENCY, tender_agency[f.subject.id], f, w * AGENCY_ROLLUP)
            for s in tender_winners.get(f.subject.id, []):
                add(SubjectKind.SUPPLIER, s, f, w * WINNER_ROLLUP)
    out = []
    for (kind, sid), per_det in best.items():
        prod = 1.0
        for ws, _, _ in per_det.values():
            prod *= 1.0 - min(ws, 1.0)
        reasons = sorted(per_det.values(), key=lambda x: -x[0])[:TOP_REASONS]
        out.append(
            RiskScore(
                subject=Subject(kind=kind, id=sid),
                score=round(1.0 - prod, 6),
                reasons=tuple(
                    Reason(detector=f.detector, finding_id=f.id, title=f.title, score=f.score, weight=w)
                    for _, f, w in reasons
                ),
                n_findings=counts[(kind, sid)],
            )
        )
    out.sort(key=lambda r: (-r.score, r.subject.kind.value, r.subject.id))
    return out


def risk_frame(scores: list[RiskScore], run_id: str) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "subject_kind": [r.subject.kind.value for r in scores],
            "subject_id": [r.subject.id for r in scores],
            "score": [r.score for r in scores],
            "n_findings": pd.array([r.n_findings for r in scores], dtype="int64"),
            "reasons_json": [
                json.dumps([x.model_dump() for x in r.reasons], ensure_ascii=False) for r in scores
            ],
            "run_id": [run_id] * len(scores),
        }
    )


def findings_frame(findings: list[Finding], run_id: str) -> pd.DataFrame:
    rows = {}
    for f in findings:
        rows[f.id] = {
            "id": f.id,
            "detector": f.detector,
            "detector_version": f.detector_version,
            "subject_kind": f.subject.kind.value,
            "subject_id": f.subject.id,
            "score": float(f.score),
            "title": f.title,
            "summary": f.evidence.summary,
            "measures_json": json.dumps(
                [m.model_dump() for m in f.evidence.measures], ensure_ascii=False, default=str
            ),
            "node_ids": list(f.evidence.node_ids),
            "details_json": json.dumps(f.evidence.details, ensure_ascii=False, default=str),
            "run_id": run_id,
            "created_at": pd.Timestamp(f.created_at).tz_convert(None)
            if pd.Timestamp(f.created_at).tzinfo
            else pd.Timestamp(f.created_at),
        }
    cols = [
        "id",
        "detector",
        "detector_version",
        "subject_kind",
        "subject_id",
        "score",
        "title",
        "summary",
        "measures_json",
        "node_ids",
        "details_json",
        "run_id",
        "created_at",
    ]
    return pd.DataFrame(list(rows.values()), columns=cols)
