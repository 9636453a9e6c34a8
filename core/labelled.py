"""Labelled bid data in García et al.'s layout: the reader that the screens detector trains on and
`licitagraph evaluate` scores against.

One row per bid with `Tender`, `Competitors` (firm id, may be empty or absent), `Bid_value`, `Winner`,
`Collusive_competitor` (label, constant within a tender); any other column is ignored. This is an input
contract shared by two layers (detectors and evaluation), so it lives here, with pandas only.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

GARCIA_REQUIRED = ("Tender", "Bid_value", "Winner", "Collusive_competitor")
MIN_BIDS = 3


class LabelledInputError(ValueError):
    """The labelled input is malformed; the message says where."""


def normalize_garcia(raw: pd.DataFrame) -> pd.DataFrame:
    """Normalize a García-layout frame to `tender` (str), `firm` (str|None), `bid`, `winner`, `label`."""
    missing = [c for c in GARCIA_REQUIRED if c not in raw.columns]
    if missing:
        raise LabelledInputError(f"García input lacks column(s) {missing}; has {list(raw.columns)}")
    df = pd.DataFrame(
        {
            "tender": raw["Tender"].map(_as_key),
            "firm": raw["Competitors"].map(_as_key) if "Competitors" in raw.columns else None,
            "bid": pd.to_numeric(raw["Bid_value"], errors="coerce").astype(float),
            "winner": pd.to_numeric(raw["Winner"], errors="coerce").fillna(0).astype(float) > 0,
            "label": pd.to_numeric(raw["Collusive_competitor"], errors="coerce"),
        }
    )
    if df["tender"].isna().any():
        raise LabelledInputError(f"{int(df['tender'].isna().sum())} row(s) have no Tender")
    bad_bid = df["bid"].isna() | ~np.isfinite(df["bid"]) | (df["bid"] <= 0)
    if bad_bid.any():
        rows = (np.flatnonzero(bad_bid.to_numpy()) + 2).tolist()[:10]
        raise LabelledInputError(f"Bid_value must be a positive number; bad at file line(s) {rows}")
    if df["label"].isna().any() or not df["label"].isin([0, 1]).all():
        raise LabelledInputError("Collusive_competitor must be 0 or 1 on every row")
    df["label"] = df["label"].astype(int)
    varying = df.groupby("tender")["label"].nunique()
    varying = varying[varying > 1]
    if len(varying):
        raise LabelledInputError(
            f"Collusive_competitor must be constant within a tender; it varies in {len(varying)} tender(s), "
            f"e.g. {list(varying.index[:5])}"
        )
    df["firm"] = df["firm"].astype(object).where(df["firm"].notna(), None)
    return df


def _as_key(v: Any) -> str | None:
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return None
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    s = str(v).strip()
    return s or None


def load_garcia(path: Path) -> pd.DataFrame:
    if not path.exists():
        raise LabelledInputError(f"input file {path} does not exist")
    return normalize_garcia(pd.read_csv(path))


def eligible_labels(bids: pd.DataFrame, min_bids: int = MIN_BIDS) -> pd.Series:
    """Tender -> label for the tenders with at least `min_bids` bids."""
    g = bids.groupby("tender")
    n = g.size()
    labels = g["label"].first().astype(int)
    return labels[n >= min_bids].sort_index()
