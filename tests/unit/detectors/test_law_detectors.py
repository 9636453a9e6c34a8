"""dispensa_limit, fracionamento, short_deadline and direct_share on hand-made tables."""

from __future__ import annotations

from datetime import date

import numpy as np
import pytest

from core.domain import SubjectKind
from detectors.direct_share import DirectShare
from detectors.dispensa_limit import DispensaLimit
from detectors.fracionamento import Fracionamento
from detectors.law import (
    business_days_between,
    dispensa_limit,
    minimum_business_days,
    vehicle_maintenance_exempt_max,
)
from detectors.short_deadline import ShortDeadline


def _t(id_: str, **kw: object) -> dict[str, object]:
    base = {
        "id": id_,
        "agency_id": "agency:1",
        "unit_id": "unit:1:1",
        "year": 2025,
        "modality_id": 8,
        "legal_basis_code": 19,
        "object_nature": "goods",
    }
    return {**base, **kw}


def test_limits_are_data_by_year() -> None:
    assert dispensa_limit(2025, "goods") == 62_725.59
    assert dispensa_limit(2025, "works") == 125_451.15
    assert dispensa_limit(2023, "services") == 57_208.33
    assert dispensa_limit(2026, "vehicle_maintenance") == 130_984.20
    assert dispensa_limit(2021, "goods") == 50_000.00
    assert dispensa_limit(2030, "goods") == 65_492.11  # later years keep the latest known update


def test_dispensa_limit_true_positive_and_exclusions(graph) -> None:
    tables = graph(
        Tender=[
            _t("tender:over", awarded_value=70_000.0),  # over the 2025 art. 75 II limit
            _t("tender:under", awarded_value=60_000.0),  # under it
            _t("tender:works", awarded_value=70_000.0, object_nature="works"),  # art. 75 I: limit 125k
            _t(
                "tender:emergency", awarded_value=900_000.0, legal_basis_code=24
            ),  # another ground of dispensa
            _t("tender:pregao", awarded_value=900_000.0, modality_id=6, legal_basis_code=None),
            _t("tender:old", awarded_value=70_000.0, year=2019),  # before Lei 14.133
            _t(
                "tender:est", awarded_value=None, estimated_value=66_000.0, year=2024
            ),  # falls back to estimate
        ]
    )
    det = DispensaLimit()
    got = {f.subject.id: f for f in det.run(tables, det.config())}
    assert set(got) == {"tender:over", "tender:est"}
    m = got["tender:over"].evidence.measures[0]
    assert m.value == 70_000.0 and m.threshold == 62_725.59
    assert "agency:1" in got["tender:over"].evidence.node_ids
    doubled = det.config({"doubled_agencies": ["agency:1"]})
    assert det.run(tables, doubled) == []  # §2º doubles the limit


def test_fracionamento_sums_by_unit_year_and_nature(graph) -> None:
    rows = [
        _t("tender:a", awarded_value=30_000.0),
        _t("tender:b", awarded_value=25_000.0),
        _t("tender:c", awarded_value=20_000.0),  # 75k > 62.7k: split purchase
        _t("tender:d", awarded_value=40_000.0, unit_id="unit:1:2"),  # other unit, alone
        _t("tender:e", awarded_value=40_000.0, year=2024, unit_id="unit:1:3"),
        _t("tender:f", awarded_value=15_000.0, year=2024, unit_id="unit:1:3"),  # 55k < 59.9k
        _t("tender:g", awarded_value=60_000.0, unit_id="unit:1:4", object_nature="works"),
        _t("tender:h", awarded_value=50_000.0, unit_id="unit:1:4", object_nature="goods"),  # other nature
        _t("tender:v1", awarded_value=7_000.0, unit_id="unit:1:5", object_nature="vehicle_maintenance"),
        _t("tender:v2", awarded_value=120_000.0, unit_id="unit:1:5", object_nature="vehicle_maintenance"),
    ]
    det = Fracionamento()
    got = det.run(graph(Tender=rows), det.config())
    assert len(got) == 1
    f = got[0]
    assert f.subject.kind == SubjectKind.AGENCY and f.subject.id == "agency:1"
    assert set(f.evidence.node_ids) >= {"tender:a", "tender:b", "tender:c", "unit:1:1"}
    assert f.evidence.measures[0].value == pytest.approx(75_000.0)
    assert f.evidence.measures[0].threshold == 62_725.59


def test_business_days_and_art55_minimums() -> None:
    # published Friday 2025-03-07; Mon 10 .. Fri 14 are 5 dias úteis, Mon 17 the 6th
    assert business_days_between(date(2025, 3, 7), date(2025, 3, 14)) == 5
    assert business_days_between(date(2025, 3, 7), date(2025, 3, 17)) == 6
    assert business_days_between(date(2025, 3, 7), date(2025, 3, 17), (date(2025, 3, 10),)) == 5
    assert minimum_business_days("goods", 1) == 8
    assert minimum_business_days("goods", 4) == 35
    assert minimum_business_days("goods", None) == 15
    assert minimum_business_days("services", 1) == 10
    assert minimum_business_days("works", 9) == 35
    assert minimum_business_days(None, 1) is None


def test_short_deadline_true_positive_and_exclusions(graph) -> None:
    pub = "2025-03-07 10:00"
    rows = [
        _t(
            "tender:short",
            modality_id=6,
            judgment_criterion_id=1,
            published_at=pub,
            proposals_close_at="2025-03-14 09:00",
        ),
        _t(
            "tender:ok",
            modality_id=6,
            judgment_criterion_id=1,
            published_at=pub,
            proposals_close_at="2025-03-19 09:00",
        ),
        _t(
            "tender:svc",
            modality_id=6,
            judgment_criterion_id=1,
            object_nature="services",
            published_at=pub,
            proposals_close_at="2025-03-19 09:00",
        ),  # 8 days, services need 10
        _t(
            "tender:dispensa",
            modality_id=8,
            judgment_criterion_id=1,
            published_at=pub,
            proposals_close_at="2025-03-10",
        ),
        _t(
            "tender:nodate",
            modality_id=6,
            judgment_criterion_id=1,
            published_at=None,
            proposals_close_at="2025-03-10",
        ),
        _t(
            "tender:unknown",
            modality_id=6,
            judgment_criterion_id=1,
            object_nature=None,
            published_at=pub,
            proposals_close_at="2025-03-10",
        ),
    ]
    det = ShortDeadline()
    got = {f.subject.id: f for f in det.run(graph(Tender=rows), det.config())}
    assert set(got) == {"tender:short", "tender:svc"}
    m = got["tender:short"].evidence.measures[0]
    assert (m.value, m.threshold) == (5, 8)


def test_direct_share_computed_fence_and_min_tenders(graph) -> None:
    rows = []
    for a in range(9):  # nine agencies with 1 direct purchase in 5, of 5 % to 25 % of their value
        direct = 50.0 + 25.0 * a
        for i in range(5):
            rows.append(
                _t(
                    f"tender:{a}:{i}",
                    agency_id=f"agency:{a}",
                    modality_id=8 if i == 0 else 6,
                    awarded_value=direct if i == 0 else (1000.0 - direct) / 4,
                )
            )
    for i in range(5):  # one agency buying almost everything directly
        rows.append(_t(f"tender:x:{i}", agency_id="agency:x", modality_id=9 if i else 6, awarded_value=200.0))
    for i in range(3):  # too few tenders to judge
        rows.append(_t(f"tender:y:{i}", agency_id="agency:y", modality_id=8, awarded_value=200.0))
    det = DirectShare()
    got = det.run(graph(Tender=rows), det.config())
    assert [f.subject.id for f in got] == ["agency:x"]
    m = got[0].evidence.measures[0]
    shares = np.array([0.05 + 0.025 * a for a in range(9)] + [0.8])
    q1, q3 = np.percentile(shares, [25, 75])
    assert m.value == pytest.approx(0.8) and m.threshold == pytest.approx(q3 + 1.5 * (q3 - q1))
    assert 0.25 < m.threshold < 0.8  # the market's own fence, not a fixed floor
    assert got[0].evidence.details["threshold_computed"] is True
    assert det.run(graph(Tender=rows), det.config({"share_max": 0.9})) == []
    # with fewer agencies than min_agencies there is no fence, and only a configured share decides
    few = [r for r in rows if r["agency_id"] in ("agency:0", "agency:1", "agency:x")]
    assert det.run(graph(Tender=few), det.config()) == []
    assert [f.subject.id for f in det.run(graph(Tender=few), det.config({"share_max": 0.5}))] == ["agency:x"]


def test_fracionamento_vehicle_exemption_is_the_updated_value_of_the_year(graph) -> None:
    """Art. 75 §7º: R$ 8.000 in the law's text, R$ 10.036,10 in 2025 (Decreto 12.343/2024): a 9.500
    maintenance purchase stays out of the 2025 sum, though it would count under the original figure."""
    rows = [
        _t("tender:v1", awarded_value=120_000.0, unit_id="unit:v", object_nature="vehicle_maintenance"),
        _t("tender:v2", awarded_value=9_500.0, unit_id="unit:v", object_nature="vehicle_maintenance"),
    ]
    det = Fracionamento()
    assert det.run(graph(Tender=rows), det.config()) == []
    got = det.run(graph(Tender=rows), det.config({"vehicle_parts_exempt_max": 8_000.0}))
    assert len(got) == 1
    m = {x.name: x for x in got[0].evidence.measures}
    assert m["sum_value"].value == pytest.approx(129_500.0) and m["sum_value"].threshold == 125_451.15
    assert m["vehicle_exempt_max"].value == 8_000.0 and m["exempt_vehicle_purchases"].value == 0
    assert vehicle_maintenance_exempt_max(2025) == 10_036.10
    assert vehicle_maintenance_exempt_max(2019) == 8_000.0 and vehicle_maintenance_exempt_max(2030) == 10_478.74


def test_configs_reject_unknown_keys() -> None:
    from pydantic import ValidationError

    with pytest.raises(ValidationError):
        DispensaLimit().config({"limit": 1})


def test_short_deadline_takes_the_shorter_reading_when_object_and_items_disagree(graph) -> None:
    """A "serviço de manutenção de veículos" whose items are all parts may be a purchase of goods (8 dias
    úteis): closing after 9 is not flagged on the object's reading (10) alone; the same 9 days for a tender
    whose items include a service are short."""
    pub = "2025-03-07 10:00"
    close = "2025-03-20 09:00"  # 9 dias úteis
    rows = [
        _t(
            "tender:parts",
            modality_id=6,
            judgment_criterion_id=1,
            object_nature="vehicle_maintenance",
            published_at=pub,
            proposals_close_at=close,
        ),
        _t(
            "tender:labour",
            modality_id=6,
            judgment_criterion_id=1,
            object_nature="vehicle_maintenance",
            published_at=pub,
            proposals_close_at=close,
        ),
    ]
    items = [
        {"id": "item:parts:1", "tender_id": "tender:parts", "kind": "M"},
        {"id": "item:parts:2", "tender_id": "tender:parts", "kind": "M"},
        {"id": "item:labour:1", "tender_id": "tender:labour", "kind": "M"},
        {"id": "item:labour:2", "tender_id": "tender:labour", "kind": "S"},
    ]
    det = ShortDeadline()
    got = {f.subject.id: f for f in det.run(graph(Tender=rows, Item=items), det.config())}
    assert set(got) == {"tender:labour"}
    m = {x.name: x.value for x in got["tender:labour"].evidence.measures}
    assert (m["business_days"], m["minimum_by_object"], m["minimum_by_items"]) == (9, 10, 10)
    assert m["items_nature"] == "services"
    # without item kinds the object's reading stands and the parts tender is short too
    bare = det.run(graph(Tender=rows), det.config())
    assert {f.subject.id for f in bare} == {"tender:parts", "tender:labour"}
