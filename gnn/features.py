"""Numeric features of the GNN's nodes: bid screens per tender and bidding statistics per firm.

The screens follow Imhof (2018) and Huber & Imhof (2019) as written in ../shared/DOMAIN.md; they are
computed here with small numpy helpers so the GNN does not depend on the detectors package. Every
feature is a plain float (NaN replaced by 0 and a companion "missing" flag where it matters), in a fixed
order given by the `*_FEATURES` tuples, which is the feature schema saved with each checkpoint.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

SCREEN_NAMES: tuple[str, ...] = ("cv", "spd", "diffp", "rd", "kurt", "skew", "ks")

TENDER_FEATURES: tuple[str, ...] = (
    *SCREEN_NAMES,
    "log_n_bids",
    "log_min_bid",
    "winner_is_lowest",
    "winner_rank_frac",
    "est_ratio_min",
    "est_ratio_mean",
    "has_estimate",
    "n_anonymous_frac",
)

FIRM_FEATURES: tuple[str, ...] = (
    "log_n_bids",
    "win_rate",
    "mean_norm_bid",
    "mean_rank_frac",
    "log_n_cobidders",
    "top_cobidder_share",
    "repeat_cobid_rate",
    "anonymous",
)

BID_EDGE_FEATURES: tuple[str, ...] = ("log_norm_value", "rank_frac", "winner", "is_lowest")


def screens(values: np.ndarray) -> dict[str, float]:
    """The bid screens of one auction (NaN where undefined, e.g. RD with fewer than 3 bids)."""
    b = np.sort(np.asarray(values, dtype=float))
    b = b[np.isfinite(b)]
    out = dict.fromkeys(SCREEN_NAMES, float("nan"))
    n = b.size
    if n < 2 or b[0] <= 0:
        return out
    mean = b.mean()
    s = b.std(ddof=1)
    out["cv"] = s / mean if mean else float("nan")
    out["spd"] = (b[-1] - b[0]) / b[0]
    out["diffp"] = (b[1] - b[0]) / b[0]
    if n >= 3:
        s_losing = b[1:].std(ddof=1)
        out["rd"] = (b[1] - b[0]) / s_losing if s_losing > 0 else float("nan")
        rng = b[-1] - b[0]
        if rng > 0:
            ecdf = np.arange(1, n + 1) / n
            unif = (b - b[0]) / rng
            out["ks"] = float(np.max(np.abs(ecdf - unif)))
    if n >= 3 and s > 0:
        z = (b - mean) / s
        out["skew"] = float(n / ((n - 1) * (n - 2)) * np.sum(z**3))
    if n >= 4 and s > 0:
        z = (b - mean) / s
        out["kurt"] = float(
            n * (n + 1) / ((n - 1) * (n - 2) * (n - 3)) * np.sum(z**4)
            - 3 * (n - 1) ** 2 / ((n - 2) * (n - 3))
        )
    return out


def _finite(x: pd.Series | np.ndarray, clip: float = 50.0) -> np.ndarray:
    a = np.asarray(x, dtype=float)
    a = np.where(np.isfinite(a), a, 0.0)
    return np.clip(a, -clip, clip)


def bid_table(bids: pd.DataFrame) -> pd.DataFrame:
    """Normalize a bids frame (tender, firm, bid, winner[, estimate]) and add per-bid measures.

    Adds `norm_value` (bid / lowest bid of the tender), `rank` (1 = lowest, ties share the lowest
    rank), `n_bids`, `rank_frac` ((rank-1)/(n-1), 0 when alone) and `is_lowest`.
    """
    df = bids.copy()
    df["tender"] = df["tender"].astype(str)
    df["bid"] = pd.to_numeric(df["bid"], errors="coerce").astype(float)
    df["winner"] = df["winner"].fillna(False).astype(bool)
    g = df.groupby("tender", sort=False)["bid"]
    df["min_bid"] = g.transform("min")
    df["n_bids"] = g.transform("size").astype(float)
    with np.errstate(divide="ignore", invalid="ignore"):
        df["norm_value"] = df["bid"] / df["min_bid"]
    df["rank"] = g.rank(method="min")
    df["rank_frac"] = np.where(df["n_bids"] > 1, (df["rank"] - 1) / (df["n_bids"] - 1).clip(lower=1), 0.0)
    df["is_lowest"] = (df["rank"] == 1).astype(float)
    return df


def tender_features(bt: pd.DataFrame, tenders: list[str]) -> np.ndarray:
    """TENDER_FEATURES for `tenders` (in that order) from a `bid_table` frame."""
    rows: dict[str, list[float]] = {}
    has_est = "estimate" in bt.columns
    for tender, grp in bt.groupby("tender", sort=False):
        vals = grp["bid"].to_numpy(dtype=float)
        sc = screens(vals)
        win = grp.loc[grp["winner"]]
        winner_is_lowest = float(bool(len(win)) and bool(win["is_lowest"].max() > 0))
        winner_rank_frac = float(win["rank_frac"].min()) if len(win) else 0.0
        est_min = est_mean = float("nan")
        if has_est:
            est = pd.to_numeric(grp["estimate"], errors="coerce").to_numpy(dtype=float)
            est = est[np.isfinite(est) & (est > 0)]
            if est.size:
                e = float(np.median(est))
                est_min = float(np.nanmin(vals) / e)
                est_mean = float(np.nanmean(vals) / e)
        anon = grp["firm"].isna().mean() if "firm" in grp else 0.0
        rows[str(tender)] = [
            *(sc[k] for k in SCREEN_NAMES),
            float(np.log1p(len(grp))),
            float(np.log10(max(float(np.nanmin(vals)), 1.0))) if np.isfinite(vals).any() else 0.0,
            winner_is_lowest,
            winner_rank_frac,
            np.log(est_min) if np.isfinite(est_min) and est_min > 0 else float("nan"),
            np.log(est_mean) if np.isfinite(est_mean) and est_mean > 0 else float("nan"),
            float(np.isfinite(est_min)),
            float(anon),
        ]
    empty = [float("nan")] * len(TENDER_FEATURES)
    mat = np.array([rows.get(t, empty) for t in tenders], dtype=float)
    return _finite(mat).reshape(len(tenders), len(TENDER_FEATURES))


def firm_features(bt: pd.DataFrame, firms: list[str], anonymous: set[str]) -> np.ndarray:
    """FIRM_FEATURES for `firms` from a `bid_table` frame whose `firm` column is filled (no None).

    Co-bidding statistics: how many distinct rivals a firm met, the share of its tenders in which its
    most frequent rival also bid (a stable group gives values near 1), and the mean over its tenders of
    the fraction of rivals it had already met elsewhere. They use only bids and winners (observable
    facts), never collusion labels.
    """
    bt = bt[["tender", "firm", "winner", "norm_value", "rank_frac"]]
    per_firm = bt.groupby("firm", sort=False).agg(
        n=("tender", "size"),
        wins=("winner", "sum"),
        norm=(
            "norm_value",
            lambda s: float(np.nanmean(np.log(s.clip(lower=1e-9)))) if s.notna().any() else 0.0,
        ),
        rank=("rank_frac", "mean"),
    )
    pairs = bt[["tender", "firm"]].drop_duplicates()
    # Co-bidder pairs via a self-join; tenders with very many bidders are subsampled to bound the cost.
    big = pairs.groupby("tender")["firm"].transform("size") > 200
    small_pairs = pairs[~big]
    joined = small_pairs.merge(small_pairs, on="tender", suffixes=("", "_o"))
    joined = joined[joined["firm"] != joined["firm_o"]]
    pair_counts = joined.groupby(["firm", "firm_o"], sort=False).size().rename("k").reset_index()
    n_co = pair_counts.groupby("firm")["firm_o"].size()
    top_k = pair_counts.groupby("firm")["k"].max()
    repeat = pair_counts.assign(rep=(pair_counts["k"] > 1) * pair_counts["k"]).groupby("firm")["rep"].sum()
    total = pair_counts.groupby("firm")["k"].sum()
    n_tenders = pairs.groupby("firm").size()
    out = np.zeros((len(firms), len(FIRM_FEATURES)), dtype=float)
    idx = {f: i for i, f in enumerate(firms)}
    for f, row in per_firm.iterrows():
        i = idx.get(str(f))
        if i is None:
            continue
        nt = float(n_tenders.get(f, 1))
        out[i] = [
            np.log1p(row["n"]),
            row["wins"] / max(row["n"], 1),
            row["norm"],
            row["rank"],
            np.log1p(float(n_co.get(f, 0))),
            float(top_k.get(f, 0)) / nt,
            float(repeat.get(f, 0)) / max(float(total.get(f, 0)), 1.0),
            float(str(f) in anonymous),
        ]
    return _finite(out)


def standardize(x: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Z-score columns (constant columns left at 0); returns the matrix and the mean/std used."""
    mean = x.mean(axis=0) if len(x) else np.zeros(x.shape[1])
    std = x.std(axis=0) if len(x) else np.ones(x.shape[1])
    std = np.where(std > 1e-12, std, 1.0)
    return (x - mean) / std, mean, std
