"""`sanctioned_winner`: a supplier that won while a CEIS/CNEP sanction was in force."""

from __future__ import annotations

from typing import Any

import pandas as pd

from core.domain import Finding, Measure, SubjectKind
from detectors.base import (
    Detector,
    DetectorConfig,
    DetectorInfo,
    GraphTables,
    make_finding,
    winners_by_tender,
)


class SanctionedWinnerConfig(DetectorConfig):
    categories_excluded: tuple[str, ...] = ()


class SanctionedWinner(Detector[SanctionedWinnerConfig]):
    info = DetectorInfo(
        code="sanctioned_winner",
        version="1.0.0",
        title="Fornecedor sancionado contratado",
        weight=1.0,
        why="O vencedor estava sancionado (CEIS/CNEP) e impedido de contratar na data.",
        patterns=("sanctioned_winner",),
    )
    Config = SanctionedWinnerConfig

    def run(self, tables: GraphTables, config: SanctionedWinnerConfig, engine: Any = None) -> list[Finding]:
        won = winners_by_tender(tables)
        rel = tables.get("SANCTIONED")
        if won.empty or rel.empty:
            return []
        sanctions = tables.get("Sanction").set_index("id")
        t = tables.get("Tender").set_index("id")
        date = t["published_at"].where(t["published_at"].notna(), t["proposals_open_at"])
        won = won.assign(award_date=won["tender"].map(date))
        s = rel.rename(columns={"src": "supplier", "dst": "sanction"})[
            ["supplier", "sanction", "start_date", "end_date"]
        ].copy()
        s["start_date"] = s["start_date"].where(
            s["start_date"].notna(), s["sanction"].map(sanctions["start_date"])
        )
        s["end_date"] = s["end_date"].where(s["end_date"].notna(), s["sanction"].map(sanctions["end_date"]))
        s["category"] = s["sanction"].map(sanctions["category"])
        s = s[~s["category"].isin(config.categories_excluded)]
        m = won.merge(s, on="supplier")
        m = m[m["award_date"].notna() & m["start_date"].notna()]
        active = (m["start_date"] <= m["award_date"]) & (
            m["end_date"].isna() | (m["end_date"] >= m["award_date"])
        )
        out = []
        for (supplier, tender), g in m[active].groupby(["supplier", "tender"]):
            r = g.iloc[0]
            out.append(
                make_finding(
                    self,
                    SubjectKind.SUPPLIER,
                    str(supplier),
                    0.95,
                    self.title,
                    f"O fornecedor venceu a contratação {tender} com sanção vigente ({r['category']}).",
                    [
                        Measure(name="award_date", value=str(pd.Timestamp(r["award_date"]).date())),
                        Measure(
                            name="sanction_start",
                            value=str(pd.Timestamp(r["start_date"]).date()),
                            comparison="<= award",
                        ),
                        Measure(
                            name="sanction_end",
                            value=None if pd.isna(r["end_date"]) else str(pd.Timestamp(r["end_date"]).date()),
                            comparison=">= award",
                        ),
                    ],
                    [str(tender), *sorted(g["sanction"].astype(str))],
                    {"tender": tender},
                )
            )
        return out
