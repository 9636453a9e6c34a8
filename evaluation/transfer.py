"""Scoring a market the model never saw: `licitagraph evaluate --format garcia --train A [--train B ...] --input C`.

The cross-market screens model (`detectors.cross_market.fit_cross_market`, the same code the `screens_model`
detector runs) is fitted on the `--train` markets only, its variant chosen by leave-one-market-out among them;
then every tender of C with 3+ bids is scored. C's labels, when it has them, are read only after scoring, for
the metrics. Writes `scores.csv` (`tender,score`) and `metrics.json`.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from core.labelled import MIN_BIDS, LabelledInputError, normalize_garcia
from detectors.cross_market import CrossMarketError, fit_cross_market, market_features


def load_market(path: Path) -> tuple[pd.DataFrame, bool]:
    """Normalised bids of a García-layout file that may lack labels; (bids, labelled)."""
    if not path.exists():
        raise LabelledInputError(f"input file {path} does not exist")
    raw = pd.read_csv(path)
    labelled = "Collusive_competitor" in raw.columns
    if not labelled:
        raw = raw.assign(Collusive_competitor=0)
    try:
        bids = normalize_garcia(raw)
    except LabelledInputError as exc:
        raise LabelledInputError(f"{path.name}: {exc}") from exc
    if not labelled:
        bids = bids.drop(columns=["label"])
    return bids, labelled


def score_market(train: list[Path], target: Path, out: Path, seed: int = 0) -> dict[str, Any]:
    """Fit on `train`, score `target`, write DIR/scores.csv and DIR/metrics.json; return the metrics."""
    from evaluation.harness import score_metrics

    resolved = {p.resolve() for p in train}
    if target.resolve() in resolved:
        raise LabelledInputError(
            f"--input {target.name} is also a --train market: it would be scored in-sample"
        )
    try:
        model = fit_cross_market([Path(p) for p in train], seed=seed)
    except CrossMarketError as exc:
        raise LabelledInputError(str(exc)) from exc
    bids, labelled = load_market(target)
    feats = market_features(bids, MIN_BIDS)
    if feats.empty:
        raise LabelledInputError(f"{target.name}: no tender with {MIN_BIDS}+ bids to score")
    scores = model.score_features(feats)
    table = pd.DataFrame({"tender": scores.index, "score": scores.to_numpy()})
    metrics: dict[str, Any] = {
        "input": target.name,
        "train": [p.name for p in train],
        "split": "market",
        "model": model.describe(),
        "n_scored": len(table),
        "min_bids_per_tender": MIN_BIDS,
        "labelled": labelled,
    }
    if labelled:
        y = bids.groupby("tender")["label"].first().reindex(scores.index).astype(int).to_numpy()
        metrics["n_positive"] = int(y.sum())
        if len(np.unique(y)) == 2:
            metrics.update(score_metrics(scores.to_numpy(), y))
    out.mkdir(parents=True, exist_ok=True)
    table.to_csv(out / "scores.csv", index=False)
    (out / "metrics.json").write_text(json.dumps(metrics, indent=2, sort_keys=True, default=str))
    return metrics
