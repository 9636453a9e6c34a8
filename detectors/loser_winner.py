"""`loser_winner`: the loser -> winner graph ranked within co-bidding communities.

Every losing bid draws an edge from the loser to the item's winner. Inside a community of regular
co-bidders, the member that the others keep losing to ranks first by PageRank; a member far ahead of the
rest is the group's likely beneficiary (the others act as cover bidders). Firms that simply price above a
more efficient rival look the same in the graph, so the finding also needs the tenders the beneficiary won
against the group to look like cover bidding (the `screens` cover index past its fence) in at least
`min_cover_share` of them.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from core.domain import Finding, Measure, SubjectKind
from detectors.base import Detector, DetectorConfig, DetectorInfo, GraphTables, bids_with_tender, make_finding
from detectors.cobidding import communities
from detectors.graph_engines import NetworkxEngine
from detectors.screens import cached_cover_index


class LoserWinnerConfig(DetectorConfig):
    min_cobids: int = 3
    min_jaccard: float | None = None
    floor_jaccard: float = 0.5
    min_members: int = 3
    min_share_ratio: float = 2.0
    min_distinct_losers: int = 2
    min_cover_share: float = 0.5


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
        version="2.0.0",
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
        comp, _ = communities(bids, engine, config.min_cobids, config.min_jaccard, config.floor_jaccard)
        edges = loser_winner_edges(bids)
        cover = cached_cover_index(tables)
        cover_idx = cover.tenders["index"]
        sizes = comp.map(comp.value_counts())
        comp = comp[sizes >= config.min_members]
        # one PageRank over every community's internal edges (communities are disjoint), renormalised per community
        inner = edges[edges["src"].map(comp).eq(edges["dst"].map(comp)) & edges["src"].isin(comp.index)]
        pr_all = engine.pagerank(inner, nodes=sorted(comp.index)) if len(inner) else pd.Series(dtype=float)
        out: list[Finding] = []
        for label, members_s in comp.groupby(comp):
            members = sorted(members_s.index)
            e = inner[inner["src"].isin(members)]
            if e.empty:
                continue
            pr = pr_all.reindex(members).fillna(0.0)
            pr = pr / pr.sum()
            ranked = pr.sort_values(ascending=False, kind="stable")
            top, first = ranked.index[0], float(ranked.iloc[0])
            second = float(ranked.iloc[1]) if len(ranked) > 1 else 0.0
            ratio = first / second if second > 0 else float("inf")
            losers_to_top = sorted(set(e.loc[e["dst"] == top, "src"]))
            if ratio < config.min_share_ratio or len(losers_to_top) < config.min_distinct_losers:
                continue
            tenders = sorted(
                set(
                    bids.loc[
                        bids["won"]
                        & (bids["supplier"] == top)
                        & bids["tender"].isin(set(bids.loc[bids["supplier"].isin(losers_to_top), "tender"])),
                        "tender",
                    ]
                )
            )
            covered = [
                t
                for t in tenders
                if cover.threshold == cover.threshold
                and t in cover_idx.index
                and cover_idx[t] > cover.threshold
            ]
            cover_share = len(covered) / max(len(tenders), 1)
            if cover_share < config.min_cover_share:
                continue
            score = min(1.0, 0.5 + 0.25 * first + 0.25 * cover_share)
            out.append(
                make_finding(
                    self,
                    SubjectKind.SUPPLIER,
                    str(top),
                    score,
                    self.title,
                    f"{len(losers_to_top)} membros do grupo perdem repetidamente para este fornecedor "
                    f"(PageRank {first:.2f} no grupo, {ratio if ratio != float('inf') else 99:.1f} vezes o segundo); "
                    f"{cover_share:.0%} dessas vitórias têm lances de cobertura.",
                    [
                        Measure(name="pagerank_share", value=first),
                        Measure(
                            name="ratio_to_second",
                            value=None if ratio == float("inf") else ratio,
                            threshold=config.min_share_ratio,
                            comparison=">=",
                        ),
                        Measure(
                            name="distinct_losers",
                            value=len(losers_to_top),
                            threshold=config.min_distinct_losers,
                            comparison=">=",
                        ),
                        Measure(
                            name="cover_share",
                            value=cover_share,
                            threshold=config.min_cover_share,
                            comparison=">=",
                        ),
                        Measure(
                            name="cover_index_threshold",
                            value=cover.threshold if cover.threshold == cover.threshold else None,
                            comparison="won tender counts as cover bidding when its index >",
                        ),
                    ],
                    [*members, *tenders[:200]],
                    {
                        "community": label,
                        "ranking": {k: round(float(v), 4) for k, v in ranked.items()},
                        "cover_tenders": covered[:200],
                        "cover_threshold_computed": cover.computed,
                    },
                )
            )
        return out
