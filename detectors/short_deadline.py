"""`short_deadline`: fewer dias úteis between the edital and the end of the proposal period than art. 55
requires (PNCP `dataEncerramentoProposta`; `dataAberturaProposta` is when proposals start to be accepted).

The minimum depends on what is bought. The object text gives one reading (`object_nature`) and the items
another (goods when every item is a material, services otherwise); when they disagree (a "serviço de
manutenção de veículos" whose items are all parts), the shorter minimum is used, so that no finding rests
on the reading that happens to demand more days. For the same reason an unknown judgment criterion is read
as menor preço (the shortest minimum).
"""

from __future__ import annotations

from datetime import date
from typing import Any

import pandas as pd

from core.domain import Finding, Measure, SubjectKind
from detectors.base import Detector, DetectorConfig, DetectorInfo, GraphTables, make_finding
from detectors.law import CRITERION_LOWEST_PRICE, business_days_between, minimum_business_days

# modalities with an edital and a proposals deadline under art. 55: leilão, concorrência, pregão, concurso
EDITAL_MODALITIES = (1, 3, 4, 5, 6, 7, 13)


class ShortDeadlineConfig(DetectorConfig):
    holidays: tuple[date, ...] = ()
    modalities: tuple[int, ...] = EDITAL_MODALITIES


class ShortDeadline(Detector[ShortDeadlineConfig]):
    info = DetectorInfo(
        code="short_deadline",
        version="2.1.0",
        title="Prazo de propostas menor que o do art. 55",
        weight=0.6,
        why="O prazo entre o edital e a abertura das propostas é menor que o mínimo do art. 55.",
        patterns=("short_deadline",),
    )
    Config = ShortDeadlineConfig

    def run(self, tables: GraphTables, config: ShortDeadlineConfig, engine: Any = None) -> list[Finding]:
        t = tables.get("Tender")
        t = t[
            t["modality_id"].isin(list(config.modalities))
            & t["published_at"].notna()
            & t["proposals_close_at"].notna()
        ]
        items = tables.get("Item")
        kinds = (
            items.dropna(subset=["kind"])
            .groupby("tender_id")["kind"]
            .agg(lambda k: "goods" if set(k.astype(str).str.upper()) == {"M"} else "services")
        )
        out = []
        for _, r in t.iterrows():
            # unknown criterion (a PNCP page without its items): the shortest reading, menor preço; a pregão
            # is judged by menor preço or maior desconto anyway (art. 6 XLI), which share the minimum
            crit = (
                CRITERION_LOWEST_PRICE
                if pd.isna(r["judgment_criterion_id"])
                else int(r["judgment_criterion_id"])
            )
            item_nature = kinds.get(r["id"])
            by_object: int | None
            by_items: int | None
            if r["modality_id"] == 3:
                by_object, by_items = 35, None
            else:
                by_object = minimum_business_days(r["object_nature"], crit)
                by_items = minimum_business_days(item_nature, crit) if item_nature else None
            readings = [m for m in (by_object, by_items) if m is not None]
            if not readings:
                continue
            minimum = min(readings)
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
                        Measure(name="items_nature", value=item_nature),
                        Measure(name="minimum_by_object", value=by_object, unit="dias úteis"),
                        Measure(name="minimum_by_items", value=by_items, unit="dias úteis"),
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
