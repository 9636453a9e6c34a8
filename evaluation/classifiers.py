"""Pluggable tender-level collusion models for `licitagraph evaluate`.

Every model is one function with the same signature:

    oof_scores(bids: pd.DataFrame, folds: pd.Series, seed: int) -> pd.Series

`bids` is the normalized bid table (`tender`, `firm`, `bid`, `winner`, `label`), `folds` maps every
evaluated tender to a fold index, and the result maps every tender of `folds` to a score made by a model
trained only on the tenders of the other folds (out-of-fold). Anything a model tunes (hyperparameters,
calibration) is tuned inside those training tenders.

A model may also register a detailed variant in `DETAILED` returning an `OofResult`: the same scores,
plus, per outer fold, `inner` scores of some of that fold's *training* tenders made by a model that did
not train on their labels (the harness picks the fold's F1 threshold on them instead of recomputing a
nested cross-validation), and `components` (the member scores of an ensemble, reported beside it).
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from detectors.screen_stats import make_screens_classifier, tender_features

log = logging.getLogger(__name__)

OofScores = Callable[[pd.DataFrame, pd.Series, int], pd.Series]


@dataclass
class OofResult:
    """Out-of-fold scores with what the harness needs to pick thresholds cheaply (see module doc)."""

    scores: pd.Series
    # outer fold -> scores of some of its training tenders, from a model blind to their labels
    inner: dict[int, pd.Series] = field(default_factory=dict)
    # how `inner` was made (written to metrics.json)
    inner_method: str = ""
    # member name -> its own out-of-fold scores on the same folds (ensembles)
    components: dict[str, pd.Series] = field(default_factory=dict)


OofDetailed = Callable[[pd.DataFrame, pd.Series, int], OofResult]

_FEATURE_CACHE: dict[str, pd.DataFrame] = {}
# trees per forest of the screens classifier (tests lower it to stay fast)


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


def _clean(X: pd.DataFrame) -> pd.DataFrame:
    return X.replace([np.inf, -np.inf], np.nan).astype(float)


def _screens_fit_predict(X: pd.DataFrame, y: np.ndarray, train: np.ndarray, seed: int) -> np.ndarray:
    """Probabilities for the rows of X not in `train` (a boolean mask), fitted on the `train` rows."""
    test = ~train
    if len(np.unique(y[train])) < 2:
        return np.full(int(test.sum()), float(y[train].mean()))
    clf = make_screens_classifier(seed)
    clf.fit(X[train], y[train])  # type: ignore[attr-defined]
    return clf.predict_proba(X[test])[:, 1]  # type: ignore[attr-defined,no-any-return]


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
        out[f == k] = _screens_fit_predict(X, y, f != k, seed)
    out.index = folds.index
    return out


def screens_holdout_scores(
    bids: pd.DataFrame, train_tenders: pd.Index, test_tenders: pd.Index, seed: int
) -> pd.Series:
    """Screens classifier fitted on `train_tenders` only, scoring `test_tenders` (ids as given)."""
    feats = _clean(cached_features(bids))
    labels = tender_labels(bids)
    ids = pd.Index([*train_tenders, *test_tenders])
    X = feats.loc[ids.astype(str)]
    y = labels.loc[ids.astype(str)].to_numpy()
    train = np.arange(len(ids)) < len(train_tenders)
    return pd.Series(_screens_fit_predict(X, y, train, seed), index=test_tenders, dtype=float)


def _gnn_module() -> object:
    """`evaluation.gnn_oof`, imported on first use: it brings torch and PyG, which the screens do not need."""
    try:
        from evaluation import gnn_oof
    except ImportError as exc:
        raise ModelUnavailableError(
            "model 'gnn' needs evaluation/gnn_oof.py with oof_scores(bids, folds, seed) -> pd.Series; "
            f"it could not be imported ({exc})"
        ) from exc
    return gnn_oof


def gnn_oof_scores(bids: pd.DataFrame, folds: pd.Series, seed: int) -> pd.Series:
    """The GNN's out-of-fold scores, from `evaluation.gnn_oof.oof_scores` (imported lazily)."""
    func = getattr(_gnn_module(), "oof_scores", None)
    if func is None:
        raise ModelUnavailableError("evaluation/gnn_oof.py has no oof_scores(bids, folds, seed) function")
    result = func(bids, folds, seed)
    if not isinstance(result, pd.Series):
        raise ModelUnavailableError("evaluation.gnn_oof.oof_scores must return a pandas Series tender -> score")
    return result


GNN_INNER = "the fold model's own validation split (calibrated probabilities of training tenders kept out of its loss)"


def gnn_oof_result(bids: pd.DataFrame, folds: pd.Series, seed: int) -> OofResult:
    """GNN scores plus, per fold, its model's validation-split scores (thresholds at no extra training)."""
    func = getattr(_gnn_module(), "oof_result", None)
    if func is None:  # an older evaluation.gnn_oof: the harness falls back to nested thresholds
        return OofResult(gnn_oof_scores(bids, folds, seed))
    res = func(bids, folds, seed)
    if not isinstance(res.scores, pd.Series):
        raise ModelUnavailableError("evaluation.gnn_oof.oof_result(...).scores must be a pandas Series")
    return OofResult(res.scores, inner=dict(res.validation), inner_method=GNN_INNER)


def _percentile_rank(s: pd.Series) -> pd.Series:
    return s.rank(method="average", pct=True)


def ensemble_oof_scores(bids: pd.DataFrame, folds: pd.Series, seed: int) -> pd.Series:
    """Average of the percentile ranks of the GNN's and the screens' out-of-fold scores.

    Both inputs are out-of-fold; ranking uses no labels, so no test label reaches the combination.
    Without firm ids (García's Ticino file) the bidding network links no tenders, the GNN sees only what
    the screens see, and only dilutes them: the ensemble is then the screens classifier alone."""
    screens = screens_oof_scores(bids, folds, seed)
    if not _has_firm_ids(bids):
        log.info("ensemble: no firm ids in the bids, using the screens classifier alone")
        return screens
    return _rank_mean(screens, gnn_oof_scores(bids, folds, seed), folds)


def _has_firm_ids(bids: pd.DataFrame) -> bool:
    return "firm" in bids.columns and not bids["firm"].isna().all()


def _rank_mean(screens: pd.Series, gnn: pd.Series, folds: pd.Series) -> pd.Series:
    gnn = gnn.reindex(folds.index)
    if gnn.isna().any():
        raise ModelUnavailableError(f"gnn scores missing for {int(gnn.isna().sum())} tenders")
    return (_percentile_rank(screens) + _percentile_rank(gnn)) / 2.0


ENSEMBLE_INNER = (
    "the GNN fold model's validation split, scored by that GNN and by a screens classifier fitted on the "
    "fold's other training tenders, combined by the same rank mean"
)


def ensemble_oof_result(bids: pd.DataFrame, folds: pd.Series, seed: int) -> OofResult:
    """The ensemble's scores, its members' scores, and per fold inner scores for the F1 threshold.

    Inner scores of outer fold k: the tenders of the GNN fold model's validation split V_k (training
    tenders of fold k, out of that GNN's loss), scored by that GNN and by a screens classifier fitted on
    the training tenders of fold k minus V_k, then combined by the same percentile-rank mean (ranks
    within V_k). No tender of fold k, and no label of V_k, is used to make them."""
    screens = screens_oof_scores(bids, folds, seed)
    if not _has_firm_ids(bids):
        log.info("ensemble: no firm ids in the bids, using the screens classifier alone")
        return OofResult(screens, components={"screens": screens})
    g = gnn_oof_result(bids, folds, seed)
    combined = _rank_mean(screens, g.scores, folds)
    inner: dict[int, pd.Series] = {}
    for k, val in sorted(g.inner.items()):
        train = folds.index[folds != k]
        rest = train[~train.isin(val.index)]
        s_val = screens_holdout_scores(bids, rest, val.index, seed)
        inner[int(k)] = (_percentile_rank(s_val) + _percentile_rank(val)) / 2.0
    return OofResult(
        combined,
        inner=inner,
        inner_method=ENSEMBLE_INNER if inner else "",
        components={"screens": screens, "gnn": g.scores.reindex(folds.index)},
    )


MODELS: dict[str, OofScores] = {
    "screens": screens_oof_scores,
    "gnn": gnn_oof_scores,
    "ensemble": ensemble_oof_scores,
}

# models that also hand the harness inner scores for thresholds (and components); others get the
# nested cross-validation
DETAILED: dict[str, OofDetailed] = {
    "gnn": gnn_oof_result,
    "ensemble": ensemble_oof_result,
}


def get_model(name: str) -> OofScores:
    try:
        return MODELS[name]
    except KeyError:
        raise KeyError(f"unknown model {name!r}; known: {', '.join(sorted(MODELS))}") from None


# ---------------------------------------------------------------------------------------------
# Feature-free neighbour vote, and every model as an explicit (train, test) holdout for --split


def neighbour_vote(bids: pd.DataFrame, train_tenders: pd.Index, test_tenders: pd.Index) -> pd.Series:
    """A test tender's score: the mean label of the training tenders that share a bidder with it; the
    training prior when none does. No feature, no fit: what firm identity alone gives away. Anonymous bids
    (no firm id) share nothing."""
    labels = tender_labels(bids)
    train = pd.Index(train_tenders).astype(str)
    test = pd.Index(test_tenders).astype(str)
    prior = float(labels.loc[train].mean()) if len(train) else 0.5
    b = bids[bids["firm"].notna()] if "firm" in bids.columns else bids.iloc[:0]
    pairs = pd.DataFrame({"tender": b["tender"].astype(str), "firm": b.get("firm")}).drop_duplicates()
    tr = pairs[pairs["tender"].isin(train)]
    te = pairs[pairs["tender"].isin(test)]
    joined = te.merge(tr, on="firm", suffixes=("", "_train"))[["tender", "tender_train"]].drop_duplicates()
    joined["y"] = joined["tender_train"].map(labels)
    vote = joined.groupby("tender")["y"].mean()
    out = pd.Series(prior, index=test, dtype=float).fillna(prior)
    out.loc[vote.index] = vote.to_numpy()
    out.index = pd.Index(test_tenders)
    return out.rename("neighbour_vote")


def neighbour_oof_scores(bids: pd.DataFrame, folds: pd.Series, seed: int) -> pd.Series:
    """The neighbour vote out of fold (seed unused: the vote is deterministic)."""
    parts = [
        neighbour_vote(bids, folds.index[folds != k], folds.index[folds == k]) for k in sorted(folds.unique())
    ]
    return pd.concat(parts).reindex(folds.index)


MODELS["neighbour"] = neighbour_oof_scores
# models that read firm identity (co-bidding links, labels of neighbouring tenders): meaningful only under
# splits with no firm on both sides; the neighbour vote is reported beside them
IDENTITY_MODELS = ("gnn", "ensemble", "neighbour")


@dataclass
class HoldoutResult:
    """Scores of the test tenders of one (train, test) fold, and of an ensemble's members."""

    scores: pd.Series
    components: dict[str, pd.Series] = field(default_factory=dict)


Holdout = Callable[[pd.DataFrame, pd.Index, pd.Index, int], HoldoutResult]


def _screens_holdout(bids: pd.DataFrame, train: pd.Index, test: pd.Index, seed: int) -> HoldoutResult:
    return HoldoutResult(screens_holdout_scores(bids, train, test, seed))


def _gnn_holdout(bids: pd.DataFrame, train: pd.Index, test: pd.Index, seed: int) -> HoldoutResult:
    func = getattr(_gnn_module(), "holdout_scores", None)
    if func is None:
        raise ModelUnavailableError("evaluation/gnn_oof.py has no holdout_scores(bids, train, test, seed)")
    return HoldoutResult(func(bids, train, test, seed))


def _ensemble_holdout(bids: pd.DataFrame, train: pd.Index, test: pd.Index, seed: int) -> HoldoutResult:
    """Members only: the rank mean is taken over the pooled out-of-fold scores (`combine_members`)."""
    screens = screens_holdout_scores(bids, train, test, seed)
    if not _has_firm_ids(bids):
        return HoldoutResult(screens, {"screens": screens})
    gnn = _gnn_holdout(bids, train, test, seed).scores.reindex(test)
    return HoldoutResult(screens, {"screens": screens, "gnn": gnn})


def combine_members(model: str, scores: pd.Series, components: dict[str, pd.Series]) -> pd.Series:
    """The final pooled score of `model` from its pooled member scores (the ensemble's rank mean)."""
    if model == "ensemble" and "gnn" in components:
        return (_percentile_rank(components["screens"]) + _percentile_rank(components["gnn"])) / 2.0
    return scores


def _neighbour_holdout(bids: pd.DataFrame, train: pd.Index, test: pd.Index, seed: int) -> HoldoutResult:
    return HoldoutResult(neighbour_vote(bids, train, test))


def _transfer_holdout(bids: pd.DataFrame, train: pd.Index, test: pd.Index, seed: int) -> HoldoutResult:
    """The cross-market model (`detectors.cross_market`): training tenders grouped by their `market`
    (one market when the column is absent), features ranked within each market; the test tenders are
    ranked within their own market's test tenders."""
    from detectors.cross_market import Market, fit_cross_market

    b = bids.assign(tender=bids["tender"].astype(str))
    market = (
        b.groupby("tender")["market"].first()
        if "market" in b.columns
        else pd.Series("market", index=b["tender"].unique())
    )
    labels = tender_labels(b)
    feats = cached_features(b)
    train_s = pd.Index(train).astype(str)
    test_s = pd.Index(test).astype(str)
    markets = []
    for name, ts in pd.Series(train_s, index=train_s).groupby(market.reindex(train_s).to_numpy()):
        idx = pd.Index(ts.to_numpy())
        if labels.loc[idx].nunique() == 2:
            markets.append(Market(str(name), feats.loc[idx], labels.loc[idx]))
    if not markets:
        return HoldoutResult(pd.Series(float(labels.loc[train_s].mean()), index=pd.Index(test)))
    model = fit_cross_market(markets, seed=seed)
    out = pd.Series(np.nan, index=test_s, dtype=float)
    for _, ts in pd.Series(test_s, index=test_s).groupby(market.reindex(test_s).to_numpy()):
        idx = pd.Index(ts.to_numpy())
        out.loc[idx] = model.score_features(feats.loc[idx]).to_numpy()
    out.index = pd.Index(test)
    return HoldoutResult(out)


def transfer_oof_scores(bids: pd.DataFrame, folds: pd.Series, seed: int) -> pd.Series:
    parts = [
        _transfer_holdout(bids, folds.index[folds != k], folds.index[folds == k], seed).scores
        for k in sorted(folds.unique())
    ]
    return pd.concat(parts).reindex(folds.index)


MODELS["transfer"] = transfer_oof_scores

HOLDOUT: dict[str, Holdout] = {
    "screens": _screens_holdout,
    "gnn": _gnn_holdout,
    "ensemble": _ensemble_holdout,
    "neighbour": _neighbour_holdout,
    "transfer": _transfer_holdout,
}
