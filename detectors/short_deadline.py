"""`short_deadline`: fewer dias úteis between the edital and the end of the proposal period than art. 55
requires (PNCP `dataEncerramentoProposta`; `dataAberturaProposta` is when proposals start to be accepted)."""

from __future__ import annotations

from datetime import date
from typing import Any, ClassVar

import pandas as pd

from core.domain import Finding, Measure, SubjectKind
from detectors.base import Detector, DetectorConfig, GraphTables, make_finding
from detectors.law import business_days_between, minimum_business_days

# modalities with an edital and a proposals deadline under art. 55: leilão, concorrência, pregão, concurso
EDITAL_MODALITIES = (1, 3, 4, 5, 6, 7, 13)


class ShortDeadlineConfig(DetectorConfig):
    holidays: tuple[date, ...] = ()
    modalities: tuple[int, ...] = EDITAL_MODALITIES


class ShortDeadline(Detector[ShortDeadlineConfig]):
    code: ClassVar[str] = "short_deadline"
    version: ClassVar[str] = "1.0.0"
    title: ClassVar[str] = "Prazo de propostas menor que o do art. 55"
    Config = ShortDeadlineConfig

    def run(self, tables: GraphTables, config: ShortDeadlineConfig, engine: Any = None) -> list[Finding]:
        t = tables.get("Tender")
        t = t[
            t["modality_id"].isin(list(config.modalities))
            & t["published_at"].notna()
            & t["proposals_close_at"].notna()
        ]
        out = []
        for _, r in t.iterrows():
            crit = None if pd.isna(r["judgment_criterion_id"]) else int(r["judgment_criterion_id"])
            minimum = 35 if r["modality_id"] == 3 else minimum_business_days(r["object_nature"], crit)
            if minimum is None:
                continue
            days = business_days_between(
                r["published_at"].date(), r["proposals_close_at"].date(), config.holidays
            )
            if days >= minimum:
                continue
            out.append(
                make_finding(
                    self,
                    SubjectKind.TENDER,
                    str(r["id"]),
                    min(1.0, 0.5 + 0.5 * (minimum - days) / minimum),
                    self.title,
                    f"{days} dias úteis entre a publicação e o fim do prazo de propostas; o art. 55 exige {minimum}.",
                    [
                        Measure(
                            name="business_days",
                            value=days,
                            threshold=minimum,
                            comparison=">=",
                            unit="dias úteis",
                        ),
                        Measure(name="object_nature", value=r["object_nature"]),
                        Measure(name="judgment_criterion_id", value=crit),
                    ],
                    [str(r["agency_id"])],
                    {
                        "published_at": str(r["published_at"]),
                        "proposals_close_at": str(r["proposals_close_at"]),
                    },
                )
            )
        return out
