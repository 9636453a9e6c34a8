"""`licitagraph evaluate --format garcia --model ensemble` through the CLI on a slice of the Brazil data.

Half of García et al.'s Brazil tenders (read in place from ../shared, written to a temporary García file),
one repeat: the command trains the GNN per fold, fits the screens classifier on the same folds, picks
the F1 thresholds on the GNN fold models' validation splits and writes the report files.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import torch
from typer.testing import CliRunner

from detectors import screen_stats
from licitagraph.cli import build_app

pytestmark = [pytest.mark.slow, pytest.mark.torch]  # trains the GNN per fold


@pytest.fixture(autouse=True)
def _one_torch_thread() -> Iterator[None]:
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


def test_evaluate_ensemble_on_a_brazil_slice(
    shared_data: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(screen_stats, "N_ESTIMATORS", 50)  # lighter forests than the CLI's 300, same design
    raw = pd.read_csv(shared_data / "collusion" / "garcia2022" / "DB_Collusion_Brazil_processed.csv")
    tenders = sorted(raw["Tender"].unique())[::2]
    part = raw[raw["Tender"].isin(tenders)]
    src = tmp_path / "brazil_half.csv"
    part.to_csv(src, index=False)
    n_bids = part.groupby("Tender").size()
    eligible = {str(int(t)) for t in n_bids.index[n_bids >= 3]}
    out = tmp_path / "out"

    result = CliRunner().invoke(
        build_app(),
        [
            "evaluate",
            "--format",
            "garcia",
            "--input",
            str(src),
            "--out",
            str(out),
            "--model",
            "ensemble",
            "--repeats",
            "1",
            "--allow-firm-overlap",
        ],
    )
    assert result.exit_code == 0, result.output
    for name in ("scores.csv", "metrics.json", "roc.png", "pr.png", "report.md"):
        assert (out / name).stat().st_size > 0, name

    scores = pd.read_csv(out / "scores.csv", dtype={"tender": str})
    assert set(scores["tender"]) == eligible and scores["tender"].is_unique
    for col in ("score", "score_screens", "score_gnn"):
        assert scores[col].notna().all() and np.isfinite(scores[col]).all(), col
        assert scores[col].between(0, 1).all(), col
    assert set(scores["fold"]) == set(range(5))

    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["model"] == "ensemble" and metrics["n_tenders"] == len(eligible)
    rep = metrics["per_repeat"][0]
    assert set(rep["thresholds"]) == {str(k) for k in range(5)}
    # thresholds from the GNN fold models' validation splits: no nested trainings
    assert set(rep["threshold_source"].values()) == {"inner"}
    assert "validation split" in metrics["threshold_selection"]
    assert set(metrics["components"]) == {"screens", "gnn"}
    # the screens and the bidding network separate Brazil's cartel tenders well even on half the data
    assert metrics["roc_auc"] > 0.75 and metrics["components"]["gnn"]["roc_auc"] > 0.7
