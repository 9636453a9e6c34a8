"""`fracionamento`: dispensas por valor of one unit, year and object nature that together pass the art. 75
limit (art. 75 §1º), although each one stays below it."""

from __future__ import annotations

from typing import Any

from core.domain import Finding, Measure, SubjectKind
from detectors.base import Detector, DetectorConfig, DetectorInfo, GraphTables, excess_score, make_finding
from detectors.law import (
    DISPENSA_BY_VALUE_CODES,
    ENGINEERING_NATURES,
    LAW_IN_FORCE,
    MODALITY_DISPENSA,
    dispensa_limit,
    vehicle_maintenance_exempt_max,
)


class FracionamentoConfig(DetectorConfig):
    min_purchases: int = 2
    # art. 75 §7º value; unset: the figure of the purchase's year (detectors/law.py)
    vehicle_parts_exempt_max: float | None = None
    doubled_agencies: tuple[str, ...] = ()
    min_year: int = LAW_IN_FORCE.year


class Fracionamento(Detector[FracionamentoConfig]):
    info = DetectorInfo(
        code="fracionamento",
        version="1.1.0",
        title="Possível fracionamento de despesa",
        weight=0.8,
        why=(
            "A soma das dispensas da mesma unidade no exercício ultrapassa o limite do art. 75 "
            "(fracionamento, art. 75 §1º)."
        ),
        patterns=("fracionamento",),
    )
    Config = FracionamentoConfig

    def run(self, tables: GraphTables, config: FracionamentoConfig, engine: Any = None) -> list[Finding]:
        t = tables.get("Tender")
        t = t[(t["modality_id"] == MODALITY_DISPENSA)]
        t = t[t["legal_basis_code"].isna() | t["legal_basis_code"].isin(list(DISPENSA_BY_VALUE_CODES))]
        t = t[t["year"].notna() & (t["year"] >= config.min_year)].copy()
        t["value"] = t["awarded_value"].where(t["awarded_value"].notna(), t["estimated_value"])
        t = t[t["value"].notna()]
        t["buyer"] = t["unit_id"].where(t["unit_id"].notna(), t["agency_id"])
        # art. 75 §7º: small vehicle-maintenance purchases do not count towards the sum
        t["exempt_max"] = (
            t["year"].map(lambda y: vehicle_maintenance_exempt_max(int(y)))
            if config.vehicle_parts_exempt_max is None
            else config.vehicle_parts_exempt_max
        )
        exempt = (t["object_nature"] == "vehicle_maintenance") & (t["value"] <= t["exempt_max"])
        exempted = t[exempt]
        t = t[~exempt].copy()
        t["limit_class"] = t["object_nature"].map(lambda n: "I" if n in ENGINEERING_NATURES else "II")
        out = []
        for (buyer, year, cls), g in t.groupby(["buyer", "year", "limit_class"]):
            limit = dispensa_limit(int(year), "works" if cls == "I" else "goods")
            if g["agency_id"].iloc[0] in config.doubled_agencies:
                limit *= 2
            below = g[g["value"] <= limit]  # single purchases over the limit are `dispensa_limit`'s business
            total = float(below["value"].sum())
            if len(below) < config.min_purchases or total <= limit:
                continue
            agency = str(g["agency_id"].iloc[0])
            extra = []
            if cls == "I":  # vehicle maintenance falls under art. 75 I: say what §7º left out of the sum
                left_out = exempted[(exempted["buyer"] == buyer) & (exempted["year"] == year)]
                exempt_max = (
                    vehicle_maintenance_exempt_max(int(year))
                    if config.vehicle_parts_exempt_max is None
                    else config.vehicle_parts_exempt_max
                )
                extra += [
                    Measure(name="vehicle_exempt_max", value=float(exempt_max), unit="R$"),
                    Measure(name="exempt_vehicle_purchases", value=len(left_out)),
                ]
            out.append(
                make_finding(
                    self,
                    SubjectKind.AGENCY,
                    agency,
                    excess_score(total, limit),
                    self.title,
                    f"{len(below)} dispensas por valor da unidade {buyer} em {int(year)} (art. 75 {cls}) somam "
                    f"R$ {total:,.2f}, acima do limite anual de R$ {limit:,.2f}.",
                    [
                        Measure(name="sum_value", value=total, threshold=limit, comparison=">", unit="R$"),
                        Measure(
                            name="purchases",
                            value=len(below),
                            threshold=config.min_purchases,
                            comparison=">=",
                        ),
                        Measure(name="year", value=int(year)),
                        *extra,
                    ],
                    [str(buyer), *sorted(below["id"].astype(str))],
                    {"limit_class": cls, "unit": buyer},
                )
            )
        return out
