"""Every detector on its literal fixture (tests/fixtures/detectors/<code>.jsonl, format in detectors/fixture.py):
the findings equal `<code>.expected` (what `licitagraph detect --fixture FILE --only CODE` prints), and every
row marked `"_expect": "flag"` / `"clear"` is (or is not) a finding's subject."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from detectors.fixture import dumps, expectations, run_fixture
from detectors.registry import DETECTORS

FIXTURES = Path(__file__).parents[2] / "fixtures" / "detectors"
CODES = [d.code for d in DETECTORS]


def test_every_detector_has_a_fixture_pair() -> None:
    missing = [c for c in CODES if not (FIXTURES / f"{c}.jsonl").exists() or not (FIXTURES / f"{c}.expected").exists()]
    assert missing == []


@pytest.mark.parametrize("code", CODES)
def test_fixture(code: str) -> None:
    path = FIXTURES / f"{code}.jsonl"
    got = run_fixture(path, code)
    assert dumps(got) == (FIXTURES / f"{code}.expected").read_text(encoding="utf-8")
    expect = expectations(path)
    flagged = {r["subject"] for r in got}
    assert {i for i, e in expect.items() if e == "flag"} <= flagged
    assert not {i for i, e in expect.items() if e == "clear"} & flagged
    assert "flag" in expect.values() and "clear" in expect.values()  # a true positive and an exclusion


def test_detect_command_prints_the_fixture_findings() -> None:
    from licitagraph.cli import build_app

    app = build_app()
    path = FIXTURES / "dispensa_limit.jsonl"
    res = CliRunner().invoke(app, ["detect", "--fixture", str(path), "--only", "dispensa_limit"])
    assert res.exit_code == 0, res.output
    assert res.stdout == (FIXTURES / "dispensa_limit.expected").read_text(encoding="utf-8")
    bad = CliRunner().invoke(app, ["detect", "--fixture", str(path), "--only", "screens", "--only", "cobidding"])
    assert bad.exit_code == 2


@pytest.mark.parametrize("code", CODES)
def test_every_detector_runs_on_empty_tables(code: str) -> None:
    """A harvest that fetched nothing gives empty tables; detect must find nothing, not fail."""
    from detectors.base import GraphTables
    from detectors.graph_engines import NetworkxEngine
    from detectors.registry import BY_CODE

    det = BY_CODE[code]()
    assert det.run(GraphTables.from_frames(), det.config({}), engine=NetworkxEngine()) == []
