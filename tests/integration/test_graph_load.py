"""`licitagraph load` against the real test Neo4j: exact reconciliation, idempotence, resume after kill."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from core.settings import Settings
from graph.loader import Loader, init_schema
from graph.reconcile import reconcile
from graph.runner import Neo4jRunner
from synth.table_world import write_world
from tests.fixtures.graph_db import CliRun, cli, db_counts, query, wipe

pytestmark = pytest.mark.integration
REPO = Path(__file__).resolve().parents[2]


def _env() -> dict[str, str]:
    return {**os.environ, "COLUMNS": "200"}


def _cli(*args: str) -> CliRun:
    return cli(*args)  # in this process; the killed load below runs as a real subprocess


def _skipped(stdout: str) -> tuple[int, int]:
    m = re.search(r"skipped (\d+) checkpointed batches and (\d+) unchanged files", " ".join(stdout.split()))
    assert m, stdout
    return int(m.group(1)), int(m.group(2))


@pytest.fixture()
def clean(services: object, settings: Settings) -> Settings:
    wipe(settings)
    return settings


def test_graph_init_creates_constraints_and_fulltext_indexes(clean: Settings) -> None:
    first = _cli("graph", "init")
    assert first.returncode == 0, first.stderr
    second = _cli("graph", "init")  # idempotent
    assert second.returncode == 0, second.stderr
    constraints = {r["name"] for r in query(clean, "SHOW CONSTRAINTS YIELD name RETURN name")}
    assert {"supplier_id", "tender_id", "finding_id", "item_id", "person_id"} <= constraints
    ft = {r["name"]: r["labels"] for r in query(
        clean, "SHOW INDEXES YIELD name, type, labelsOrTypes WHERE type = 'FULLTEXT' "
               "RETURN name, labelsOrTypes AS labels")}
    assert {"supplier_name_ft", "person_name_ft", "agency_name_ft", "item_description_ft"} <= set(ft)
    hits = query(clean, "CALL db.index.fulltext.queryNodes('supplier_name_ft', 'FORNECEDOR') YIELD node RETURN node")
    assert hits == []  # empty database, but the index answers


def test_load_reconciles_exactly_and_rerun_changes_nothing(clean: Settings, tmp_path: Path) -> None:
    _, expected = write_world(tmp_path / "tables")
    res = _cli("load", "--tables", str(tmp_path / "tables"))
    assert res.returncode == 0, res.stdout + res.stderr
    assert "reconciliation" in res.stdout
    counts = db_counts(clean)
    assert {k: counts[k] for k in expected if k in counts} == {k: v for k, v in expected.items() if k in counts}
    # a rerun (checkpoints skip unchanged files) and a forced full rerun (everything merged again)
    again = _cli("load", "--tables", str(tmp_path / "tables"))
    assert again.returncode == 0, again.stdout + again.stderr
    assert _skipped(again.stdout)[1] == len(list((tmp_path / "tables").rglob("*.parquet")))
    full = _cli("load", "--tables", str(tmp_path / "tables"), "--full")
    assert full.returncode == 0, full.stdout + full.stderr
    assert db_counts(clean) == counts
    # properties arrive typed
    row = query(clean, "MATCH (s:Supplier {id: 'supplier:00000001000101'}) "
                       "RETURN s.founded_on AS f, s.capital AS c, s.secondary_cnaes AS cn")[0]
    assert str(row["f"]) == "2010-01-01" and row["c"] == 100000.0 and row["cn"] == ["4649408"]
    bid = query(clean, "MATCH (:Supplier {id: 'supplier:00000001000101'})-[b:BID]->() RETURN b.won AS won, b.rank AS r")
    assert bid == [{"won": True, "r": 1}]


def test_reconciliation_fails_on_dangling_relationship(clean: Settings, tmp_path: Path) -> None:
    import pyarrow.parquet as pq

    write_world(tmp_path / "tables")
    f = next((tmp_path / "tables" / "rels" / "BID").glob("*.parquet"))
    t = pq.read_table(f)
    rows = t.to_pylist()
    rows.append({**rows[0], "dst": "item:nao-existe:1"})
    import pyarrow as pa

    pq.write_table(pa.Table.from_pylist(rows, schema=t.schema), f)
    res = _cli("load", "--tables", str(tmp_path / "tables"))
    assert res.returncode == 3, res.stdout + res.stderr
    assert "BID" in res.stderr


def test_killed_load_resumes_without_duplicates(clean: Settings, tmp_path: Path) -> None:
    tables = tmp_path / "tables"
    _, expected = write_world(tables, filler_tenders=300, rows_per_file=400)
    argv = [sys.executable, "-m", "licitagraph", "load", "--tables", str(tables), "--batch-size", "25"]
    proc = subprocess.Popen(argv, cwd=REPO, env=_env(), stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 240
        while time.monotonic() < deadline:
            n = query(clean, "MATCH ()-[r:BID]->() RETURN count(r) AS c")[0]["c"]
            if n >= 200:
                break
            assert proc.poll() is None, "the load ended before it could be killed"
            time.sleep(0.05)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    partial = db_counts(clean)
    assert query(clean, "MATCH (c:LoadCheckpoint) RETURN count(c) AS c")[0]["c"] > 0
    assert 0 < partial["BID"] < expected["BID"], partial
    assert partial["AWARDED"] < expected["AWARDED"]
    res = _cli("load", "--tables", str(tables), "--batch-size", "25")
    assert res.returncode == 0, res.stdout + res.stderr
    batches, files = _skipped(res.stdout)
    assert batches + files > 0, res.stdout  # finished work was not redone
    final = db_counts(clean)
    assert final == {k: expected[k] for k in final}
    left = query(clean, "MATCH (c:LoadCheckpoint {kind: 'batch'}) RETURN count(c) AS c")[0]["c"]
    assert left == 0


def test_loader_api_counts_and_incremental_file(clean: Settings, tmp_path: Path) -> None:
    """A new part file (a day's data) is loaded alone; reconciliation stays exact."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    tables = tmp_path / "tables"
    write_world(tables)
    with Neo4jRunner(clean) as runner:
        init_schema(runner)
        first = Loader(runner).load(tables)
        assert first.rows("node") > 0
        new_supplier = pa.Table.from_pylist(
            [{**pq.read_table(next((tables / "nodes" / "Supplier").glob("*.parquet"))).to_pylist()[0],
              "id": "supplier:99999999000199", "document": "99999999000199", "name": "NOVA LTDA"}],
            schema=pq.read_schema(next((tables / "nodes" / "Supplier").glob("*.parquet"))))
        pq.write_table(new_supplier, tables / "nodes" / "Supplier" / "part-99999.parquet")
        second = Loader(runner).load(tables)
        assert second.rows("node") == 1 and second.rows("rel") == 0
        rec = reconcile(runner, tables)
    assert all(r.ok for r in rec), [r for r in rec if not r.ok]
    sup = next(r for r in rec if r.name == "Supplier")
    assert sup.rows == sup.found == sup.in_db == 14
