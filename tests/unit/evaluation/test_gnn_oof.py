"""The harness's thresholds for the GNN and the ensemble: from inner scores of training tenders only.

`licitagraph evaluate --model gnn|ensemble` picks each outer fold's F1 threshold on scores its model
handed over (the GNN fold model's validation split) instead of a nested cross-validation. These tests
pin that the harness takes them, rejects any that name a tender of the fold being evaluated, falls back to
the nested estimate when they cannot be used, and that the ensemble's inner scores are built from
training tenders only.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from evaluation import classifiers as models
from evaluation import harness as ev
from gnn.toy import toy_bids


@pytest.fixture(scope="module")
def bids() -> pd.DataFrame:
    return toy_bids(n_tenders=60, n_firms=40, cartel_size=5, cartel_share=0.4, seed=11)


def _noisy_score(labels: pd.Series, seed: int) -> pd.Series:
    rng = np.random.default_rng(seed)
    return pd.Series(0.6 * labels.to_numpy() + rng.uniform(0, 0.7, len(labels)), index=labels.index)


def _detailed(inner_of: str) -> models.OofDetailed:
    """A fake detailed model; `inner_of` says which tenders its inner scores name."""

    def run(b: pd.DataFrame, folds: pd.Series, seed: int) -> models.OofResult:
        labels = models.tender_labels(b).loc[folds.index]
        scores = _noisy_score(labels, seed)
        inner = {}
        for k in sorted(folds.unique()):
            train = folds.index[folds != k]
            pick = {"train": train[::2], "test": folds.index[folds == k][:3].append(train[:5])}[inner_of]
            inner[int(k)] = _noisy_score(labels.loc[pick], seed + 1 + int(k))
        return models.OofResult(scores, inner=inner, inner_method="fake")

    return run


def test_thresholds_come_from_inner_scores_without_nested_fits(bids: pd.DataFrame) -> None:
    labels = ev.eligible_labels(bids)
    calls: list[int] = []

    def plain(b: pd.DataFrame, folds: pd.Series, seed: int) -> pd.Series:
        calls.append(len(folds))
        return _noisy_score(models.tender_labels(b).loc[folds.index], seed)

    rr = ev.run_repeat(bids, labels, plain, seed=0, detailed=_detailed("train"))
    assert calls == []  # no nested cross-validation ran
    assert set(rr.threshold_source.values()) == {"inner"}
    # the threshold of fold k is the F1 cut on exactly its inner scores
    inner = _detailed("train")(bids, rr.folds, 0).inner
    for k, t in rr.thresholds.items():
        y = labels.loc[inner[k].index].to_numpy()
        assert t == ev.best_f1_threshold(inner[k].to_numpy(), y)
    assert 0 < rr.metrics["f1"] <= 1

    # without the detailed variant the same harness runs the nested estimate (5 more fits)
    rr2 = ev.run_repeat(bids, labels, plain, seed=0)
    assert len(calls) == 1 + 5 and set(rr2.threshold_source.values()) == {"nested"}


def test_inner_scores_naming_a_test_tender_are_refused(bids: pd.DataFrame) -> None:
    labels = ev.eligible_labels(bids)
    with pytest.raises(ev.ThresholdLeakError, match="training tenders only"):
        ev.run_repeat(
            bids, labels, lambda b, f, s: pd.Series(0.5, index=f.index), 0, detailed=_detailed("test")
        )
    train, test = labels.index[:40], labels.index[40:]
    with pytest.raises(ev.ThresholdLeakError):
        ev.inner_threshold(pd.Series(0.5, index=["not-a-tender"]), labels, train, test)
    # a single-class inner set cannot place a cut: the harness falls back to nested
    one_class = labels.loc[train][labels.loc[train] == 0].index
    assert ev.inner_threshold(pd.Series(0.3, index=one_class), labels, train, test) is None


def test_ensemble_inner_scores_use_training_tenders_only(
    bids: pd.DataFrame, monkeypatch: pytest.MonkeyPatch
) -> None:
    labels = ev.eligible_labels(bids)
    folds = ev.make_folds(labels, 5, 0)
    seen: list[tuple[set[str], set[str]]] = []

    def fake_gnn(b: pd.DataFrame, f: pd.Series, seed: int) -> models.OofResult:
        val = {int(k): pd.Series(0.5, index=f.index[f != k][::3]) for k in f.unique()}
        return models.OofResult(_noisy_score(labels.loc[f.index], seed), inner=val)

    def fake_holdout(b: pd.DataFrame, train: pd.Index, test: pd.Index, seed: int) -> pd.Series:
        seen.append((set(train), set(test)))
        return pd.Series(np.linspace(0, 1, len(test)), index=test)

    monkeypatch.setattr(models, "gnn_oof_result", fake_gnn)
    monkeypatch.setattr(models, "gnn_oof_scores", lambda b, f, s: fake_gnn(b, f, s).scores)
    monkeypatch.setattr(models, "screens_holdout_scores", fake_holdout)
    monkeypatch.setattr(models, "screens_oof_scores", lambda b, f, s: _noisy_score(labels.loc[f.index], 5))
    res = models.ensemble_oof_result(bids, folds, 0)
    assert set(res.components) == {"screens", "gnn"} and len(res.scores) == len(folds)
    assert set(res.inner) == set(range(5)) and len(seen) == 5
    for k, (train, test) in enumerate(seen):
        fold = set(folds.index[folds == k])
        assert not (train & fold) and not (test & fold) and not (train & test)
        assert set(res.inner[k].index) == test
        assert res.inner[k].between(0, 1).all()
    rr = ev.run_repeat(bids, labels, models.ensemble_oof_scores, 0, detailed=models.ensemble_oof_result)
    assert set(rr.threshold_source.values()) == {"inner"}
    assert {"screens_roc_auc", "gnn_roc_auc"} <= set(rr.metrics)
