"""`low_competition`: single-bidder and low-competition tenders against their agency and item-class baseline.

A competitive tender is flagged when it drew at most `max_bidders` bidders while comparable tenders (same
item class, else same agency, else all) usually draw competition: their median is at least `baseline_min`
(2: most comparable tenders had a rival). The baseline is what the data say about that market, so a class
where one bidder is the norm is left alone, while a class with three bidders as the norm is not excused
because the market as a whole draws more.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from core.domain import Finding, Measure, SubjectKind
from detectors.base import Detector, DetectorConfig, DetectorInfo, GraphTables, bids_with_tender, make_finding

# Modalities where a single bidder is expected: dispensa, inexigibilidade, credenciamento, inaplicabilidade
NON_COMPETITIVE_MODALITIES = (8, 9, 12, 14)
# Items that ended deserted (4) or failed (5) have no bids by definition
EMPTY_ITEM_STATUSES = (4, 5)


class LowCompetitionConfig(DetectorConfig):
    max_bidders: int = 1
    baseline_min: float = 2.0
    min_baseline_tenders: int = 3
    excluded_modalities: tuple[int, ...] = NON_COMPETITIVE_MODALITIES


class LowCompetition(Detector[LowCompetitionConfig]):
    info = DetectorInfo(
        code="low_competition",
        version="2.0.0",
        title="Licitação com um único licitante",
        weight=0.4,
        why="Pouca competição eleva o preço pago e é sinal de direcionamento.",
        patterns=("single_bidder",),
    )
    Config = LowCompetitionConfig

    def run(self, tables: GraphTables, config: LowCompetitionConfig, engine: Any = None) -> list[Finding]:
        tenders = tables.get("Tender")
        items = tables.get("Item")
        bids = bids_with_tender(tables)
        if bids.empty:
            return []
        per_item = (
            bids.groupby(["tender", "item", "item_class"], dropna=False)["supplier"]
            .nunique()
            .rename("bidders")
        )
        per_item = per_item.reset_index()
        status = items.set_index("id")["status_id"]
        per_item = per_item[~per_item["item"].map(status).isin(EMPTY_ITEM_STATUSES)]
        t = tenders.set_index("id")
        per_item["agency"] = per_item["tender"].map(t["agency_id"])
        per_item["modality_id"] = per_item["tender"].map(t["modality_id"])
        competitive = per_item[~per_item["modality_id"].isin(config.excluded_modalities)]
        per_tender = competitive.groupby("tender").agg(
            bidders=("bidders", "max"),
            agency=("agency", "first"),
            classes=("item_class", lambda s: sorted(set(s.dropna()))),
        )
        # Baselines: median bidders of the other tenders of the same item class and of the same agency.
        class_base = competitive.groupby("item_class")["bidders"].agg(["median", "count"])
        agency_base = per_tender.groupby("agency")["bidders"].agg(["median", "count"])
        overall = float(per_tender["bidders"].median()) if len(per_tender) else float("nan")
        baseline_min = config.baseline_min
        # how often a comparable tender drew a single bidder, reported beside the baseline
        single = per_tender["bidders"] <= config.max_bidders
        class_single = (
            competitive.assign(single=competitive["tender"].map(single))
            .drop_duplicates(["tender", "item_class"])
            .groupby("item_class")["single"]
            .mean()
        )
        agency_single = single.groupby(per_tender["agency"]).mean()
        out: list[Finding] = []
        for tender, row in per_tender.iterrows():
            if row["bidders"] > config.max_bidders:
                continue
            cls = [
                c
                for c in row["classes"]
                if c in class_base.index and class_base.loc[c, "count"] >= config.min_baseline_tenders
            ]
            class_median = (
                float(pd.Series([class_base.loc[c, "median"] for c in cls]).median()) if cls else float("nan")
            )
            ag = row["agency"]
            agency_median = (
                float(agency_base.loc[ag, "median"])
                if ag in agency_base.index and agency_base.loc[ag, "count"] >= config.min_baseline_tenders
                else float("nan")
            )
            baseline = class_median if class_median == class_median else agency_median
            if class_median == class_median:
                basis, rate = "item_class", float(pd.Series([class_single.get(c) for c in cls]).mean())
            elif agency_median == agency_median:
                basis, rate = "agency", float(agency_single.get(ag, float("nan")))
            else:
                basis, rate = "all", float(single.mean())
            if baseline != baseline:
                baseline = overall
            if baseline != baseline or baseline < baseline_min:
                continue  # the market itself has little competition: not a red flag of this tender
            score = min(1.0, 0.5 + 0.1 * (baseline - row["bidders"]))
            sups = sorted(set(bids.loc[bids["tender"] == tender, "supplier"]))
            out.append(
                make_finding(
                    self,
                    SubjectKind.TENDER,
                    str(tender),
                    score,
                    self.title,
                    f"A contratação teve {int(row['bidders'])} licitante(s), enquanto contratações comparáveis têm "
                    f"mediana de {baseline:.1f}.",
                    [
                        Measure(
                            name="bidders",
                            value=int(row["bidders"]),
                            threshold=config.max_bidders,
                            comparison="<=",
                        ),
                        Measure(
                            name="baseline_bidders", value=baseline, threshold=baseline_min, comparison=">="
                        ),
                        Measure(
                            name="item_class_median",
                            value=None if class_median != class_median else class_median,
                        ),
                        Measure(
                            name="agency_median",
                            value=None if agency_median != agency_median else agency_median,
                        ),
                        Measure(
                            name="comparable_single_bidder_share",
                            value=None if rate != rate else rate,
                        ),
                    ],
                    [str(ag), *sups],
                    {"baseline_basis": basis},
                )
            )
        return out
