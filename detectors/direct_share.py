"""`direct_share`: an agency that buys an unusual share of its value by dispensa or inexigibilidade."""

from __future__ import annotations

from typing import Any

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
from detectors.law import MODALITY_DISPENSA, MODALITY_INEXIGIBILIDADE


class DirectShareConfig(DetectorConfig):
    min_tenders: int = 5
    share_max: float | None = None
    floor_share: float = 0.3


class DirectShare(Detector[DirectShareConfig]):
    info = DetectorInfo(
        code="direct_share",
        version="1.0.0",
        title="Alta proporção de contratação direta",
        weight=0.5,
        why="Grande parte das compras do órgão vai para um mesmo fornecedor sem competição.",
        patterns=(),
    )
    Config = DirectShareConfig

    def run(self, tables: GraphTables, config: DirectShareConfig, engine: Any = None) -> list[Finding]:
        t = tables.get("Tender").copy()
        t["value"] = t["awarded_value"].where(t["awarded_value"].notna(), t["estimated_value"]).fillna(0.0)
        t["direct"] = t["modality_id"].isin([MODALITY_DISPENSA, MODALITY_INEXIGIBILIDADE])
        t = t[t["agency_id"].notna()]
        g = t.groupby("agency_id").agg(n=("id", "size"), total=("value", "sum"))
        g["direct_value"] = t[t["direct"]].groupby("agency_id")["value"].sum()
        g["direct_n"] = t[t["direct"]].groupby("agency_id")["id"].size()
        g = g.fillna(0.0)
        g = g[(g["n"] >= config.min_tenders) & (g["total"] > 0)]
        if g.empty:
            return []
        g["share"] = g["direct_value"] / g["total"]
        threshold = config.share_max
        computed = threshold is None
        if threshold is None:
            fence = upper_fence(g["share"].tolist())
            threshold = min(max(fence if fence == fence else config.floor_share, config.floor_share), 0.99)
        out = []
        for agency, r in g[g["share"] > threshold].iterrows():
            out.append(
                make_finding(
                    self,
                    SubjectKind.AGENCY,
                    str(agency),
                    excess_score(float(r["share"]), threshold, 1 - threshold + 1e-9),
                    self.title,
                    f"{r['share']:.0%} do valor contratado pelo órgão foi por dispensa ou inexigibilidade.",
                    [
                        Measure(
                            name="direct_value_share",
                            value=float(r["share"]),
                            threshold=threshold,
                            comparison=">",
                        ),
                        Measure(name="direct_tenders", value=int(r["direct_n"])),
                        Measure(
                            name="tenders", value=int(r["n"]), threshold=config.min_tenders, comparison=">="
                        ),
                    ],
                    sorted(t.loc[(t["agency_id"] == agency) & t["direct"], "id"].astype(str))[:50],
                    {"threshold_computed": computed},
                )
            )
        return out
