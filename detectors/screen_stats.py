"""Bid screens (Imhof 2018; Huber & Imhof 2019; Wallimann, Imhof & Huber 2022), computed from raw bids.

Every screen works on one tender's bids sorted b1 <= ... <= bn. The functions here are pure numpy and
vectorised over rows: `screens_matrix(B)` takes a (m, k) array whose rows are sorted bid vectors of the
same length and returns one array of m values per screen, so the same code computes a tender's screens
(m = 1) and the screens of every sampled subgroup of 3 or 4 bids (m = number of subgroups).

Definitions (DOMAIN.md):
- CV = s / mean, s the sample standard deviation (ddof = 1)
- SPD = (bn - b1) / b1;  DIFFP = (b2 - b1) / b1
- RD = (b2 - b1) / s_losing, s_losing the sample standard deviation of b2..bn
- RDNOR = (b2 - b1) / mean of the consecutive gaps (b_{i+1} - b_i, i = 1..n-1) = (b2 - b1)(n - 1) / (bn - b1)
- KURT, SKEW: the unbiased (adjusted Fisher-Pearson) sample excess kurtosis G2 and skewness G1
- KS: the Kolmogorov-Smirnov distance between the bids' empirical CDF and the uniform CDF on [b1, bn]
A screen that is undefined (a zero denominator, too few bids) is NaN.
"""

from __future__ import annotations

import itertools
import math
import warnings
from collections.abc import Iterable

import numpy as np
import pandas as pd

SCREENS: tuple[str, ...] = ("CV", "SPD", "DIFFP", "RD", "RDNOR", "KURT", "SKEW", "KS")
SUBGROUP_SIZES: tuple[int, ...] = (3, 4)
SUBGROUP_STATS: tuple[str, ...] = ("mean", "median", "min", "max")
MAX_SUBGROUPS = 300


def _div(num: np.ndarray, den: np.ndarray) -> np.ndarray:
    with np.errstate(divide="ignore", invalid="ignore"):
        out = num / den
    out[~np.isfinite(out)] = np.nan
    return out


def screens_matrix(B: np.ndarray) -> dict[str, np.ndarray]:
    """Screens of every row of `B` (shape (m, k), each row sorted ascending, k >= 2)."""
    B = np.asarray(B, dtype=float)
    if B.ndim != 2:
        raise ValueError("screens_matrix needs a 2-D array of sorted bid rows")
    m, k = B.shape
    nan = np.full(m, np.nan)
    b1 = B[:, 0]
    bn = B[:, -1]
    mean = B.mean(axis=1)
    s = B.std(axis=1, ddof=1) if k >= 2 else nan
    out: dict[str, np.ndarray] = {
        "CV": _div(s, mean),
        "SPD": _div(bn - b1, b1),
        "DIFFP": _div(B[:, 1] - b1, b1) if k >= 2 else nan,
    }
    d1 = B[:, 1] - b1 if k >= 2 else nan
    if k >= 3:
        s_losing = B[:, 1:].std(axis=1, ddof=1)
        out["RD"] = _div(d1, s_losing)
        out["RDNOR"] = _div(d1 * (k - 1), bn - b1)
    else:
        out["RD"] = nan.copy()
        out["RDNOR"] = nan.copy()
    dev = B - mean[:, None]
    m2 = (dev**2).mean(axis=1)
    m3 = (dev**3).mean(axis=1)
    m4 = (dev**4).mean(axis=1)
    if k >= 3:
        g1 = _div(m3, m2**1.5)
        out["SKEW"] = g1 * math.sqrt(k * (k - 1)) / (k - 2)
    else:
        out["SKEW"] = nan.copy()
    if k >= 4:
        g2 = _div(m4, m2**2) - 3.0
        out["KURT"] = ((k + 1) * g2 + 6.0) * (k - 1) / ((k - 2) * (k - 3))
    else:
        out["KURT"] = nan.copy()
    # KS distance to the uniform on [b1, bn]: max over i of max(i/n - u_i, u_i - (i-1)/n).
    u = _div(B - b1[:, None], (bn - b1)[:, None])
    i = np.arange(1, k + 1, dtype=float)
    d_plus = (i / k - u).max(axis=1)
    d_minus = (u - (i - 1) / k).max(axis=1)
    out["KS"] = np.maximum(d_plus, d_minus)
    return {name: out[name] for name in SCREENS}


def screens(bids: Iterable[float]) -> dict[str, float]:
    """The screens of one tender's bids (any order)."""
    b = np.sort(np.asarray(list(bids), dtype=float))
    if b.size < 2:
        return {name: float("nan") for name in SCREENS}
    return {name: float(v[0]) for name, v in screens_matrix(b[None, :]).items()}


def subgroup_indices(n: int, k: int, max_subgroups: int, rng: np.random.Generator) -> np.ndarray:
    """Indices (sorted within each row) of every k-subset of n bids, or a seeded sample of them."""
    total = math.comb(n, k)
    if total <= max_subgroups:
        return np.array(list(itertools.combinations(range(n), k)), dtype=int).reshape(-1, k)
    seen: set[tuple[int, ...]] = set()
    while len(seen) < max_subgroups:
        draw = np.sort(rng.choice(n, size=(max_subgroups, k), replace=True), axis=1)
        for row in draw:
            if len(set(row.tolist())) == k:
                seen.add(tuple(row.tolist()))
                if len(seen) >= max_subgroups:
                    break
    return np.array(sorted(seen), dtype=int)


def subgroup_screens(
    bids: Iterable[float],
    sizes: tuple[int, ...] = SUBGROUP_SIZES,
    max_subgroups: int = MAX_SUBGROUPS,
    seed: int = 0,
) -> dict[str, float]:
    """Screens over every subgroup of `sizes` bids, summarised by mean/median/min/max (Wallimann et al. 2022).

    Keys look like `SG3_CV_mean`. Tenders with more than `max_subgroups` subsets of a size use a seeded
    sample of that many subsets."""
    b = np.sort(np.asarray(list(bids), dtype=float))
    out: dict[str, float] = {}
    for k in sizes:
        names = [f"SG{k}_{s}_{st}" for s in SCREENS for st in SUBGROUP_STATS]
        if b.size < k:
            out.update(dict.fromkeys(names, float("nan")))
            continue
        rng = np.random.default_rng(seed + 1000 * k + b.size)
        idx = subgroup_indices(b.size, k, max_subgroups, rng)
        values = screens_matrix(b[idx])
        for s in SCREENS:
            v = values[s]
            v = v[np.isfinite(v)]
            for st in SUBGROUP_STATS:
                key = f"SG{k}_{s}_{st}"
                if v.size == 0:
                    out[key] = float("nan")
                elif st == "mean":
                    out[key] = float(v.mean())
                elif st == "median":
                    out[key] = float(np.median(v))
                elif st == "min":
                    out[key] = float(v.min())
                else:
                    out[key] = float(v.max())
    return out


def winner_features(bids: np.ndarray, winner: np.ndarray) -> dict[str, float]:
    """Where the winning bid sits among the bids. NaN when no winner is known."""
    order = np.argsort(bids, kind="stable")
    b = bids[order]
    w = winner[order].astype(bool)
    n = b.size
    names = (
        "W_rank",
        "W_is_lowest",
        "W_share",
        "W_to_min",
        "W_to_mean",
        "W_to_median",
        "W_gap_next",
        "W_z",
        "W_losers_mean_gap",
    )
    if not w.any() or n < 2:
        return dict.fromkeys(names, float("nan"))
    wi = int(np.flatnonzero(w)[0])
    wb = b[wi]
    s = b.std(ddof=1)
    above = b[wi + 1 :]
    losers = b[~w]
    return {
        "W_rank": wi / (n - 1),
        "W_is_lowest": float(wi == 0 or wb == b[0]),
        "W_share": float(w.sum()) / n,
        "W_to_min": wb / b[0] - 1.0 if b[0] else float("nan"),
        "W_to_mean": wb / b.mean() - 1.0 if b.mean() else float("nan"),
        "W_to_median": wb / float(np.median(b)) - 1.0 if np.median(b) else float("nan"),
        "W_gap_next": (above[0] - wb) / wb if above.size and wb else float("nan"),
        "W_z": (wb - b.mean()) / s if s > 0 else float("nan"),
        "W_losers_mean_gap": (losers.mean() - wb) / wb if losers.size and wb else float("nan"),
    }


def shape_features(bids: np.ndarray) -> dict[str, float]:
    """Tender-level shape features beyond the classic screens: gaps, ties, clustering, scale."""
    b = np.sort(bids.astype(float))
    n = b.size
    med = float(np.median(b))
    gaps = np.diff(b)
    rel = gaps / med if med else gaps * np.nan
    q1, q3 = np.percentile(b, [25, 75])
    close = np.abs(b[:, None] - b[None, :]) <= 0.01 * med
    np.fill_diagonal(close, False)
    return {
        "N": float(n),
        "LOG_N": math.log(n),
        "LOG_MEDIAN": math.log(med) if med > 0 else float("nan"),
        "IQR_MED": (q3 - q1) / med if med else float("nan"),
        "GAP_MAX": float(rel.max()) if rel.size else float("nan"),
        "GAP_MAX_POS": float(np.argmax(gaps)) / max(n - 2, 1) if gaps.size else float("nan"),
        "GAP_MEAN": float(rel.mean()) if rel.size else float("nan"),
        "GAP_CV": float(gaps.std() / gaps.mean()) if gaps.size and gaps.mean() > 0 else float("nan"),
        "TIES": float((gaps == 0).sum()) / max(n - 1, 1),
        "CLOSE_1PCT": float(close.any(axis=1).mean()),
        "B2_B1": b[1] / b[0] if n >= 2 and b[0] else float("nan"),
        "BN_B2": (b[-1] - b[1]) / (b[1] - b[0]) if n >= 3 and b[1] > b[0] else float("nan"),
        "TOP_SPREAD": (b[-1] - med) / (med - b[0]) if med > b[0] else float("nan"),
    }


def _batch_screens(V: np.ndarray, seed: int, max_subgroups: int) -> dict[str, np.ndarray]:
    """Classic and subgroup screens of m tenders with the same number of bids n (V: (m, n), rows sorted).

    The same as `screens` and `subgroup_screens` row by row (the subgroup sample depends only on n and the
    seed), computed in a few array operations."""
    m, n = V.shape
    out: dict[str, np.ndarray] = dict(screens_matrix(V))
    for k in SUBGROUP_SIZES:
        if n < k:
            for sname in SCREENS:
                for st in SUBGROUP_STATS:
                    out[f"SG{k}_{sname}_{st}"] = np.full(m, np.nan)
            continue
        rng = np.random.default_rng(seed + 1000 * k + n)
        idx = subgroup_indices(n, k, max_subgroups, rng)
        sub = V[:, idx].reshape(-1, k)
        values = screens_matrix(sub)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            for sname in SCREENS:
                v = values[sname].reshape(m, len(idx))
                out[f"SG{k}_{sname}_mean"] = np.nanmean(v, axis=1)
                out[f"SG{k}_{sname}_median"] = np.nanmedian(v, axis=1)
                out[f"SG{k}_{sname}_min"] = np.nanmin(v, axis=1)
                out[f"SG{k}_{sname}_max"] = np.nanmax(v, axis=1)
    return out


def tender_features(bids: pd.DataFrame, seed: int = 0, max_subgroups: int = MAX_SUBGROUPS) -> pd.DataFrame:
    """One row of features per tender from normalized bids (`tender`, `bid`, `winner`); index = tender.

    Uses the bid values and the winner flag only: never firm identities, never precomputed screens.
    Tenders with the same number of bids are screened together (`_batch_screens`)."""
    per: dict[str, tuple[np.ndarray, np.ndarray]] = {}
    for tender, g in bids.groupby("tender", sort=True):
        values = g["bid"].to_numpy(dtype=float)
        win = g["winner"].to_numpy(dtype=bool) if "winner" in g else np.zeros(values.size, dtype=bool)
        per[str(tender)] = (values, win)
    by_n: dict[int, list[str]] = {}
    for t, (values, _) in per.items():
        by_n.setdefault(values.size, []).append(t)
    parts = []
    for n, names in by_n.items():
        if n < 2:
            block = pd.DataFrame(index=names, dtype=float)
        else:
            V = np.sort(np.stack([per[t][0] for t in names]), axis=1)
            block = pd.DataFrame(_batch_screens(V, seed, max_subgroups), index=names)
        extra = pd.DataFrame.from_dict(
            {t: {**winner_features(*per[t]), **shape_features(per[t][0])} for t in names}, orient="index"
        )
        parts.append(pd.concat([block, extra], axis=1))
    columns = list(SCREENS) + [
        f"SG{k}_{s}_{st}" for k in SUBGROUP_SIZES for s in SCREENS for st in SUBGROUP_STATS
    ]
    df = pd.concat(parts) if parts else pd.DataFrame(columns=columns)
    df = df.reindex(columns=columns + [c for c in df.columns if c not in columns]).sort_index()
    df.index.name = "tender"
    return df


# trees per forest of the screens classifier (fixed: no selection on evaluation data)
N_ESTIMATORS = 300


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
