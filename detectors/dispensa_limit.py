"""`dispensa_limit`: a dispensa por valor above the art. 75 limit of its year."""

from __future__ import annotations

from typing import Any

from core.domain import Finding, Measure, SubjectKind
from detectors.base import Detector, DetectorConfig, DetectorInfo, GraphTables, excess_score, make_finding
from detectors.law import DISPENSA_BY_VALUE_CODES, LAW_IN_FORCE, MODALITY_DISPENSA, dispensa_limit


class DispensaLimitConfig(DetectorConfig):
    doubled_agencies: tuple[str, ...] = ()
    min_year: int = LAW_IN_FORCE.year


class DispensaLimit(Detector[DispensaLimitConfig]):
    info = DetectorInfo(
        code="dispensa_limit",
        version="1.0.0",
        title="Dispensa acima do limite do art. 75",
        weight=0.9,
        why="A dispensa por valor ultrapassa o limite do art. 75 da Lei 14.133/2021.",
        patterns=("dispensa_over_limit",),
    )
    Config = DispensaLimitConfig

    def run(self, tables: GraphTables, config: DispensaLimitConfig, engine: Any = None) -> list[Finding]:
        t = tables.get("Tender")
        t = t[(t["modality_id"] == MODALITY_DISPENSA)]
        # Only dispensa por valor (art. 75 I/II) has a value limit; an unknown basis is read as by value.
        t = t[t["legal_basis_code"].isna() | t["legal_basis_code"].isin(list(DISPENSA_BY_VALUE_CODES))]
        t = t[t["year"].notna() & (t["year"] >= config.min_year)]
        out = []
        for _, r in t.iterrows():
            value = r["awarded_value"] if r["awarded_value"] == r["awarded_value"] else r["estimated_value"]
            if value != value:
                continue
            limit = dispensa_limit(int(r["year"]), r["object_nature"])
            if r["agency_id"] in config.doubled_agencies:
                limit *= 2  # art. 75 §2º: consórcios públicos and agências executivas
            if value <= limit:
                continue
            out.append(
                make_finding(
                    self,
                    SubjectKind.TENDER,
                    str(r["id"]),
                    excess_score(float(value), limit),
                    self.title,
                    f"Dispensa por valor de R$ {value:,.2f} acima do limite de R$ {limit:,.2f} do art. 75 em {int(r['year'])}.",
                    [
                        Measure(name="value", value=float(value), threshold=limit, comparison=">", unit="R$"),
                        Measure(name="year", value=int(r["year"])),
                        Measure(name="object_nature", value=r["object_nature"]),
                    ],
                    [str(r["agency_id"]), str(r["unit_id"])],
                    {"limit_source": "detectors.law.DISPENSA_LIMITS"},
                )
            )
        return out
