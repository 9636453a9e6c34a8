"""The evaluation harness: input checks, folds, thresholds, metrics and the written report."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from detectors import screen_stats
from evaluation import classifiers as models
from evaluation.harness import (
    EvaluationInputError,
    best_f1_threshold,
    eligible_labels,
    evaluate_bids,
    load_garcia,
    make_folds,
    normalize_garcia,
    precision_at_top,
    write_report,
)


def _garcia_rows(n_tenders: int = 40, seed: int = 1) -> pd.DataFrame:
    """A García-layout frame where collusive tenders have a winner far below tightly bunched cover bids."""
    rng = np.random.default_rng(seed)
    rows = []
    for t in range(n_tenders):
        collusive = t % 2
        n = int(rng.integers(4, 8))
        if collusive:
            win = 100.0
            bids = [win, *(130.0 + rng.normal(0, 1.0, n - 1))]
        else:
            bids = list(100.0 + np.sort(rng.uniform(0, 40, n)))
        for i, b in enumerate(bids):
            rows.append(
                {
                    "Tender": t,
                    "Competitors": 1000 + i,
                    "Bid_value": b,
                    "Winner": int(i == 0),
                    "Collusive_competitor": collusive,
                    "CV": 0.0,
                }
            )
    rows.append(
        {"Tender": 999, "Competitors": 1, "Bid_value": 5.0, "Winner": 1, "Collusive_competitor": 1, "CV": 0.0}
    )
    rows.append(
        {"Tender": 999, "Competitors": 2, "Bid_value": 6.0, "Winner": 0, "Collusive_competitor": 1, "CV": 0.0}
    )
    return pd.DataFrame(rows)


def test_normalize_garcia_types_and_optional_competitors() -> None:
    raw = pd.DataFrame(
        {
            "Tender": [1, 1, 2.0],
            "Bid_value": ["10.5", 11, 12],
            "Winner": [1.0, 0.0, 1.0],
            "Collusive_competitor": [1.0, 1.0, 0.0],
        }
    )
    df = normalize_garcia(raw)
    assert list(df.columns) == ["tender", "firm", "bid", "winner", "label"]
    assert df["tender"].tolist() == ["1", "1", "2"]
    assert df["firm"].tolist() == [None, None, None]
    assert df["bid"].tolist() == [10.5, 11.0, 12.0]
    assert df["winner"].tolist() == [True, False, True]
    assert df["label"].tolist() == [1, 1, 0]
    raw["Competitors"] = [7, np.nan, 9]
    assert normalize_garcia(raw)["firm"].tolist() == ["7", None, "9"]


def test_label_must_be_constant_within_a_tender() -> None:
    raw = pd.DataFrame(
        {"Tender": [1, 1], "Bid_value": [1.0, 2.0], "Winner": [1, 0], "Collusive_competitor": [1, 0]}
    )
    with pytest.raises(EvaluationInputError, match="constant within a tender"):
        normalize_garcia(raw)


def test_missing_columns_and_bad_bids_fail_clearly(tmp_path: Path) -> None:
    with pytest.raises(EvaluationInputError, match="Bid_value"):
        normalize_garcia(pd.DataFrame({"Tender": [1], "Winner": [1], "Collusive_competitor": [0]}))
    with pytest.raises(EvaluationInputError, match="positive"):
        normalize_garcia(
            pd.DataFrame({"Tender": [1], "Bid_value": ["x"], "Winner": [1], "Collusive_competitor": [0]})
        )
    with pytest.raises(EvaluationInputError, match="does not exist"):
        load_garcia(tmp_path / "nope.csv")


def test_folds_are_stratified_and_cover_every_tender_once() -> None:
    labels = pd.Series([0] * 30 + [1] * 20, index=[f"t{i}" for i in range(50)])
    folds = make_folds(labels, 5, seed=3)
    assert set(folds.unique()) == {0, 1, 2, 3, 4}
    assert (folds.index == labels.index).all()
    per_fold_pos = labels.groupby(folds).sum()
    assert per_fold_pos.tolist() == [4, 4, 4, 4, 4]
    assert make_folds(labels, 5, seed=3).equals(folds)
    assert not make_folds(labels, 5, seed=4).equals(folds)


def test_best_f1_threshold_and_precision_at_top_by_hand() -> None:
    scores = np.array([0.9, 0.8, 0.7, 0.4, 0.3, 0.1])
    labels = np.array([1, 1, 0, 1, 0, 0])
    # cut at 0.8: tp 2 fp 0 fn 1 -> F1 0.8; at 0.4: tp 3 fp 1 -> 6/7 = 0.857 (best)
    assert best_f1_threshold(scores, labels) == pytest.approx(0.4)
    assert precision_at_top(scores, labels, 0.10) == 1.0  # top 1 of 6
    assert precision_at_top(scores, labels, 0.5) == pytest.approx(2 / 3)


def test_tenders_with_fewer_than_three_bids_are_left_out() -> None:
    bids = normalize_garcia(_garcia_rows(10))
    labels = eligible_labels(bids)
    assert "999" not in labels.index and len(labels) == 10


def test_threshold_is_chosen_without_the_test_fold(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[tuple[set[str], set[str]]] = []

    def fake(bids: pd.DataFrame, folds: pd.Series, seed: int) -> pd.Series:
        calls.append((set(bids["tender"]), set(folds.index)))
        return pd.Series(np.linspace(0, 1, len(folds)), index=folds.index)

    monkeypatch.setitem(models.MODELS, "fake", fake)
    bids = normalize_garcia(_garcia_rows(30))
    _, metrics = evaluate_bids(bids, model="fake", n_repeats=1)
    outer_folds = make_folds(eligible_labels(bids), 5, 0)
    assert len(calls) == 1 + 5
    for k, (seen, scored) in enumerate(calls[1:]):
        test = set(outer_folds.index[outer_folds == k])
        assert not (seen & test) and not (scored & test)
    assert set(metrics["per_repeat"][0]["thresholds"]) == {0, 1, 2, 3, 4}


@pytest.mark.slow  # 50 calibrated forest ensembles: half a minute on the shared 2-core machine
def test_screens_model_end_to_end(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(screen_stats, "N_ESTIMATORS", 25)
    bids = normalize_garcia(_garcia_rows(40))
    table, metrics = evaluate_bids(bids, model="screens", n_repeats=2)
    assert list(table.columns) == ["tender", "score", "fold"]
    assert len(table) == 40 and table["tender"].is_unique
    assert table["score"].between(0, 1).all()
    assert metrics["n_tenders"] == 40 and metrics["n_positive"] == 20
    assert metrics["roc_auc"] > 0.9  # the planted cover-bid pattern is easy to see in the screens
    assert metrics["spread"]["roc_auc"]["std"] >= 0
    write_report(tmp_path, table, eligible_labels(bids), metrics, "toy")
    for name in ("scores.csv", "metrics.json", "roc.png", "pr.png", "report.md"):
        assert (tmp_path / name).stat().st_size > 0
    saved = json.loads((tmp_path / "metrics.json").read_text())
    assert saved["roc_auc"] == pytest.approx(metrics["roc_auc"])


def test_gnn_model_missing_gives_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    import sys

    import evaluation

    # a module set to None in sys.modules makes its import raise ImportError, as a missing torch would
    monkeypatch.setitem(sys.modules, "evaluation.gnn_oof", None)
    monkeypatch.delattr(evaluation, "gnn_oof", raising=False)
    bids = normalize_garcia(_garcia_rows(10))
    with pytest.raises(models.ModelUnavailableError, match=r"evaluation/gnn_oof.py"):
        models.gnn_oof_scores(bids, make_folds(eligible_labels(bids), 5, 0), 0)


def test_ensemble_averages_out_of_fold_ranks(monkeypatch: pytest.MonkeyPatch) -> None:
    bids = normalize_garcia(_garcia_rows(10))
    folds = make_folds(eligible_labels(bids), 5, 0)
    screens = pd.Series(np.linspace(0.1, 0.9, len(folds)), index=folds.index)
    gnn = pd.Series(np.linspace(0.9, 0.1, len(folds)), index=folds.index)
    monkeypatch.setattr(models, "screens_oof_scores", lambda b, f, s: screens)
    monkeypatch.setattr(models, "gnn_oof_scores", lambda b, f, s: gnn)
    got = models.ensemble_oof_scores(bids, folds, 0)
    # opposite rankings average to the same rank for every tender
    assert got.round(9).nunique() == 1 and got.iloc[0] == pytest.approx((len(folds) + 1) / (2 * len(folds)))
    monkeypatch.setattr(models, "gnn_oof_scores", lambda b, f, s: gnn.iloc[:-1])
    with pytest.raises(models.ModelUnavailableError, match="missing"):
        models.ensemble_oof_scores(bids, folds, 0)


def test_ensemble_without_firm_ids_is_the_screens_classifier(monkeypatch: pytest.MonkeyPatch) -> None:
    bids = normalize_garcia(_garcia_rows(10))
    bids["firm"] = None
    folds = make_folds(eligible_labels(bids), 5, 0)
    screens = pd.Series(np.linspace(0.1, 0.9, len(folds)), index=folds.index)
    monkeypatch.setattr(models, "screens_oof_scores", lambda b, f, s: screens)

    def no_gnn(b: pd.DataFrame, f: pd.Series, s: int) -> pd.Series:
        raise AssertionError("the GNN must not run without firm ids")

    monkeypatch.setattr(models, "gnn_oof_scores", no_gnn)
    got = models.ensemble_oof_scores(bids, folds, 0)
    pd.testing.assert_series_equal(got, screens)
