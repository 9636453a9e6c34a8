"""`overpricing`: unit price far above a robust reference for the same item class and unit, or an award far
above the tender's estimate (sobrepreço).

A unit price is flagged when it passes two tests against the prices other tenders paid for the same item
class and unit: it is far above their median by the market's own standard (ratio past the upper Tukey fence
of all such ratios) and it is an outlier within its own class (robust z-score of the log price, median and
MAD of the other tenders, past `robust_z_min`, Iglewicz & Hoaglin's 3.5). The first keeps small overcharges
in tightly priced classes out; the second keeps the ordinary spread of classes whose prices vary a lot out.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd

from core.domain import Finding, Measure, SubjectKind
from detectors.base import (
    Detector,
    DetectorConfig,
    DetectorInfo,
    GraphTables,
    excess_score,
    make_finding,
    upper_fence,
)


class OverpricingConfig(DetectorConfig):
    min_references: int = 3
    price_ratio_min: float | None = None
    estimate_ratio_min: float | None = None
    floor_ratio: float = 1.25
    robust_z_min: float = 3.5


class Overpricing(Detector[OverpricingConfig]):
    info = DetectorInfo(
        code="overpricing",
        version="2.0.0",
        title="Preço acima da referência",
        weight=0.8,
        why="O preço unitário está muito acima do que outros órgãos pagam pelo mesmo item (sobrepreço).",
        patterns=("overpricing",),
    )
    Config = OverpricingConfig

    def run(self, tables: GraphTables, config: OverpricingConfig, engine: Any = None) -> list[Finding]:
        return [*self._unit_prices(tables, config), *self._over_estimate(tables, config)]

    def _unit_prices(self, tables: GraphTables, config: OverpricingConfig) -> list[Finding]:
        aw = tables.get("AWARDED")
        items = tables.get("Item")[["id", "tender_id", "item_class", "unit"]]
        a = aw.merge(items, left_on="src", right_on="id", how="inner")
        a = a[a["unit_value"].notna() & (a["unit_value"] > 0) & a["item_class"].notna()]
        if a.empty:
            return []
        a = a.assign(key=a["item_class"].astype(str) + "|" + a["unit"].fillna("?").astype(str))
        # Leave-one-tender-out median and MAD of log prices: a price is never its own reference.
        rows = []
        for _key, g in a.groupby("key"):
            if g["tender_id"].nunique() <= config.min_references:
                continue
            rows += _leave_one_tender_out(g, config.min_references)
        if not rows:
            return []
        ref = pd.DataFrame(rows, columns=["idx", "reference", "n_refs", "robust_z"]).set_index("idx")
        a = a.join(ref, how="inner")
        a["log_ratio"] = np.log(a["unit_value"] / a["reference"])
        threshold = config.price_ratio_min
        computed = threshold is None
        if threshold is None:
            fence = upper_fence(a["log_ratio"].tolist())
            threshold = max(math.exp(fence) if fence == fence else config.floor_ratio, config.floor_ratio)
        out = []
        hits = (a["unit_value"] / a["reference"] > threshold) & (a["robust_z"] > config.robust_z_min)
        for _, r in a[hits].iterrows():
            ratio = float(r["unit_value"] / r["reference"])
            overcharge = (r["unit_value"] - r["reference"]) * (
                r["quantity"] if r["quantity"] == r["quantity"] else 1.0
            )
            out.append(
                make_finding(
                    self,
                    SubjectKind.TENDER,
                    str(r["tender_id"]),
                    excess_score(ratio, threshold),
                    self.title,
                    f"Preço unitário homologado {ratio:.2f} vezes a mediana paga por outros órgãos pelo mesmo item e unidade.",
                    [
                        Measure(name="unit_price_ratio", value=ratio, threshold=threshold, comparison=">"),
                        Measure(
                            name="robust_z",
                            value=None if math.isinf(r["robust_z"]) else float(r["robust_z"]),
                            threshold=config.robust_z_min,
                            comparison=">",
                        ),
                        Measure(name="unit_value", value=float(r["unit_value"]), unit="R$"),
                        Measure(name="reference_median", value=float(r["reference"]), unit="R$"),
                        Measure(
                            name="n_references",
                            value=int(r["n_refs"]),
                            threshold=config.min_references,
                            comparison=">=",
                        ),
                        Measure(name="estimated_overcharge", value=float(overcharge), unit="R$"),
                    ],
                    [str(r["src"]), str(r["dst"])],
                    {
                        "kind": "unit_price",
                        "item_class": r["item_class"],
                        "unit": r["unit"],
                        "threshold_computed": computed,
                    },
                )
            )
        return out

    def _over_estimate(self, tables: GraphTables, config: OverpricingConfig) -> list[Finding]:
        t = tables.get("Tender")
        t = t[(t["estimated_value"] > 0) & (t["awarded_value"] > 0)]
        if t.empty:
            return []
        ratio = t["awarded_value"] / t["estimated_value"]
        threshold = config.estimate_ratio_min
        computed = threshold is None
        if threshold is None:
            fence = upper_fence(np.log(ratio).tolist())
            threshold = max(math.exp(fence) if fence == fence else config.floor_ratio, config.floor_ratio)
        out = []
        for (_, r), q in zip(t.iterrows(), ratio, strict=True):
            if q <= threshold:
                continue
            out.append(
                make_finding(
                    self,
                    SubjectKind.TENDER,
                    str(r["id"]),
                    excess_score(float(q), threshold),
                    "Valor homologado acima do estimado",
                    f"O valor homologado é {q:.2f} vezes o valor estimado da contratação.",
                    [
                        Measure(
                            name="awarded_to_estimate", value=float(q), threshold=threshold, comparison=">"
                        ),
                        Measure(name="awarded_value", value=float(r["awarded_value"]), unit="R$"),
                        Measure(name="estimated_value", value=float(r["estimated_value"]), unit="R$"),
                    ],
                    [str(r["agency_id"])],
                    {"kind": "over_estimate", "threshold_computed": computed},
                )
            )
        return out


def _median_without(sorted_vals: np.ndarray, removed: list[int]) -> float:
    """Median of `sorted_vals` without the elements at the (ascending) positions `removed`, in O(len(removed))."""
    m = len(sorted_vals) - len(removed)

    def at(rank: int) -> float:
        idx = rank
        for p in removed:  # ascending: each removed position at or before the target shifts it right
            if p <= idx:
                idx += 1
        return float(sorted_vals[idx])

    if m % 2:
        return at(m // 2)
    return float(np.mean([at(m // 2 - 1), at(m // 2)]))


def _leave_one_tender_out(g: pd.DataFrame, min_references: int) -> list[tuple[Any, float, int, float]]:
    """Per awarded row of one item class and unit: the median unit price of the other tenders' rows, how
    many they are, and the robust z of the row's log price against their log median and MAD.

    Exact, in O(n log n) per group: the values are sorted once and a tender's rows are left out by their
    sorted positions; the MAD's deviations are sorted once per distinct leave-out median (a handful)."""
    prices = g["unit_value"].to_numpy(dtype=float)
    logs = np.log(prices)
    n = len(logs)
    order = np.argsort(logs, kind="stable")
    inv = np.empty(n, dtype=np.int64)
    inv[order] = np.arange(n)
    s_log, s_price = logs[order], prices[order]
    deviations: dict[float, tuple[np.ndarray, np.ndarray]] = {}
    out: list[tuple[Any, float, int, float]] = []
    index = g.index.to_numpy()
    for _tid, pos in pd.Series(np.arange(n)).groupby(g["tender_id"].to_numpy()).indices.items():
        k = len(pos)
        if n - k < min_references:
            continue
        removed = sorted(int(p) for p in inv[pos])
        med = _median_without(s_log, removed)
        ref = _median_without(s_price, removed)
        if med not in deviations:
            d = np.abs(logs - med)
            d_order = np.argsort(d, kind="stable")
            d_inv = np.empty(n, dtype=np.int64)
            d_inv[d_order] = np.arange(n)
            deviations[med] = (d[d_order], d_inv)
        d_sorted, d_inv = deviations[med]
        mad = _median_without(d_sorted, sorted(int(p) for p in d_inv[pos]))
        for p in pos:
            lv = logs[p]
            z = 0.6745 * (lv - med) / mad if mad > 0 else (math.inf if lv > med else 0.0)
            out.append((index[p], ref, n - k, z))
    return out
