"""Pluggable tender-level collusion models for `licitagraph evaluate`.

Every model is one function with the same signature:

    oof_scores(bids: pd.DataFrame, folds: pd.Series, seed: int) -> pd.Series

`bids` is the normalized bid table (`tender`, `firm`, `bid`, `winner`, `label`), `folds` maps every
evaluated tender to a fold index, and the result maps every tender of `folds` to a score made by a model
trained only on the tenders of the other folds (out-of-fold). Anything a model tunes (hyperparameters,
calibration) is tuned inside those training tenders.
"""

from __future__ import annotations

import hashlib
import importlib
import logging
from collections.abc import Callable

import numpy as np
import pandas as pd

from detectors.bidscreens import tender_features

log = logging.getLogger(__name__)

OofScores = Callable[[pd.DataFrame, pd.Series, int], pd.Series]

_FEATURE_CACHE: dict[str, pd.DataFrame] = {}
# trees per forest of the screens classifier (tests lower it to stay fast)
N_ESTIMATORS = 300


class ModelUnavailableError(RuntimeError):
    """A registered model cannot run here (its module is missing); the message says why."""


def _bids_key(bids: pd.DataFrame) -> str:
    h = pd.util.hash_pandas_object(bids[["tender", "bid", "winner"]], index=False).to_numpy()
    return hashlib.sha1(h.tobytes()).hexdigest()


def cached_features(bids: pd.DataFrame) -> pd.DataFrame:
    """Tender features of `bids`, computed once per distinct bid table (features are per tender, so a
    subset of tenders is a slice of the full table)."""
    key = _bids_key(bids)
    if key not in _FEATURE_CACHE:
        _FEATURE_CACHE.clear()
        _FEATURE_CACHE[key] = tender_features(bids)
    return _FEATURE_CACHE[key]


def tender_labels(bids: pd.DataFrame) -> pd.Series:
    labels = bids.groupby("tender")["label"].first().astype(int)
    labels.index = labels.index.astype(str)
    return labels


def make_screens_classifier(seed: int) -> object:
    """The screens classifier: a calibrated soft vote of a random forest and extremely randomized trees.

    Random forests on screens are the literature's reference (Huber & Imhof 2019; García et al. 2022);
    extremely randomized trees add variance reduction on small samples, and the soft vote of the two is
    steadier across countries than either. Hyperparameters are fixed (no selection on the evaluation
    data). Sigmoid calibration is fitted on internal folds of the training tenders only."""
    from sklearn.calibration import CalibratedClassifierCV
    from sklearn.ensemble import ExtraTreesClassifier, RandomForestClassifier, VotingClassifier
    from sklearn.impute import SimpleImputer
    from sklearn.model_selection import StratifiedKFold
    from sklearn.pipeline import make_pipeline

    vote = VotingClassifier(
        [
            (
                "rf",
                RandomForestClassifier(
                    n_estimators=N_ESTIMATORS, max_features="sqrt", random_state=seed, n_jobs=2
                ),
            ),
            (
                "et",
                ExtraTreesClassifier(
                    n_estimators=N_ESTIMATORS, max_features="sqrt", random_state=seed, n_jobs=2
                ),
            ),
        ],
        voting="soft",
    )
    pipe = make_pipeline(SimpleImputer(strategy="median", keep_empty_features=True), vote)
    return CalibratedClassifierCV(
        pipe, method="sigmoid", cv=StratifiedKFold(3, shuffle=True, random_state=seed)
    )


def _clean(X: pd.DataFrame) -> pd.DataFrame:
    return X.replace([np.inf, -np.inf], np.nan).astype(float)


def screens_oof_scores(bids: pd.DataFrame, folds: pd.Series, seed: int) -> pd.Series:
    """Out-of-fold probabilities of the calibrated screens classifier (no firm identities used)."""
    feats = _clean(cached_features(bids))
    labels = tender_labels(bids)
    tenders = folds.index.astype(str)
    X = feats.loc[tenders]
    y = labels.loc[tenders].to_numpy()
    f = folds.to_numpy()
    out = pd.Series(np.nan, index=tenders, dtype=float)
    for k in np.unique(f):
        train, test = f != k, f == k
        if len(np.unique(y[train])) < 2:
            out[test] = float(y[train].mean())
            continue
        clf = make_screens_classifier(seed)
        clf.fit(X[train], y[train])  # type: ignore[attr-defined]
        out[test] = clf.predict_proba(X[test])[:, 1]  # type: ignore[attr-defined]
    out.index = folds.index
    return out


def gnn_oof_scores(bids: pd.DataFrame, folds: pd.Series, seed: int) -> pd.Series:
    """The GNN's out-of-fold scores, from `gnn.evaluate.oof_scores` (imported lazily)."""
    try:
        module = importlib.import_module("gnn.evaluate")
    except ImportError as exc:
        raise ModelUnavailableError(
            "model 'gnn' needs gnn/evaluate.py with oof_scores(bids, folds, seed) -> pd.Series; "
            f"it could not be imported ({exc})"
        ) from exc
    func = getattr(module, "oof_scores", None)
    if func is None:
        raise ModelUnavailableError("gnn/evaluate.py has no oof_scores(bids, folds, seed) function")
    result = func(bids, folds, seed)
    if not isinstance(result, pd.Series):
        raise ModelUnavailableError("gnn.evaluate.oof_scores must return a pandas Series tender -> score")
    return result


def _percentile_rank(s: pd.Series) -> pd.Series:
    return s.rank(method="average", pct=True)


def ensemble_oof_scores(bids: pd.DataFrame, folds: pd.Series, seed: int) -> pd.Series:
    """Average of the percentile ranks of the GNN's and the screens' out-of-fold scores.

    Both inputs are out-of-fold; ranking uses no labels, so no test label reaches the combination.
    Without firm ids (García's Ticino file) the bidding network links no tenders, the GNN sees only what
    the screens see, and only dilutes them: the ensemble is then the screens classifier alone."""
    screens = screens_oof_scores(bids, folds, seed)
    if "firm" not in bids.columns or bids["firm"].isna().all():
        log.info("ensemble: no firm ids in the bids, using the screens classifier alone")
        return screens
    gnn = gnn_oof_scores(bids, folds, seed).reindex(folds.index)
    if gnn.isna().any():
        raise ModelUnavailableError(f"gnn scores missing for {int(gnn.isna().sum())} tenders")
    return (_percentile_rank(screens) + _percentile_rank(gnn)) / 2.0


MODELS: dict[str, OofScores] = {
    "screens": screens_oof_scores,
    "gnn": gnn_oof_scores,
    "ensemble": ensemble_oof_scores,
}


def get_model(name: str) -> OofScores:
    try:
        return MODELS[name]
    except KeyError:
        raise KeyError(f"unknown model {name!r}; known: {', '.join(sorted(MODELS))}") from None
