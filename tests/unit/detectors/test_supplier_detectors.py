"""sanctioned_winner, fresh_company, inactive_supplier, tiny_capital and cnae_mismatch on hand-made tables."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import numpy as np
import pytest
from detector_kit import bid, rel

from detectors.cnae_mismatch import CnaeMismatch
from detectors.fresh_company import FreshCompany
from detectors.inactive_supplier import InactiveSupplier
from detectors.sanctioned_winner import SanctionedWinner
from detectors.tiny_capital import TinyCapital


def _world(suppliers: list[dict[str, Any]], **extra: list[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    """One tender per supplier (published 2025-06-01), each won by that supplier for R$ 100.000."""
    tenders, items, bids = [], [], []
    for i, s in enumerate(suppliers):
        tenders.append(
            {"id": f"tender:{i}", "agency_id": "agency:1", "published_at": "2025-06-01", "modality_id": 6}
        )
        items.append({"id": f"item:{i}", "tender_id": f"tender:{i}", "item_class": "CATMAT:1", "unit": "UN"})
        bids.append(bid(s["id"], f"item:{i}", 100_000.0, won=True))
    return {"Tender": tenders, "Item": items, "BID": bids, "Supplier": suppliers, **extra}


def test_sanctioned_winner_active_sanction_only(graph) -> None:
    sups = [{"id": "supplier:a"}, {"id": "supplier:b"}, {"id": "supplier:c"}, {"id": "supplier:d"}]
    sanctions: list[dict[str, Any]] = [
        {
            "id": "sanction:1",
            "registry": "CEIS",
            "category": "Impedimento",
            "start_date": "2025-01-01",
            "end_date": "2026-01-01",
        },
        {
            "id": "sanction:2",
            "registry": "CEIS",
            "category": "Impedimento",
            "start_date": "2023-01-01",
            "end_date": "2024-01-01",
        },
        {
            "id": "sanction:3",
            "registry": "CEIS",
            "category": "Impedimento",
            "start_date": "2025-07-01",
            "end_date": None,
        },
        {
            "id": "sanction:4",
            "registry": "CNEP",
            "category": "Multa",
            "start_date": "2025-01-01",
            "end_date": None,
        },
    ]
    links = [
        rel(
            "supplier:a", "sanction:1", "Supplier", "Sanction", start_date="2025-01-01", end_date="2026-01-01"
        ),  # active
        rel(
            "supplier:b", "sanction:2", "Supplier", "Sanction", start_date="2023-01-01", end_date="2024-01-01"
        ),  # expired
        rel(
            "supplier:c", "sanction:3", "Supplier", "Sanction", start_date="2025-07-01"
        ),  # starts after award
        rel(
            "supplier:d", "sanction:4", "Supplier", "Sanction", start_date="2025-01-01"
        ),  # category excluded below
    ]
    tables = graph(**_world(sups, Sanction=sanctions, SANCTIONED=links))
    det = SanctionedWinner()
    got = det.run(tables, det.config({"categories_excluded": ["Multa"]}))
    assert [f.subject.id for f in got] == ["supplier:a"]
    assert {"tender:0", "sanction:1"} <= set(got[0].evidence.node_ids)
    assert len(det.run(tables, det.config())) == 2  # with no exclusion, d (open-ended, active) is found too


def test_fresh_company(graph) -> None:
    sups = [
        {"id": "supplier:new", "founded_on": "2025-04-01", "person_type": "PJ"},  # 61 days before
        {"id": "supplier:old", "founded_on": "2010-01-01", "person_type": "PJ"},
        {
            "id": "supplier:pf",
            "founded_on": "2025-05-01",
            "person_type": "PF",
        },  # natural persons are not companies
        {
            "id": "supplier:later",
            "founded_on": "2025-07-01",
            "person_type": "PJ",
        },  # date after award: a data error
    ]
    det = FreshCompany()
    got = det.run(graph(**_world(sups)), det.config())
    assert [f.subject.id for f in got] == ["supplier:new"]
    assert got[0].evidence.measures[0].value == 61
    assert det.run(graph(**_world(sups)), det.config({"max_age_days": 30})) == []


def test_fresh_company_fence_of_the_market_and_the_art_69_line(graph) -> None:
    """Enough dated awards: the lower fence of log age decides, never past the two years of art. 69 §6º."""
    award = date(2025, 6, 1)
    ages = [900, 1500, 2200, 3000, 3700, 4500, 5200, 6000, 7000, 8000]  # an ordinary spread of winners
    sups = [
        {"id": f"supplier:{i}", "founded_on": str(award - timedelta(days=a)), "person_type": "PJ"}
        for i, a in enumerate(ages)
    ]
    sups.append({"id": "supplier:young", "founded_on": str(award - timedelta(days=20)), "person_type": "PJ"})
    det = FreshCompany()
    got = det.run(graph(**_world(sups)), det.config())
    assert [f.subject.id for f in got] == ["supplier:young"]
    logs = np.log1p([*ages, 20])
    q1, q3 = np.percentile(logs, [25, 75])
    m = got[0].evidence.measures[0]
    assert m.threshold == int(np.floor(np.expm1(q1 - 1.5 * (q3 - q1)))) and m.threshold < 900
    # a market of old firms: the fence would sit years out, the law's two-year line caps it
    old = [
        {"id": f"supplier:o{i}", "founded_on": str(award - timedelta(days=9000 + 100 * i)), "person_type": "PJ"}
        for i in range(10)
    ]
    old += [
        {"id": "supplier:2y", "founded_on": str(award - timedelta(days=700)), "person_type": "PJ"},
        {"id": "supplier:3y", "founded_on": str(award - timedelta(days=1100)), "person_type": "PJ"},
    ]
    got = det.run(graph(**_world(old)), det.config())
    assert [f.subject.id for f in got] == ["supplier:2y"]
    assert got[0].evidence.measures[0].threshold == 730
    assert got[0].evidence.details["threshold_basis"] == "law"


def test_inactive_supplier(graph) -> None:
    sups = [
        {"id": "supplier:inapta", "registry_status": "INAPTA", "registry_status_date": "2024-01-01"},
        {"id": "supplier:ativa", "registry_status": "ATIVA", "registry_status_date": "2024-01-01"},
        {"id": "supplier:closed_later", "registry_status": "BAIXADA", "registry_status_date": "2025-12-01"},
    ]
    det = InactiveSupplier()
    got = det.run(graph(**_world(sups)), det.config())
    assert [f.subject.id for f in got] == ["supplier:inapta"]
    assert got[0].evidence.measures[0].value == "INAPTA"


def test_tiny_capital_with_computed_threshold(graph) -> None:
    sups = [{"id": f"supplier:{i}", "capital": 50_000.0} for i in range(6)]  # ratio 2 each
    sups += [
        {"id": "supplier:tiny", "capital": 1_000.0},  # ratio 100
        {"id": "supplier:nocap", "capital": None},
    ]
    det = TinyCapital()
    got = det.run(graph(**_world(sups)), det.config())
    assert [f.subject.id for f in got] == ["supplier:tiny"]
    m = got[0].evidence.measures[0]
    # 7 suppliers, under min_suppliers: the art. 69 §4º floor (capital under 10 % of the value)
    assert m.value == pytest.approx(100.0) and m.threshold == pytest.approx(10.0)
    assert got[0].evidence.details["threshold_basis"] == "law"
    assert det.run(graph(**_world(sups)), det.config({"min_value": 200_000.0})) == []


def test_tiny_capital_fence_of_a_spread_market_and_the_art_70_quarter(graph) -> None:
    ratios = [0.5, 1, 1.5, 2, 3, 4, 6, 8, 12, 16]  # log ratios spread: the fence lies past the legal floor
    sups = [{"id": f"supplier:{i}", "capital": 100_000.0 / r} for i, r in enumerate(ratios)]
    sups.append({"id": "supplier:tiny", "capital": 500.0})  # ratio 200
    det = TinyCapital()
    got = det.run(graph(**_world(sups)), det.config())
    assert [f.subject.id for f in got] == ["supplier:tiny"]
    logs = np.log([*ratios, 200.0])
    q1, q3 = np.percentile(logs, [25, 75])
    m = {x.name: x for x in got[0].evidence.measures}
    assert m["awarded_to_capital"].threshold == pytest.approx(float(np.exp(q3 + 1.5 * (q3 - q1))))
    assert m["awarded_to_capital"].threshold > 16  # ratio 16 (capital 6 % of the value) is ordinary here
    # 2025 awards: a quarter of the art. 75 II limit (R$ 62.725,59) is the smallest total looked at
    assert m["awarded_value"].threshold == pytest.approx(62_725.59 / 4)
    small = [{"id": "supplier:s", "capital": 100.0}]
    w = _world(small)
    w["BID"][0]["value"] = 15_000.0  # under 15.681,40: capital may not even be asked for
    assert det.run(graph(**w), det.config()) == []
    w["BID"][0]["value"] = 16_000.0
    assert [f.subject.id for f in det.run(graph(**w), det.config())] == ["supplier:s"]


def test_cnae_mismatch(graph) -> None:
    sups: list[dict[str, Any]] = [{"id": f"supplier:{i}", "main_cnae": "4644301"} for i in range(5)]  # pharma
    sups += [
        {"id": "supplier:odd", "main_cnae": "9602501"},  # a hairdresser wins
        # a cleaning company whose secondary activity is pharma wholesale
        {"id": "supplier:odd2", "main_cnae": "8121400", "secondary_cnaes": ["4644-3/01"]},
    ]
    tables = graph(**_world(sups))
    det = CnaeMismatch()
    got = det.run(tables, det.config())
    assert [f.subject.id for f in got] == ["supplier:odd"]
    assert got[0].evidence.details["division"] == "96"
    assert det.run(tables, det.config({"min_class_suppliers": 10})) == []
