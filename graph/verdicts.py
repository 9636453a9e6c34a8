"""The findings' lifecycle: statuses, investigators' verdicts and their history, in Neo4j next to the findings.

A finding is `new` when a run first finds it, `under_review` (verdict `needs_info`), `confirmed` or
`dismissed` after a verdict, and `superseded` when a later run of its detector no longer shows it on its
subject (graph/findings.py). Findings are never deleted: a superseded one that a later run shows again
comes back to its last reviewed status (`reviewed_status`), or `new` when nobody reviewed it.

Every change is one `(:FindingEvent {seq, status, verdict, note, who, at, run_id, score})` linked by
`(Finding)-[:HAS_EVENT]->`, numbered per finding (`seq`), never changed afterwards. The finding keeps its
current `status`, `reviewed_status`, and what the alert rule needs: `verdict_score` and
`verdict_detector_version` (the score and detector version when the last verdict was given).

Alert rule (cypher/api/v1_match_alert_findings.cypher, docs/verdicts.md): a superseded finding never alerts;
a dismissed one alerts again only when its score rose by `worsen_delta` (0.1) or more over its score at the
dismissal; a confirmed one never alerts again for the same detector version. `alerts_again` states the same
rule in Python (for tests and documentation); the query is what the alerts run.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Mapping
from datetime import datetime
from pathlib import Path
from typing import Any

from core.domain import mask_cpf_text
from graph.runner import QueryRunner
from graph.version import bump_data_version

NEW, UNDER_REVIEW, CONFIRMED, DISMISSED, SUPERSEDED = "new", "under_review", "confirmed", "dismissed", "superseded"
STATUSES: tuple[str, ...] = (NEW, UNDER_REVIEW, CONFIRMED, DISMISSED, SUPERSEDED)
# what lists show when no status is asked for
DEFAULT_STATUSES: tuple[str, ...] = tuple(s for s in STATUSES if s != SUPERSEDED)
# verdict -> the status it sets
VERDICT_STATUS: dict[str, str] = {"confirmed": CONFIRMED, "dismissed": DISMISSED, "needs_info": UNDER_REVIEW}
VERDICTS: tuple[str, ...] = tuple(VERDICT_STATUS)
MAX_NOTE = 2000
WORSEN_DELTA = 0.1  # the same default as alerts.notify.WORSEN_DELTA
# who the status changes made by runs (new, superseded, back) are recorded as
RUN_WHO = "licitagraph"
# the CSV of `licitagraph verdicts export`
EXPORT_COLUMNS: tuple[str, ...] = ("finding_id", "detector", "subject", "status", "verdict", "note", "who", "at",
                                   "run_id", "current_status")

class VerdictError(ValueError):
    """A verdict that cannot be recorded: an unknown verdict, a note too long."""


class UnknownFinding(LookupError):
    """No finding has this id."""


# pure rules -----------------------------------------------------------------------------------------
def mask_cpfs(text: str | None) -> str:
    """Full CPFs in free text masked the Receita's way (`***456789**`), as everything shown must be."""
    return mask_cpf_text(text or "")


def status_for(verdict: str) -> str:
    """The status a verdict sets (`needs_info` -> `under_review`); VerdictError for anything else."""
    try:
        return VERDICT_STATUS[verdict]
    except KeyError:
        raise VerdictError(f"unknown verdict {verdict!r}: use one of {', '.join(VERDICTS)}") from None


def check_note(note: str | None) -> str:
    """The note as stored: CPFs masked, at most MAX_NOTE characters (VerdictError beyond)."""
    text = note or ""
    if len(text) > MAX_NOTE:
        raise VerdictError(f"the note has {len(text)} characters; at most {MAX_NOTE}")
    return mask_cpfs(text)


def status_when_back(reviewed_status: str | None) -> str:
    """The status of a superseded finding that a run shows again: its last reviewed status, else `new`."""
    return reviewed_status if reviewed_status in (UNDER_REVIEW, CONFIRMED, DISMISSED) else NEW


def parse_statuses(values: Iterable[str] | None) -> tuple[str, ...]:
    """`status` filter values (repeated and/or comma lists) -> the statuses asked for, in STATUSES order;
    none given -> DEFAULT_STATUSES (every status but superseded). VerdictError for an unknown one."""
    asked = {p.strip() for v in (values or ()) for p in v.split(",") if p.strip()}
    unknown = sorted(asked - set(STATUSES))
    if unknown:
        raise VerdictError(f"unknown status {', '.join(unknown)}: use {', '.join(STATUSES)}")
    return tuple(s for s in STATUSES if s in asked) if asked else DEFAULT_STATUSES


def alerts_again(status: str | None, score: float, verdict_score: float | None = None,
                 detector_version: str | None = None, verdict_detector_version: str | None = None,
                 worsen_delta: float = WORSEN_DELTA) -> bool:
    """Whether a finding in `status` may alert (before the per-recipient delivery rule): never when
    superseded; when dismissed, only if its score rose by `worsen_delta` or more over the score at the
    dismissal; when confirmed, only under a new detector version. Mirrors v1_match_alert_findings."""
    status = status or NEW
    if status == SUPERSEDED:
        return False
    if status == DISMISSED:
        return score >= (verdict_score or 0.0) + worsen_delta - 1e-9
    if status == CONFIRMED:
        return (detector_version or "") != (verdict_detector_version or "")
    return True


# Neo4j ----------------------------------------------------------------------------------------------
def _entry(h: Mapping[str, Any]) -> dict[str, Any]:
    return {"status": h.get("status"), "verdict": h.get("verdict"), "note": h.get("note") or "",
            "who": h.get("who"), "at": h.get("at"), "run_id": h.get("run_id")}


def record_verdict(runner: QueryRunner, finding_id: str, verdict: str, note: str | None, who: str,
                   who_id: str | None = None) -> dict[str, Any]:
    """Record a verdict: the finding's new status and one history event; pending alert deliveries of a
    confirmed or dismissed finding are withdrawn. Marks the graph's data version (caching readers see the
    new status). Returns {finding_id, status, history}; UnknownFinding, VerdictError."""
    status = status_for(verdict)
    text = check_note(note)
    res = runner.write("api/v1_record_verdict", {"id": finding_id, "verdict": verdict, "status": status,
                                                 "note": text, "who": mask_cpfs(who) or "?", "who_id": who_id})
    if not res.rows:
        raise UnknownFinding(finding_id)
    bump_data_version(runner, "verdict")
    row = res.rows[0]
    return {"finding_id": row["finding_id"], "status": row["status"], "history": [_entry(h) for h in row["history"]]}


def finding_history(runner: QueryRunner, finding_id: str) -> dict[str, Any]:
    """{finding_id, status, history (oldest first)}; UnknownFinding."""
    rows = runner.read("api/v1_get_finding_history", {"id": finding_id})
    if not rows:
        raise UnknownFinding(finding_id)
    return {"finding_id": rows[0]["finding_id"], "status": rows[0]["status"],
            "history": [_entry(h) for h in rows[0]["history"]]}


def verdict_rows(runner: QueryRunner) -> list[dict[str, Any]]:
    """Every verdict ever given, oldest first, as the export's rows (CPFs masked)."""
    out = []
    for r in runner.read("api/v1_list_verdicts"):
        at = r.get("at")
        out.append({
            "finding_id": r["finding_id"], "detector": r.get("detector") or "",
            "subject": mask_cpfs(r.get("subject_id")), "status": r.get("status") or "",
            "verdict": r.get("verdict") or "", "note": mask_cpfs(r.get("note")), "who": mask_cpfs(r.get("who")),
            "at": at.isoformat() if isinstance(at, datetime) else (str(at) if at else ""),
            "run_id": r.get("run_id") or "", "current_status": r.get("current_status") or "",
        })
    return out


def verdict_label_rows(runner: QueryRunner) -> list[dict[str, Any]]:
    """One row per finding whose last reviewed status is confirmed or dismissed (core.tables.VERDICTS)."""
    out = []
    for r in runner.read("api/v1_list_verdict_labels"):
        at: Any = r.get("at")
        native = at.to_native() if at is not None and hasattr(at, "to_native") else at
        out.append({**r, "node_ids": list(r.get("node_ids") or []), "at": native})
    return out


def export_verdicts(runner: QueryRunner, tables_dir: Path) -> int:
    """Write the verdict labels to `<tables>/verdicts/` for the detectors and training (which never read
    Neo4j). Returns the number of labelled findings."""
    from core.findings_io import write_verdicts

    rows = verdict_label_rows(runner)
    write_verdicts(rows, tables_dir)
    return len(rows)


def review_queue(runner: QueryRunner, mix: float, statuses: Iterable[str] = (NEW,), detector: str | None = None,
                 agency_id: str | None = None) -> list[dict[str, Any]]:
    """Unreviewed findings in review order (core/review.py): the subject's combined risk, read as the
    probability that auditors confirm it, mixed with how unsure that probability is. Each row: the finding
    map (as the API lists it), `risk`, `uncertainty`, `priority` and `why` (Portuguese)."""
    from core.review import priority, uncertainty

    rows = runner.read("api/v1_list_review_candidates", {"statuses": list(statuses), "detector": detector,
                                                         "agency_id": agency_id})
    out = []
    for r in rows:
        f = r["finding"]
        risk = r.get("subject_risk")
        risk = float(risk) if risk is not None else float(f.get("score") or 0.0)
        u = uncertainty(risk)
        p = priority(risk, risk, mix)
        why = ("risco alto" if (1 - mix) * risk >= mix * u else "o modelo está em dúvida: um veredito ensina mais")
        out.append({"finding": f, "risk": round(risk, 6), "uncertainty": round(u, 6), "priority": round(p, 6),
                    "why": why, "weights_source": r.get("weights_source") or "prior"})
    out.sort(key=lambda x: (-x["priority"], -x["risk"], x["finding"]["id"]))
    return out


def write_csv(rows: Iterable[Mapping[str, Any]], path: Path) -> int:
    """The export as CSV for Brazilian spreadsheets: UTF-8 with a BOM (Excel reads the accents), `;` between
    columns, every text quoted when needed. Returns the number of rows."""
    path.parent.mkdir(parents=True, exist_ok=True)
    n = 0
    with path.open("w", encoding="utf-8-sig", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=list(EXPORT_COLUMNS), delimiter=";", extrasaction="ignore")
        w.writeheader()
        for r in rows:
            w.writerow({k: r.get(k, "") for k in EXPORT_COLUMNS})
            n += 1
    return n
