"""`cobidding`: stable co-bidding groups whose joint bids look like cover bidding and whose wins are
shared among the members (rotation, or market sharing across agencies or item classes).

Every cut-off comes from the data it runs on:
- regular partners: pairs that bid in the same tenders at least `min_cobids` times, by default the upper
  Tukey fence of the joint-tender counts of every co-bidding pair (and at least 2: "again");
- cover evidence: a pair is linked when its joint screened items (auctions where both bid), taken
  together, pass the screens' tender threshold (`screens`: the same design-effect z against all items and
  the same upper fence over tenders), so a pair's link means "their joint auctions look as cover-like as
  a tender the screens flag";
- communities are the connected components of the linked pairs (the graph engine: networkx or
  GraphFrames); a community is flagged when its joint items, taken together, pass the same threshold and
  two or more members win among them (one beneficiary with covers is `loser_winner`'s pattern).
Meeting often and winning by turns alone does not tell a cartel from honest regulars in a small market,
so the cover evidence is required; the members' win share against the share a draw among the bidders
would give them is reported beside it.
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
    clip01,
    make_finding,
    upper_fence,
)
from detectors.graph_engines import GraphEngine, NetworkxEngine
from detectors.screens import CoverIndex, cached_cover_index


class CobiddingConfig(DetectorConfig):
    min_cobids: int | None = None
    min_members: int = 2
    max_members: int | None = None


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


def regular_pairs(bids: pd.DataFrame, min_cobids: int | None = None) -> tuple[pd.DataFrame, int]:
    """Pairs that meet again and again: joint tenders at or above `min_cobids` (default: the upper Tukey
    fence of the joint-tender counts of every co-bidding pair, and at least 2: "again")."""
    e = cobid_edges(bids)
    if min_cobids is None:
        fence = upper_fence(e["weight"].astype(float).tolist()) if len(e) else float("nan")
        min_cobids = max(2, math.floor(fence) + 1 if fence == fence else 2)
    return e[e["weight"] >= min_cobids].reset_index(drop=True), int(min_cobids)


def _auctions(bids: pd.DataFrame) -> tuple[dict[str, set[str]], dict[str, str | None], dict[str, list[str]]]:
    """item -> bidders, item -> winner (None when nobody won), tender -> items."""
    b = bids[bids["item"].notna()]
    bidders = b.groupby("item")["supplier"].agg(set).to_dict()
    won = b[b["won"]].drop_duplicates("item").set_index("item")["supplier"].to_dict()
    winner = {i: won.get(i) for i in bidders}
    items = b.drop_duplicates("item").groupby("tender")["item"].agg(list).to_dict()
    return bidders, winner, items


def dominance(
    members: set[str],
    tenders: list[str],
    bidders: dict[str, set[str]],
    winner: dict[str, str | None],
    items_of: dict[str, list[str]],
) -> dict[str, Any]:
    """The members' take of their joint auctions (items where two or more members bid and somebody won):
    items won, by whom, and the share a draw among the bidders would give them (members bidding /
    bidders, item by item), for the evidence."""
    diffs: list[float] = []
    n_items = won = 0
    expected = 0.0
    wins: dict[str, int] = {}
    joint_items: list[str] = []
    for t in tenders:
        obs = exp = 0.0
        k = 0
        for i in items_of.get(t, []):
            bs = bidders.get(i, set())
            inside = len(bs & members)
            w = winner.get(i)
            if inside < 2 or w is None:
                continue
            k += 1
            joint_items.append(i)
            e = inside / len(bs)
            exp += e
            if w in members:
                obs += 1
                wins[w] = wins.get(w, 0) + 1
        if k:
            diffs.append(obs - exp)
            n_items += k
            won += int(obs)
            expected += exp
    return {
        "joint_tenders": len(diffs),
        "joint_items": n_items,
        "joint_item_ids": joint_items,
        "won": won,
        "win_share": won / n_items if n_items else 0.0,
        "expected_share": expected / n_items if n_items else 0.0,
        "wins": wins,
    }


def cover_pairs(
    bids: pd.DataFrame, cover: CoverIndex, min_cobids: int | None
) -> tuple[pd.DataFrame, dict[str, Any]]:
    """Regular pairs with the cover z of their joint screened items (items where both bid), and whether
    it passes the screens' tender threshold (`linked`): taken together, the pair's joint auctions look
    as cover-like as a tender the screens flag. Plus the cut-offs used."""
    pairs, min_cobids = regular_pairs(bids, min_cobids)
    items_of = bids.groupby("supplier")["item"].agg(set).to_dict()
    screened = set(cover.items.index)
    zs, ns, joint = [], [], []
    for a, b in zip(pairs["src"], pairs["dst"], strict=True):
        both = sorted((items_of[a] & items_of[b]) & screened)
        z, n = cover.z_of(both)
        zs.append(z)
        ns.append(n)
        joint.append(both)
    out = pairs.assign(cover_z=zs, cover_items=ns, joint_items=joint)
    thr = cover.threshold
    out["linked"] = (out["cover_z"] > thr) if thr == thr else False
    return out, {"min_cobids": min_cobids, "cover_threshold": thr, "pairs_tested": len(out)}


def cached_cover_pairs(
    tables: GraphTables, bids: pd.DataFrame, cover: CoverIndex, min_cobids: int | None
) -> tuple[pd.DataFrame, dict[str, Any]]:
    """`cover_pairs`, computed once per tables object (cobidding and loser_winner)."""
    return tables.memo(("cover_pairs", min_cobids), lambda: cover_pairs(bids, cover, min_cobids))


def communities(edges: pd.DataFrame, engine: GraphEngine) -> pd.Series:
    """supplier -> community label: the connected components of `edges` (src, dst)."""
    if edges.empty:
        return pd.Series(dtype=object, name="component")
    return engine.connected_components(edges[["src", "dst"]])


class Cobidding(Detector[CobiddingConfig]):
    info = DetectorInfo(
        code="cobidding",
        version="3.0.0",
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
        cover = cached_cover_index(tables)
        pairs, cut = cached_cover_pairs(tables, bids, cover, config.min_cobids)
        comp = communities(pairs[pairs["linked"]], engine)
        bidders, winner, items_of = _auctions(bids)
        tenders = tables.get("Tender").set_index("id")
        tenders_of = bids.groupby("supplier")["tender"].agg(set).to_dict()
        max_members = config.max_members
        out: list[Finding] = []
        for label, members_s in comp.groupby(comp):
            members = sorted(members_s.index)
            if len(members) < config.min_members or (max_members is not None and len(members) > max_members):
                continue
            mset = set(members)
            joint = sorted(
                t
                for t in set().union(*(tenders_of[m] for m in members))
                if sum(t in tenders_of[m] for m in members) >= 2
            )
            d = dominance(mset, joint, bidders, winner, items_of)
            # a shared take (two or more members win), not one beneficiary: that is loser_winner's pattern
            if len(d["wins"]) < 2:
                continue
            cover_z, cover_n = cover.z_of(d["joint_item_ids"])
            if not cover_z > cut["cover_threshold"]:
                continue
            signals = community_signals(bids, members, tenders, cover)
            inner = pairs[pairs["linked"] & pairs["src"].isin(mset)]
            excess = (d["win_share"] - d["expected_share"]) / max(1e-9, 1 - d["expected_share"])
            cover_term = 0.5 * (1 + math.erf(cover_z / math.sqrt(2)))
            score = min(1.0, 0.5 + 0.2 * clip01(excess) + 0.15 * signals["rotation"] + 0.15 * cover_term)
            measures = [
                Measure(name="members", value=len(members), threshold=config.min_members, comparison=">="),
                Measure(
                    name="pair_joint_tenders_min",
                    value=int(inner["weight"].min()),
                    threshold=cut["min_cobids"],
                    comparison=">=",
                ),
                Measure(name="joint_tenders", value=d["joint_tenders"]),
                Measure(name="joint_items", value=d["joint_items"]),
                Measure(
                    name="cover_z",
                    value=cover_z,
                    threshold=cut["cover_threshold"],
                    comparison=">",
                ),
                Measure(name="cover_items", value=cover_n),
                Measure(name="member_win_share", value=d["win_share"]),
                Measure(name="expected_win_share", value=d["expected_share"]),
                Measure(name="winning_members", value=len(d["wins"]), threshold=2, comparison=">="),
                Measure(name="rotation", value=signals["rotation"]),
                Measure(name="market_sharing", value=signals["market_sharing"]),
                Measure(name="cover_share", value=signals["cover_share"]),
                Measure(name="cover_margin_median", value=signals["cover_margin_median"]),
            ]
            shown = joint[:200]
            for m in members:
                out.append(
                    make_finding(
                        self,
                        SubjectKind.SUPPLIER,
                        m,
                        score,
                        self.title,
                        f"Grupo de {len(members)} fornecedores disputou junto {d['joint_tenders']} contratações "
                        f"({d['joint_items']} itens), venceu {d['win_share']:.0%} desses itens (esperado pela "
                        f"concorrência: {d['expected_share']:.0%}), alternando os vencedores, e os lances "
                        f"conjuntos têm padrão de cobertura (z {cover_z:.2f} acima do limite "
                        f"{cut['cover_threshold']:.2f} do mercado).",
                        measures,
                        [*members, *shown],
                        {
                            "community": label,
                            "wins_by_member": {str(k): int(v) for k, v in sorted(d["wins"].items())},
                            "joint_tenders": shown,
                            "cover_tenders": signals["cover_tender_ids"][:200],
                            "min_cobids_computed": config.min_cobids is None,
                            "pairs_tested": cut["pairs_tested"],
                            "cover_threshold_computed": cover.computed,
                        },
                    )
                )
        return out


def community_signals(
    bids: pd.DataFrame, members: list[str], tenders: pd.DataFrame, cover: CoverIndex | None = None
) -> dict[str, Any]:
    """Cartel signals of one community measured on its joint auctions (items where two or more members
    bid): rotation of the wins among members, market sharing by agency or item class, cover bidding."""
    mset = set(members)
    mb = bids[bids["supplier"].isin(mset)]
    per_item = mb.groupby("item")["supplier"].nunique()
    joint_items = set(per_item[per_item >= 2].index)
    per_tender = mb.groupby("tender")["supplier"].nunique()
    joint = sorted(per_tender[per_tender >= 2].index)
    any_member = set(mb["tender"])
    jb = bids[bids["item"].isin(joint_items)]
    winners = jb[jb["won"]].drop_duplicates("item").set_index("item")
    member_wins = winners[winners["supplier"].isin(mset)]
    wins = member_wins["supplier"].value_counts()
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
        wt = member_wins.reset_index()[["item", "tender", "supplier", "item_class"]]
        wt["agency"] = wt["tender"].map(tenders["agency_id"]) if "agency_id" in tenders else None
        for key in ("agency", "item_class"):
            g = wt.dropna(subset=[key]).groupby(key)["supplier"]
            if g.ngroups >= 2 and g.agg(lambda s: s.value_counts().index[0]).nunique() >= 2:
                market = max(market, float(g.agg(lambda s: s.value_counts().iloc[0] / len(s)).mean()))
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
        "member_win_share": n_win / max(len(joint_items), 1),
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
