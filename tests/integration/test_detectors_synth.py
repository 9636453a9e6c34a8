"""synth -> etl -> detect -> evaluate --format synth on a small synthetic world: a SMOKE TEST of the whole
pipeline, not evidence of detection quality (docs/evaluation.md, "Synthetic world"). The world plants each rule
pattern well past its boundary, just past it and, as near misses, just short of it (synth/boundaries.py); the
test asserts what a smoke test can: every planted pattern is found at least once, the cases well past their
boundary are found, and the near misses are mostly not flagged. How the detectors fare just past a boundary is
measured and printed (`pytest -s`), not asserted.

Nearly all of its run time is the Spark ETL (synth and detect take seconds). The world and its ETL are the
session's `synth_etl` fixture (tests/conftest.py), shared with test_graph_synth_etl_load.py."""

from __future__ import annotations

import json
from typing import Any

import pytest
from typer.testing import CliRunner

pytestmark = [pytest.mark.spark, pytest.mark.slow, pytest.mark.timeout(900)]

SEED = 3
TENDERS = 400
MIN_FAR_RECALL = 0.9  # cases well past their boundary (and patterns planted without one)
MAX_NEAR_FLAGGED = 0.2  # share of all near misses flagged
MAX_NEAR_FLAGGED_PER_PATTERN = 0.5


@pytest.fixture(scope="module")
def metrics(synth_etl: Any, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    from detectors.run import run_detectors
    from licitagraph.cli import build_app

    # the session's synthetic world (tests/conftest.py: seed 3, 400 tenders, ETL'd once); detect writes its
    # findings next to the tables, so into a copy of them
    assert (SEED, TENDERS) == (3, 400), "the shared synth_etl world is seed 3 with 400 tenders"
    root = tmp_path_factory.mktemp("synth_world")
    sources, out = synth_etl.sources, root / "eval"
    tables = synth_etl.copy_tables(root / "tables")
    run_detectors(tables, run_id="synth-eval")
    res = CliRunner().invoke(
        build_app(),
        [
            "evaluate",
            "--format",
            "synth",
            "--input",
            str(sources / "ground_truth.json"),
            "--out",
            str(out),
            "--tables",
            str(tables),
        ],
    )
    assert res.exit_code == 0, res.output
    result: dict[str, Any] = json.loads((out / "synth_metrics.json").read_text())
    return result


def _band(p: dict[str, Any], band: str) -> str:
    b = p.get("by_band", {}).get(band)
    return f"{b['flagged']}/{b['n']}" if b else "-"


def table(result: dict[str, Any]) -> str:
    head = (
        f"{'pattern':<20} {'cases':>5} {'found':>5} {'recall':>6} {'precision':>9} "
        f"{'far':>6} {'just past':>9} {'near flagged':>12} {'just short':>10}"
    )
    lines = [f"synthetic world (smoke test), seed {result['seed']}, {TENDERS} tenders", head]
    for p in result["patterns"]:
        prec = "-" if p["precision"] is None else f"{p['precision']:.2f}"
        lines.append(
            f"{p['pattern']:<20} {p['cases']:>5} {p['found']:>5} {p['recall']:>6.2f} {prec:>9} "
            f"{_band(p, 'far'):>6} {_band(p, 'just_past'):>9} "
            f"{p['near_misses_flagged']:>5}/{p['near_misses']:<6} {_band(p, 'just_short'):>10}"
        )
    return "\n".join(lines)


def test_smoke_every_pattern_found_far_cases_found_near_misses_mostly_not_flagged(
    metrics: dict[str, Any],
) -> None:
    report = table(metrics)
    print("\n" + report)
    patterns = {p["pattern"]: p for p in metrics["patterns"]}
    assert metrics["seed"] == SEED and len(patterns) == 13
    # every planted pattern is planted and found at least once
    missing = [name for name, p in patterns.items() if p["cases"] == 0 or p["found"] == 0]
    assert not missing, f"planted patterns never found: {missing}\n{report}"
    # cases well past their boundary are found (a pattern planted without bands counts as far)
    weak = []
    for name, p in patterns.items():
        far = p.get("by_band", {}).get("far") or (
            {"n": p["cases"], "flagged": p["found"]} if not p.get("by_band") else None
        )
        if far is None or far["n"] == 0 or far["flagged"] / far["n"] < MIN_FAR_RECALL:
            weak.append(name)
    assert not weak, f"far-past cases found below {MIN_FAR_RECALL}: {weak}\n{report}"
    # near misses (honest look-alikes, most just short of a boundary) are mostly not flagged
    n_near = sum(p["near_misses"] for p in patterns.values())
    n_flagged = sum(p["near_misses_flagged"] for p in patterns.values())
    assert n_near > 0 and n_flagged / n_near <= MAX_NEAR_FLAGGED, report
    loud = [
        n
        for n, p in patterns.items()
        if p["near_misses"] and p["near_misses_flagged"] / p["near_misses"] > MAX_NEAR_FLAGGED_PER_PATTERN
    ]
    assert not loud, f"more than half the near misses flagged: {loud}\n{report}"
