"""synth -> etl -> detect -> evaluate --format synth on a small synthetic world: every planted pattern is
found with precision and recall of at least 0.9 (the table of docs/evaluation.md, "Synthetic world").

Run with `pytest -s tests/integration/test_detectors_synth.py` to see the per-pattern table. It took 7 min 22 s
on the shared 2-core machine at load average 11 (2026-11-26), nearly all of it the Spark ETL (synth and
detect take seconds); a smaller world would not be much faster and would leave too few cases per pattern.
The world and its ETL are the session's `synth_etl` fixture (tests/conftest.py), shared with
test_graph_synth_etl_load.py."""

from __future__ import annotations

import json
from typing import Any

import pytest
from typer.testing import CliRunner

pytestmark = [pytest.mark.spark, pytest.mark.slow, pytest.mark.timeout(900)]

SEED = 3
TENDERS = 400
MIN_PRECISION = 0.9
MIN_RECALL = 0.9


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


def table(result: dict[str, Any]) -> str:
    head = f"{'pattern':<20} {'cases':>5} {'found':>5} {'recall':>6} {'findings':>8} {'precision':>9} {'near flagged':>12}"
    lines = [f"synthetic world, seed {result['seed']}, {TENDERS} tenders", head]
    for p in result["patterns"]:
        prec = "-" if p["precision"] is None else f"{p['precision']:.2f}"
        lines.append(
            f"{p['pattern']:<20} {p['cases']:>5} {p['found']:>5} {p['recall']:>6.2f} {p['findings']:>8} "
            f"{prec:>9} {p['near_misses_flagged']:>5}/{p['near_misses']:<6}"
        )
    return "\n".join(lines)


def test_every_planted_pattern_is_found_with_precision_and_recall_over_0_9(metrics: dict[str, Any]) -> None:
    report = table(metrics)
    print("\n" + report)
    patterns = {p["pattern"]: p for p in metrics["patterns"]}
    assert metrics["seed"] == SEED and len(patterns) == 13
    short = [
        name
        for name, p in patterns.items()
        if p["cases"] == 0
        or p["recall"] < MIN_RECALL
        or p["precision"] is None
        or p["precision"] < MIN_PRECISION
    ]
    assert not short, f"below {MIN_RECALL} recall or {MIN_PRECISION} precision: {short}\n{report}"
