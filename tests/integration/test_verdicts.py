"""The findings' lifecycle against the real test Neo4j: verdicts survive reruns of write_findings with the
finding present, absent (superseded, kept) and present again (back to its reviewed status); the history keeps
every change in order; the CLI records verdicts and exports them as a `;` CSV that reads back."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

import pytest

from core import findings_io
from core.domain import Evidence, Finding
from core.settings import Settings
from graph.findings import write_findings
from graph.runner import Neo4jRunner
from graph.verdicts import UnknownFinding, VerdictError, finding_history, record_verdict
from tests.fixtures.graph_db import cli, query
from tests.integration.test_api_world import LEAKED_CPF, seed

pytestmark = pytest.mark.integration


def _rewrite(settings: Settings, tables: Path, items: list[Finding], run_id: str) -> dict[str, int]:
    """What a rerun of `detect` leaves in <tables>/findings, then loaded as `load`/the pipeline do."""
    findings_io.replace_dataset(findings_io.findings_frame(items, run_id), findings_io.FINDINGS,
                                findings_io.findings_dir(tables))
    return write_findings(tables, settings)


def _status(settings: Settings, fid: str) -> dict[str, Any]:
    return query(settings, "MATCH (f:Finding {id: $id}) RETURN f.status AS status, f.superseded_run_id AS by, "
                           "f.reviewed_status AS reviewed", id=fid)[0]


def _moved(f: Finding) -> Finding:
    """The same detector and subject with other evidence nodes: another finding id."""
    return f.model_copy(update={"evidence": Evidence(summary=f.evidence.summary, measures=f.evidence.measures,
                                                     node_ids=f.evidence.node_ids[:-1])})


@pytest.fixture()
def world(services: object, settings: Settings, tmp_path: Path) -> tuple[Path, list[Finding]]:
    _, items = seed(settings, tmp_path)
    return tmp_path / "tables", items


def test_verdicts_survive_reruns_present_absent_and_present_again(world: tuple[Path, list[Finding]],
                                                                  settings: Settings) -> None:
    tables, items = world
    phone, partner = items[0], items[1]  # two shared_contacts findings on two tenders
    assert {_status(settings, f.id)["status"] for f in items} == {"new"}
    with Neo4jRunner(settings) as runner:
        got = record_verdict(runner, phone.id, "dismissed", f"Falso positivo; sócio CPF {LEAKED_CPF}.", "ana")
        assert got["status"] == "dismissed" and [h["status"] for h in got["history"]] == ["new", "dismissed"]
        assert LEAKED_CPF not in str(got) and f"***{LEAKED_CPF[3:9]}**" in got["history"][1]["note"]
        record_verdict(runner, partner.id, "needs_info", "Pedir contratos.", "bia")

    # rerun, finding present: nothing changes
    again = _rewrite(settings, tables, items, "run-2")
    assert again["new"] == 0 and again["superseded"] == 0 and again["restored"] == 0
    assert _status(settings, phone.id)["status"] == "dismissed"
    assert _status(settings, partner.id)["status"] == "under_review"

    # rerun where the phone tender's finding has other evidence: the dismissed one is superseded, kept
    moved = _moved(phone)
    absent = _rewrite(settings, tables, [moved, *items[1:]], "run-3")
    assert absent["superseded"] == 1 and absent["new"] == 1
    assert _status(settings, phone.id) == {"status": "superseded", "by": "run-3", "reviewed": "dismissed"}
    assert _status(settings, moved.id)["status"] == "new"
    assert _status(settings, partner.id)["status"] == "under_review"  # untouched

    # present again: back to its reviewed status; the other one is superseded in turn
    back = _rewrite(settings, tables, items, "run-4")
    assert back["restored"] == 1 and back["superseded"] == 1
    assert _status(settings, phone.id) == {"status": "dismissed", "by": None, "reviewed": "dismissed"}
    assert _status(settings, moved.id) == {"status": "superseded", "by": "run-4", "reviewed": None}
    # a never-reviewed finding comes back as new
    assert _rewrite(settings, tables, [moved, *items[1:]], "run-5")["restored"] == 1
    assert _status(settings, moved.id)["status"] == "new"

    with Neo4jRunner(settings) as runner:
        h = finding_history(runner, phone.id)
    assert [(e["status"], e["verdict"], e["run_id"]) for e in h["history"]] == [
        ("new", None, "seed-run"), ("dismissed", "dismissed", "seed-run"), ("superseded", None, "run-3"),
        ("dismissed", None, "run-4"), ("superseded", None, "run-5")]
    assert [e["who"] for e in h["history"]] == ["licitagraph", "ana", "licitagraph", "licitagraph", "licitagraph"]
    ats = [e["at"] for e in h["history"]]
    assert ats == sorted(ats)
    # nothing was ever deleted
    n = query(settings, "MATCH (f:Finding) RETURN count(f) AS n")[0]["n"]
    assert n == len(items) + 1


def test_a_verdict_on_a_superseded_finding_is_kept_for_its_return(world: tuple[Path, list[Finding]],
                                                                  settings: Settings) -> None:
    tables, items = world
    phone = items[0]
    _rewrite(settings, tables, [_moved(phone), *items[1:]], "run-2")
    with Neo4jRunner(settings) as runner:
        got = record_verdict(runner, phone.id, "confirmed", "Cartel confirmado.", "ana")
        assert got["status"] == "superseded" and got["history"][-1]["verdict"] == "confirmed"
        with pytest.raises(UnknownFinding):
            record_verdict(runner, "finding:00000000000000000000", "confirmed", "", "ana")
        with pytest.raises(VerdictError):
            record_verdict(runner, phone.id, "guilty", "", "ana")
        with pytest.raises(VerdictError):
            record_verdict(runner, phone.id, "confirmed", "x" * 2001, "ana")
    _rewrite(settings, tables, items, "run-3")
    assert _status(settings, phone.id)["status"] == "confirmed"
    events = query(settings, "MATCH (:Finding {id: $id})-[:HAS_EVENT]->(e:FindingEvent) RETURN count(e) AS n",
                   id=phone.id)[0]["n"]
    assert events == 4  # new, superseded, the verdict (still superseded), back (confirmed)


def test_cli_verdict_and_export(world: tuple[Path, list[Finding]], settings: Settings, tmp_path: Path) -> None:
    _, items = world
    a, b = items[0], items[2]
    res = cli("verdict", a.id, "confirmed", "--note", f"Sócio CPF {LEAKED_CPF}; contratos; ok", "--who", "ana")
    assert res.returncode == 0, res.stdout + res.stderr
    assert "confirmed" in res.stdout
    assert cli("verdict", b.id, "needs_info", "--note", "Pedir notas fiscais.").returncode == 0
    assert cli("verdict", b.id, "dismissed", "--note", "Preço de mercado em 2025.", "--who", "bia").returncode == 0
    for args, fragment in [(["verdict", "finding:00000000000000000000", "confirmed"], "no finding"),
                           (["verdict", a.id, "guilty"], "guilty"),
                           (["verdict", a.id, "confirmed", "--note", "x" * 2001], "--note")]:
        bad = cli(*args)
        lines = bad.stderr.strip().splitlines()
        assert bad.returncode == 2 and len(lines) == 1 and fragment in lines[0], (bad.returncode, bad.stderr)
        assert "Traceback" not in bad.stdout + bad.stderr
    out = tmp_path / "export" / "verdicts.csv"
    res = cli("verdicts", "export", "--out", str(out))
    assert res.returncode == 0, res.stdout + res.stderr
    raw = out.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf") and LEAKED_CPF.encode() not in raw
    with out.open(encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.DictReader(fh, delimiter=";"))
    assert list(rows[0]) == ["finding_id", "detector", "subject", "status", "verdict", "note", "who", "at", "run_id",
                             "current_status"]
    assert [(r["finding_id"], r["verdict"], r["status"], r["who"]) for r in rows] == [
        (a.id, "confirmed", "confirmed", "ana"), (b.id, "needs_info", "under_review", rows[1]["who"]),
        (b.id, "dismissed", "dismissed", "bia")]
    assert rows[1]["who"].startswith("cli")
    assert rows[0]["note"] == f"Sócio CPF ***{LEAKED_CPF[3:9]}**; contratos; ok"  # the `;` survives quoting
    assert rows[0]["detector"] == a.detector and rows[0]["subject"] == a.subject.id and rows[0]["run_id"] == "seed-run"
    assert rows[1]["current_status"] == "dismissed" and rows[0]["at"] < rows[2]["at"]


def test_verdicts_survive_detect_reruns(services: object, settings: Settings, tmp_path: Path) -> None:
    """The real `detect` (networkx engine) on the hand-written world, twice, each followed by write_findings
    as the pipeline's detect step does: the verdicts and statuses stay, nothing is superseded or lost."""
    from detectors.run import run_detectors
    from graph.fresh import replace_database
    from synth.table_world import write_world

    tables = tmp_path / "tables"
    world, _ = write_world(tables)
    replace_database(settings, tables)
    run_detectors(tables, run_id="detect-1")
    first = write_findings(tables, settings)
    assert first["new"] == first["findings"] > 0
    tender = world.planted["shared_partner"]["tender"]
    rows = query(settings, "MATCH (f:Finding {subject_id: $t, detector: 'shared_contacts'}) RETURN f.id AS id", t=tender)
    assert rows
    fid = rows[0]["id"]
    other = query(settings, "MATCH (f:Finding) WHERE f.id <> $id RETURN f.id AS id ORDER BY id LIMIT 1", id=fid)[0]["id"]
    with Neo4jRunner(settings) as runner:
        record_verdict(runner, fid, "confirmed", "Sócio em comum.", "ana")
        record_verdict(runner, other, "dismissed", "Explicado.", "ana")
    before = query(settings, "MATCH (f:Finding) RETURN f.id AS id, f.status AS status ORDER BY id")

    run_detectors(tables, run_id="detect-2")
    second = write_findings(tables, settings)
    assert second["new"] == 0 and second["superseded"] == 0 and second["restored"] == 0
    after = query(settings, "MATCH (f:Finding) RETURN f.id AS id, f.status AS status ORDER BY id")
    assert after == before
    assert _status(settings, fid)["status"] == "confirmed" and _status(settings, other)["status"] == "dismissed"
    assert query(settings, "MATCH (f:Finding {id: $id}) RETURN f.run_id AS run", id=fid) == [{"run": "detect-2"}]
    with Neo4jRunner(settings) as runner:
        h = finding_history(runner, fid)["history"]
    assert [(e["status"], e["verdict"], e["run_id"]) for e in h] == [
        ("new", None, "detect-1"), ("confirmed", "confirmed", "detect-1")]
