"""Findings and risk scores (detectors' Parquet tables, core/tables.py FINDINGS and RISK) -> Neo4j.

- `(:Finding {id})` per finding, with the table's properties (node_ids kept as a list);
  `(Finding)-[:ABOUT]->(subject)` and `(Finding)-[:INVOLVES]->(node)` for every evidence node id.
- Risk on the subject nodes: `risk_score`, `risk_reasons` (the JSON string), `risk_n_findings`,
  `risk_run_id`, `risk_updated_at`, `risk_weights_source` (prior | fitted), `risk_weights_verdicts` and
  `risk_tables_version` (the graph tables' run version the score was computed from; a finding has its own
  `tables_version`).
- Idempotent (MERGE everywhere). Findings are never deleted (graph/verdicts.py, docs/verdicts.md): a new one
  is `new`; one of an earlier run of the same detector on the same subject that is not in the new table
  becomes `superseded` (kept, with the run that superseded it; its pending alert deliveries become obsolete);
  a superseded one that the table shows again comes back to its last reviewed status, or `new`. Each of
  these changes is a `(:FindingEvent)` in the finding's history; verdicts are never touched here.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from pathlib import Path
from typing import Any

from core import findings_io
from core.settings import Settings
from core.tables import FINDINGS, RISK
from graph.runner import Neo4jRunner, QueryRunner, Statement
from graph.schema import (
    ABOUT,
    FINDING_EVENT_LABEL,
    FINDING_LABEL,
    HAS_EVENT,
    INVOLVES,
    SUBJECT_LABEL_BY_KIND,
    ident,
    label_for_id,
)
from graph.verdicts import RUN_WHO
from graph.version import bump_data_version

log = logging.getLogger(__name__)

BATCH = 2000

# New findings start `new`; a superseded one is back with its last reviewed status (or `new`); a finding
# written before the lifecycle existed (no status) becomes `new`. Each change is one FindingEvent.
def _event(note: str, run: str) -> str:
    """CREATE of the finding `f`'s next history event (after `f.event_seq` was incremented)."""
    return (
        f"CREATE (f)-[:{HAS_EVENT}]->(:{FINDING_EVENT_LABEL} {{id: f.id + '#' + toString(f.event_seq), "
        f"finding_id: f.id, seq: f.event_seq, status: f.status, note: {note}, who: $who, at: datetime(), "
        f"run_id: {run}, score: f.score}})"
    )


UPSERT_FINDINGS = (
    f"UNWIND $rows AS row MERGE (f:{FINDING_LABEL} {{id: row.id}}) "
    "WITH f, row, coalesce(f.status, '') AS before "
    "SET f += row, f.loaded_at = datetime() "
    "WITH f, row, before, CASE before WHEN '' THEN 'new' "
    "WHEN 'superseded' THEN coalesce(f.reviewed_status, 'new') ELSE null END AS next "
    "FOREACH (_ IN CASE WHEN next IS NULL THEN [] ELSE [1] END | "
    "SET f.status = next, f.event_seq = coalesce(f.event_seq, 0) + 1, f.status_changed_at = datetime(), "
    "f.superseded_run_id = null, f.superseded_at = null "
    + _event("CASE before WHEN '' THEN $note_new ELSE $note_back END", "row.run_id")
    + ") RETURN sum(CASE before WHEN '' THEN 1 ELSE 0 END) AS created, "
    "sum(CASE before WHEN 'superseded' THEN 1 ELSE 0 END) AS restored"
)
NOTE_NEW = "encontrada pelo processamento"
NOTE_BACK = "de volta aos dados deste processamento"
NOTE_SUPERSEDED = "ausente dos dados deste processamento"


def _about(label: str) -> str:
    return (
        f"UNWIND $rows AS row MATCH (f:{FINDING_LABEL} {{id: row.id}}) "
        f"MATCH (s:{ident(label)} {{id: row.subject_id}}) MERGE (f)-[:{ABOUT}]->(s)"
    )


def _involves(label: str) -> str:
    return (
        f"UNWIND $rows AS row MATCH (f:{FINDING_LABEL} {{id: row.id}}) "
        f"MATCH (n:{ident(label)} {{id: row.node}}) MERGE (f)-[:{INVOLVES}]->(n)"
    )


def _risk(label: str) -> str:
    return (
        f"UNWIND $rows AS row MATCH (s:{ident(label)} {{id: row.subject_id}}) "
        "SET s.risk_score = row.score, s.risk_reasons = row.reasons_json, "
        "s.risk_n_findings = row.n_findings, s.risk_run_id = row.run_id, s.risk_updated_at = datetime(), "
        "s.risk_weights_source = coalesce(row.weights_source, 'prior'), "
        "s.risk_weights_verdicts = coalesce(row.weights_verdicts, 0), s.risk_tables_version = row.tables_version"
    )


SUPERSEDE_STALE = (
    f"UNWIND $groups AS g MATCH (f:{FINDING_LABEL} {{subject_id: g.subject_id}}) "
    "WHERE f.detector = g.detector AND NOT f.id IN g.ids AND coalesce(f.status, 'new') <> 'superseded' "
    "SET f.status = 'superseded', f.superseded_run_id = g.run_id, f.superseded_at = datetime(), "
    "f.status_changed_at = datetime(), f.event_seq = coalesce(f.event_seq, 0) + 1 "
    + _event("$note", "g.run_id")
    + " WITH f CALL { WITH f OPTIONAL MATCH (d:AlertDelivery {finding_id: f.id}) WHERE d.status = 'pending' "
    "SET d.status = 'obsolete', d.updated_at = datetime() RETURN count(d) AS obsolete } "
    "RETURN count(f) AS superseded"
)


def write_findings_with(runner: QueryRunner, tables_dir: Path) -> dict[str, int]:
    counts = {"findings": 0, "new": 0, "restored": 0, "about": 0, "involves": 0, "risk": 0, "superseded": 0,
              "unknown_nodes": 0}
    keep: dict[tuple[str, str], set[str]] = defaultdict(set)
    run_of: dict[tuple[str, str], str | None] = {}
    for rows in findings_io.iter_rows(findings_io.findings_dir(tables_dir), FINDINGS, BATCH):
        stmts = [Statement(UPSERT_FINDINGS, {"rows": rows, "who": RUN_WHO, "note_new": NOTE_NEW,
                                             "note_back": NOTE_BACK})]
        about: dict[str, list[dict[str, Any]]] = defaultdict(list)
        involves: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for r in rows:
            keep[(r["detector"], r["subject_id"])].add(r["id"])
            run_of[(r["detector"], r["subject_id"])] = run_of.get((r["detector"], r["subject_id"])) or r["run_id"]
            label = SUBJECT_LABEL_BY_KIND.get(r["subject_kind"]) or label_for_id(r["subject_id"])
            if label:
                about[label].append({"id": r["id"], "subject_id": r["subject_id"]})
            for node in r.get("node_ids") or []:
                nl = label_for_id(node)
                if nl is None or nl == FINDING_LABEL:
                    counts["unknown_nodes"] += 1
                    continue
                involves[nl].append({"id": r["id"], "node": node})
        stmts += [Statement(_about(lab), {"rows": rs}) for lab, rs in sorted(about.items())]
        stmts += [Statement(_involves(lab), {"rows": rs}) for lab, rs in sorted(involves.items())]
        res = runner.execute(stmts)
        counts["findings"] += len(rows)
        if res[0].rows:
            counts["new"] += int(res[0].rows[0]["created"] or 0)
            counts["restored"] += int(res[0].rows[0]["restored"] or 0)
        n_about = len(about)
        counts["about"] += sum(r.relationships_created for r in res[1 : 1 + n_about])
        counts["involves"] += sum(r.relationships_created for r in res[1 + n_about :])
    if keep:
        groups = [{"detector": d, "subject_id": s, "ids": sorted(ids), "run_id": run_of.get((d, s))}
                  for (d, s), ids in keep.items()]
        for i in range(0, len(groups), BATCH):
            res = runner.execute([Statement(SUPERSEDE_STALE, {"groups": groups[i : i + BATCH], "who": RUN_WHO,
                                                              "note": NOTE_SUPERSEDED})])
            counts["superseded"] += int(res[0].rows[0]["superseded"]) if res[0].rows else 0
    for rows in findings_io.iter_rows(findings_io.risk_dir(tables_dir), RISK, BATCH):
        by_label: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for r in rows:
            label = SUBJECT_LABEL_BY_KIND.get(r["subject_kind"]) or label_for_id(r["subject_id"])
            if label:
                by_label[label].append(r)
        res = runner.execute([Statement(_risk(lab), {"rows": rs}) for lab, rs in sorted(by_label.items())])
        counts["risk"] += sum(len(rs) for rs in by_label.values())
        del res
    bump_data_version(runner, "findings")
    if counts["unknown_nodes"]:
        log.warning("%d evidence node ids have an unknown id prefix; no INVOLVES for them", counts["unknown_nodes"])
    return counts


def write_findings(tables_dir: Path, settings: Settings | None = None) -> dict[str, int]:
    """Load <tables>/findings and <tables>/risk into Neo4j; returns counts (findings, new, restored, about,
    involves, risk, superseded, unknown_nodes). `new`/`restored`/`superseded` count status changes made now,
    `about`/`involves` relationships created now (all 0 on a rerun)."""
    with Neo4jRunner(settings) as runner:
        return write_findings_with(runner, tables_dir)
