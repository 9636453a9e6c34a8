"""`screens`: bid screens per auction (item), combined per tender into a cover-bidding index, and, when
trained, the calibrated screens classifier's score.

Rule mode (no classifier): every item with `min_bids` valid bids gets four screens whose collusive side does
not depend on the market: RD and DIFFP high (the winner stands apart from the rest), CV low (the bids bunch)
and the winning bid's discount from the buyer's estimate low (nobody competes the price down). Each screen
becomes its percentile rank among all screened items, turned so that 1 is the collusive end; the item's
index is the mean rank. A tender's cover index is the mean over its screened items, standardised against all
items (median and MAD) and weighted by n_items ** 0.25, so a pattern that repeats on every item of a tender
counts more than one odd item. Tenders whose index passes the upper Tukey fence (k = `fence_k`, 1.0) of all
tenders' indexes are flagged (`index_min` overrides the computed fence). Dispensas and other procedures
without an auction are not screened.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from core.domain import Finding, Measure, SubjectKind
from detectors.base import (
    Detector,
    DetectorConfig,
    DetectorInfo,
    GraphTables,
    bids_with_tender,
    design_effect_z,
    excess_score,
    make_finding,
    oneway_icc,
    upper_fence,
)
from detectors.screen_stats import screens_matrix, tender_features

log = logging.getLogger(__name__)

# screen -> the side cover bidding pushes it to. KURT and SKEW are reported but not used: their direction
# differs between markets (García et al. 2022: collusive KURT is higher in Ticino, lower in Italy), while
# these four move the same way wherever losers bid to lose.
COVER_SIDE: dict[str, str] = {"RD": ">", "DIFFP": ">", "CV": "<", "DISCOUNT": "<"}
REPORTED = ("KURT", "SKEW", "SPD")
SCALE_FEATURES = ("LOG_MEDIAN",)


# dispensa, inexigibilidade, credenciamento, inaplicabilidade: no auction, prices set against the estimate
NON_COMPETITIVE_MODALITIES = (8, 9, 12, 14)


class ScreensConfig(DetectorConfig):
    min_bids: int = 3
    excluded_modalities: tuple[int, ...] = NON_COMPETITIVE_MODALITIES
    index_min: float | None = None
    fence_k: float = 1.0
    min_screens: int = 3
    garcia_files: tuple[str, ...] = ()
    probability_min: float = 0.5


@dataclass(frozen=True)
class CoverIndex:
    """Per-item screens and ranks, per-tender cover index, and the threshold that flags a tender."""

    items: pd.DataFrame  # index item: tender, N, the screens, their ranks, item index, bidders
    tenders: pd.DataFrame  # index tender: index, n_items, median of each screen
    threshold: float
    computed: bool
    quartiles: dict[str, float]  # each screen's quartile on its collusive side, for the evidence
    market: dict[str, float]  # all items' mean and sd of the item index, and its intraclass correlation

    def z_of(self, items: list[Any] | pd.Index) -> tuple[float, int]:
        """The cover z of any set of screened items (a group's joint items), against the same market,
        with its item count; (nan, 0) when none is screened."""
        it = self.items.reindex([i for i in items if i in self.items.index])
        if it.empty or not self.market:
            return float("nan"), 0
        m = self.market
        return design_effect_z(float(it["item_index"].mean()), len(it), m["center"], m["sd"], m["icc"]), len(
            it
        )

    def flagged(self) -> pd.DataFrame:
        t = self.tenders
        return t[t["index"] > self.threshold] if self.threshold == self.threshold else t.iloc[:0]


def item_screens(bids: pd.DataFrame, items: pd.DataFrame, min_bids: int = 3) -> pd.DataFrame:
    """Screens of every item with at least `min_bids` valid positive bids (one row per item).

    DISCOUNT = 1 - lowest unit bid / the item's estimated unit value (NaN without an estimate)."""
    b = bids[bids["value"].notna() & (bids["value"] > 0)]
    counts = b.groupby("item").size()
    b = b[b["item"].map(counts) >= min_bids]
    cols = ["tender", "N", *COVER_SIDE, *REPORTED, "bidders"]
    if b.empty:
        return pd.DataFrame(columns=cols)
    rows: list[pd.DataFrame] = []
    for k, names in counts[counts >= min_bids].groupby(counts).groups.items():
        # items with the same number of bids are screened together: sorted by item then value, every block
        # of k rows is one item's sorted bid vector
        sub = b[b["item"].isin(names)].sort_values(["item", "value"], kind="stable")
        V = sub["value"].to_numpy(float).reshape(-1, int(k))
        s = screens_matrix(V)
        # covers that tie exactly leave RD's denominator at zero: the most cover-like case, not an undefined one
        tied = np.isnan(s["RD"]) & (V[:, 1] > V[:, 0]) & (V[:, 1:].max(axis=1) == V[:, 1:].min(axis=1))
        s["RD"] = np.where(tied, np.inf, s["RD"])
        rows.append(
            pd.DataFrame(
                {c: s[c] for c in ("RD", "DIFFP", "CV", *REPORTED)}, index=sub["item"].to_numpy()[:: int(k)]
            )
        )
    out = pd.concat(rows)
    first = b.drop_duplicates("item").set_index("item")
    out["tender"] = first["tender"].reindex(out.index)
    out["N"] = b.groupby("item").size().reindex(out.index).astype(float)
    unit = b["unit_value"].where(b["unit_value"] > 0, b["value"] / b["quantity"].where(b["quantity"] > 0))
    low = unit.groupby(b["item"]).min()
    est = items.set_index("id")["estimated_unit_value"] if len(items) else pd.Series(dtype=float)
    est = est[~est.index.duplicated()].reindex(out.index)
    with np.errstate(divide="ignore", invalid="ignore"):
        out["DISCOUNT"] = np.where(est > 0, 1.0 - low.reindex(out.index) / est, np.nan)
    out["bidders"] = b.groupby("item")["supplier"].apply(lambda s: sorted(set(s))).reindex(out.index)
    out.index.name = "item"
    finite = [c for c in (*COVER_SIDE, *REPORTED) if c != "RD"]
    out[finite] = out[finite].replace([np.inf, -np.inf], np.nan)
    return out[cols]


def cover_index(
    tables: GraphTables,
    min_bids: int = 3,
    index_min: float | None = None,
    fence_k: float = 1.0,
    min_screens: int = 3,
    excluded_modalities: tuple[int, ...] = NON_COMPETITIVE_MODALITIES,
) -> CoverIndex:
    """The cover-bidding index of every tender with screened items (see the module docstring)."""
    bids = bids_with_tender(tables)
    t = tables.get("Tender")
    skip = set(t.loc[t["modality_id"].isin(list(excluded_modalities)), "id"])
    items = item_screens(bids[~bids["tender"].isin(skip)], tables.get("Item"), min_bids)
    ranks = pd.DataFrame(index=items.index)
    quartiles: dict[str, float] = {}
    for screen, side in COVER_SIDE.items():
        v = pd.to_numeric(items[screen], errors="coerce")
        r = v.rank(pct=True)
        ranks[screen] = r if side == ">" else 1.0 - r + 1.0 / max(int(v.notna().sum()), 1)
        q = v.quantile(0.75 if side == ">" else 0.25)
        quartiles[screen] = float(q) if q == q else float("nan")
    enough = ranks.notna().sum(axis=1) >= min(min_screens, len(COVER_SIDE))
    items = items.assign(item_index=ranks.mean(axis=1).where(enough))
    for screen in COVER_SIDE:
        items[f"rank_{screen}"] = ranks[screen]
    scored = items[items["item_index"].notna()]
    if scored.empty:
        empty = pd.DataFrame(columns=["index", "mean_rank", "n_items", *COVER_SIDE])
        return CoverIndex(items, empty, float("nan"), index_min is None, quartiles, {})
    g = scored.groupby("tender")
    # A tender's mean item rank as a z against all items: the items of one tender share bidders and buyer
    # (on real data they are strongly alike), so n items weigh as n / (1 + (n - 1) * icc) independent
    # ones, the intraclass correlation measured on the same data.
    center = float(scored["item_index"].mean())
    sd = float(scored["item_index"].std(ddof=1)) if len(scored) > 1 else float("nan")
    icc = oneway_icc(scored["item_index"], scored["tender"])
    mean_rank = g["item_index"].mean()
    n_items = g.size()
    z = [
        design_effect_z(float(m), float(n), center, sd, icc)
        for m, n in zip(mean_rank.to_numpy(), n_items.to_numpy(), strict=True)
    ]
    tenders = pd.DataFrame({"index": z, "mean_rank": mean_rank, "n_items": n_items}, index=mean_rank.index)
    for screen in (*COVER_SIDE, *REPORTED):
        tenders[screen] = g[screen].median()
    computed = index_min is None
    threshold = upper_fence(tenders["index"].tolist(), fence_k) if computed else float(index_min)  # type: ignore[arg-type]
    market = {"center": center, "sd": sd, "icc": icc}
    return CoverIndex(scored, tenders, float(threshold), computed, quartiles, market)


def cached_cover_index(tables: GraphTables, min_bids: int = 3) -> CoverIndex:
    """`cover_index` with the default fence, computed once per tables object (screens, cobidding and
    loser_winner all read it)."""
    return tables.memo(("cover_index", min_bids), lambda: cover_index(tables, min_bids))


class Screens(Detector[ScreensConfig]):
    info = DetectorInfo(
        code="screens",
        version="3.0.0",
        title="Lances com padrão estatístico de conluio",
        weight=0.6,
        why=(
            "A dispersão dos lances é típica de conluio: lances de cobertura e diferença atípica entre o "
            "vencedor e os demais (Imhof 2018; Huber & Imhof 2019)."
        ),
        patterns=("cover_bidding",),
    )
    Config = ScreensConfig

    def run(self, tables: GraphTables, config: ScreensConfig, engine: Any = None) -> list[Finding]:
        default = (
            config.index_min is None
            and config.fence_k == 1.0
            and config.min_screens == 3
            and config.excluded_modalities == NON_COMPETITIVE_MODALITIES
        )
        ci = (
            cached_cover_index(tables, config.min_bids)
            if default
            else cover_index(
                tables,
                config.min_bids,
                config.index_min,
                config.fence_k,
                config.min_screens,
                config.excluded_modalities,
            )
        )
        if ci.tenders.empty:
            return []
        proba = self._classifier_scores(tables, config)
        t_proba = proba.groupby(ci.items["tender"].reindex(proba.index)).mean() if proba is not None else None
        out: list[Finding] = []
        for tender, row in ci.tenders.iterrows():
            p = float(t_proba[tender]) if t_proba is not None and tender in t_proba.index else None
            hit_rule = ci.threshold == ci.threshold and row["index"] > ci.threshold
            hit_model = p is not None and p >= config.probability_min
            if not (hit_rule or hit_model):
                continue
            its = ci.items[ci.items["tender"] == tender]
            measures = [
                Measure(
                    name="cover_index",
                    value=float(row["index"]),
                    threshold=ci.threshold,
                    comparison=">",
                ),
                Measure(name="mean_item_rank", value=float(row["mean_rank"])),
                Measure(name="n_items", value=int(row["n_items"])),
                Measure(name="n_bids_median", value=float(its["N"].median())),
            ]
            for screen, side in COVER_SIDE.items():
                v = row[screen]
                measures.append(
                    Measure(
                        name=f"{screen}_median",
                        value=float(v) if np.isfinite(v) else None,
                        threshold=ci.quartiles[screen] if np.isfinite(ci.quartiles[screen]) else None,
                        comparison=side,
                    )
                )
            for screen in REPORTED:
                v = row[screen]
                measures.append(Measure(name=f"{screen}_median", value=None if v != v else float(v)))
            if p is not None:
                measures.append(
                    Measure(
                        name="classifier_probability",
                        value=p,
                        threshold=config.probability_min,
                        comparison=">=",
                    )
                )
            score = excess_score(float(row["index"]), ci.threshold) if hit_rule else 0.0
            if p is not None:
                score = max(score, p)
            bidders = sorted({s for bs in its["bidders"] for s in bs})
            out.append(
                make_finding(
                    self,
                    SubjectKind.TENDER,
                    str(tender),
                    score,
                    self.title,
                    f"{int(row['n_items'])} item(ns) com lances de cobertura típicos: vencedor isolado "
                    f"(DIFFP mediano {row['DIFFP']:.1%}), perdedores agrupados (CV mediano {row['CV']:.3f}) e "
                    f"desconto baixo sobre o estimado; índice {row['index']:.2f} acima do limite {ci.threshold:.2f}.",
                    measures,
                    [str(tender), *its.index.astype(str), *bidders],
                    {
                        "items": {str(i): round(float(v), 4) for i, v in its["item_index"].items()},
                        "threshold_computed": ci.computed,
                        "screens": list(COVER_SIDE),
                        "rule_hit": bool(hit_rule),
                    },
                )
            )
        return out

    @staticmethod
    def _classifier_scores(tables: GraphTables, config: ScreensConfig) -> pd.Series | None:
        """Per-item probabilities of the screens classifier trained on `garcia_files` (None when unset)."""
        if not config.garcia_files:
            return None
        from core.labelled import eligible_labels, load_garcia
        from detectors.screen_stats import make_screens_classifier

        bids = bids_with_tender(tables)
        bids = bids[bids["value"].notna() & (bids["value"] > 0)]
        n = bids.groupby("item")["supplier"].transform("size")
        bids = bids[n >= config.min_bids]
        if bids.empty:
            return None
        norm = pd.DataFrame(
            {
                "tender": bids["item"].astype(str),
                "bid": bids["value"].astype(float),
                "winner": bids["won"].astype(bool),
            }
        )
        feats = tender_features(norm).replace([np.inf, -np.inf], np.nan)
        frames, labels = [], []
        for i, path in enumerate(config.garcia_files):
            g = load_garcia(Path(path))
            g["tender"] = f"{i}:" + g["tender"]
            lab = eligible_labels(g)
            frames.append(tender_features(g[g["tender"].isin(lab.index)]).loc[lab.index])
            labels.append(lab)
        X = pd.concat(frames).replace([np.inf, -np.inf], np.nan)
        cols = [c for c in X.columns if c not in SCALE_FEATURES]
        clf = make_screens_classifier(seed=0)
        clf.fit(X[cols], pd.concat(labels).to_numpy())  # type: ignore[attr-defined]
        return pd.Series(clf.predict_proba(feats[cols])[:, 1], index=feats.index)  # type: ignore[attr-defined]
