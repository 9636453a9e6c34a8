"""`licitagraph load --method auto|admin`: a first load through neo4j-admin import on the real (managed)
test Neo4j, which is stopped, imported into and started again; refusals when data would be lost."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from core.settings import Settings
from graph.first_load import choose
from graph.reconcile import reconcile
from graph.runner import Neo4jRunner
from synth.table_world import write_world
from tests.fixtures.graph_db import db_counts, query, wipe

pytestmark = pytest.mark.integration
REPO = Path(__file__).resolve().parents[2]


def _cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "licitagraph", *args], cwd=REPO,
                          env={**os.environ, "COLUMNS": "200", **(env or {})},
                          capture_output=True, text=True, timeout=600)


def test_admin_first_load_reconciles_checkpoints_and_refuses_a_database_with_data(
        services: object, settings: Settings, tmp_path: Path) -> None:
    tables = tmp_path / "tables"
    _, counts = write_world(tables)
    wipe(settings)
    small = choose(settings, tables, "auto")  # far below the default 1,000,000 rows
    assert small.method == "driver" and "rows <" in small.reasons[0]
    assert choose(settings.model_copy(update={"neo4j_admin_import_min_rows": 10}), tables, "auto").method == "admin"

    pid_before = services.neo4j.proc.read_pid()  # type: ignore[attr-defined]
    first = _cli("load", "--tables", str(tables), env={"LICITAGRAPH_NEO4J_ADMIN_IMPORT_MIN_ROWS": "10"})
    assert first.returncode == 0, first.stdout + first.stderr
    assert "load path: admin" in first.stdout
    assert services.neo4j.proc.read_pid() != pid_before  # type: ignore[attr-defined]  # it really restarted
    with Neo4jRunner(settings) as r:
        assert all(x.ok for x in reconcile(r, tables))
    nodes = db_counts(settings)
    assert nodes["Tender"] == counts["Tender"] and nodes["BID"] == counts["BID"]
    assert query(settings, "SHOW CONSTRAINTS YIELD name WHERE name = 'tender_id' RETURN name")
    # every file is checkpointed: the next load (now a database with data: the driver) skips them all
    again = _cli("load", "--tables", str(tables))
    assert again.returncode == 0, again.stdout + again.stderr
    assert "load path: driver" in again.stdout and "not: the database is empty" in again.stdout
    assert "loaded 0 node rows and 0 relationship rows" in " ".join(again.stdout.split())
    assert db_counts(settings) == nodes
    forced = _cli("load", "--tables", str(tables), "--method", "admin")
    assert forced.returncode == 2 and "the database is empty" in forced.stderr
    assert db_counts(settings) == nodes  # nothing was stopped or replaced
