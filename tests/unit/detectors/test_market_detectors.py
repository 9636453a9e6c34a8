"""screens, shared_contacts, low_competition and overpricing on hand-made tables."""

from __future__ import annotations

from typing import Any

import pytest
from detector_kit import bid, rel

from detectors.low_competition import LowCompetition
from detectors.overpricing import Overpricing
from detectors.screens import Screens
from detectors.shared_contacts import SharedContacts


def test_screens_flags_a_tender_whose_screens_sit_on_the_collusive_side(graph) -> None:
    items, tenders, bids = [], [], []
    spreads: dict[int, list[float]] = {
        0: [100, 130, 160, 190, 220],
        1: [100, 120, 150, 170, 215],
        2: [100, 125, 140, 180, 230],
        3: [100, 128, 155, 175, 200],
    }
    spreads[4] = [
        100,
        140,
        140.5,
        141,
        141.2,
    ]  # a winner far below a tight cluster of covers: high DIFFP and RD, low CV
    for t, vals in spreads.items():
        tenders.append({"id": f"tender:{t}"})
        items.append({"id": f"item:{t}", "tender_id": f"tender:{t}"})
        bids += [bid(f"supplier:{i}", f"item:{t}", v, won=i == 0) for i, v in enumerate(vals)]
    tenders.append({"id": "tender:two"})
    items.append({"id": "item:two", "tender_id": "tender:two"})
    bids += [
        bid("supplier:0", "item:two", 10.0, won=True),
        bid("supplier:1", "item:two", 50.0),
    ]  # 2 bids: excluded
    det = Screens()
    got = det.run(graph(Tender=tenders, Item=items, BID=bids), det.config())
    assert [f.subject.id for f in got] == ["tender:4"]
    names = {m.name: m for m in got[0].evidence.measures}
    assert names["DIFFP"].value == pytest.approx(0.4) and names["DIFFP"].comparison == ">"
    assert names["RD"].threshold is not None  # computed from the data (upper quartile)
    assert got[0].evidence.details["flags"] >= 3


def _tender_with_bidders(t: str, suppliers: list[str], **tender: Any) -> tuple[dict, dict, list[dict]]:
    return (
        {"id": t, "agency_id": "agency:1", "modality_id": 6, **tender},
        {"id": f"item:{t}", "tender_id": t, "item_class": "CATMAT:1", "unit": "UN"},
        [bid(s, f"item:{t}", 100.0 + i, won=i == 0) for i, s in enumerate(suppliers)],
    )


def test_shared_contacts_true_positive_and_exclusions(graph) -> None:
    parts = [
        _tender_with_bidders("tender:1", ["supplier:a", "supplier:b", "supplier:c"]),
        _tender_with_bidders("tender:2", ["supplier:m", "supplier:f"]),  # head office and branch
        _tender_with_bidders("tender:3", ["supplier:x", "supplier:y"]),
    ]  # share a mass accounting phone
    tenders = [p[0] for p in parts]
    items = [p[1] for p in parts]
    bids = [b for p in parts for b in p[2]]
    suppliers = [
        {"id": s, "cnpj_basico": s[-1] * 8}
        for s in ["supplier:a", "supplier:b", "supplier:c", "supplier:x", "supplier:y"]
    ]
    suppliers += [
        {"id": "supplier:m", "cnpj_basico": "12345678"},
        {"id": "supplier:f", "cnpj_basico": "12345678"},
    ]
    partner = [
        rel("person:1", "supplier:a", "Person", "Supplier"),
        rel("person:1", "supplier:b", "Person", "Supplier"),
        rel("person:2", "supplier:m", "Person", "Supplier"),
        rel("person:2", "supplier:f", "Person", "Supplier"),
    ]
    phones = [rel(f"supplier:{s}", "phone:6230000000", "Supplier", "Phone") for s in "xyqrstuvw"]
    got = SharedContacts().run(
        graph(Tender=tenders, Item=items, BID=bids, Supplier=suppliers, PARTNER_OF=partner, HAS_PHONE=phones),
        SharedContacts().config({"max_contact_degree": 4}),
    )
    assert [f.subject.id for f in got] == ["tender:1"]
    f = got[0]
    assert f.title == "Concorrentes com sócio em comum"
    assert {"supplier:a", "supplier:b", "person:1", "tender:1"} <= set(f.evidence.node_ids)
    assert "supplier:c" not in f.evidence.node_ids


def test_low_competition_single_bidder_against_baseline(graph) -> None:
    parts = [
        _tender_with_bidders(f"tender:{i}", ["supplier:a", "supplier:b", "supplier:c", "supplier:d"])
        for i in range(4)
    ]
    parts.append(_tender_with_bidders("tender:solo", ["supplier:a"]))
    parts.append(_tender_with_bidders("tender:dispensa", ["supplier:a"], modality_id=8))
    lone = _tender_with_bidders("tender:niche", ["supplier:z"])
    lone[1]["item_class"] = "CATMAT:niche"
    parts.append(lone)
    for i in range(3):  # a niche item class where one bidder is the norm
        p = _tender_with_bidders(f"tender:n{i}", ["supplier:z"])
        p[1]["item_class"] = "CATMAT:niche"
        parts.append(p)
    tables = graph(
        Tender=[p[0] for p in parts], Item=[p[1] for p in parts], BID=[b for p in parts for b in p[2]]
    )
    det = LowCompetition()
    got = det.run(tables, det.config())
    assert [f.subject.id for f in got] == ["tender:solo"]
    names = {m.name: m.value for m in got[0].evidence.measures}
    assert names["bidders"] == 1 and names["baseline_bidders"] == 4


def test_overpricing_unit_price_and_estimate(graph) -> None:
    tenders, items, awards = [], [], []
    prices = [10.0, 10.5, 9.5, 10.2, 9.8, 10.1, 30.0]
    for i, p in enumerate(prices):
        tenders.append(
            {
                "id": f"tender:{i}",
                "agency_id": f"agency:{i}",
                "estimated_value": 1000.0,
                "awarded_value": 1000.0,
            }
        )
        items.append({"id": f"item:{i}", "tender_id": f"tender:{i}", "item_class": "CATMAT:9", "unit": "UN"})
        awards.append(
            rel(
                f"item:{i}",
                f"supplier:{i}",
                "Item",
                "Supplier",
                unit_value=p,
                quantity=100.0,
                total_value=p * 100,
            )
        )
    items.append(
        {"id": "item:kg", "tender_id": "tender:0", "item_class": "CATMAT:9", "unit": "KG"}
    )  # other unit: own market
    awards.append(rel("item:kg", "supplier:0", "Item", "Supplier", unit_value=99.0, quantity=1.0))
    tenders[3]["awarded_value"] = 3000.0  # 3x the estimate
    tenders.append({"id": "tender:noest", "estimated_value": None, "awarded_value": 9000.0})
    det = Overpricing()
    got = det.run(graph(Tender=tenders, Item=items, AWARDED=awards), det.config())
    kinds = {(f.subject.id, f.evidence.details["kind"]) for f in got}
    assert kinds == {("tender:6", "unit_price"), ("tender:3", "over_estimate")}
    unit = next(f for f in got if f.evidence.details["kind"] == "unit_price")
    m = {x.name: x for x in unit.evidence.measures}
    assert m["reference_median"].value == pytest.approx(10.05)  # median of the six other prices
    assert m["unit_price_ratio"].value == pytest.approx(30 / 10.05)
    assert m["estimated_overcharge"].value == pytest.approx((30 - 10.05) * 100)
    strict = det.run(graph(Tender=tenders, Item=items, AWARDED=awards), det.config({"min_references": 7}))
    assert [f.id for f in strict] == [f.id for f in got if f.evidence.details["kind"] == "over_estimate"]
