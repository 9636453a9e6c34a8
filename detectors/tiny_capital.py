"""`tiny_capital`: a supplier whose capital social is tiny against the value it was awarded.

The cut-off on awarded value / capital is the upper Tukey fence of the log ratios of the run's suppliers,
never under the law's own scale: an edital may require capital of at most 10 % of the contract value (art. 69
§4º of Lei 14.133/2021), so a ratio over 10 is a capital under what the law lets a buyer demand. With fewer
than `min_suppliers` suppliers the fence says little and that legal floor alone is used. Suppliers whose
awarded total is under a quarter of the art. 75 II limit (art. 70 III: the qualification documents, capital
among them, may be waived) are not looked at.
"""

from __future__ import annotations

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
    winners_by_tender,
)
from detectors.law import CAPITAL_REQUIREMENT_MAX_SHARE, LAW_IN_FORCE, qualification_waiver_max

LEGAL_FLOOR_RATIO = 1 / CAPITAL_REQUIREMENT_MAX_SHARE


class TinyCapitalConfig(DetectorConfig):
    ratio_min: float | None = None  # unset: from the data, at least the art. 69 §4º floor
    min_value: float | None = None  # unset: art. 70 III, of the year of the supplier's latest award
    min_suppliers: int = 10  # suppliers needed to compute the fence


class TinyCapital(Detector[TinyCapitalConfig]):
    info = DetectorInfo(
        code="tiny_capital",
        version="1.1.0",
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
        t = tables.get("Tender").set_index("id")
        year = t["year"].where(t["year"].notna(), t["published_at"].dt.year)
        won = won.assign(year=won["tender"].map(year))
        per = won.groupby("supplier").agg(
            value=("value", "sum"), tenders=("tender", lambda s: sorted(set(s))), year=("year", "max")
        )
        per["capital"] = per.index.map(sup["capital"])
        if config.min_value is None:
            per["min_value"] = [
                qualification_waiver_max(int(y) if pd.notna(y) else LAW_IN_FORCE.year) for y in per["year"]
            ]
        else:
            per["min_value"] = config.min_value
        per = per[per["capital"].notna() & (per["capital"] > 0) & (per["value"] >= per["min_value"])]
        if per.empty:
            return []
        per["ratio"] = per["value"] / per["capital"]
        threshold = config.ratio_min
        basis = "config"
        if threshold is None:
            fence = upper_fence(np.log(per["ratio"]).tolist()) if len(per) >= config.min_suppliers else np.nan
            if fence == fence and float(np.exp(fence)) > LEGAL_FLOOR_RATIO:
                threshold, basis = float(np.exp(fence)), "fence"
            else:
                threshold, basis = LEGAL_FLOOR_RATIO, "law"
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
                        Measure(
                            name="awarded_value",
                            value=float(r["value"]),
                            threshold=float(r["min_value"]),
                            comparison=">=",
                            unit="R$",
                        ),
                        Measure(name="compared_suppliers", value=len(per)),
                    ],
                    [str(x) for x in r["tenders"]],
                    {"threshold_computed": basis != "config", "threshold_basis": basis},
                )
            )
        return out
