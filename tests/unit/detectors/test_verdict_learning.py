"""Verdicts as labels (detectors/verdict_labels.py) and risk weights fitted on them (detectors/weights.py)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from core.domain import Evidence, Finding, Subject, SubjectKind
from core.tables import VERDICTS
from detectors import weights as rw
from detectors.risk import combine
from detectors.verdict_labels import labels_from_verdicts


def _verdicts(*rows: dict[str, object]) -> pd.DataFrame:
    return pd.DataFrame([{c: r.get(c) for c in VERDICTS.column_names} for r in rows], columns=VERDICTS.column_names)


def test_a_confirmed_network_finding_labels_its_firms_and_tenders_and_confirmation_wins() -> None:
    v = _verdicts(
        {"finding_id": "f1", "detector": "cobidding", "subject_kind": "supplier", "subject_id": "supplier:a",
         "verdict": "confirmed", "node_ids": ["supplier:a", "supplier:b", "tender:1", "agency:x"]},
        {"finding_id": "f2", "detector": "screens", "subject_kind": "tender", "subject_id": "tender:1",
         "verdict": "dismissed", "node_ids": ["tender:1", "supplier:c"]},
        {"finding_id": "f3", "detector": "screens", "subject_kind": "tender", "subject_id": "tender:2",
         "verdict": "dismissed", "node_ids": ["tender:2", "supplier:d"]},
        {"finding_id": "f4", "detector": "shared_contacts", "subject_kind": "tender", "subject_id": "tender:3",
         "verdict": "dismissed", "node_ids": ["tender:3", "supplier:e", "supplier:f"]},
    )
    lab = labels_from_verdicts(v)
    # tender:1 was confirmed through the cobidding finding; its own screens dismissal does not clear it
    assert lab.tenders == {"tender:1": 1, "tender:2": 0, "tender:3": 0}
    assert lab.members == ["supplier:a", "supplier:b"]
    # a dismissed network finding makes nobody a member and labels no firm
    assert "supplier:e" not in lab.firms and "supplier:c" not in lab.firms
    assert lab.firm_findings["supplier:b"] == ["f1"]


def _findings(spec: list[tuple[str, str, float]]) -> pd.DataFrame:
    return pd.DataFrame(spec, columns=["subject_id", "detector", "score"])


def _world(n: int = 40) -> tuple[pd.DataFrame, object]:
    """Detector `good` flags tenders auditors confirm; detector `noisy` flags tenders auditors dismiss."""
    rows, verdicts = [], []
    for i in range(n):
        good = i % 2 == 0
        rows.append((f"tender:{i}", "good" if good else "noisy", 0.9))
        verdicts.append({"finding_id": f"f{i}", "detector": "good" if good else "noisy", "subject_kind": "tender",
                         "subject_id": f"tender:{i}", "verdict": "confirmed" if good else "dismissed",
                         "node_ids": [f"tender:{i}"]})
    return _findings(rows), labels_from_verdicts(_verdicts(*verdicts))


def test_weights_move_from_the_priors_towards_what_verdicts_show() -> None:
    findings, labels = _world()
    got = rw.fit(findings, labels, {"good": 0.5, "noisy": 0.5, "unseen": 0.7}, min_verdicts=30)
    assert got.source == "fitted" and got.n_verdicts == 40 and got.n_positive == 20
    assert got.weights["good"] > 0.8 and got.weights["noisy"] < 0.2
    assert got.weights["unseen"] == pytest.approx(0.7, abs=0.01)  # no evidence: the prior holds
    assert got.cv_log_loss["fitted"] < got.cv_log_loss["prior"]
    assert "40 casos decididos" in got.note


def test_too_few_verdicts_keep_the_priors_and_say_so() -> None:
    findings, labels = _world(10)
    got = rw.fit(findings, labels, {"good": 0.5, "noisy": 0.5}, min_verdicts=30)
    assert got.source == "prior" and got.weights == {"good": 0.5, "noisy": 0.5}
    assert "a priori" in got.note and "10 casos decididos" in got.note


def test_the_prior_strength_holds_weights_near_the_priors_with_few_verdicts() -> None:
    findings, labels = _world(40)
    x, y = rw.design(findings, labels, ["good", "noisy"])
    weak, _ = rw.fit_map(x, y, np.array([0.5, 0.5]), strength=2.0)
    strong, _ = rw.fit_map(x, y, np.array([0.5, 0.5]), strength=500.0)
    assert abs(strong[0] - 0.5) < abs(weak[0] - 0.5)


def test_saved_weights_are_used_by_the_risk_and_labelled(tmp_path: Path) -> None:
    findings, labels = _world()
    fitted = rw.fit(findings, labels, {"screens": 0.5, "cobidding": 0.5, "good": 0.5, "noisy": 0.5})
    path = rw.save(fitted, tmp_path / "risk_weights.json")
    loaded = rw.load(path)
    assert loaded.source == "fitted" and loaded.weights["good"] == fitted.weights["good"]
    assert "low_competition" in loaded.weights  # a detector the fit did not know keeps its prior
    assert rw.load(tmp_path / "missing.json").source == "prior"
    f = Finding(detector="noisy", detector_version="1.0.0", subject=Subject(kind=SubjectKind.TENDER, id="tender:x"),
                score=0.9, title="t", evidence=Evidence(summary="s", node_ids=("tender:x",)))
    prior_risk = combine([f], weights={"noisy": 0.5})[0]
    fitted_risk = combine([f], weights=loaded.weights, weights_source="fitted", weights_verdicts=40)[0]
    assert fitted_risk.score < prior_risk.score
    assert (fitted_risk.weights_source, fitted_risk.weights_verdicts) == ("fitted", 40)
    assert prior_risk.weights_source == "prior"
