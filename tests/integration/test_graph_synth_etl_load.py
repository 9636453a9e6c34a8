"""End to end on the session's synthetic world: synth -> etl (Spark) -> load, reconciled exactly, and the
investigator library finds the planted shared-partner and sanctioned-winner cases of the ground truth."""

from __future__ import annotations

import json
from typing import Any

import pytest

from core.settings import Settings
from graph.loader import Loader, init_schema
from graph.reconcile import reconcile
from graph.runner import Neo4jRunner
from tests.fixtures.graph_db import db_counts, wipe

# The ETL runs many small Spark stages; on the shared 2-CPU machine that takes minutes.
pytestmark = [pytest.mark.integration, pytest.mark.spark, pytest.mark.slow, pytest.mark.timeout(1800)]


def test_synth_etl_load_reconciles(services: object, settings: Settings, synth_etl: Any) -> None:
    # the session's synthetic world (tests/conftest.py: seed 3, 400 tenders, generated and ETL'd once, shared
    # with test_detectors_synth.py); the load only reads the tables
    sources, tables = synth_etl.sources, synth_etl.tables
    wipe(settings)
    with Neo4jRunner(settings) as runner:
        init_schema(runner)
        first = Loader(runner).load(tables)
        rec = reconcile(runner, tables)
        assert first.rows("node") > 0 and first.rows("rel") > 0
        assert all(r.ok for r in rec), [r for r in rec if not r.ok]
        counts = db_counts(settings)
        Loader(runner, full=True).load(tables)  # rerun: nothing changes
        assert db_counts(settings) == counts
        for r in rec:
            assert r.rows == r.found == counts[r.name], r
        truth = json.loads((sources / "ground_truth.json").read_text(encoding="utf-8"))
        cases = truth.get("cases") or truth.get("planted") or []
        sanctioned = [c for c in cases if c.get("pattern") == "sanctioned_winner"]
        if sanctioned:
            rows = runner.read("sanctions/find_sanctioned_links")
            found = {r["supplier_id"] for r in rows if r["link"] == "award"}
            wanted = {s for c in sanctioned for s in (c.get("suppliers") or c.get("supplier_ids") or [])}
            assert wanted & found, (wanted, found)
