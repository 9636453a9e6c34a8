"""graph.findings.write_findings against the real test Neo4j: nodes, links, risk, idempotence, stale findings
superseded (kept, never deleted)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from core.domain import Evidence, Finding, Measure, Subject, SubjectKind
from core.settings import Settings
from core.tables import FINDINGS, RISK
from graph.findings import write_findings
from graph.loader import Loader, init_schema
from graph.runner import Neo4jRunner
from synth.table_world import World, write_table, write_world
from tests.fixtures.graph_db import cli, query, wipe

pytestmark = pytest.mark.integration


def _row(f: Finding) -> dict[str, Any]:
    return {
        "id": f.id, "detector": f.detector, "detector_version": f.detector_version,
        "subject_kind": f.subject.kind.value, "subject_id": f.subject.id, "score": f.score, "title": f.title,
        "summary": f.evidence.summary, "measures_json": json.dumps([m.model_dump() for m in f.evidence.measures]),
        "node_ids": list(f.evidence.node_ids), "details_json": json.dumps(f.evidence.details), "run_id": f.run_id,
        "created_at": f.created_at, "tables_version": f.tables_version,
    }


def _findings(world: World, run: str, with_phone: bool) -> list[Finding]:
    sp, ph = world.planted["shared_partner"], world.planted["shared_phone"]
    out = [Finding(
        detector="shared_contacts", detector_version="1", run_id=run, score=0.9, tables_version=7,
        subject=Subject(kind=SubjectKind.TENDER, id=sp["tender"]), title="Licitantes com sócio em comum",
        evidence=Evidence(summary="Dois licitantes têm o mesmo sócio.",
                          measures=(Measure(name="shared_partners", value=1, threshold=0, comparison=">"),),
                          node_ids=(*sp["suppliers"], sp["person"])),
        created_at=datetime(2026, 1, 1, tzinfo=UTC))]
    if with_phone:
        out.append(Finding(
            detector="shared_contacts", detector_version="1", run_id=run, score=0.7,
            subject=Subject(kind=SubjectKind.TENDER, id=ph["tender"]), title="Licitantes com telefone em comum",
            evidence=Evidence(summary="Dois licitantes têm o mesmo telefone.", node_ids=(*ph["suppliers"], ph["phone"])),
            created_at=datetime(2026, 1, 1, tzinfo=UTC)))
    return out


def _write(tables: Path, findings: list[Finding]) -> None:
    write_table(tables, FINDINGS, [_row(f) for f in findings])
    risk = [{"subject_kind": f.subject.kind.value, "subject_id": f.subject.id, "score": f.score, "n_findings": 1,
             "reasons_json": json.dumps([{"detector": f.detector, "finding_id": f.id, "title": f.title,
                                          "score": f.score, "weight": 1.0}]), "run_id": f.run_id,
             "tables_version": f.tables_version} for f in findings]
    write_table(tables, RISK, risk)


def test_write_findings_is_idempotent_and_supersedes_stale(services: object, settings: Settings, tmp_path: Path) -> None:
    wipe(settings)
    tables = tmp_path / "tables"
    world, _ = write_world(tables)
    with Neo4jRunner(settings) as runner:
        init_schema(runner)
        Loader(runner).load(tables)
    both = _findings(world, "run-1", with_phone=True)
    _write(tables, both)
    first = write_findings(tables, settings)
    assert first["findings"] == 2 and first["new"] == 2 and first["about"] == 2 and first["involves"] == 6 and first["risk"] == 2
    shape = query(settings, "MATCH (f:Finding) OPTIONAL MATCH (f)-[r:ABOUT|INVOLVES]->() RETURN count(DISTINCT f) AS f, count(r) AS r")
    assert shape == [{"f": 2, "r": 8}]
    second = write_findings(tables, settings)  # rerun: nothing new
    assert second["about"] == 0 and second["involves"] == 0 and second["superseded"] == 0
    assert second["new"] == 0 and second["restored"] == 0
    assert query(settings, "MATCH (f:Finding) OPTIONAL MATCH (f)-[r:ABOUT|INVOLVES]->() "
                           "RETURN count(DISTINCT f) AS f, count(r) AS r") == shape
    t = query(settings, "MATCH (t:Tender {id: $id}) RETURN t.risk_score AS s, t.risk_reasons AS r, "
                        "t.risk_updated_at IS NOT NULL AS u, t.risk_tables_version AS v", id=both[0].subject.id)[0]
    assert t["s"] == 0.9 and json.loads(t["r"])[0]["finding_id"] == both[0].id and t["u"] and t["v"] == 7
    # the tables version each finding came from (the second one's is unknown: none recorded)
    assert {r["id"]: r["v"] for r in query(settings, "MATCH (f:Finding) RETURN f.id AS id, f.tables_version AS v")} == {
        both[0].id: 7, both[1].id: None}
    about = query(settings, "MATCH (f:Finding {id: $id})-[:ABOUT]->(t:Tender) RETURN t.id AS t", id=both[0].id)
    assert about == [{"t": both[0].subject.id}]
    # a new run where the phone tender's finding changed its evidence: the old one is superseded, not deleted
    changed = _findings(world, "run-2", with_phone=True)
    ph = world.planted["shared_phone"]
    changed[1] = changed[1].model_copy(update={"evidence": Evidence(summary="Telefone e e-mail.",
                                                                    node_ids=(*ph["suppliers"], ph["email"]))})
    assert changed[1].id != both[1].id
    _write(tables, changed)
    third = write_findings(tables, settings)
    assert third["superseded"] == 1 and third["new"] == 1
    got = {r["id"]: (r["status"], r["by"]) for r in query(
        settings, "MATCH (f:Finding) RETURN f.id AS id, f.status AS status, f.superseded_run_id AS by")}
    assert got == {changed[0].id: ("new", None), changed[1].id: ("new", None), both[1].id: ("superseded", "run-2")}
    runs = {r["run"] for r in query(settings, "MATCH (f:Finding) WHERE f.status <> 'superseded' RETURN f.run_id AS run")}
    assert runs == {"run-2"}
    assert write_findings(tables, settings)["superseded"] == 0  # a rerun supersedes nothing again


def test_load_command_loads_and_reconciles_findings(services: object, settings: Settings, tmp_path: Path) -> None:
    wipe(settings)
    tables = tmp_path / "tables"
    world, _ = write_world(tables)
    findings = _findings(world, "run-1", with_phone=True)
    _write(tables, findings)
    res = cli("load", "--tables", str(tables))  # in this process, as the command line runs it
    assert res.returncode == 0, res.stdout + res.stderr
    assert "findings: findings 2" in res.stdout
    assert any(line.startswith("│ Finding") for line in res.stdout.splitlines()), res.stdout
    got = query(settings, "MATCH (f:Finding)-[:ABOUT]->(t:Tender) RETURN count(f) AS n")
    assert got == [{"n": 2}]
