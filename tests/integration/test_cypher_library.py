"""Every `cypher/**/*.cypher` file against the real test Neo4j: EXPLAIN, then the planted cases of the
fixture world (synth/table_world.py) found by the query meant to find them."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from core.settings import Settings
from graph.bloom import PERSPECTIVE_PATH
from graph.loader import Loader, init_schema
from graph.runner import Neo4jRunner, library
from synth.table_world import World, write_world
from tests.fixtures.graph_db import wipe

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def world(services: object, settings: Settings, tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    wipe(settings)
    tables = tmp_path_factory.mktemp("world") / "tables"
    w, _ = write_world(tables, filler_tenders=30)
    with Neo4jRunner(settings) as runner:
        init_schema(runner)
        Loader(runner).load(tables)
    yield w


@pytest.fixture(scope="module")
def runner(world: World, settings: Settings) -> Iterator[Neo4jRunner]:
    with Neo4jRunner(settings) as r:
        yield r


@pytest.mark.parametrize("name", [q.name for q in library()])
def test_every_query_passes_explain(runner: Neo4jRunner, name: str) -> None:
    ops = runner.explain(name)
    assert ops and ops[0].startswith("ProduceResults")


def test_supplier_network_reaches_partner_cobidder_and_shared_partner(runner: Neo4jRunner, world: World) -> None:
    p = world.planted["shared_partner"]
    s1, s2 = p["suppliers"]
    one = runner.read("network/find_supplier_network", {"supplier_id": s1, "depth": 1})[0]
    ids1 = {n["id"] for n in one["nodes"]}
    assert p["person"] in ids1 and s2 not in ids1  # the partner is 1 hop away, the other company 2
    two = runner.read("network/find_supplier_network", {"supplier_id": s1, "depth": 2})[0]
    ids2 = {n["id"] for n in two["nodes"]}
    assert {s2, "supplier:00000006000106"} <= ids2  # shared partner and co-bidder in T1
    assert {"src": p["person"], "dst": s2, "type": "PARTNER_OF"} in two["edges"]


def test_bidders_sharing_links_finds_partner_and_contacts(runner: Neo4jRunner, world: World) -> None:
    rows = runner.read("collusion/find_bidders_sharing_links")
    found = {(r["tender_id"], r["supplier_a"], r["supplier_b"], r["link"]) for r in rows}
    sp, ph = world.planted["shared_partner"], world.planted["shared_phone"]
    assert (sp["tender"], *sorted(sp["suppliers"]), "partner") in found
    assert (ph["tender"], *sorted(ph["suppliers"]), "phone") in found
    assert (ph["tender"], *sorted(ph["suppliers"]), "email") in found
    assert {r["tender_id"] for r in rows} == {sp["tender"], ph["tender"]}  # honest filler is not flagged
    one = runner.read("collusion/find_bidders_sharing_links", {"tender_id": sp["tender"]})
    assert {r["link_id"] for r in one} == {sp["person"]}


def test_bidding_groups_show_the_rotation(runner: Neo4jRunner, world: World) -> None:
    rot = world.planted["rotation"]
    rows = runner.read("collusion/find_bidding_groups", {"agency_id": rot["agency"], "min_tenders": 5})
    assert len(rows) == 1
    g = rows[0]
    assert g["suppliers"] == sorted(rot["suppliers"]) and g["n_tenders"] == 6 and g["n_distinct_winners"] == 3
    assert [h["winners"][0] for h in g["history"]] == rot["winners"]
    assert {w["supplier_id"]: w["wins"] for w in g["wins"]} == {s: 2 for s in rot["suppliers"]}


def test_loser_winner_graph_of_the_rotating_agency(runner: Neo4jRunner, world: World) -> None:
    rot = world.planted["rotation"]
    rows = runner.read("collusion/find_loser_winner_graph", {"agency_id": rot["agency"], "item_class": "CATMAT:333333"})
    edges = {(r["loser_id"], r["winner_id"]): r["times"] for r in rows}
    members = rot["suppliers"]
    assert set(edges) == {(a, b) for a in members for b in members if a != b}
    assert all(t == 2 for t in edges.values())


def test_overpriced_items_find_the_planted_item_only(runner: Neo4jRunner, world: World) -> None:
    op = world.planted["overpricing"]
    rows = runner.read("pricing/find_overpriced_items", {"agency_id": op["agency"]})
    assert [r["item_id"] for r in rows] == [op["item"]]
    assert rows[0]["peer_median"] == pytest.approx(10.25) and rows[0]["ratio"] > 4
    everywhere = runner.read("pricing/find_overpriced_items")
    assert {r["item_id"] for r in everywhere} == {op["item"]}


def test_dispensas_sum_above_the_limit(runner: Neo4jRunner, world: World) -> None:
    fr = world.planted["fracionamento"]
    rows = runner.read("compliance/sum_dispensas", {"agency_id": fr["agency"], "year": 2025})
    assert len(rows) == 1
    r = rows[0]
    assert r["unit_id"] == fr["unit"] and r["n_dispensas"] == 4 and r["object_nature"] == "goods"
    assert r["total_value"] == pytest.approx(fr["total"])
    assert r["total_value"] > 62725.59 > r["max_value"]  # art. 75 II limit of 2025
    assert sorted(r["tender_ids"]) == sorted(fr["tenders"]) and r["legal_basis_codes"] == [19]
    assert runner.read("compliance/sum_dispensas", {"agency_id": fr["agency"], "year": 2024}) == []


def test_sanctioned_links_flag_the_award_during_the_sanction(runner: Neo4jRunner, world: World) -> None:
    sw = world.planted["sanctioned_winner"]
    rows = runner.read("sanctions/find_sanctioned_links")
    awards = [r for r in rows if r["link"] == "award"]
    assert [(r["supplier_id"], r["node_id"], r["via_id"], r["during_sanction"]) for r in awards] == [
        (sw["supplier"], sw["item"], sw["tender"], True)
    ]
    assert rows[0]["sanction_id"] == sw["sanction"]


def _seed_risk(settings: Settings, world: World) -> None:
    from graph.connection import driver_session

    with driver_session(settings) as s:
        s.run("MATCH (t:Tender {id: $t}) SET t.risk_score = 0.9, t.risk_n_findings = 2",
              t=world.planted["shared_partner"]["tender"]).consume()
        s.run("MATCH (x:Supplier {id: $s}) SET x.risk_score = 0.8", s=world.planted["sanctioned_winner"]["supplier"]).consume()
        s.run("MATCH (a:Agency {id: $a}) SET a.risk_score = 0.7", a=world.planted["rotation"]["agency"]).consume()


def test_api_lists_by_risk_with_filters_and_pages(runner: Neo4jRunner, world: World, settings: Settings) -> None:
    _seed_risk(settings, world)
    page = runner.read("api/list_tenders_by_risk", {"limit": 5})[0]
    assert page["total"] == len(world.rows["Tender"]) and len(page["items"]) == 5
    assert page["items"][0]["id"] == world.planted["shared_partner"]["tender"]
    assert page["items"][0]["risk_score"] == 0.9
    second = runner.read("api/list_tenders_by_risk", {"skip": 5, "limit": 5})[0]["items"]
    assert not {i["id"] for i in second} & {i["id"] for i in page["items"]}
    risky = runner.read("api/list_tenders_by_risk", {"min_score": 0.5})[0]
    assert risky["total"] == 1
    by_year = runner.read("api/list_tenders_by_risk", {"year": 2023, "limit": 100})[0]
    assert by_year["total"] == 2 and all(i["year"] == 2023 for i in by_year["items"])
    sup = runner.read("api/list_suppliers_by_risk", {"limit": 1})[0]["items"]
    assert sup[0]["id"] == world.planted["sanctioned_winner"]["supplier"]
    named = runner.read("api/list_suppliers_by_risk", {"name_contains": "fornecedor 1 ltda filial"})[0]
    assert named["total"] == 1
    ag = runner.read("api/list_agencies_by_risk", {"min_score": 0.1})[0]
    assert [a["id"] for a in ag["items"]] == [world.planted["rotation"]["agency"]]


def test_api_detail_network_and_findings(runner: Neo4jRunner, world: World) -> None:
    tid = world.planted["shared_partner"]["tender"]
    d = runner.read("api/get_subject_detail", {"id": tid})
    assert len(d) == 1 and d[0]["label"] == "Tender" and d[0]["properties"]["object"] == "AQUISIÇÃO DE LUVAS"
    assert runner.read("api/get_subject_detail", {"id": "tender:nao-existe"}) == []
    net = runner.read("api/get_subject_network", {"id": tid, "depth": 2})[0]
    ids = {n["id"] for n in net["nodes"]}
    assert set(world.planted["shared_partner"]["suppliers"]) <= ids
    assert runner.read("api/list_findings")[0]["total"] >= 0


BLOOM_SAMPLES: dict[str, dict[str, Any]] = {
    "bloom/show_supplier_network": {"fornecedor": "FORNECEDOR 1 LTDA", "niveis": 2},
    "bloom/show_bidders_sharing_links": {"licitacao": "00001001000100-1-000001/2025"},
    "bloom/show_bidding_groups": {"orgao": "SECRETARIA DE ESTADO DA EDUCAÇÃO"},
    "bloom/show_loser_winner_graph": {"orgao": "SECRETARIA DE ESTADO DA EDUCAÇÃO"},
    "bloom/show_overpriced_items": {"orgao": "SECRETARIA DE ESTADO DA SAÚDE"},
    "bloom/show_dispensas": {"orgao": "AGÊNCIA GOIANA DE INFRAESTRUTURA", "ano": 2025},
    "bloom/show_sanctioned_links": {},
    "bloom/show_riskiest_tenders": {},
    "bloom/show_riskiest_suppliers": {},
}


def test_every_bloom_phrase_runs_with_sample_parameters(runner: Neo4jRunner, world: World, settings: Settings) -> None:
    """The Cypher stored in perspective.json (not only the files) runs and shows the planted case."""
    from graph.connection import driver_session

    _seed_risk(settings, world)
    persp = json.loads(Path(PERSPECTIVE_PATH).read_text(encoding="utf-8"))
    by_id = {t["id"].removeprefix("tmpl:"): t for t in persp["templates"]}
    assert set(BLOOM_SAMPLES) | {"bloom/show_subject_findings"} == set(by_id)
    shown: dict[str, set[str]] = {}
    with driver_session(settings) as s:
        for name, tmpl in by_id.items():
            params = BLOOM_SAMPLES.get(name, {"sujeito": "supplier:00000001000101"})
            assert {p["name"].lstrip("$") for p in tmpl["params"]} == set(params)
            ids: set[str] = set()
            for rec in s.run(tmpl["cypher"], params):
                for v in rec.values():
                    items = v if isinstance(v, list) else [v]
                    for it in items:
                        for n in getattr(it, "nodes", [it]):
                            if hasattr(n, "get") and n.get("id"):
                                ids.add(n.get("id"))
                        for attr in ("start_node", "end_node"):
                            n = getattr(it, attr, None)
                            if n is not None and n.get("id"):
                                ids.add(n.get("id"))
            shown[name] = ids
    p = world.planted
    assert set(p["shared_partner"]["suppliers"]) | {p["shared_partner"]["person"]} <= shown["bloom/show_bidders_sharing_links"]
    assert set(p["rotation"]["suppliers"]) <= shown["bloom/show_bidding_groups"]
    assert set(p["rotation"]["suppliers"]) <= shown["bloom/show_loser_winner_graph"]
    assert p["overpricing"]["item"] in shown["bloom/show_overpriced_items"]
    assert set(p["fracionamento"]["tenders"]) <= shown["bloom/show_dispensas"]
    assert {p["sanctioned_winner"]["supplier"], p["sanctioned_winner"]["item"]} <= shown["bloom/show_sanctioned_links"]
    assert p["shared_partner"]["person"] in shown["bloom/show_supplier_network"]
    assert p["shared_partner"]["tender"] in shown["bloom/show_riskiest_tenders"]
    assert p["sanctioned_winner"]["supplier"] in shown["bloom/show_riskiest_suppliers"]
