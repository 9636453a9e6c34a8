"""`licitagraph detect`: run the detectors on the graph tables, combine risk, write findings/ and risk/."""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from core import findings_io
from core.delta import VersionError
from core.domain import Finding
from core.tables import FINDINGS, RISK
from detectors.base import DetectorConfig, GraphTables, winners_by_tender
from detectors.graph_engines import get_engine
from detectors.registry import BY_CODE, DETECTORS
from detectors.risk import combine
from detectors.weights import load as load_weights

log = logging.getLogger(__name__)


class DetectError(RuntimeError):
    """The run cannot go on (bad options, no tables); the message says why."""


@dataclass
class RunResult:
    run_id: str
    findings: list[Finding]
    summary: list[dict[str, Any]] = field(default_factory=list)
    findings_path: Path | None = None
    risk_path: Path | None = None
    n_risk: int = 0


def as_of_dir(tables_dir: Path, version: int | None) -> Path:
    """Where `detect --as-of` writes the findings and risk of an old run version: `<tables>/as-of/v<N>/`."""
    return tables_dir / "as-of" / f"v{version}"


def read_findings(tables_dir: Path) -> list[Finding]:
    """Findings previously written under `<tables>/findings/` (by detect or the GNN)."""
    return findings_io.read_findings(findings_io.findings_dir(tables_dir))


def check_configs(configs: Mapping[str, Mapping[str, Any]] | None,
                  only: list[str] | None = None) -> dict[str, DetectorConfig]:
    """Each selected detector's options, validated: unknown codes or options are a DetectError of one line."""
    configs = dict(configs or {})
    unknown = sorted(set(configs) - set(BY_CODE)) + sorted(set(only or []) - set(BY_CODE))
    if unknown:
        raise DetectError(f"unknown detector code(s) {', '.join(unknown)}; known: {', '.join(BY_CODE)}")
    parsed: dict[str, DetectorConfig] = {}
    for d in DETECTORS:
        if only and d.code not in only:
            continue
        options = configs.get(d.code)
        if options is not None and not isinstance(options, Mapping):
            raise DetectError(f"options of detector {d.code} must be an object {{option: value}}, not {options!r}")
        try:
            parsed[d.code] = d().config(options)
        except ValidationError as exc:
            problems = "; ".join(f"{'.'.join(map(str, e['loc'])) or 'options'}: {e['msg']}" for e in exc.errors())
            raise DetectError(f"bad options for detector {d.code}: {problems}") from exc
    return parsed


def run_detectors(
    tables_dir: Path,
    engine: str | None = None,
    only: list[str] | None = None,
    configs: Mapping[str, Mapping[str, Any]] | None = None,
    run_id: str | None = None,
    on_step: Callable[[str, int, int], None] | None = None,
    write: bool = True,
    tables: GraphTables | None = None,
    risk_weights: Path | None = None,
    as_of: str | None = None,
) -> RunResult:
    """Run the detectors on the tables and, when `write`, write findings/ and risk/. The risk uses the
    weights fitted on verdicts in `risk_weights` (default `<models>/risk_weights.json`, written by
    `licitagraph train --verdicts`) when that file holds a fit, else the hand-set priors. `engine`: the graph
    engine's name (None: the `detect_engine` setting)."""
    parsed = check_configs(configs, only)
    if tables is None:
        if not tables_dir.exists():
            raise DetectError(f"tables folder {tables_dir} does not exist (run `licitagraph etl` first)")
        try:
            tables = GraphTables.from_dir(tables_dir, as_of)
        except VersionError as exc:
            raise DetectError(str(exc)) from exc
    # an old run version's findings go beside the current ones, never over them
    out_dir = as_of_dir(tables_dir, tables.version) if as_of is not None else tables_dir
    selected = [d for d in DETECTORS if not only or d.code in only]
    run_id = run_id or time.strftime("%Y%m%dT%H%M%S") + "-" + uuid.uuid4().hex[:6]
    try:
        graph_engine = get_engine(engine) if any(d.needs_graph_engine for d in selected) else None
    except ValueError as exc:
        raise DetectError(str(exc)) from exc
    findings: list[Finding] = []
    summary = []
    try:
        for i, d in enumerate(selected):
            if on_step:
                on_step(d.code, i, len(selected))
            det = d()
            t0 = time.perf_counter()
            got = det.run(tables, parsed[d.code], engine=graph_engine)
            got = [f.model_copy(update={"run_id": run_id, "tables_version": tables.version}) for f in got]
            dt = time.perf_counter() - t0
            findings.extend(got)
            summary.append(
                {
                    "detector": d.code,
                    "version": d.version,
                    "findings": len(got),
                    "max_score": max((f.score for f in got), default=0.0),
                    "seconds": dt,
                }
            )
            log.info("%s: %d findings in %.2fs", d.code, len(got), dt)
    finally:
        close = getattr(graph_engine, "close", None)  # the gds engine holds a driver
        if close is not None:
            close()
    if on_step:
        on_step("risk", len(selected), len(selected))
    result = RunResult(run_id=run_id, findings=findings, summary=summary)
    if write:
        ran = {d.code for d in selected}
        kept = [f for f in read_findings(out_dir) if f.detector not in ran]
        all_findings = {f.id: f for f in [*kept, *findings]}
        merged = list(all_findings.values())
        tmeta = tables.get("Tender")
        tender_agency = {
            str(a): str(b) for a, b in zip(tmeta["id"], tmeta["agency_id"], strict=True) if b == b and b
        }
        w = winners_by_tender(tables)
        tender_winners = (
            w.groupby("tender")["supplier"].apply(lambda s: sorted(set(s))).to_dict() if len(w) else {}
        )
        if risk_weights is None:
            from core.settings import get_settings

            risk_weights = get_settings().models_dir / "risk_weights.json"
        rw = load_weights(risk_weights)
        scores = combine(merged, tender_agency, tender_winners, weights=rw.weights,
                         weights_source=rw.source, weights_verdicts=rw.n_verdicts)
        result.findings_path = findings_io.replace_dataset(
            findings_io.findings_frame(merged, run_id), FINDINGS, findings_io.findings_dir(out_dir)
        )
        result.risk_path = findings_io.replace_dataset(
            findings_io.risk_frame(scores, run_id, tables.version), RISK, findings_io.risk_dir(out_dir)
        )
        result.n_risk = len(scores)
    return result
