"""The cross-market screens model: fitted on labelled markets, scoring a market it never saw.

A screens classifier fitted inside one market learns that market's scale (how many bids a tender draws, how
far apart honest bids sit, where the winner's rule puts the winning bid). Applied to another market those
learnt cut-offs fall in the wrong place. This model keeps only what can carry over:

- scale-free features of the raw bids (`detectors.screen_stats.tender_features` minus the bid level and the
  bid count, `SCALE_FEATURES`): ratios, shapes and the subgroup screens of Wallimann, Imhof & Huber (2022),
  which compare tenders of different sizes on subsets of the same size;
- optionally each feature turned into its percentile rank *within its own market* (the market being scored
  included, without its labels): a per-market alignment of the marginals, the simplest domain adaptation;
- every market weighs the same in the fit, and inside a market both classes weigh the same, so neither the
  largest market nor the most collusive one sets the decision rule (the collusive share differs from 32 % to
  82 % between García's markets and says nothing about a new one).

Which variant (feature set x normalisation x learner, `CANDIDATES`) is used is chosen inside the training
markets only, by leave-one-market-out among them (`select_candidate`): a market being scored is never used to
choose. With one training market the fixed `DEFAULT` is used.

`fit_cross_market(train)` is the entry point; the fitted `CrossMarketModel` scores one market's bids
(`score_bids`) or feature table (`predict_proba`), and is saved as a versioned file (`save` / `load_model`)
that the `screens_model` detector reads.
"""

from __future__ import annotations

import logging
import platform
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from core.labelled import MIN_BIDS, eligible_labels, load_garcia
from detectors.screen_stats import SCREENS, SUBGROUP_SIZES, SUBGROUP_STATS, tender_features

log = logging.getLogger(__name__)

# bumped whenever features, candidates or the file layout change; stored in every model file
MODEL_VERSION = "1.0.0"
FILE_FORMAT = "licitagraph-screens-model"
# features that carry a market's scale (bid level, bid count): never used across markets
SCALE_FEATURES = ("N", "LOG_N", "LOG_MEDIAN")

CLASSIC = tuple(SCREENS)
SUBGROUP = CLASSIC + tuple(
    f"SG{k}_{s}_{st}" for k in SUBGROUP_SIZES for s in SCREENS for st in SUBGROUP_STATS
)


def scale_free_columns(columns: Sequence[str]) -> tuple[str, ...]:
    return tuple(c for c in columns if c not in SCALE_FEATURES)


# feature set name -> columns (None: every scale-free column of tender_features)
FEATURE_SETS: dict[str, tuple[str, ...] | None] = {
    "classic": CLASSIC,
    "subgroup": SUBGROUP,
    "scale_free": None,
}


class CrossMarketError(ValueError):
    """Labelled markets unusable for a cross-market fit, or a bad model file; the message says why."""


@dataclass(frozen=True)
class Candidate:
    """One variant of the model: which features, how they are normalised per market, which learner."""

    features: str  # a key of FEATURE_SETS
    normalise: str  # "raw" | "rank" (percentile rank within the market)
    learner: str  # "lr" (logistic regression) | "rf" (random forest) | "vote" (mean of the two)

    @property
    def name(self) -> str:
        return f"{self.features}/{self.normalise}/{self.learner}"


CANDIDATES: tuple[Candidate, ...] = tuple(
    Candidate(f, n, lrn)
    for f in ("classic", "subgroup", "scale_free")
    for n in ("raw", "rank")
    for lrn in ("lr", "rf", "vote")
)
# used when there is a single training market (nothing to select on): subgroup screens are built to compare
# tenders of different sizes, ranks align markets, the vote hedges between a linear and a tree model
DEFAULT = Candidate("subgroup", "rank", "vote")


@dataclass
class Market:
    """One labelled (or unlabelled) market: its tender features and, when known, its labels."""

    name: str
    features: pd.DataFrame  # index tender, every column of tender_features
    labels: pd.Series | None = None  # tender -> 0/1, same index (None when unlabelled)


def market_features(bids: pd.DataFrame, min_bids: int = MIN_BIDS) -> pd.DataFrame:
    """Tender features (every column of `tender_features`) of the tenders with `min_bids`+ bids.

    `bids` needs `tender`, `bid` and, when known, `winner`; other columns are ignored."""
    n = bids.groupby("tender")["bid"].transform("size")
    kept = bids[n >= min_bids]
    feats = tender_features(kept)
    return feats.replace([np.inf, -np.inf], np.nan).astype(float)


def market_from_bids(name: str, bids: pd.DataFrame, min_bids: int = MIN_BIDS) -> Market:
    """A Market from normalised bids (`core.labelled.normalize_garcia`); labelled when `label` is there."""
    feats = market_features(bids, min_bids)
    labels = None
    if "label" in bids.columns:
        labels = eligible_labels(bids, min_bids).reindex(feats.index).astype(int)
    return Market(name, feats, labels)


def market_from_file(path: Path, min_bids: int = MIN_BIDS) -> Market:
    """A labelled Market from a García-layout file (`core.labelled.load_garcia`)."""
    return market_from_bids(Path(path).stem, load_garcia(Path(path)), min_bids)


def _columns(candidate: Candidate, available: Sequence[str]) -> list[str]:
    chosen = FEATURE_SETS[candidate.features]
    cols = scale_free_columns(available) if chosen is None else chosen
    return [c for c in cols if c in available]


def prepare(features: pd.DataFrame, columns: Sequence[str], normalise: str) -> pd.DataFrame:
    """One market's feature matrix: the columns, percentile-ranked within this market when `normalise` is
    "rank" (ties share their average rank; missing values stay missing)."""
    X = features.reindex(columns=list(columns)).replace([np.inf, -np.inf], np.nan).astype(float)
    if normalise == "rank":
        X = X.rank(pct=True)
    elif normalise != "raw":
        raise ValueError(f"unknown normalisation {normalise!r}")
    return X


def _balanced_weights(markets: Sequence[Market]) -> np.ndarray:
    """Each market weighs 1 in total, split evenly between its two classes."""
    out = []
    for m in markets:
        assert m.labels is not None
        y = m.labels.to_numpy()
        w = np.zeros(len(y), dtype=float)
        for cls in (0, 1):
            k = int((y == cls).sum())
            if k:
                w[y == cls] = 0.5 / k
        out.append(w / w.sum())
    w = np.concatenate(out)
    return w * len(w) / w.sum()


class _Learner:
    """A fitted learner of one candidate: logistic regression, random forest, or the mean of both."""

    def __init__(self, kind: str, seed: int) -> None:
        from sklearn.ensemble import RandomForestClassifier
        from sklearn.impute import SimpleImputer
        from sklearn.linear_model import LogisticRegression
        from sklearn.pipeline import make_pipeline
        from sklearn.preprocessing import StandardScaler

        if kind not in ("lr", "rf", "vote"):
            raise ValueError(f"unknown learner {kind!r}")
        self.kind = kind
        self.models: list[Any] = []
        if kind in ("lr", "vote"):
            # strong L2: few hundred tenders per market, many correlated features
            self.models.append(
                make_pipeline(
                    SimpleImputer(strategy="median", keep_empty_features=True),
                    StandardScaler(),
                    LogisticRegression(C=0.1, max_iter=5000),
                )
            )
        if kind in ("rf", "vote"):
            self.models.append(
                make_pipeline(
                    SimpleImputer(strategy="median", keep_empty_features=True),
                    RandomForestClassifier(
                        n_estimators=500, min_samples_leaf=3, max_features="sqrt", random_state=seed, n_jobs=1
                    ),
                )
            )

    def fit(self, X: pd.DataFrame, y: np.ndarray, w: np.ndarray) -> _Learner:
        for m in self.models:
            m.fit(X, y, **{f"{m.steps[-1][0]}__sample_weight": w})
        return self

    def predict(self, X: pd.DataFrame) -> np.ndarray:
        return np.mean([m.predict_proba(X)[:, 1] for m in self.models], axis=0)  # type: ignore[no-any-return]


def _fit_candidate(markets: Sequence[Market], candidate: Candidate, seed: int) -> tuple[_Learner, list[str]]:
    cols = _columns(candidate, list(markets[0].features.columns))
    X = pd.concat([prepare(m.features, cols, candidate.normalise) for m in markets])
    y = np.concatenate([m.labels.to_numpy() for m in markets if m.labels is not None])
    return _Learner(candidate.learner, seed).fit(X, y, _balanced_weights(markets)), cols


def _auc(y: np.ndarray, s: np.ndarray) -> float:
    from sklearn.metrics import roc_auc_score

    return float(roc_auc_score(y, s)) if len(np.unique(y)) == 2 else float("nan")


def select_candidate(
    markets: Sequence[Market], candidates: Sequence[Candidate] = CANDIDATES, seed: int = 0
) -> tuple[Candidate, dict[str, dict[str, float]]]:
    """The candidate with the best mean ROC AUC when each training market is scored by a model fitted on
    the other training markets (leave-one-market-out inside the training markets only); and every
    candidate's inner AUC per market. With one market: `DEFAULT`, no inner scores. Ties: the earlier
    candidate (simpler features and learners come first)."""
    if len(markets) < 2:
        return DEFAULT, {}
    table: dict[str, dict[str, float]] = {}
    best, best_score = DEFAULT, -np.inf
    for cand in candidates:
        aucs: dict[str, float] = {}
        for i, held in enumerate(markets):
            rest = [m for j, m in enumerate(markets) if j != i]
            learner, cols = _fit_candidate(rest, cand, seed)
            s = learner.predict(prepare(held.features, cols, cand.normalise))
            assert held.labels is not None
            aucs[held.name] = _auc(held.labels.to_numpy(), s)
        mean = float(np.nanmean(list(aucs.values())))
        table[cand.name] = {**aucs, "mean": mean}
        if mean > best_score:
            best, best_score = cand, mean
    return best, table


@dataclass
class CrossMarketModel:
    """A screens model fitted on labelled markets; scores any market's tenders in [0, 1].

    Scores rank tenders within the market scored (features are ranked within it when the candidate says so);
    they are not calibrated probabilities of that market's collusion rate."""

    candidate: Candidate
    columns: list[str]
    learner: _Learner
    training: dict[str, dict[str, int]]  # market -> tenders, collusive
    selection: dict[str, dict[str, float]] = field(default_factory=dict)
    version: str = MODEL_VERSION
    created: str = ""
    sklearn_version: str = ""
    min_bids: int = MIN_BIDS
    # the labelled markets it was fitted on, kept so that `train --verdicts` can refit it anywhere
    train_markets: list[Market] = field(default_factory=list)
    # local tenders labelled by investigators' verdicts in the last refit, and the share of weight they had
    verdicts: int = 0
    local_weight: float = 0.0

    def predict_proba(self, features: pd.DataFrame) -> np.ndarray:
        """(n, 2) array like sklearn's, for one market's tender features (`market_features`): column 1 is the
        collusion score. All rows must come from the same market (ranks are taken within them)."""
        if features.empty:
            return np.zeros((0, 2))
        p = self.learner.predict(prepare(features, self.columns, self.candidate.normalise))
        return np.column_stack([1.0 - p, p])

    def score_features(self, features: pd.DataFrame) -> pd.Series:
        return pd.Series(self.predict_proba(features)[:, 1], index=features.index, name="score", dtype=float)

    def score_bids(self, bids: pd.DataFrame) -> pd.Series:
        """tender -> score for every tender of one market with `min_bids`+ bids (`tender`, `bid`, `winner`)."""
        return self.score_features(market_features(bids, self.min_bids))

    def describe(self) -> dict[str, Any]:
        """What the model file records besides the fitted learner (written to metrics and logs)."""
        return {
            "format": FILE_FORMAT,
            "version": self.version,
            "candidate": self.candidate.name,
            "features": list(self.columns),
            "training_markets": self.training,
            "n_tenders": sum(v["tenders"] for v in self.training.values()),
            "n_collusive": sum(v["collusive"] for v in self.training.values()),
            "selection": self.selection,
            "min_bids": self.min_bids,
            "verdicts": self.verdicts,
            "local_weight": self.local_weight,
            "created": self.created,
            "sklearn_version": self.sklearn_version,
        }

    def save(self, path: Path) -> Path:
        """Write the model file (joblib; a local artefact under var/, never committed)."""
        import joblib

        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        joblib.dump({**self.describe(), "model": self}, path)
        return path


def load_model(path: Path) -> CrossMarketModel:
    """Read a model file written by `CrossMarketModel.save`; refuses another format or major version.

    The file is a pickle: load only files this installation wrote (the default lives under var/)."""
    import joblib

    try:
        blob = joblib.load(Path(path))
    except Exception as exc:  # any unreadable file is the same user error
        raise CrossMarketError(f"{path}: not a readable screens model file ({exc})") from exc
    if not isinstance(blob, dict) or blob.get("format") != FILE_FORMAT:
        raise CrossMarketError(f"{path}: not a {FILE_FORMAT} file")
    if str(blob.get("version", "")).split(".")[0] != MODEL_VERSION.split(".")[0]:
        raise CrossMarketError(
            f"{path}: model version {blob.get('version')} cannot be read by this code ({MODEL_VERSION}); "
            "retrain it with `licitagraph train-screens`"
        )
    model = blob["model"]
    if not isinstance(model, CrossMarketModel):
        raise CrossMarketError(f"{path}: holds no CrossMarketModel")
    return model


def _as_market(item: Path | str | Market | tuple[str, pd.DataFrame], min_bids: int) -> Market:
    if isinstance(item, Market):
        return item
    if isinstance(item, tuple):
        return market_from_bids(item[0], item[1], min_bids)
    return market_from_file(Path(item), min_bids)


def fit_cross_market(
    train: Sequence[Path | str | Market | tuple[str, pd.DataFrame]],
    seed: int = 0,
    candidates: Sequence[Candidate] | None = CANDIDATES,
    min_bids: int = MIN_BIDS,
) -> CrossMarketModel:
    """Fit the cross-market screens model on labelled markets and return it.

    `train`: García-layout files (paths), `Market`s, or (name, normalised bids) pairs; one item per market
    (a market's tenders are ranked together, so never concatenate markets into one item). With two or more
    markets the variant is chosen by leave-one-market-out among them (`select_candidate`; pass
    `candidates=None` to skip selection and use `DEFAULT`). Score a market with `model.score_bids(bids)`
    (tender -> score) or `model.predict_proba(market_features(bids))`."""
    markets = [_as_market(m, min_bids) for m in train]
    if not markets:
        raise CrossMarketError("fit_cross_market needs at least one labelled market")
    names = [m.name for m in markets]
    if len(set(names)) != len(names):
        raise CrossMarketError(f"training markets need distinct names; got {names}")
    for m in markets:
        if m.labels is None:
            raise CrossMarketError(f"market {m.name} has no labels")
        if m.labels.nunique() < 2:
            raise CrossMarketError(
                f"market {m.name}: its {len(m.labels)} tenders with {min_bids}+ bids hold a single class"
            )
    table: dict[str, dict[str, float]] = {}
    if candidates is None:
        cand = DEFAULT
    else:
        cand, table = select_candidate(markets, candidates, seed)
    learner, cols = _fit_candidate(markets, cand, seed)
    import sklearn

    model = CrossMarketModel(
        candidate=cand,
        columns=cols,
        learner=learner,
        training={
            m.name: {"tenders": len(m.features), "collusive": int(m.labels.sum())}  # type: ignore[union-attr]
            for m in markets
        },
        selection=table,
        created=datetime.now(UTC).isoformat(timespec="seconds"),
        sklearn_version=f"{sklearn.__version__} (python {platform.python_version()})",
        min_bids=min_bids,
        train_markets=list(markets),
    )
    log.info("cross-market model %s fitted on %s", cand.name, ", ".join(names))
    return model


def local_share(n_local: int, prior_tenders: float) -> float:
    """The share of the fit's weight the local verdicts get: n / (n + k). With few verdicts the labelled
    markets decide; with `prior_tenders` verdicts the two weigh the same; beyond, the local data lead."""
    return n_local / (n_local + prior_tenders) if n_local else 0.0


def refit_with_verdicts(
    base: CrossMarketModel,
    local_features: pd.DataFrame,
    local_labels: pd.Series,
    prior_tenders: float = 50.0,
    seed: int = 0,
) -> CrossMarketModel:
    """The model refitted on its labelled markets plus this market's tenders labelled by verdicts.

    `local_features`: every auction of the local market (ranks are taken among all of them, as when scoring);
    `local_labels`: auction -> 0/1 for the labelled ones. The variant (features, normalisation, learner) stays
    the base model's; the local tenders get `local_share` of the weight (both classes alike), the labelled
    markets the rest (each market alike, both classes alike)."""
    if not base.train_markets:
        raise CrossMarketError("the screens model file keeps no training markets; retrain it with train-screens")
    y_local = local_labels.dropna().astype(int)
    if y_local.nunique() < 2:
        raise CrossMarketError(f"the verdicts label {len(y_local)} auctions of a single class: nothing to learn")
    cand, cols = base.candidate, base.columns
    X_local = prepare(local_features, cols, cand.normalise).loc[y_local.index]
    markets = base.train_markets
    X_base = pd.concat([prepare(m.features, cols, cand.normalise) for m in markets])
    y_base = np.concatenate([m.labels.to_numpy() for m in markets if m.labels is not None])
    lam = local_share(len(y_local), prior_tenders)
    w_base = _balanced_weights(markets)
    w_base = w_base / w_base.sum() * (1.0 - lam)
    yl = y_local.to_numpy()
    w_local = np.where(yl == 1, 0.5 / max(int((yl == 1).sum()), 1), 0.5 / max(int((yl == 0).sum()), 1)) * lam
    X = pd.concat([X_base, X_local])
    y = np.concatenate([y_base, yl])
    w = np.concatenate([w_base, w_local])
    learner = _Learner(cand.learner, seed).fit(X, y, w * len(w) / w.sum())
    import sklearn

    return CrossMarketModel(
        candidate=cand, columns=cols, learner=learner,
        training={**{m.name: base.training.get(m.name, {}) for m in markets},
                  "local verdicts": {"tenders": len(yl), "collusive": int(yl.sum())}},
        selection=base.selection, created=datetime.now(UTC).isoformat(timespec="seconds"),
        sklearn_version=f"{sklearn.__version__} (python {platform.python_version()})", min_bids=base.min_bids,
        train_markets=list(markets), verdicts=len(yl), local_weight=round(lam, 4),
    )
