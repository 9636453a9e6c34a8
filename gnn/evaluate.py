"""The `gnn` model of `licitagraph evaluate`: out-of-fold tender scores under the harness's folds.

Contract with detectors/ (the evaluation harness): `oof_scores(bids, folds, seed)`. The graph is built
once from every bid (bids and firms of test tenders are observable facts, so they stay in the graph);
for each held-out fold a model is trained from scratch with only the labels of the other folds' tenders,
and scores the held-out tenders. Labels are read in exactly one place, `_fold_labels`, which drops the
held-out fold; tenders not in `folds` are graph context only and their labels are never used.
"""

from __future__ import annotations

import logging

import pandas as pd

from gnn.data import from_bids
from gnn.train import TrainConfig, fit

log = logging.getLogger(__name__)


def _fold_labels(bids: pd.DataFrame, folds: pd.Series, held_out: int) -> pd.Series:
    """Tender -> label for the training tenders of one split (the held-out fold is dropped here)."""
    train_tenders = folds.index[folds != held_out].astype(str)
    lab = bids.assign(tender=bids["tender"].astype(str)).groupby("tender")["label"].max()
    return lab.reindex(train_tenders).dropna().astype(int)


def oof_scores(
    bids: pd.DataFrame, folds: pd.Series, seed: int, config: TrainConfig | None = None
) -> pd.Series:
    """Tender -> collusion probability in [0, 1] for every tender in `folds`, out of fold."""
    original_index = folds.index
    folds = folds.copy()
    folds.index = folds.index.astype(str)
    graph = from_bids(bids.drop(columns=["label"], errors="ignore"))
    base = config or TrainConfig()
    scores: list[pd.Series] = []
    for k in sorted(folds.unique()):
        labels = _fold_labels(bids, folds, int(k))
        cfg = base.model_copy(update={"seed": seed * 1000 + int(k)})
        trained = fit(graph, labels, cfg)
        test = folds.index[folds == k]
        p = trained.predict(graph, known={str(k): int(v) for k, v in labels.items()})["tender"].reindex(test)
        log.info(
            "fold %s: %d train, %d test, val_auc %.3f", k, len(labels), len(test), trained.metrics["val_auc"]
        )
        scores.append(p)
    out = pd.concat(scores).reindex(folds.index).clip(0.0, 1.0)
    out.index = original_index  # the harness's own index (and dtype)
    out.name = "gnn"
    return out
