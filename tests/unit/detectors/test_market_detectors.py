"""screens, shared_contacts, low_competition and overpricing on hand-made tables."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from detector_kit import bid, rel

from detectors.low_competition import LowCompetition
from detectors.overpricing import Overpricing
from detectors.screens import Screens, cover_index
from detectors.shared_contacts import SharedContacts


def _screens_market() -> tuple[list[dict], list[dict], list[dict]]:
    """40 competitive tenders of two items (five bidders: cost around 100 with 6 % noise plus a 2-30 %
    margin; the buyer estimates 125), one cover-bidding tender and two look-alikes."""
    rng = np.random.default_rng(0)
    tenders: list[dict] = []
    items: list[dict] = []
    bids: list[dict] = []

    def add(t: str, per_item: list[list[float]], estimate: float) -> None:
        tenders.append({"id": f"tender:{t}"})
        for j, vals in enumerate(per_item):
            item = f"item:{t}:{j}"
            items.append({"id": item, "tender_id": f"tender:{t}", "estimated_unit_value": estimate})
            low = min(vals)
            bids.extend(bid(f"supplier:{t}:{i}", item, v, won=v == low) for i, v in enumerate(vals))

    def honest(n: int = 5) -> list[float]:
        return [
            float(round(100 * np.exp(rng.normal(0, 0.06)) * (1 + rng.uniform(0.02, 0.3)), 2))
            for _ in range(n)
        ]

    for t in range(40):
        add(f"h{t}", [honest(), honest()], 125.0)
    # cover bidding: the winner close to the estimate, four covers 10 % above it and within 1.2 % of each other
    # (on the second item they tie exactly: RD's denominator is zero, the most cover-like case)
    add("cover", [[100.0, 110.0, 110.5, 111.0, 111.2], [100.0, 109.6, 109.6, 109.6, 109.6]], 104.0)
    # an efficient firm 12 % under the best other bid, whose rivals spread as usual: not cover bidding
    gap = [honest(4), honest(4)]
    add("gap", [[round(min(v) * 0.88, 2), *v] for v in gap], 125.0)
    add("two", [[10.0, 50.0]], 60.0)  # two bids: not screened
    return tenders, items, bids


def test_screens_flags_a_tender_whose_screens_sit_on_the_collusive_side(graph) -> None:
    tenders, items, bids = _screens_market()
    det = Screens()
    got = det.run(graph(Tender=tenders, Item=items, BID=bids), det.config())
    assert [f.subject.id for f in got] == ["tender:cover"]
    names = {m.name: m for m in got[0].evidence.measures}
    assert names["cover_index"].threshold is not None and names["cover_index"].comparison == ">"
    assert float(names["cover_index"].value) > float(names["cover_index"].threshold)  # type: ignore[arg-type]
    assert names["DIFFP_median"].value == pytest.approx(0.098) and names["DIFFP_median"].comparison == ">"
    assert names["DISCOUNT_median"].value == pytest.approx(1 - 100 / 104)
    assert names["n_items"].value == 2
    assert got[0].evidence.details["threshold_computed"] is True
    assert {"item:cover:0", "item:cover:1", "supplier:cover:0"} <= set(got[0].evidence.node_ids)


def test_screens_exclusions_and_explicit_threshold(graph) -> None:
    tenders, items, bids = _screens_market()
    det = Screens()
    ci = cover_index(graph(Tender=tenders, Item=items, BID=bids))
    assert "tender:two" not in ci.tenders.index  # fewer than min_bids valid bids
    assert ci.items.loc["item:cover:1", "RD"] == np.inf and ci.items.loc["item:cover:1", "rank_RD"] == 1.0
    # the efficient winner's lone gap ranks high on DIFFP and RD, but its rivals spread and the price fell
    assert ci.tenders.loc["tender:gap", "index"] < ci.threshold < ci.tenders.loc["tender:cover", "index"]
    # without the estimate the index rests on the three bid screens: the cover tender still ranks first
    no_est = [{**i, "estimated_unit_value": None} for i in items]
    bare = cover_index(graph(Tender=tenders, Item=no_est, BID=bids))
    assert bare.tenders["index"].idxmax() == "tender:cover" and bare.tenders["DISCOUNT"].isna().all()
    # a threshold set by the user is used as given and reported as such
    strict = det.run(graph(Tender=tenders, Item=items, BID=bids), det.config({"index_min": 50.0}))
    assert strict == []


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
        for i in range(8)
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
    # works drawing three bidders as a rule: fewer than the market's usual four, but competition is the norm
    for i in range(3):
        p = _tender_with_bidders(f"tender:w{i}", ["supplier:u", "supplier:v", "supplier:w"], modality_id=4)
        p[1]["item_class"] = "CATSER:works"
        parts.append(p)
    works_solo = _tender_with_bidders("tender:works-solo", ["supplier:u"], modality_id=4)
    works_solo[1]["item_class"] = "CATSER:works"
    parts.append(works_solo)
    tables = graph(
        Tender=[p[0] for p in parts], Item=[p[1] for p in parts], BID=[b for p in parts for b in p[2]]
    )
    det = LowCompetition()
    got = {f.subject.id: f for f in det.run(tables, det.config())}
    assert sorted(got) == ["tender:solo", "tender:works-solo"]
    names = {m.name: m for m in got["tender:solo"].evidence.measures}
    assert names["bidders"].value == 1 and names["baseline_bidders"].value == 4
    assert names["baseline_bidders"].threshold == 2.0
    assert names["comparable_single_bidder_share"].value == pytest.approx(1 / 9)
    works = {m.name: m.value for m in got["tender:works-solo"].evidence.measures}
    assert works["baseline_bidders"] == 3 and works["item_class_median"] == 3
    assert got["tender:works-solo"].evidence.details["baseline_basis"] == "item_class"
    # a stricter user threshold excuses the works market again
    strict = det.run(tables, det.config({"baseline_min": 3.5}))
    assert [f.subject.id for f in strict] == ["tender:solo"]


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


def test_overpricing_needs_an_outlier_within_its_own_class(graph) -> None:
    """Twice the median of a class whose buyers pay anything from 4 to 16 is that class's ordinary spread
    (robust z 1.6), not sobrepreço; three times the median of a tightly priced class is (z far past 3.5)."""
    tenders, items, awards = [], [], []
    classes = {
        "CATMAT:wide": [4.0, 6.0, 8.0, 10.0, 12.5, 16.0, 21.0],
        "CATMAT:tight": [10.0, 10.5, 9.5, 10.2, 9.8, 10.1, 30.0],
    }
    for cls, prices in classes.items():
        for i, p in enumerate(prices):
            t = f"tender:{cls}:{i}"
            tenders.append({"id": t, "agency_id": f"agency:{i}"})
            items.append({"id": f"item:{cls}:{i}", "tender_id": t, "item_class": cls, "unit": "UN"})
            awards.append(
                rel(f"item:{cls}:{i}", f"supplier:{i}", "Item", "Supplier", unit_value=p, quantity=1.0)
            )
    det = Overpricing()
    tables = graph(Tender=tenders, Item=items, AWARDED=awards)
    got = det.run(tables, det.config({"price_ratio_min": 1.5}))
    assert [f.subject.id for f in got] == ["tender:CATMAT:tight:6"]
    m = {x.name: x for x in got[0].evidence.measures}
    assert m["robust_z"].threshold == 3.5 and float(m["robust_z"].value or 0) > 3.5
    # the wide class's top price passes the ratio test alone: only the class's own spread excuses it
    loose = det.run(tables, det.config({"price_ratio_min": 1.5, "robust_z_min": 1.2}))
    assert sorted(f.subject.id for f in loose) == ["tender:CATMAT:tight:6", "tender:CATMAT:wide:6"]
