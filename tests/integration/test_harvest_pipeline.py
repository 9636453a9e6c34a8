"""A window harvested from the replay server by the pipeline's own harvest step (the daily run's), then run
through the ETL, the Neo4j load and the detectors: the harvested files are read unchanged, the malformed
records reach the rejects with their file, and the supplier the replayed CEIS sanctions is found as a
sanctioned winner. Also a real `licitagraph harvest` process killed with SIGKILL and run again."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest

from core.delta import read_table
from core.settings import Settings
from harvest.replay import Faults, ReplayServer, World

pytestmark = [pytest.mark.integration, pytest.mark.spark, pytest.mark.slow, pytest.mark.timeout(1800)]

REPO = Path(__file__).resolve().parents[2]


def test_harvest_etl_load_detect(services: Any, settings: Settings, spark: Any, tmp_path: Path,
                                 shared_data: Path) -> None:
    from detectors.run import run_detectors
    from etl.run import run as etl_run
    from pipeline.run import step_harvest, step_load
    from tests.fixtures.graph_db import wipe

    # the real PNCP records of the shared samples are the templates; the window is the daily run's
    today = date.today()
    world = World(start=today - timedelta(days=3), days=3, per_day=30, malformed_every=17, seed=5,
                  samples=shared_data / "formats").build()
    sources, tables = tmp_path / "sources", tmp_path / "tables"
    with ReplayServer(world, Faults.flaky(stall_s=0.6, retry_after_s=0.05)) as srv:
        s = settings.model_copy(update={
            "harvest_sources": ["pncp", "compras", "cnpj", "sancoes"], "harvest_lookback_days": 3,
            "harvest_uf": "GO", "harvest_pncp_modalities": [4, 6, 8, 9], "harvest_rps": 200.0,
            "harvest_timeout_s": 0.3, "harvest_backoff_s": 0.01, "harvest_retries": 8,
            **{f"harvest_{x}_url": srv.url for x in ("pncp", "compras", "cnpj", "sancoes")},
        })
        counts = step_harvest(s, "test-run", sources, tables)
    assert counts["failed"] == [], counts
    assert set(counts["sources"]) == {"pncp", "compras", "cnpj", "sancoes"}

    result = etl_run(sources, tables, spark=spark)
    assert result.unplaced == []  # the harvest state under .harvest/ is not mistaken for a source
    loaded = {f.rel: f for f in result.files}
    harvested = {p.relative_to(sources).as_posix() for p in sources.rglob("*")
                 if p.is_file() and not p.relative_to(sources).as_posix().startswith(".")}
    assert set(loaded) == harvested
    kinds = {f.kind for f in result.files}
    assert {"pncp_contratacoes", "pncp_itens", "pncp_resultados", "bids_generic", "ceis", "cnep",
            "cnpj_empresas", "cnpj_socios"} <= kinds

    # every malformed contratação the server sent is a reject of the page file that holds it
    rejects = read_table(tables, "rejects").to_pylist()
    bad_pages = {r["source_file"] for r in rejects if r["source_file"].startswith("pncp/contratacoes/")}
    manifests = [json.loads(p.read_text()) for p in (sources / ".harvest" / "runs").glob("*-pncp.json")]
    named = {e["where"].split(" ")[0] for m in manifests for e in m["errors"] if "malformed" in e["reason"]}
    assert named and {f"pncp/contratacoes/contratacoes-{n}" for n in named} <= bad_pages

    wipe(settings)
    step_load(settings, "test-run", sources, tables)
    res = run_detectors(tables, run_id="test-run")
    sanctioned_cnpj = world.sanctioned[0][0]
    hits = [f for f in res.findings if f.detector == "sanctioned_winner"
            and sanctioned_cnpj in f.model_dump_json()]
    assert hits, [f.detector for f in res.findings][:20]


def test_a_killed_harvest_process_resumes(tmp_path: Path) -> None:
    world = World(start=date(2025, 3, 3), days=1, per_day=60, seed=9).build()
    env = {**os.environ, "PYTHONPATH": str(REPO), "LICITAGRAPH_HARVEST_RPS": "40"}
    args = [sys.executable, "-m", "licitagraph", "harvest", "pncp", "--from", "2025-03-03", "--to", "2025-03-03",
            "--uf", "GO", "--modalities", "4,6,8,9"]
    with ReplayServer(world) as srv:
        clean = subprocess.run([*args, "--base-url", srv.url, "--sources", str(tmp_path / "clean")], env=env,
                               capture_output=True, text=True, timeout=300)
        assert clean.returncode == 0, clean.stdout + clean.stderr
        proc = subprocess.Popen([*args, "--base-url", srv.url, "--sources", str(tmp_path / "run")], env=env,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        start = srv.stats.requests
        while srv.stats.requests < start + 60 and proc.poll() is None:
            time.sleep(0.02)
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
        again = subprocess.run([*args, "--base-url", srv.url, "--sources", str(tmp_path / "run")], env=env,
                               capture_output=True, text=True, timeout=300)
        assert again.returncode == 0, again.stdout + again.stderr

    def files(root: Path) -> dict[str, bytes]:
        return {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*")
                if p.is_file() and not p.relative_to(root).as_posix().startswith(".")}

    assert files(tmp_path / "run") == files(tmp_path / "clean")
