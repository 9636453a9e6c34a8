"""`fresh_company`: a supplier that wins shortly after it was founded."""

from __future__ import annotations

from typing import Any

from core.domain import Finding, Measure, SubjectKind
from detectors.base import (
    Detector,
    DetectorConfig,
    DetectorInfo,
    GraphTables,
    make_finding,
    winners_by_tender,
)


class FreshCompanyConfig(DetectorConfig):
    max_age_days: int = 180
    min_value: float = 0.0


class FreshCompany(Detector[FreshCompanyConfig]):
    info = DetectorInfo(
        code="fresh_company",
        version="1.0.0",
        title="Empresa recém-aberta contratada",
        weight=0.6,
        why="A empresa foi aberta pouco antes da licitação que venceu: indício de empresa de fachada.",
        patterns=("fresh_company",),
    )
    Config = FreshCompanyConfig

    def run(self, tables: GraphTables, config: FreshCompanyConfig, engine: Any = None) -> list[Finding]:
        won = winners_by_tender(tables)
        sup = tables.get("Supplier").set_index("id")
        t = tables.get("Tender").set_index("id")
        if won.empty:
            return []
        date = t["published_at"].where(t["published_at"].notna(), t["proposals_open_at"])
        won = won.assign(
            award_date=won["tender"].map(date),
            founded=won["supplier"].map(sup["founded_on"]),
            person_type=won["supplier"].map(sup["person_type"]),
        )
        won = won[
            won["award_date"].notna() & won["founded"].notna() & (won["person_type"].fillna("PJ") == "PJ")
        ]
        won["age_days"] = (won["award_date"] - won["founded"]).dt.days
        hit = won[
            (won["age_days"] >= 0)
            & (won["age_days"] <= config.max_age_days)
            & (won["value"].fillna(0) >= config.min_value)
        ]
        out = []
        for (supplier, tender), g in hit.groupby(["supplier", "tender"]):
            age = int(g["age_days"].min())
            out.append(
                make_finding(
                    self,
                    SubjectKind.SUPPLIER,
                    str(supplier),
                    0.6 + 0.35 * (1 - age / max(config.max_age_days, 1)),
                    self.title,
                    f"O fornecedor foi aberto {age} dias antes da contratação {tender}.",
                    [
                        Measure(
                            name="age_days",
                            value=age,
                            threshold=config.max_age_days,
                            comparison="<=",
                            unit="dias",
                        )
                    ],
                    [str(tender)],
                    {"tender": tender},
                )
            )
        return out
