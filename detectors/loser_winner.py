"""`loser_winner`: the loser -> winner graph ranked within co-bidding groups.

Groups are the connected components of regular pairs whose joint auctions look like cover bidding (the
links of `cobidding`: joint-tender count past its fence, joint items' cover z past the screens' tender
threshold). Every losing bid draws an edge from the loser to the item's winner; inside a group the member
that the others keep losing to ranks first by PageRank. It is flagged when at least two members lose to
it, it wins more of the items it disputes with them than its fair share (what a draw among each item's
bidders would give it), and those items, taken together, pass the screens' threshold too. Its lead over
the second (PageRank ratio) is reported; `min_share_ratio` adds it as a condition.
"""

from __future__ import annotations

import math
from typing import Any

import pandas as pd

from core.domain import Finding, Measure, SubjectKind
from detectors.base import (
    Detector,
    DetectorConfig,
    DetectorInfo,
    GraphTables,
    bids_with_tender,
    make_finding,
)
from detectors.cobidding import _auctions, cached_cover_pairs, communities, dominance
from detectors.graph_engines import NetworkxEngine
from detectors.screens import cached_cover_index


class LoserWinnerConfig(DetectorConfig):
    min_cobids: int | None = None
    min_members: int = 3
    min_share_ratio: float | None = None
    min_distinct_losers: int = 2


def loser_winner_edges(bids: pd.DataFrame) -> pd.DataFrame:
    winners = bids[bids["won"]][["item", "supplier"]].rename(columns={"supplier": "winner"})
    losers = bids[~bids["won"]][["item", "supplier"]]
    e = losers.merge(winners, on="item")
    e = e[e["supplier"] != e["winner"]]
    return (
        e.groupby(["supplier", "winner"])
        .size()
        .rename("weight")
        .reset_index()
        .rename(columns={"supplier": "src", "winner": "dst"})
    )


class LoserWinner(Detector[LoserWinnerConfig]):
    info = DetectorInfo(
        code="loser_winner",
        version="3.0.0",
        title="Beneficiário recorrente dentro de grupo de licitantes",
        weight=0.7,
        why="Empresas que sempre perdem para o mesmo vencedor sugerem propostas de cobertura.",
        patterns=("bid_rotation",),
    )
    Config = LoserWinnerConfig
    needs_graph_engine = True

    def run(self, tables: GraphTables, config: LoserWinnerConfig, engine: Any = None) -> list[Finding]:
        engine = engine or NetworkxEngine()
        bids = bids_with_tender(tables)
        if bids.empty:
            return []
        cover = cached_cover_index(tables)
        pairs, cut = cached_cover_pairs(tables, bids, cover, config.min_cobids)
        bidders, winner, items_of = _auctions(bids)
        # groups: regular pairs whose joint auctions look like cover bidding, whoever wins them
        comp = communities(pairs[pairs["linked"]], engine)
        edges = loser_winner_edges(bids)
        sizes = comp.map(comp.value_counts())
        comp = comp[sizes >= config.min_members]
        # one PageRank over every community's internal edges (communities are disjoint), renormalised per community
        inner = edges[edges["src"].map(comp).eq(edges["dst"].map(comp)) & edges["src"].isin(comp.index)]
        pr_all = engine.pagerank(inner, nodes=sorted(comp.index)) if len(inner) else pd.Series(dtype=float)
        groups = []
        for label, members_s in comp.groupby(comp):
            members = sorted(members_s.index)
            e = inner[inner["src"].isin(members)]
            if e.empty:
                continue
            pr = pr_all.reindex(members).fillna(0.0)
            pr = pr / pr.sum()
            ranked = pr.sort_values(ascending=False, kind="stable")
            first = float(ranked.iloc[0])
            second = float(ranked.iloc[1]) if len(ranked) > 1 else 0.0
            groups.append((label, members, e, ranked, first, first / second if second > 0 else float("inf")))
        threshold = config.min_share_ratio
        out: list[Finding] = []
        for label, members, e, ranked, first, ratio in groups:
            top = ranked.index[0]
            losers_to_top = sorted(set(e.loc[e["dst"] == top, "src"]))
            if len(losers_to_top) < config.min_distinct_losers or (
                threshold is not None and ratio < threshold
            ):
                continue
            tenders_of_losers = set(bids.loc[bids["supplier"].isin(losers_to_top), "tender"])
            tenders = sorted(tenders_of_losers & set(bids.loc[bids["supplier"] == top, "tender"]))
            d = dominance({top, *losers_to_top}, tenders, bidders, winner, items_of)
            top_share = d["wins"].get(top, 0) / max(d["joint_items"], 1)
            # its fair share: what a draw among the bidders of those items would give it
            fair = sum(1 / len(bidders[i]) for i in d["joint_item_ids"]) / max(d["joint_items"], 1)
            if not top_share > fair:
                continue
            cover_z, cover_n = cover.z_of(d["joint_item_ids"])
            if not cover_z > cut["cover_threshold"]:
                continue
            cover_term = 0.5 * (1 + math.erf(cover_z / math.sqrt(2)))
            score = min(1.0, 0.5 + 0.25 * first + 0.25 * cover_term)
            out.append(
                make_finding(
                    self,
                    SubjectKind.SUPPLIER,
                    str(top),
                    score,
                    self.title,
                    f"{len(losers_to_top)} membros do grupo perdem repetidamente para este fornecedor "
                    f"(PageRank {first:.2f} no grupo, {ratio if ratio != float('inf') else 99:.1f} vezes o segundo); "
                    f"ele venceu {top_share:.0%} dos {d['joint_items']} itens disputados com eles.",
                    [
                        Measure(name="pagerank_share", value=first),
                        Measure(
                            name="ratio_to_second",
                            value=None if ratio == float("inf") else ratio,
                            threshold=threshold,
                            comparison=">=",
                        ),
                        Measure(
                            name="distinct_losers",
                            value=len(losers_to_top),
                            threshold=config.min_distinct_losers,
                            comparison=">=",
                        ),
                        Measure(name="top_win_share", value=top_share, threshold=fair, comparison=">"),
                        Measure(name="expected_group_win_share", value=d["expected_share"]),
                        Measure(
                            name="cover_z", value=cover_z, threshold=cut["cover_threshold"], comparison=">"
                        ),
                        Measure(name="cover_items", value=cover_n),
                    ],
                    [*members, *tenders[:200]],
                    {
                        "community": label,
                        "ranking": {k: round(float(v), 4) for k, v in ranked.items()},
                        "min_cobids": cut["min_cobids"],
                        "cover_tenders": [t for t in tenders if t in set(cover.flagged().index)][:200],
                    },
                )
            )
        return out
