"""`inactive_supplier`: a supplier whose registry status is not ATIVA (baixada, inapta, suspensa, nula)
and that won a tender after that status began."""

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

INACTIVE = ("SUSPENSA", "INAPTA", "BAIXADA", "NULA")


class InactiveSupplierConfig(DetectorConfig):
    statuses: tuple[str, ...] = INACTIVE


class InactiveSupplier(Detector[InactiveSupplierConfig]):
    info = DetectorInfo(
        code="inactive_supplier",
        version="1.0.0",
        title="Fornecedor com CNPJ inativo",
        weight=0.8,
        why="O fornecedor está inativo na Receita Federal (baixada, inapta ou suspensa).",
        patterns=(),
    )
    Config = InactiveSupplierConfig

    def run(self, tables: GraphTables, config: InactiveSupplierConfig, engine: Any = None) -> list[Finding]:
        won = winners_by_tender(tables)
        sup = tables.get("Supplier").set_index("id")
        t = tables.get("Tender").set_index("id")
        date = t["published_at"].where(t["published_at"].notna(), t["proposals_open_at"])
        won = won.assign(
            award_date=won["tender"].map(date),
            status=won["supplier"].map(sup["registry_status"]),
            status_date=won["supplier"].map(sup["registry_status_date"]),
        )
        won = won[won["status"].astype("string").fillna("").str.upper().isin(config.statuses)]
        # a company closed after it delivered is not a red flag of that award
        won = won[
            won["status_date"].isna() | won["award_date"].isna() | (won["status_date"] <= won["award_date"])
        ]
        out = []
        for supplier, g in won.groupby("supplier"):
            status = str(g["status"].iloc[0]).upper()
            out.append(
                make_finding(
                    self,
                    SubjectKind.SUPPLIER,
                    str(supplier),
                    0.8,
                    self.title,
                    f"Fornecedor com situação cadastral {status} venceu {g['tender'].nunique()} contratação(ões).",
                    [
                        Measure(name="registry_status", value=status, threshold="ATIVA", comparison="!="),
                        Measure(
                            name="status_date",
                            value=None
                            if g["status_date"].isna().all()
                            else str(g["status_date"].iloc[0].date()),
                        ),
                    ],
                    sorted(set(g["tender"].astype(str))),
                )
            )
        return out
