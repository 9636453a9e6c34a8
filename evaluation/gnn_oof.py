"""The `gnn` model of `licitagraph evaluate`: out-of-fold tender scores under the harness's folds.

Contract with the evaluation harness (evaluation/harness.py): `oof_scores(bids, folds, seed)`, and `oof_result`,
which also returns, per held-out fold, the calibrated scores of that fold's model on its own validation
split (training tenders kept out of the loss) so the harness can pick the fold's F1 threshold without
training a nested cross-validation. The graph is built once from every bid (bids and firms of test tenders
are observable facts, so they stay in the graph); for each held-out fold a model is trained from scratch
with only the labels of the other folds' tenders, and scores the held-out tenders. Labels are read in
exactly one place, `_fold_labels`, which drops the held-out fold; tenders not in `folds` are graph
context only and their labels are never used.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

import pandas as pd

from gnn.data import from_bids
from gnn.train import TrainConfig, fit

log = logging.getLogger(__name__)


@dataclass
class GnnOof:
    """Out-of-fold scores and, per held-out fold, its model's validation-split scores."""

    scores: pd.Series
    validation: dict[int, pd.Series] = field(default_factory=dict)


def _fold_labels(bids: pd.DataFrame, folds: pd.Series, held_out: int) -> pd.Series:
    """Tender -> label for the training tenders of one split (the held-out fold is dropped here)."""
    train_tenders = folds.index[folds != held_out].astype(str)
    lab = bids.assign(tender=bids["tender"].astype(str)).groupby("tender")["label"].max()
    return lab.reindex(train_tenders).dropna().astype(int)


def oof_result(bids: pd.DataFrame, folds: pd.Series, seed: int, config: TrainConfig | None = None) -> GnnOof:
    """Out-of-fold probabilities for every tender in `folds`, plus each fold model's validation scores.

    `validation[k]` holds calibrated probabilities of some training tenders of fold k (the model's
    stratified validation split, labels seen only for early stopping and calibration, never by the
    loss); its index uses the harness's own tender ids. A fold whose model had no validation split
    (a single-class or tiny training set) has no entry.
    """
    original_index = folds.index
    folds = folds.copy()
    folds.index = folds.index.astype(str)
    back = dict(zip(folds.index, original_index, strict=True))
    graph = from_bids(bids.drop(columns=["label"], errors="ignore"))
    base = config or TrainConfig()
    scores: list[pd.Series] = []
    validation: dict[int, pd.Series] = {}
    for k in sorted(folds.unique()):
        labels = _fold_labels(bids, folds, int(k))
        cfg = base.model_copy(update={"seed": seed * 1000 + int(k)})
        trained = fit(graph, labels, cfg)
        test = folds.index[folds == k]
        p = trained.predict(graph, known={str(t): int(v) for t, v in labels.items()})["tender"].reindex(test)
        log.info(
            "fold %s: %d train, %d test, val_auc %.3f", k, len(labels), len(test), trained.metrics["val_auc"]
        )
        scores.append(p)
        if trained.validation is not None and len(trained.validation):
            v = trained.validation.clip(0.0, 1.0)
            v.index = [back[str(t)] for t in v.index]
            validation[int(k)] = v.rename("gnn_validation")
    out = pd.concat(scores).reindex(folds.index).clip(0.0, 1.0)
    out.index = original_index  # the harness's own index (and dtype)
    out.name = "gnn"
    return GnnOof(scores=out, validation=validation)


def oof_scores(
    bids: pd.DataFrame, folds: pd.Series, seed: int, config: TrainConfig | None = None
) -> pd.Series:
    """Tender -> collusion probability in [0, 1] for every tender in `folds`, out of fold."""
    return oof_result(bids, folds, seed, config).scores


def holdout_scores(
    bids: pd.DataFrame, train: pd.Index, test: pd.Index, seed: int, config: TrainConfig | None = None
) -> pd.Series:
    """One (train, test) fold of `evaluate --split`: a model trained from scratch on the labels of `train`
    only, on a graph built from the bids of `train` and `test` tenders only (tenders the split leaves out of
    this fold, such as those mixing firm groups or dated after the test block, are not even graph context)."""
    keep = set(pd.Index(train).astype(str)) | set(pd.Index(test).astype(str))
    sub = bids[bids["tender"].astype(str).isin(keep)]
    graph = from_bids(sub.drop(columns=["label"], errors="ignore"))
    lab = sub.assign(tender=sub["tender"].astype(str)).groupby("tender")["label"].max()
    labels = lab.reindex(pd.Index(train).astype(str)).dropna().astype(int)
    cfg = (config or TrainConfig()).model_copy(update={"seed": seed})
    trained = fit(graph, labels, cfg)
    p = trained.predict(graph, known={str(t): int(v) for t, v in labels.items()})["tender"]
    out = p.reindex(pd.Index(test).astype(str)).clip(0.0, 1.0)
    out.index = pd.Index(test)
    return out.rename("gnn")
