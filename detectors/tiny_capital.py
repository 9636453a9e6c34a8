"""`tiny_capital`: a supplier whose capital social is tiny against the value it was awarded."""

from __future__ import annotations

from typing import Any

import numpy as np

from core.domain import Finding, Measure, SubjectKind
from detectors.base import (
    Detector,
    DetectorConfig,
    DetectorInfo,
    GraphTables,
    excess_score,
    make_finding,
    upper_fence,
    winners_by_tender,
)


class TinyCapitalConfig(DetectorConfig):
    ratio_min: float | None = None
    floor_ratio: float = 10.0
    min_value: float = 50_000.0


class TinyCapital(Detector[TinyCapitalConfig]):
    info = DetectorInfo(
        code="tiny_capital",
        version="1.0.0",
        title="Capital social pequeno para o valor contratado",
        weight=0.5,
        why="O capital social é ínfimo diante do valor contratado.",
        patterns=(),
    )
    Config = TinyCapitalConfig

    def run(self, tables: GraphTables, config: TinyCapitalConfig, engine: Any = None) -> list[Finding]:
        won = winners_by_tender(tables)
        sup = tables.get("Supplier").set_index("id")
        if won.empty:
            return []
        per = won.groupby("supplier").agg(
            value=("value", "sum"), tenders=("tender", lambda s: sorted(set(s)))
        )
        per["capital"] = per.index.map(sup["capital"])
        per = per[per["capital"].notna() & (per["capital"] > 0) & (per["value"] >= config.min_value)]
        if per.empty:
            return []
        per["ratio"] = per["value"] / per["capital"]
        threshold = config.ratio_min
        computed = threshold is None
        if threshold is None:
            fence = upper_fence(np.log(per["ratio"]).tolist())
            threshold = max(
                float(np.exp(fence)) if fence == fence else config.floor_ratio, config.floor_ratio
            )
        out = []
        for supplier, r in per[per["ratio"] > threshold].iterrows():
            out.append(
                make_finding(
                    self,
                    SubjectKind.SUPPLIER,
                    str(supplier),
                    excess_score(float(np.log(r["ratio"])), float(np.log(threshold))),
                    self.title,
                    f"Contratos de R$ {r['value']:,.2f} para capital social de R$ {r['capital']:,.2f} ({r['ratio']:.0f} vezes).",
                    [
                        Measure(
                            name="awarded_to_capital",
                            value=float(r["ratio"]),
                            threshold=threshold,
                            comparison=">",
                        ),
                        Measure(name="capital", value=float(r["capital"]), unit="R$"),
                        Measure(name="awarded_value", value=float(r["value"]), unit="R$"),
                    ],
                    [str(x) for x in r["tenders"]],
                    {"threshold_computed": computed},
                )
            )
        return out
