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


def _group_screens(codes: np.ndarray, b: np.ndarray, n_groups: int) -> np.ndarray:
    """`screens` for every group at once: rows sorted by (code, bid), codes 0..n_groups-1.

    Returns an (n_groups, len(SCREEN_NAMES)) array with NaN where a screen is undefined.
    """
    out = np.full((n_groups, len(SCREEN_NAMES)), np.nan)
    n = np.bincount(codes, minlength=n_groups).astype(float)
    start = np.concatenate([[0], np.cumsum(n)[:-1]]).astype(int)
    has = n > 0
    pos = np.arange(len(b)) - start[codes]  # 0-based rank within the group
    with np.errstate(divide="ignore", invalid="ignore"):
        mean = np.bincount(codes, b, n_groups) / n
        dev = b - mean[codes]
        s = np.sqrt(np.bincount(codes, dev**2, n_groups) / (n - 1))
        b1 = np.where(has, b[np.minimum(start, len(b) - 1)], np.nan)
        b2 = np.where(n >= 2, b[np.minimum(start + 1, len(b) - 1)], np.nan)
        last = np.minimum(start + n.astype(int) - 1, len(b) - 1)
        bn = np.where(has, b[np.maximum(last, 0)], np.nan)
        ok = (n >= 2) & (b1 > 0)
        out[:, 0] = np.where(ok, s / mean, np.nan)
        out[:, 1] = np.where(ok, (bn - b1) / b1, np.nan)
        out[:, 2] = np.where(ok, (b2 - b1) / b1, np.nan)
        losing = pos > 0
        n_l = n - 1
        mean_l = np.bincount(codes[losing], b[losing], n_groups) / n_l
        s_l = np.sqrt(
            np.bincount(codes[losing], (b[losing] - mean_l[codes[losing]]) ** 2, n_groups) / (n_l - 1)
        )
        out[:, 3] = np.where(ok & (n >= 3) & (s_l > 0), (b2 - b1) / s_l, np.nan)
        rng = bn - b1
        unif = (b - b1[codes]) / rng[codes]
        ecdf = (pos + 1) / n[codes]
        dist = np.abs(ecdf - unif)
        ks: np.ndarray = np.full(n_groups, np.nan)
        valid = has & (rng > 0)
        if len(b):
            mx = np.maximum.reduceat(
                np.where(np.isfinite(dist), dist, -np.inf), np.minimum(start, len(b) - 1)
            )
            ks = np.where(valid, mx, np.nan)
        out[:, 6] = np.where(ok & (n >= 3), ks, np.nan)
        z = dev / s[codes]
        z3 = np.bincount(codes, np.where(np.isfinite(z), z**3, 0.0), n_groups)
        z4 = np.bincount(codes, np.where(np.isfinite(z), z**4, 0.0), n_groups)
        skew = n / ((n - 1) * (n - 2)) * z3
        kurt = n * (n + 1) / ((n - 1) * (n - 2) * (n - 3)) * z4 - 3 * (n - 1) ** 2 / ((n - 2) * (n - 3))
        out[:, 5] = np.where(ok & (n >= 3) & (s > 0), skew, np.nan)
        out[:, 4] = np.where(ok & (n >= 4) & (s > 0), kurt, np.nan)
    return out


def tender_features(bt: pd.DataFrame, tenders: list[str]) -> np.ndarray:
    """TENDER_FEATURES for `tenders` (in that order) from a `bid_table` frame (vectorized)."""
    t_index = pd.Index(tenders)
    df = bt.assign(code=t_index.get_indexer(bt["tender"]))
    df = df[(df["code"] >= 0) & np.isfinite(df["bid"].to_numpy(dtype=float))]
    df = df.sort_values(["code", "bid"], kind="stable")
    nt = len(tenders)
    codes = df["code"].to_numpy()
    b = df["bid"].to_numpy(dtype=float)
    sc = _group_screens(codes, b, nt)
    g = df.groupby("code")
    n = np.bincount(codes, minlength=nt).astype(float)
    min_bid = g["bid"].min().reindex(range(nt)).to_numpy()
    win = df[df["winner"]]
    wl = (win["is_lowest"] > 0).groupby(win["code"]).max().reindex(range(nt), fill_value=False).astype(float)
    wr = win.groupby("code")["rank_frac"].min().reindex(range(nt)).fillna(0.0)
    est_min = est_mean = np.full(nt, np.nan)
    if "estimate" in df.columns:
        est = pd.to_numeric(df["estimate"], errors="coerce")
        est = est.where(est > 0)
        e = est.groupby(df["code"]).median().reindex(range(nt)).to_numpy()
        mean_bid = g["bid"].mean().reindex(range(nt)).to_numpy()
        with np.errstate(divide="ignore", invalid="ignore"):
            est_min, est_mean = min_bid / e, mean_bid / e
    anon = (
        df["firm"].isna().groupby(df["code"]).mean().reindex(range(nt)).fillna(0.0) if "firm" in df else 0.0
    )
    with np.errstate(divide="ignore", invalid="ignore"):
        mat = np.column_stack(
            [
                sc,
                np.log1p(n),
                np.where(
                    np.isfinite(min_bid), np.log10(np.maximum(np.nan_to_num(min_bid, nan=1.0), 1.0)), 0.0
                ),
                np.asarray(wl),
                np.asarray(wr),
                np.where(est_min > 0, np.log(est_min), np.nan),
                np.where(est_mean > 0, np.log(est_mean), np.nan),
                np.isfinite(est_min).astype(float),
                np.asarray(anon) * np.ones(nt),
            ]
        )
    return _finite(mat).reshape(nt, len(TENDER_FEATURES))


def firm_features(bt: pd.DataFrame, firms: list[str], anonymous: set[str]) -> np.ndarray:
    """FIRM_FEATURES for `firms` from a `bid_table` frame whose `firm` column is filled (no None).

    Co-bidding statistics: how many distinct rivals a firm met, the share of its tenders in which its
    most frequent rival also bid (a stable group gives values near 1), and the mean over its tenders of
    the fraction of rivals it had already met elsewhere. They use only bids and winners (observable
    facts), never collusion labels.
    """
    bt = bt[["tender", "firm", "winner", "norm_value", "rank_frac"]].assign(
        log_norm=lambda d: np.log(d["norm_value"].clip(lower=1e-9))
    )
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
    idx = pd.Index(firms)
    nt = n_tenders.reindex(idx).fillna(1.0).to_numpy(dtype=float)
    pf = per_firm.reindex(idx)
    n = pf["n"].fillna(0.0).to_numpy(dtype=float)
    out = np.column_stack(
        [
            np.log1p(n),
            pf["wins"].fillna(0.0).to_numpy(dtype=float) / np.maximum(n, 1.0),
            pf["norm"].fillna(0.0).to_numpy(dtype=float),
            pf["rank"].fillna(0.0).to_numpy(dtype=float),
            np.log1p(n_co.reindex(idx).fillna(0.0).to_numpy(dtype=float)),
            top_k.reindex(idx).fillna(0.0).to_numpy(dtype=float) / nt,
            repeat.reindex(idx).fillna(0.0).to_numpy(dtype=float)
            / np.maximum(total.reindex(idx).fillna(0.0).to_numpy(dtype=float), 1.0),
            np.array([f in anonymous for f in firms], dtype=float),
        ]
    ).reshape(len(firms), len(FIRM_FEATURES))
    return _finite(out)


def standardize(x: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Z-score columns (constant columns left at 0); returns the matrix and the mean/std used."""
    mean = x.mean(axis=0) if len(x) else np.zeros(x.shape[1])
    std = x.std(axis=0) if len(x) else np.ones(x.shape[1])
    std = np.where(std > 1e-12, std, 1.0)
    return (x - mean) / std, mean, std
