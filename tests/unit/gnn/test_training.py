"""The GNN learns a planted cartel, never sees a test fold's labels, and reloads identically."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import torch
from sklearn.metrics import roc_auc_score

import evaluation.gnn_oof as ev
from core.domain import Finding, SubjectKind
from gnn.data import TENDER, from_bids
from gnn.predict import findings, score, write_findings
from gnn.toy import toy_bids
from gnn.train import TrainConfig, fit, load_checkpoint, save_checkpoint

pytestmark = pytest.mark.torch  # every test here trains

FAST = TrainConfig(hidden=32, epochs=60, patience=20, min_epochs=10, lr=0.01, device="cpu")


def _labels(bids: pd.DataFrame) -> pd.Series:
    return bids.groupby("tender")["label"].max()


def _folds(labels: pd.Series, k: int = 3) -> pd.Series:
    from sklearn.model_selection import StratifiedKFold

    folds = pd.Series(0, index=labels.index)
    for i, (_, te) in enumerate(StratifiedKFold(k, shuffle=True, random_state=0).split(labels, labels)):
        folds.iloc[te] = i
    return folds


@pytest.fixture(scope="module")
def market() -> pd.DataFrame:
    # prices drawn from one distribution for every tender: only who bids with whom tells the cartel
    return toy_bids(n_tenders=90, n_firms=50, cartel_size=5, cartel_share=0.35, same_prices=True, seed=3)


def test_planted_cartel_is_learned(market: pd.DataFrame) -> None:
    labels = _labels(market)
    folds = _folds(labels)
    scores = ev.oof_scores(market, folds, seed=0, config=FAST)
    assert set(scores.index) == set(folds.index)
    assert scores.between(0, 1).all()
    y = labels.reindex(scores.index)
    auc = roc_auc_score(y, scores)
    assert auc > 0.85, auc
    # the typical cartel tender scores above three quarters of the honest ones
    assert scores[y == 1].median() > scores[y == 0].quantile(0.75)


def test_test_fold_labels_never_reach_training(market: pd.DataFrame, monkeypatch: pytest.MonkeyPatch) -> None:
    labels = _labels(market)
    folds = _folds(labels)
    fold0 = folds.index[folds == 0]
    flipped = market.assign(
        label=np.where(market["tender"].isin(fold0), 1 - market["label"], market["label"])
    )
    cfg = FAST.model_copy(update={"epochs": 15, "min_epochs": 5})
    ra = ev.oof_result(market, folds, seed=1, config=cfg)
    rb = ev.oof_result(flipped, folds, seed=1, config=cfg)
    a, b = ra.scores, rb.scores
    # fold 0 is scored by a model that never saw fold 0's labels: flipping them changes nothing
    pd.testing.assert_series_equal(a[fold0], b[fold0])
    # nor does it change the validation scores the harness picks fold 0's F1 threshold on, which
    # name training tenders of fold 0 only
    assert set(ra.validation) == {0, 1, 2}
    assert set(ra.validation[0].index) <= set(folds.index[folds != 0])
    pd.testing.assert_series_equal(ra.validation[0], rb.validation[0])
    # ...while the other folds, trained on fold 0's labels, do change (the labels are really used)
    rest = folds.index[folds != 0]
    assert not np.allclose(a[rest].to_numpy(), b[rest].to_numpy())

    # and the check has teeth: a harness that leaked every label would fail it
    def leaky(bids: pd.DataFrame, folds: pd.Series, held_out: int) -> pd.Series:
        return bids.assign(tender=bids["tender"].astype(str)).groupby("tender")["label"].max().astype(int)

    monkeypatch.setattr(ev, "_fold_labels", leaky)
    la = ev.oof_scores(market, folds, seed=1, config=cfg)
    lb = ev.oof_scores(flipped, folds, seed=1, config=cfg)
    assert not np.allclose(la[fold0].to_numpy(), lb[fold0].to_numpy())


def test_checkpoint_round_trip_and_findings(market: pd.DataFrame, tmp_path: Path) -> None:
    graph = from_bids(market)
    labels = _labels(market)
    firm_labels = pd.Series({f: int(f in {"f0", "f1", "f2", "f3", "f4"}) for f in graph.ids["firm"]})
    trained = fit(graph, labels, FAST.model_copy(update={"epochs": 30}), firm_labels=firm_labels)
    before = trained.predict(graph)
    path = save_checkpoint(trained, tmp_path / "ckpt")
    assert (tmp_path / "ckpt" / "config.json").exists()
    loaded = load_checkpoint(path)
    after = loaded.predict(graph)
    for k in before:
        pd.testing.assert_series_equal(before[k], after[k])
    assert loaded.data_version == graph.data_version and loaded.feature_schema == graph.feature_schema
    assert loaded.platt == trained.platt and "val_auc" in loaded.metrics

    # own labels are hidden when scoring known tenders, so scores are not the labels themselves
    known = dict(loaded.known_labels)
    s = score(loaded, graph, known)[TENDER]
    assert s.between(0, 1).all()
    t0 = next(iter(known))
    lying = known | {t0: 1 - known[t0]}
    assert score(loaded, graph, lying)[TENDER][t0] == s[t0]  # its own (flipped) label was not an input
    # another world with the same tender ids: the training labels are not carried over to it
    other = from_bids(toy_bids(n_tenders=90, n_firms=50, cartel_size=5, same_prices=True, seed=8))
    assert other.data_version != graph.data_version and set(known) & set(other.ids[TENDER])
    blind = score(loaded, other, {})[TENDER]
    pd.testing.assert_series_equal(score(loaded, other)[TENDER], blind)
    assert not np.allclose(score(loaded, other, known)[TENDER].to_numpy(), blind.to_numpy())
    items = findings(loaded, graph, min_score=0.5, max_findings=5)
    tenders = [f for f in items if f.subject.kind == SubjectKind.TENDER]
    assert tenders and all(isinstance(f, Finding) and f.detector == "gnn" for f in items)
    top = tenders[0]
    assert top.subject.id in top.evidence.node_ids
    edges = top.evidence.details["top_edges"]
    assert edges and edges[0]["saliency"] >= edges[-1]["saliency"] > 0
    assert any(f.subject.kind == SubjectKind.SUPPLIER for f in items)
    out = write_findings(items, tmp_path / "findings")
    df = pd.read_parquet(out)
    assert len(df) == len(items) and set(df["detector"]) == {"gnn"}


def test_sampled_training_matches_contract() -> None:
    """Above full_batch_max_edges the same fit runs on sampled subgraphs and still learns."""
    bids = toy_bids(n_tenders=90, n_firms=50, cartel_size=5, cartel_share=0.35, same_prices=True, seed=4)
    graph = from_bids(bids)
    labels = _labels(bids)
    folds = _folds(labels)
    tr = labels[folds != 0]
    cfg = FAST.model_copy(update={"full_batch_max_edges": 0, "batch_size": 16, "num_neighbors": [10, 10]})
    trained = fit(graph, tr, cfg)
    assert trained.metrics["full_batch"] is False
    test = folds.index[folds == 0]
    p = trained.predict(graph, {str(k): int(v) for k, v in tr.items()})[TENDER].reindex(test)
    assert roc_auc_score(labels.reindex(test), p) > 0.8
    assert torch.isfinite(torch.tensor(p.to_numpy())).all()
