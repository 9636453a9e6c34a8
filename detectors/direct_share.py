"""`direct_share`: an agency that buys an unusual share of its value by dispensa or inexigibilidade.

"Unusual" is measured on the run's agencies: the upper Tukey fence of their direct shares. The law sets no
share, so there is no fixed floor; with fewer than `min_agencies` agencies of at least `min_tenders` tenders
the quartiles say little and the detector reports nothing unless `share_max` is set.
"""

from __future__ import annotations

import logging
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

log = logging.getLogger(__name__)


class DirectShareConfig(DetectorConfig):
    min_tenders: int = 5  # tenders an agency needs for its share to be judged
    share_max: float | None = None  # unset: the upper Tukey fence of the agencies' shares
    min_agencies: int = 10  # agencies needed to compute the fence


class DirectShare(Detector[DirectShareConfig]):
    info = DetectorInfo(
        code="direct_share",
        version="1.1.0",
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
            if len(g) < config.min_agencies:
                log.info(
                    "direct_share: %d agencies (< %d): no fence, no findings", len(g), config.min_agencies
                )
                return []
            threshold = upper_fence(g["share"].tolist())
        out = []
        for agency, r in g[g["share"] > threshold].iterrows():
            out.append(
                make_finding(
                    self,
                    SubjectKind.AGENCY,
                    str(agency),
                    excess_score(float(r["share"]), threshold, max(1 - threshold, 1e-9)),
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
                        Measure(name="compared_agencies", value=len(g)),
                    ],
                    sorted(t.loc[(t["agency_id"] == agency) & t["direct"], "id"].astype(str))[:50],
                    {"threshold_computed": computed},
                )
            )
        return out
