"""`detect` end to end on Parquet tables: findings/ and risk/ follow core/tables.py, reruns do not duplicate,
risk combines findings; `evaluate --format synth` scores planted cases."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from detector_kit import bid, frame
from test_network_detectors import market
from typer.testing import CliRunner

from core.domain import Evidence, Finding, Subject, SubjectKind
from core.tables import FINDINGS, RISK, table
from detectors.risk import combine
from detectors.run import DetectError, run_detectors


def write_tables(root: Path, tables: dict[str, list[dict[str, Any]]]) -> Path:
    for name, rows in tables.items():
        path = root / table(name).path
        path.mkdir(parents=True)
        frame(name, rows).to_parquet(path / "part-00000.parquet")
    return root


def world() -> dict[str, list[dict[str, Any]]]:
    w = market()
    w["Tender"].append(
        {
            "id": "tender:disp",
            "agency_id": "agency:0",
            "unit_id": "unit:0",
            "modality_id": 8,
            "year": 2025,
            "legal_basis_code": 19,
            "object_nature": "goods",
            "awarded_value": 90_000.0,
        }
    )
    w["Item"].append({"id": "item:disp", "tender_id": "tender:disp", "item_class": "CATMAT:1", "unit": "UN"})
    w["BID"].append(bid("supplier:a", "item:disp", 90_000.0, won=True))
    return w


def test_detect_writes_contract_tables_and_reruns_do_not_duplicate(tmp_path: Path) -> None:
    root = write_tables(tmp_path / "tables", world())
    first = run_detectors(root, run_id="r1")
    findings = pd.read_parquet(root / "findings")
    risk = pd.read_parquet(root / "risk")
    assert list(findings.columns) == FINDINGS.column_names
    assert list(risk.columns) == RISK.column_names
    assert findings["id"].is_unique and len(findings) == len(first.findings)
    assert {"cobidding", "loser_winner", "dispensa_limit"} <= set(findings["detector"])
    assert findings["score"].between(0, 1).all() and risk["score"].between(0, 1).all()
    # the dispensa over the limit makes its tender, its agency (rolled up) and its winner risky
    by = risk.set_index(["subject_kind", "subject_id"])
    assert by.loc[("tender", "tender:disp"), "score"] > 0.5
    assert ("agency", "agency:0") in by.index and ("supplier", "supplier:a") in by.index
    reasons = json.loads(by.loc[("supplier", "supplier:a"), "reasons_json"])
    assert {r["detector"] for r in reasons} >= {"cobidding", "dispensa_limit"}
    second = run_detectors(root, run_id="r2")
    again = pd.read_parquet(root / "findings")
    assert sorted(again["id"]) == sorted(findings["id"])
    assert set(again["run_id"]) == {"r2"} and second.n_risk == len(risk)
    # running one detector keeps the others' findings
    run_detectors(root, only=["dispensa_limit"], run_id="r3")
    partial = pd.read_parquet(root / "findings")
    assert sorted(partial["id"]) == sorted(findings["id"])
    assert set(partial.loc[partial["detector"] == "dispensa_limit", "run_id"]) == {"r3"}


def test_detect_rejects_bad_options(tmp_path: Path) -> None:
    root = write_tables(tmp_path / "tables", world())
    with pytest.raises(DetectError, match="unknown detector"):
        run_detectors(root, only=["nope"])
    with pytest.raises(DetectError, match="bad options for detector screens"):
        run_detectors(root, configs={"screens": {"cv_maxx": 1}})
    with pytest.raises(DetectError, match="does not exist"):
        run_detectors(tmp_path / "missing")


def test_risk_is_a_noisy_or_of_the_best_finding_per_detector() -> None:
    def f(det: str, score: float, node: str) -> Finding:
        return Finding(
            detector=det,
            detector_version="1",
            subject=Subject(kind=SubjectKind.TENDER, id="tender:1"),
            score=score,
            title=det,
            evidence=Evidence(summary="", node_ids=("tender:1", node)),
        )

    scores = combine(
        [f("dispensa_limit", 1.0, "x"), f("dispensa_limit", 0.5, "y"), f("screens", 0.5, "z")],
        tender_agency={"tender:1": "agency:1"},
    )
    by = {(r.subject.kind.value, r.subject.id): r for r in scores}
    t = by[("tender", "tender:1")]
    assert t.score == pytest.approx(1 - (1 - 0.9) * (1 - 0.6 * 0.5))
    assert t.n_findings == 3 and [r.detector for r in t.reasons] == ["dispensa_limit", "screens"]
    assert by[("agency", "agency:1")].score == pytest.approx(1 - (1 - 0.27) * (1 - 0.09))


def test_cli_detect_and_synth_evaluate(tmp_path: Path) -> None:
    from licitagraph.cli import build_app

    root = write_tables(tmp_path / "tables", world())
    runner = CliRunner()
    res = runner.invoke(build_app(), ["detect", "--tables", str(root), "--run-id", "cli"])
    assert res.exit_code == 0, res.output
    assert "cobidding" in res.output and (root / "risk").exists()
    truth = {
        "seed": 1,
        "patterns": ["bid_rotation", "dispensa_over_limit", "short_deadline"],
        "cases": [
            {
                "pattern": "bid_rotation",
                "tender_ids": [f"tender:rot{i}" for i in range(6)],
                "supplier_ids": ["supplier:a", "supplier:b", "supplier:c"],
            },
            {"pattern": "dispensa_over_limit", "tender_ids": ["tender:disp"]},
            {"pattern": "short_deadline", "tender_ids": ["tender:open1"]},
        ],
        "near_misses": [{"pattern": "bid_rotation", "supplier_ids": ["supplier:x", "supplier:y"]}],
    }
    gt = tmp_path / "ground_truth.json"
    gt.write_text(json.dumps(truth))
    res = runner.invoke(
        build_app(),
        [
            "evaluate",
            "--format",
            "synth",
            "--input",
            str(gt),
            "--out",
            str(tmp_path / "ev"),
            "--tables",
            str(root),
        ],
    )
    assert res.exit_code == 0, res.output
    got = {
        p["pattern"]: p for p in json.loads((tmp_path / "ev" / "synth_metrics.json").read_text())["patterns"]
    }
    assert got["bid_rotation"]["recall"] == 1.0 and got["bid_rotation"]["near_misses_flagged"] == 0
    assert got["dispensa_over_limit"]["recall"] == 1.0 and got["dispensa_over_limit"]["precision"] == 1.0
    assert got["short_deadline"]["recall"] == 0.0
    # loser_winner flags p (not planted here): precision of the rotation detectors is below 1
    assert got["bid_rotation"]["precision"] < 1.0
    bad = runner.invoke(
        build_app(),
        [
            "evaluate",
            "--format",
            "garcia",
            "--input",
            str(tmp_path / "none.csv"),
            "--out",
            str(tmp_path / "x"),
        ],
    )
    assert bad.exit_code == 2 and "does not exist" in bad.output
