"""`fresh_company`: a supplier that wins shortly after it was founded.

"Shortly" is measured on the run's data: the lower Tukey fence of the winners' log age at the award (how
young a winner is unusual in this market), never more than the law's own line for a recently constituted
company (under 2 years, art. 69 §6º of Lei 14.133/2021). With fewer than `min_awards` dated awards the
quartiles say little and that legal line alone is used.
"""

from __future__ import annotations

import logging
from typing import Any

import numpy as np

from core.domain import Finding, Measure, SubjectKind
from detectors.base import (
    Detector,
    DetectorConfig,
    DetectorInfo,
    GraphTables,
    lower_fence,
    make_finding,
    winners_by_tender,
)
from detectors.law import RECENT_COMPANY_DAYS

log = logging.getLogger(__name__)


class FreshCompanyConfig(DetectorConfig):
    max_age_days: int | None = None  # unset: from the data (see the module docstring)
    min_value: float = 0.0
    min_awards: int = 10  # dated awards (PJ winners) needed to compute the fence


def age_threshold(ages: np.ndarray, min_awards: int) -> tuple[int, str]:
    """(days, basis): the lower Tukey fence of log(1 + age) in days, at most the art. 69 §6º line; that line
    alone (basis "law") when there are fewer than `min_awards` ages."""
    if len(ages) < min_awards:
        return RECENT_COMPANY_DAYS, "law"
    fence = float(np.expm1(lower_fence(np.log1p(ages.astype(float)).tolist())))
    if fence >= RECENT_COMPANY_DAYS:
        return RECENT_COMPANY_DAYS, "law"
    return int(np.floor(fence)), "fence"


class FreshCompany(Detector[FreshCompanyConfig]):
    info = DetectorInfo(
        code="fresh_company",
        version="1.1.0",
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
        won = won.assign(age_days=(won["award_date"] - won["founded"]).dt.days)
        # founded after the award is a data error; awards under min_value are not looked at
        won = won[(won["age_days"] >= 0) & (won["value"].fillna(0) >= config.min_value)]
        if won.empty:
            return []
        # one age per award (supplier, tender): the population the cut-off is applied to
        ages = won.groupby(["supplier", "tender"])["age_days"].min()
        if config.max_age_days is None:
            threshold, basis = age_threshold(ages.to_numpy(), config.min_awards)
            if basis == "law" and len(ages) < config.min_awards:
                log.info(
                    "fresh_company: %d dated awards (< %d): the art. 69 §6º line of %d days is the threshold",
                    len(ages),
                    config.min_awards,
                    threshold,
                )
        else:
            threshold, basis = config.max_age_days, "config"
        out = []
        for (supplier, tender), age in ages[ages <= threshold].items():
            age = int(age)
            out.append(
                make_finding(
                    self,
                    SubjectKind.SUPPLIER,
                    str(supplier),
                    0.6 + 0.35 * (1 - age / max(threshold, 1)),
                    self.title,
                    f"O fornecedor foi aberto {age} dias antes da contratação {tender}.",
                    [
                        Measure(
                            name="age_days",
                            value=age,
                            threshold=threshold,
                            comparison="<=",
                            unit="dias",
                        ),
                        Measure(name="dated_awards", value=len(ages)),
                    ],
                    [str(tender)],
                    {"tender": tender, "threshold_basis": basis},
                )
            )
        return out
