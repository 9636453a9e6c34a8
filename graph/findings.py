"""Findings and risk scores (detectors' Parquet tables, core/tables.py FINDINGS and RISK) -> Neo4j.

- `(:Finding {id})` per finding, with the table's properties (node_ids kept as a list);
  `(Finding)-[:ABOUT]->(subject)` and `(Finding)-[:INVOLVES]->(node)` for every evidence node id.
- Risk on the subject nodes: `risk_score`, `risk_reasons` (the JSON string), `risk_n_findings`,
  `risk_run_id`, `risk_updated_at`.
- Idempotent (MERGE everywhere). Findings of an earlier run of the same detector on the same subject
  that are not in the new table are removed (DETACH DELETE), so a fixed problem disappears.
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
from graph.schema import ABOUT, FINDING_LABEL, INVOLVES, SUBJECT_LABEL_BY_KIND, ident, label_for_id
from graph.version import bump_data_version

log = logging.getLogger(__name__)

BATCH = 2000

UPSERT_FINDINGS = (
    f"UNWIND $rows AS row MERGE (f:{FINDING_LABEL} {{id: row.id}}) SET f += row, f.loaded_at = datetime()"
)


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
        "s.risk_n_findings = row.n_findings, s.risk_run_id = row.run_id, s.risk_updated_at = datetime()"
    )


REMOVE_STALE = (
    f"UNWIND $groups AS g MATCH (f:{FINDING_LABEL} {{subject_id: g.subject_id}}) "
    "WHERE f.detector = g.detector AND NOT f.id IN g.ids "
    "WITH f, f.id AS id DETACH DELETE f RETURN count(id) AS removed"
)


def write_findings_with(runner: QueryRunner, tables_dir: Path) -> dict[str, int]:
    counts = {"findings": 0, "about": 0, "involves": 0, "risk": 0, "removed": 0, "unknown_nodes": 0}
    keep: dict[tuple[str, str], set[str]] = defaultdict(set)
    for rows in findings_io.iter_rows(findings_io.findings_dir(tables_dir), FINDINGS, BATCH):
        stmts = [Statement(UPSERT_FINDINGS, {"rows": rows})]
        about: dict[str, list[dict[str, Any]]] = defaultdict(list)
        involves: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for r in rows:
            keep[(r["detector"], r["subject_id"])].add(r["id"])
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
        n_about = len(about)
        counts["about"] += sum(r.relationships_created for r in res[1 : 1 + n_about])
        counts["involves"] += sum(r.relationships_created for r in res[1 + n_about :])
    if keep:
        groups = [{"detector": d, "subject_id": s, "ids": sorted(ids)} for (d, s), ids in keep.items()]
        for i in range(0, len(groups), BATCH):
            res = runner.execute([Statement(REMOVE_STALE, {"groups": groups[i : i + BATCH]})])
            counts["removed"] += int(res[0].rows[0]["removed"]) if res[0].rows else 0
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
    """Load <tables>/findings and <tables>/risk into Neo4j; returns counts (findings, about, involves,
    risk, removed, unknown_nodes). `about`/`involves` count relationships created now (0 on a rerun)."""
    with Neo4jRunner(settings) as runner:
        return write_findings_with(runner, tables_dir)
