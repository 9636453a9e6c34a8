"""Overpricing on the real TCE-RJ school-meal bids, after the ETL: item classes from the real
descriptions, references from other municipalities, prices moved with the IPCA.

The asserted cases were checked by hand (docs/item-matching.md reads every finding): the detector must
find them, with their class, conversion, deflation and comparison purchases, from its own computation."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

pytestmark = [pytest.mark.spark, pytest.mark.slow, pytest.mark.timeout(1800)]


@pytest.fixture(scope="module")
def tables(real_tables: Path) -> Path:
    return real_tables


@pytest.fixture(scope="module")
def findings(tables: Path) -> dict[tuple[str, str], Any]:
    from detectors.base import GraphTables
    from detectors.overpricing import Overpricing

    det = Overpricing()
    out = det.run(GraphTables.from_dir(tables), det.config())
    unit = [f for f in out if f.evidence.details.get("kind") == "unit_price"]
    return {(f.subject.id, str(f.evidence.details["description"])): f for f in unit}


def _measures(f: Any) -> dict[str, Any]:
    return {m.name: m.value for m in f.evidence.measures}


def test_items_get_classes_and_comparison_units(tables: Path) -> None:
    from core.delta import read_pandas

    items = read_pandas(tables, "nodes/Item")
    tcerj = items[items["id"].str.startswith("item:bids_tcerj:")]
    # the example: the same flour bought per PCT, UND and KG lands in one KG class
    flour = tcerj[tcerj["description"].str.upper().str.startswith("FARINHA DE MANDIOCA", na=False)]
    assert flour["price_unit"].eq("KG").mean() > 0.9
    assert flour["item_class"].value_counts().iloc[0] >= 20
    # thousands of exact descriptions collapse into far fewer classes; only descriptions that name no
    # product ("LOTE 4", "GÊNEROS ALIMENTÍCIOS") are left without one
    from etl.transforms.items import clean_description

    unclassed = tcerj[tcerj["item_class"].isna()]
    assert len(unclassed) < 0.01 * len(tcerj)
    assert all(clean_description(d) == "" for d in unclassed["description"])
    assert tcerj["item_class"].nunique() < 0.5 * tcerj["description"].nunique()
    tenders = read_pandas(tables, "nodes/Tender")
    years = tenders[tenders["id"].str.startswith("tender:bids_tcerj:")]["year"]
    assert years.notna().mean() > 0.9 and set(years.dropna().astype(int)) <= {2016, 2017, 2018}
    # the real PNCP contratações still load next to the bids
    assert tenders["control_number"].notna().sum() > 0


def test_overpriced_real_winning_prices_are_found(findings: dict[tuple[str, str], Any]) -> None:
    limao = findings[("tender:bids_tcerj:560:PP004/2017", "LIMÃO TAITI")]
    m = _measures(limao)
    assert m["unit_price_ratio"] > 3 and m["robust_z"] > 3.5 and m["reference_buyers"] >= 3
    d = limao.evidence.details
    assert d["item_class"].endswith("| KG") and "LIMAO" in d["item_class"]
    assert d["deflation"]["purchase_period"] == "2017" and d["deflation"]["index"] == "IPCA"
    assert d["comparisons"] and all(c["buyer"] != "agency:tcerj:560" for c in d["comparisons"])
    assert all(c["price_per_unit"] < 5 for c in d["comparisons"])
    assert "agency:tcerj:560" in limao.evidence.node_ids

    margarina = findings[("tender:bids_tcerj:482:011/2017", "Margarina 200g")]
    d = margarina.evidence.details
    # bought per unit, compared per KG through the 200 g stated in the description
    assert d["pack"]["price_unit"] == "KG" and d["pack"]["unit_size"] == pytest.approx(0.2)
    assert d["pack"]["converted"] is True
    assert _measures(margarina)["price_per_unit"] == pytest.approx(_measures(margarina)["unit_value"] / 0.2)
    assert _measures(margarina)["unit_price_ratio"] > 3

    espinafre = findings[("tender:bids_tcerj:560:PP002/2018", "ESPINAFRE FRESCO")]
    assert espinafre.evidence.details["pack"]["price_unit"] == "MACO"
    assert len({c["buyer"] for c in espinafre.evidence.details["comparisons"]}) >= 3


def test_no_finding_compares_a_buyer_with_itself(findings: dict[tuple[str, str], Any]) -> None:
    assert findings
    for f in findings.values():
        own = {n for n in f.evidence.node_ids if n.startswith("agency:")}
        assert not own & {c["buyer"] for c in f.evidence.details["comparisons"]}
