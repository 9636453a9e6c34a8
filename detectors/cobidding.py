"""`cobidding`: stable co-bidding communities with cartel signals (rotation of winners or market sharing
across agencies or item classes) backed by cover bidding on the group's joint tenders.

Suppliers are linked when they bid in the same tender at least `min_cobids` times and their tender sets
overlap strongly (Jaccard index); communities are the connected components of that graph (computed by
the graph engine, networkx or GraphFrames). Rotation alone does not tell a cartel from honest regulars who
meet often and win by turns by chance, so a community is flagged only when most of its joint tenders also
look like cover bidding (the `screens` cover index past its fence: a member wins alone, the other members
bunch just above it, the price stays close to the estimate).
"""

from __future__ import annotations

import math
from itertools import combinations
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
    make_finding,
    upper_fence,
)
from detectors.graph_engines import GraphEngine, NetworkxEngine
from detectors.screens import CoverIndex, cached_cover_index


class CobiddingConfig(DetectorConfig):
    min_cobids: int = 3
    min_jaccard: float | None = None
    floor_jaccard: float = 0.5
    min_members: int = 2
    max_members: int = 30
    min_joint_tenders: int = 4
    min_win_share: float = 0.75
    min_signal: float = 0.5
    min_cover_share: float = 0.5


def cobid_edges(bids: pd.DataFrame) -> pd.DataFrame:
    """Supplier pairs (src < dst), the number of tenders where both bid (`weight`) and the Jaccard index of
    their tender sets (`jaccard`: joint tenders / tenders of either)."""
    pairs: dict[tuple[str, str], int] = {}
    for _, sups in bids.groupby("tender")["supplier"]:
        for a, b in combinations(sorted(set(sups)), 2):
            pairs[(a, b)] = pairs.get((a, b), 0) + 1
    if not pairs:
        return pd.DataFrame(columns=["src", "dst", "weight", "jaccard"])
    n = bids.groupby("supplier")["tender"].nunique()
    e = pd.DataFrame([(a, b, w) for (a, b), w in pairs.items()], columns=["src", "dst", "weight"])
    e["jaccard"] = e["weight"] / (e["src"].map(n) + e["dst"].map(n) - e["weight"])
    return e


def strong_edges(
    bids: pd.DataFrame, min_cobids: int, min_jaccard: float | None, floor_jaccard: float
) -> tuple[pd.DataFrame, float]:
    """Links of regular partners: at least `min_cobids` tenders together and a Jaccard index of at least
    `min_jaccard` (default: the upper Tukey fence of the Jaccard indexes of every co-bidding pair, kept
    within [`floor_jaccard`, 0.9]), so that in a dense market big firms that meet everywhere are not a
    community."""
    e = cobid_edges(bids)
    if min_jaccard is None:
        fence = upper_fence(e["jaccard"].tolist()) if len(e) else float("nan")
        min_jaccard = min(max(floor_jaccard, fence), 0.9) if fence == fence else floor_jaccard
    e = e[(e["weight"] >= min_cobids) & (e["jaccard"] >= min_jaccard)]
    return e, float(min_jaccard)


def communities(
    bids: pd.DataFrame,
    engine: GraphEngine,
    min_cobids: int = 3,
    min_jaccard: float | None = None,
    floor_jaccard: float = 0.5,
) -> tuple[pd.Series, float]:
    """supplier -> community label for suppliers with a strong co-bidding link, and the Jaccard threshold used."""
    strong, jac = strong_edges(bids, min_cobids, min_jaccard, floor_jaccard)
    if strong.empty:
        return pd.Series(dtype=object, name="component"), jac
    return engine.connected_components(strong[["src", "dst"]]), jac


class Cobidding(Detector[CobiddingConfig]):
    info = DetectorInfo(
        code="cobidding",
        version="2.0.0",
        title="Grupo estável de licitantes com sinais de cartel",
        weight=0.8,
        why=(
            "Um grupo estável de empresas disputa junto repetidas vezes; é o padrão de rodízio de "
            "vencedores e divisão de mercado."
        ),
        patterns=("bid_rotation",),
    )
    Config = CobiddingConfig
    needs_graph_engine = True

    def run(self, tables: GraphTables, config: CobiddingConfig, engine: Any = None) -> list[Finding]:
        engine = engine or NetworkxEngine()
        bids = bids_with_tender(tables)
        if bids.empty:
            return []
        min_cobids = config.min_cobids
        computed = config.min_jaccard is None
        comp, min_jaccard = communities(bids, engine, min_cobids, config.min_jaccard, config.floor_jaccard)
        tenders = tables.get("Tender").set_index("id")
        cover = cached_cover_index(tables)
        out: list[Finding] = []
        for label, members_s in comp.groupby(comp):
            members = sorted(members_s.index)
            if not config.min_members <= len(members) <= config.max_members:
                continue
            signals = community_signals(bids, members, tenders, cover)
            if (
                signals["joint_tenders"] < config.min_joint_tenders
                or signals["member_win_share"] < config.min_win_share
            ):
                continue
            signal = max(signals["rotation"], signals["market_sharing"])
            if signal < config.min_signal or signals["cover_share"] < config.min_cover_share:
                continue
            score = min(
                1.0, 0.25 + 0.25 * signals["member_win_share"] + 0.25 * signal + 0.25 * signals["cover_share"]
            )
            measures = [
                Measure(name="members", value=len(members), threshold=config.min_members, comparison=">="),
                Measure(name="min_cobids", value=min_cobids, comparison="tenders together >="),
                Measure(name="min_jaccard", value=min_jaccard, comparison="tender-set overlap >="),
                Measure(
                    name="joint_tenders",
                    value=signals["joint_tenders"],
                    threshold=config.min_joint_tenders,
                    comparison=">=",
                ),
                Measure(
                    name="member_win_share",
                    value=signals["member_win_share"],
                    threshold=config.min_win_share,
                    comparison=">=",
                ),
                Measure(
                    name="rotation", value=signals["rotation"], threshold=config.min_signal, comparison=">="
                ),
                Measure(
                    name="market_sharing",
                    value=signals["market_sharing"],
                    threshold=config.min_signal,
                    comparison=">=",
                ),
                Measure(
                    name="cover_share",
                    value=signals["cover_share"],
                    threshold=config.min_cover_share,
                    comparison=">=",
                ),
                Measure(
                    name="cover_index_threshold",
                    value=cover.threshold if cover.threshold == cover.threshold else None,
                    comparison="joint tender counts as cover bidding when its index >",
                ),
                Measure(name="cover_margin_median", value=signals["cover_margin_median"]),
                Measure(name="cover_margin_iqr", value=signals["cover_margin_iqr"]),
                Measure(name="stability", value=signals["stability"]),
            ]
            joint = signals["joint_tender_ids"][:200]
            for m in members:
                out.append(
                    make_finding(
                        self,
                        SubjectKind.SUPPLIER,
                        m,
                        score,
                        self.title,
                        f"Grupo de {len(members)} fornecedores disputou junto {signals['joint_tenders']} contratações e "
                        f"venceu {signals['member_win_share']:.0%} delas, com revezamento ou divisão de mercado; "
                        f"{signals['cover_share']:.0%} dessas disputas têm lances de cobertura.",
                        measures,
                        [*members, *joint],
                        {
                            "community": label,
                            "wins_by_member": signals["wins_by_member"],
                            "cover_tenders": signals["cover_tender_ids"][:200],
                            "min_jaccard_computed": computed,
                            "cover_threshold_computed": cover.computed,
                        },
                    )
                )
        return out


def community_signals(
    bids: pd.DataFrame, members: list[str], tenders: pd.DataFrame, cover: CoverIndex | None = None
) -> dict[str, Any]:
    """Cartel signals of one community measured on the tenders where two or more members bid."""
    mset = set(members)
    mb = bids[bids["supplier"].isin(mset)]
    per_tender = mb.groupby("tender")["supplier"].nunique()
    joint = sorted(per_tender[per_tender >= 2].index)
    any_member = set(mb["tender"])
    jb = bids[bids["tender"].isin(joint)]
    winners = jb[jb["won"]].drop_duplicates("tender").set_index("tender")["supplier"]
    member_wins = winners[winners.isin(mset)]
    wins = member_wins.value_counts()
    n_win = int(wins.sum())
    # rotation: how evenly wins spread over members (normalized entropy), 0 when one member takes all
    if len(wins) >= 2 and n_win:
        p = wins.to_numpy() / n_win
        rotation = float(-(p * np.log(p)).sum() / math.log(len(members)))
    else:
        rotation = 0.0
    # market sharing: members win in different agencies (or item classes), each mostly held by one member
    market = 0.0
    if len(wins) >= 2:
        wt = pd.DataFrame({"tender": member_wins.index, "supplier": member_wins.to_numpy()})
        wt["agency"] = wt["tender"].map(tenders["agency_id"]) if "agency_id" in tenders else None
        cls = jb.drop_duplicates("tender").set_index("tender")["item_class"]
        wt["item_class"] = wt["tender"].map(cls)
        for key in ("agency", "item_class"):
            g = wt.dropna(subset=[key]).groupby(key)["supplier"]
            if g.ngroups >= 2:
                dominance = g.agg(lambda s: s.value_counts().iloc[0] / len(s))
                split = wt.dropna(subset=[key]).groupby("supplier")[key].nunique().gt(0).sum() >= 2
                if split and g.agg(lambda s: s.value_counts().index[0]).nunique() >= 2:
                    market = max(market, float(dominance.mean()))
    margins = cover_margins(jb, mset)
    cover_ids: list[str] = []
    if cover is not None and cover.threshold == cover.threshold:
        idx = cover.tenders["index"]
        cover_ids = [t for t in joint if t in idx.index and idx[t] > cover.threshold]
    q1, q3 = np.percentile(margins, [25, 75]) if margins else (float("nan"), float("nan"))
    return {
        "joint_tenders": len(joint),
        "joint_tender_ids": joint,
        "stability": len(joint) / max(len(any_member), 1),
        "member_win_share": n_win / max(len(joint), 1),
        "rotation": rotation,
        "market_sharing": market,
        "cover_share": len(cover_ids) / max(len(joint), 1),
        "cover_tender_ids": cover_ids,
        "cover_margin_median": float(np.median(margins)) if margins else None,
        "cover_margin_iqr": float(q3 - q1) if margins else None,
        "wins_by_member": {str(k): int(v) for k, v in wins.items()},
    }


def cover_margins(bids: pd.DataFrame, members: set[str]) -> list[float]:
    """Per item won by a member: how far the cheapest losing member bid sits above the winning bid."""
    mb = bids[bids["supplier"].isin(members)]
    out: list[float] = []
    for _, g in mb.groupby("item"):
        won = g[g["won"]]
        lost = g[~g["won"]]
        if won.empty or lost.empty:
            continue
        wv, lv = float(won["value"].min()), float(lost["value"].min())
        if wv > 0 and lv == lv:
            out.append((lv - wv) / wv)
    return out
