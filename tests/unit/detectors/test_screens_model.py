"""`screens_model`: silent without a model file; a saved model file loads back and scores the same."""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from detectors.base import GraphTables
from detectors.cross_market import CrossMarketError, Market, fit_cross_market, load_model, market_features
from detectors.screens_model import ScreensModel


def test_without_a_model_file_it_finds_nothing_and_says_so(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    det = ScreensModel()
    with caplog.at_level(logging.INFO):
        found = det.run(GraphTables.from_frames(), det.config({"model_path": str(tmp_path / "none.joblib")}))
    assert found == []
    assert "train-screens" in caplog.text


def _bids(n: int, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    rows = []
    for t in range(n):
        collusive = t % 2
        bids = [100.0, *(130 + rng.normal(0, 1, 4))] if collusive else list(100 + np.sort(rng.uniform(0, 40, 5)))
        rows += [{"tender": f"t{t}", "bid": b, "winner": i == 0, "label": collusive} for i, b in enumerate(bids)]
    return pd.DataFrame(rows)


@pytest.mark.slow  # a forest fit: several seconds on the shared machine
def test_model_file_round_trip_and_refusals(tmp_path: Path) -> None:
    model = fit_cross_market([("a", _bids(30, 1)), ("b", _bids(30, 2))], candidates=None)
    target = _bids(20, 3)
    before = model.score_bids(target)
    path = model.save(tmp_path / "m.joblib")
    again = load_model(path)
    pd.testing.assert_series_equal(again.score_bids(target), before)
    assert again.describe()["training_markets"] == {"a": {"tenders": 30, "collusive": 15}, "b": {"tenders": 30, "collusive": 15}}
    assert again.predict_proba(market_features(target)).shape == (20, 2)
    (tmp_path / "bad.joblib").write_text("not a model")
    with pytest.raises(CrossMarketError, match="not a readable"):
        load_model(tmp_path / "bad.joblib")
    one_class = _bids(10, 4).assign(label=1)
    with pytest.raises(CrossMarketError, match="single class"):
        fit_cross_market([("c", one_class)])
    assert isinstance(Market("x", market_features(target)), Market)


def _inverted(n: int, seed: int) -> pd.DataFrame:
    """A market where the cartels hide differently: collusive tenders spread their bids evenly, honest ones
    bunch behind an isolated winner (the opposite of `_bids`)."""
    b = _bids(n, seed)
    b["label"] = 1 - b["label"]
    return b


@pytest.mark.slow  # forest fits
def test_verdicts_move_the_model_towards_the_local_market(tmp_path: Path) -> None:
    from sklearn.metrics import roc_auc_score

    from detectors.cross_market import local_share, refit_with_verdicts

    base = fit_cross_market([("a", _bids(30, 1)), ("b", _bids(30, 2))], candidates=None)
    local = _inverted(60, 5)
    feats = market_features(local)
    truth = local.groupby("tender")["label"].first().reindex(feats.index)
    reviewed = truth.iloc[:30]  # investigators decided half the local tenders
    unseen = truth.index[30:]

    def auc(model: object) -> float:
        s = model.score_features(feats).loc[unseen]  # type: ignore[attr-defined]
        return float(roc_auc_score(truth.loc[unseen], s))

    assert auc(base) < 0.5  # the markets it learnt from say the opposite of this one
    few = refit_with_verdicts(base, feats, reviewed.iloc[:4], prior_tenders=50)
    many = refit_with_verdicts(base, feats, reviewed, prior_tenders=5)
    assert few.local_weight == pytest.approx(local_share(4, 50), abs=1e-4) and few.verdicts == 4
    assert many.verdicts == 30 and many.local_weight > 0.8
    assert auc(many) > 0.8 and auc(many) > auc(few)
    assert many.describe()["training_markets"]["local verdicts"] == {"tenders": 30, "collusive": int(reviewed.sum())}
    back = load_model(many.save(tmp_path / "m.joblib"))
    assert back.verdicts == 30 and len(back.train_markets) == 2
    with pytest.raises(CrossMarketError, match="single class"):
        refit_with_verdicts(base, feats, truth[truth == 1].iloc[:5])
