"""The evaluation harness on the real García et al. (2022) data in ../shared (read in place, never copied)."""

from __future__ import annotations

from pathlib import Path

import pytest

from detectors import screen_stats
from evaluation.harness import eligible_labels, evaluate_bids, load_garcia

pytestmark = [pytest.mark.slow]

FILES = {
    "Brazil": "DB_Collusion_Brazil_processed.csv",
    "Italy": "DB_Collusion_Italy_processed.csv",
    "Switzerland_Ticino": "DB_Collusion_Switzerland_Ticino_processed.csv",
}


@pytest.mark.parametrize(
    ("name", "tenders", "eligible", "positive"),
    [("Brazil", 101, 100, 32), ("Italy", 278, 278, 143), ("Switzerland_Ticino", 224, 220, 181)],
)
def test_garcia_files_normalize(
    shared_data: Path, name: str, tenders: int, eligible: int, positive: int
) -> None:
    bids = load_garcia(shared_data / "collusion" / "garcia2022" / FILES[name])
    assert bids["tender"].nunique() == tenders
    labels = eligible_labels(bids)
    assert (len(labels), int(labels.sum())) == (eligible, positive)
    if name == "Switzerland_Ticino":
        assert bids["firm"].isna().all()  # no Competitors column in this file
    else:
        assert bids["firm"].notna().all()


def test_screens_beat_the_random_forest_floor_on_brazil(
    shared_data: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(screen_stats, "N_ESTIMATORS", 100)  # lighter than the CLI's 300, same design
    bids = load_garcia(shared_data / "collusion" / "garcia2022" / FILES["Brazil"])
    table, metrics = evaluate_bids(bids, model="screens", n_repeats=1)
    assert len(table) == 100
    assert metrics["roc_auc"] > 0.876  # García et al.'s random forest on the screens
