"""`overpricing`: unit price far above what other buyers pay for the same item class, or an award far above
the tender's estimate (sobrepreço).

Every winning unit price (PNCP results and the winning bids of bid exports) is put in its comparison unit
(`Item.price_unit`: a 1 kg package priced per PCT becomes a price per KG, `Item.unit_size`) and moved to
one month's prices with the IPCA (detectors/prices.py). It is then compared with the prices other buyers
(other agencies; never the purchase's own) paid in the same item class (`Item.item_class`, the matched
description class, docs/item-matching.md). It is flagged when it passes two tests: it is an outlier within
its own class (robust z-score of the log price against the other buyers' median and MAD, past
`robust_z_min`, Iglewicz & Hoaglin's 3.5), and it is far above the reference by the market's own standard
(ratio past the upper Tukey fence of all such ratios). The first reads the threshold from the class's own
price distribution; the second keeps small overcharges in tightly priced classes out.
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
from detectors.prices import base_month, to_base_factor


class OverpricingConfig(DetectorConfig):
    min_references: int = 3  # other buyers' prices in the class (never the buyer's own)
    min_buyers: int = 3  # other buyers (agencies) they come from: a reference is never one or two agencies' habit
    price_ratio_min: float | None = None
    estimate_ratio_min: float | None = None
    floor_ratio: float = 1.25
    robust_z_min: float = 3.5
    comparisons_shown: int = 5  # other buyers' purchases listed in the evidence


def _br(x: float, digits: int = 2) -> str:
    """1234.5 -> '1.234,50' (Brazilian number format, for the Portuguese summary)."""
    return f"{x:,.{digits}f}".replace(",", "\u0000").replace(".", ",").replace("\u0000", ".")


class Overpricing(Detector[OverpricingConfig]):
    info = DetectorInfo(
        code="overpricing",
        version="3.0.0",
        title="Preço acima da referência",
        weight=0.8,
        why="O preço unitário está muito acima do que outros órgãos pagam pelo mesmo item (sobrepreço).",
        patterns=("overpricing",),
    )
    Config = OverpricingConfig

    def run(self, tables: GraphTables, config: OverpricingConfig, engine: Any = None) -> list[Finding]:
        return [*self._unit_prices(tables, config), *self._over_estimate(tables, config)]

    def _unit_prices(self, tables: GraphTables, config: OverpricingConfig) -> list[Finding]:
        a = winning_prices(tables)
        if a.empty:
            return []
        # leave-one-buyer-out median and MAD of the deflated log prices: a price is never its own reference
        rows = []
        for _key, g in a.groupby("key", sort=True):
            if g["buyer"].nunique() - 1 < config.min_buyers:
                continue
            rows += _leave_one_group_out(g, config.min_references, by="buyer", value="real_price")
        if not rows:
            return []
        ref = pd.DataFrame(rows, columns=["idx", "reference", "n_refs", "robust_z"]).set_index("idx")
        a = a.join(ref, how="left")
        scored = a[a["reference"].notna()].copy()
        scored["log_ratio"] = np.log(scored["real_price"] / scored["reference"])
        threshold = config.price_ratio_min
        computed = threshold is None
        if threshold is None:
            fence = upper_fence(scored["log_ratio"].tolist())
            threshold = max(math.exp(fence) if fence == fence else config.floor_ratio, config.floor_ratio)
        hits = scored[(np.exp(scored["log_ratio"]) > threshold) & (scored["robust_z"] > config.robust_z_min)]
        base = str(base_month())
        out = []
        for _, r in hits.sort_index().iterrows():
            ratio = float(r["real_price"] / r["reference"])
            reference_then = float(r["reference"] / r["to_base"])  # in money of the purchase's period
            per_bought_unit = reference_then * float(r["unit_size"])
            qty = float(r["quantity"]) if r["quantity"] == r["quantity"] else 1.0
            overcharge = (float(r["unit_value"]) - per_bought_unit) * qty
            others = a[(a["key"] == r["key"]) & (a["buyer"] != r["buyer"])]
            shown = others.assign(_d=(np.log(others["real_price"]) - math.log(r["reference"])).abs())
            shown = shown.sort_values(["_d", "real_price", "tender_id"]).head(config.comparisons_shown)
            comparisons = [
                {
                    "tender": c.tender_id,
                    "item": c.item,
                    "buyer": c.buyer,
                    "buyer_name": c.buyer_name,
                    "period": c.period,
                    "unit_value": round(float(c.unit_value), 4),
                    "unit_raw": c.unit_raw,
                    "price_per_unit": round(float(c.price_per_unit), 4),
                    "deflated_price": round(float(c.real_price), 4),
                }
                for c in shown.itertuples()
            ]
            unit = r["price_unit"]
            out.append(
                make_finding(
                    self,
                    SubjectKind.TENDER,
                    str(r["tender_id"]),
                    excess_score(ratio, threshold),
                    self.title,
                    f"Preço pago de R$ {_br(float(r['price_per_unit']))} por {unit} em {r['item_class']}: "
                    f"{_br(ratio)} vezes a mediana de R$ {_br(reference_then)} por {unit} paga por "
                    f"{int(r['n_buyers'])} outros órgãos (valores corrigidos pelo IPCA).",
                    [
                        Measure(name="unit_price_ratio", value=ratio, threshold=threshold, comparison=">"),
                        Measure(
                            name="robust_z",
                            value=None if math.isinf(r["robust_z"]) else float(r["robust_z"]),
                            threshold=config.robust_z_min,
                            comparison=">",
                        ),
                        Measure(name="unit_value", value=float(r["unit_value"]), unit="R$"),
                        Measure(name="price_per_unit", value=float(r["price_per_unit"]), unit=f"R$/{unit}"),
                        Measure(name="reference_median", value=reference_then, unit=f"R$/{unit}"),
                        Measure(
                            name="n_references",
                            value=int(r["n_refs"]),
                            threshold=config.min_references,
                            comparison=">=",
                        ),
                        Measure(
                            name="reference_buyers",
                            value=int(r["n_buyers"]),
                            threshold=config.min_buyers,
                            comparison=">=",
                        ),
                        Measure(name="estimated_overcharge", value=float(overcharge), unit="R$"),
                    ],
                    [
                        str(r["item"]),
                        str(r["supplier"]),
                        *([str(r["buyer"])] if r["buyer_is_agency"] else []),
                    ],
                    {
                        "kind": "unit_price",
                        "item_class": r["item_class"],
                        "unit": r["unit"],
                        "description": r["description"],
                        "pack": {
                            "unit_raw": r["unit_raw"],
                            "price_unit": unit,
                            "unit_size": float(r["unit_size"]),
                            "converted": float(r["unit_size"]) != 1.0 or r["unit"] != unit,
                        },
                        "deflation": {
                            "index": "IPCA",
                            "purchase_period": r["period"],
                            "base_month": base,
                            "factor_to_base": round(float(r["to_base"]), 6),
                            "reference_at_base": round(float(r["reference"]), 4),
                        },
                        "comparisons": comparisons,
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


def _json(v: Any) -> Any:
    """None for NaN/NaT/NA, the value otherwise (evidence details are JSON)."""
    try:
        return None if v is None or bool(pd.isna(v)) else v
    except (TypeError, ValueError):
        return v


def winning_prices(tables: GraphTables) -> pd.DataFrame:
    """Every winning unit price (PNCP results, winning valid bids) with its item class, comparison unit
    (`price_unit`, `unit_size`), buyer (the tender's agency; the tender itself when it has none), the period
    of the purchase and the price moved to the base month's prices (`real_price`)."""
    aw = tables.get("AWARDED").rename(columns={"src": "item", "dst": "supplier"})
    aw = aw[["item", "supplier", "unit_value", "quantity", "awarded_on"]]
    bids = tables.get("BID")
    won = bids[bids["won"].fillna(False).astype(bool) & bids["status"].fillna("valid").eq("valid")]
    won = won.rename(columns={"src": "supplier", "dst": "item"})[
        ["item", "supplier", "unit_value", "quantity"]
    ]
    won = won.assign(awarded_on=pd.NaT)
    frames = [f for f in (aw, won) if len(f)]
    if not frames:
        return pd.DataFrame()
    p = pd.concat(frames, ignore_index=True).drop_duplicates(["item", "supplier"], keep="first")
    items = tables.get("Item")[
        ["id", "tender_id", "item_class", "unit", "unit_raw", "price_unit", "unit_size", "description"]
    ]
    p = p.merge(items.rename(columns={"id": "item"}), on="item", how="inner")
    p["unit_size"] = p["unit_size"].where(p["unit_size"] > 0, 1.0)
    p["price_unit"] = p["price_unit"].fillna(p["unit"]).fillna("?")
    p = p[p["unit_value"].notna() & (p["unit_value"] > 0) & p["item_class"].notna()]
    tenders = tables.get("Tender")[["id", "agency_id", "published_at", "year"]].rename(
        columns={"id": "tender_id"}
    )
    p = p.merge(tenders, on="tender_id", how="left")
    names = tables.get("Agency")[["id", "name"]].rename(columns={"id": "agency_id", "name": "buyer_name"})
    p = p.merge(names.drop_duplicates("agency_id"), on="agency_id", how="left").reset_index(drop=True)
    p["buyer_is_agency"] = p["agency_id"].notna()
    p["buyer"] = p["agency_id"].fillna(p["tender_id"])
    when = pd.to_datetime(p["awarded_on"], errors="coerce").fillna(
        pd.to_datetime(p["published_at"], errors="coerce")
    )
    months = pd.Series([d.to_period("M") if pd.notna(d) else None for d in when], index=p.index, dtype=object)
    years = pd.Series([float(y) if pd.notna(y) else None for y in p["year"]], index=p.index, dtype=object)
    p["to_base"], p["period"] = to_base_factor(months, years)
    p["price_per_unit"] = p["unit_value"] / p["unit_size"]
    p["real_price"] = p["price_per_unit"] * p["to_base"]
    p["key"] = p["item_class"].astype(str) + "|" + p["price_unit"].astype(str)
    p["n_buyers"] = p.groupby("key")["buyer"].transform("nunique") - 1
    return p


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


def _leave_one_group_out(
    g: pd.DataFrame, min_references: int, by: str = "tender_id", value: str = "unit_value"
) -> list[tuple[Any, float, int, float]]:
    """Per row of one item class: the median `value` of the rows of the other groups (`by`: the other
    buyers), how many they are, and the robust z of the row's log value against their log median and MAD.

    Exact, in O(n log n) per group: the values are sorted once and a group's rows are left out by their
    sorted positions; the MAD's deviations are sorted once per distinct leave-out median (a handful)."""
    prices = g[value].to_numpy(dtype=float)
    logs = np.log(prices)
    n = len(logs)
    order = np.argsort(logs, kind="stable")
    inv = np.empty(n, dtype=np.int64)
    inv[order] = np.arange(n)
    s_log, s_price = logs[order], prices[order]
    deviations: dict[float, tuple[np.ndarray, np.ndarray]] = {}
    out: list[tuple[Any, float, int, float]] = []
    index = g.index.to_numpy()
    for _gid, pos in pd.Series(np.arange(n)).groupby(g[by].to_numpy()).indices.items():
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
