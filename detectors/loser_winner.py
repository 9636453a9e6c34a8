"""`loser_winner`: the loser -> winner graph ranked within co-bidding communities.

Every losing bid draws an edge from the loser to the item's winner. Inside a community of regular
co-bidders, the member that the others keep losing to ranks first by PageRank; a member far ahead of the
rest is the group's likely beneficiary (the others act as cover bidders).
"""

from __future__ import annotations

from typing import Any, ClassVar

import pandas as pd

from core.domain import Finding, Measure, SubjectKind
from detectors.base import Detector, DetectorConfig, GraphTables, bids_with_tender, make_finding
from detectors.cobidding import communities
from detectors.graph_engines import NetworkxEngine


class LoserWinnerConfig(DetectorConfig):
    min_cobids: int = 3
    min_jaccard: float | None = None
    floor_jaccard: float = 0.5
    min_members: int = 3
    min_share_ratio: float = 2.0
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
    code: ClassVar[str] = "loser_winner"
    version: ClassVar[str] = "1.0.0"
    title: ClassVar[str] = "Beneficiário recorrente dentro de grupo de licitantes"
    Config = LoserWinnerConfig
    needs_graph_engine = True

    def run(self, tables: GraphTables, config: LoserWinnerConfig, engine: Any = None) -> list[Finding]:
        engine = engine or NetworkxEngine()
        bids = bids_with_tender(tables)
        if bids.empty:
            return []
        comp, _ = communities(bids, engine, config.min_cobids, config.min_jaccard, config.floor_jaccard)
        edges = loser_winner_edges(bids)
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
            score = min(1.0, 0.5 + 0.5 * first)
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
            out.append(
                make_finding(
                    self,
                    SubjectKind.SUPPLIER,
                    str(top),
                    score,
                    self.title,
                    f"{len(losers_to_top)} membros do grupo perdem repetidamente para este fornecedor "
                    f"(PageRank {first:.2f} no grupo, {ratio if ratio != float('inf') else 99:.1f} vezes o segundo).",
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
                    ],
                    [*members, *tenders[:200]],
                    {"community": label, "ranking": {k: round(float(v), 4) for k, v in ranked.items()}},
                )
            )
        return out
