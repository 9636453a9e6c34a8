"""The pipeline run behind the `run_pipeline` task: harvest -> ETL -> load -> detect -> GNN, each step optional.

The run is a `:PipelineRun` node (api/v1_*_pipeline_run queries): its steps, status and per-step
timings are recorded as it goes, so the API can show them. Every step calls the package entry point
(harvest.run.harvest_many, etl.run.run, graph.loader.Loader, detectors.run.run_detectors, gnn.predict) and each is
idempotent, so a redelivered run simply runs again. Heavy imports happen inside the steps.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from core.settings import Settings

log = logging.getLogger(__name__)


class PipelineError(RuntimeError):
    """A step failed; the run is recorded as failed with this message."""



def paths(settings: Settings, options: dict[str, Any]) -> tuple[Path, Path]:
    """(sources, tables) for a run: the run's options, else `<var>/data/sources` and `<var>/data/tables`."""
    sources = Path(options.get("sources") or settings.data_dir / "sources")
    tables = Path(options.get("tables") or settings.data_dir / "tables")
    return sources, tables


def step_harvest(settings: Settings, run_id: str, sources: Path, tables: Path) -> dict[str, Any]:
    """Fetch `settings.harvest_sources` into the folder the ETL step reads, each source on its own: one that
    fails is recorded (its status and error in the run's counts) and the others, then the ETL, still run."""
    from datetime import date, timedelta

    from harvest.common import Options
    from harvest.run import harvest_many, policy_from

    yesterday = date.today() - timedelta(days=1)

    def options(source: str) -> Options:
        return Options(
            sources=sources, date_from=yesterday - timedelta(days=settings.harvest_lookback_days - 1),
            date_to=yesterday, uf=settings.harvest_uf, base_url=settings.harvest_base_url(source),
            modalities=tuple(settings.harvest_pncp_modalities),
        )

    out = harvest_many(settings.harvest_sources, options, policy=policy_from(settings))
    failed = sorted(s for s, r in out.items() if r.get("status") != "succeeded")
    if failed:
        log.warning("pipeline run %s: harvest incomplete for %s", run_id, ", ".join(failed))
    return {"sources": out, "failed": failed}


def step_etl(settings: Settings, run_id: str, sources: Path, tables: Path) -> dict[str, Any]:
    from etl.run import run as etl_run

    res = etl_run(sources, tables)
    return {k: v for k, v in vars(res).items() if isinstance(v, int | float | str)}


def step_load(settings: Settings, run_id: str, sources: Path, tables: Path) -> dict[str, Any]:
    from graph.loader import Loader, init_schema
    from graph.runner import Neo4jRunner

    with Neo4jRunner(settings) as runner:
        init_schema(runner)
        report = Loader(runner).load(tables)
    return {"node_rows": report.rows("node"), "rel_rows": report.rows("rel")}


def step_detect(settings: Settings, run_id: str, sources: Path, tables: Path) -> dict[str, Any]:
    from detectors.run import run_detectors
    from graph.findings import write_findings
    from graph.runner import Neo4jRunner
    from graph.verdicts import export_verdicts

    # the verdicts reach the detectors as a table (confirmed_cartel reads it; detectors never read Neo4j)
    with Neo4jRunner(settings) as runner:
        n_verdicts = export_verdicts(runner, tables)
    res = run_detectors(tables, run_id=run_id)
    counts = write_findings(tables, settings)
    return {"findings": len(res.findings), "risk_subjects": res.n_risk, "verdicts": n_verdicts,
            **{f"neo4j_{k}": v for k, v in counts.items()}}


def latest_checkpoint(settings: Settings) -> Path | None:
    found = sorted((settings.models_dir / "gnn").glob("*/model.pt"), key=lambda p: p.stat().st_mtime)
    return found[-1] if found else None


def step_gnn(settings: Settings, run_id: str, sources: Path, tables: Path) -> dict[str, Any]:
    ckpt = latest_checkpoint(settings)
    if ckpt is None:
        return {"skipped": "no GNN checkpoint under models/gnn (run `licitagraph train`)"}
    from gnn.data import from_tables
    from gnn.predict import findings, write_findings
    from gnn.train import load_checkpoint
    from graph.findings import write_findings as to_neo4j

    items = findings(load_checkpoint(ckpt), from_tables(tables), run_id=run_id)
    write_findings(items, tables / "findings")
    counts = to_neo4j(tables, settings)
    return {"gnn_findings": len(items), "checkpoint": str(ckpt), **{f"neo4j_{k}": v for k, v in counts.items()}}


StepFn = Callable[[Settings, str, Path, Path], dict[str, Any]]
STEP_FUNCTIONS: dict[str, StepFn] = {"harvest": step_harvest, "etl": step_etl, "load": step_load, "detect": step_detect, "gnn": step_gnn}


def run_pipeline(run_id: str, settings: Settings, runner: Any,
                 step_functions: dict[str, StepFn] | None = None) -> dict[str, Any]:
    """Run the steps of the recorded run `run_id` (alerts excluded: the task enqueues them afterwards).

    Returns the run record at the end. A run already `succeeded` is not run again (idempotent task).
    """
    from reporting.store import RecordsStore

    fns = step_functions or STEP_FUNCTIONS
    store = RecordsStore(runner, settings.key_hash_secret)
    run = store.get_run(run_id)
    if run is None:
        raise PipelineError(f"no pipeline run {run_id}")
    if run["status"] == "succeeded":
        log.info("pipeline run %s already succeeded; nothing to do", run_id)
        return run
    options = json.loads(run.get("options_json") or "{}")
    sources, tables = paths(settings, options)
    timings: dict[str, float] = {}
    counts: dict[str, Any] = {}
    for step in [s for s in run["steps"] if s in fns]:
        store.update_run(run_id, "running", step=step, timings=timings, counts=counts)
        t0 = time.perf_counter()
        try:
            counts[step] = fns[step](settings, run_id, sources, tables)
        except Exception as exc:
            timings[step] = round(time.perf_counter() - t0, 3)
            log.exception("pipeline run %s: step %s failed", run_id, step)
            store.update_run(run_id, "failed", step=step, timings=timings, counts=counts,
                             error=f"{step}: {type(exc).__name__}: {exc}")
            raise PipelineError(f"{step}: {exc}") from exc
        timings[step] = round(time.perf_counter() - t0, 3)
        log.info("pipeline run %s: %s in %.1fs", run_id, step, timings[step])
    store.update_run(run_id, "succeeded", timings=timings, counts=counts)
    return store.get_run(run_id) or {}
