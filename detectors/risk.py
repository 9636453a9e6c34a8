"""Combined risk: one score per tender, supplier and agency from the findings, with the top reasons.

Per subject, each detector contributes its strongest finding, weighted (the hand-set priors of
`registry.WEIGHTS`, or the weights fitted on investigators' verdicts, detectors/weights.py); the
contributions combine as a noisy-OR, 1 - prod(1 - w * s), so independent red flags add up without ever
passing 1. Tender findings also reach the tender's agency (x 0.3) and its winning suppliers (x 0.5).
The rows and files of the findings and risk tables are core/findings_io.py's.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping

from core.domain import Finding, Reason, RiskScore, Subject, SubjectKind
from detectors.registry import WEIGHTS

AGENCY_ROLLUP = 0.3
WINNER_ROLLUP = 0.5
TOP_REASONS = 5


def combine(
    findings: list[Finding],
    tender_agency: dict[str, str] | None = None,
    tender_winners: dict[str, list[str]] | None = None,
    weights: Mapping[str, float] | None = None,
    weights_source: str = "prior",
    weights_verdicts: int = 0,
) -> list[RiskScore]:
    """The combined risk per subject; `weights` (detector -> weight) default to the hand-set priors."""
    weights = WEIGHTS if weights is None else weights
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
        w = weights.get(f.detector, WEIGHTS.get(f.detector, 0.5))
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
                weights_source=weights_source,
                weights_verdicts=weights_verdicts,
            )
        )
    out.sort(key=lambda r: (-r.score, r.subject.kind.value, r.subject.id))
    return out
