"""The Bloom perspective: generated from the model, committed in sync, with the structure of a real
Bloom 2.x export (graph.bloom.structure_problems; the exports it follows are listed in docs/bloom.md),
and search phrases that name only labels, relationship types and properties the graph has."""

from __future__ import annotations

import copy
import json
import re
from typing import Any

import pytest

from core.tables import NODE_TABLES, REL_TABLES
from graph.bloom import (
    PERSPECTIVE_PATH,
    build_perspective,
    cypher_schema_problems,
    render,
    structure_problems,
)
from tests.fixtures.graph_db import cli


@pytest.fixture(scope="module")
def perspective() -> dict[str, Any]:
    return json.loads(PERSPECTIVE_PATH.read_text(encoding="utf-8"))


def test_committed_perspective_matches_the_generator() -> None:
    assert PERSPECTIVE_PATH.read_text(encoding="utf-8") == render(), "run `licitagraph graph bloom`"


def test_committed_perspective_has_the_structure_of_a_bloom_export(perspective: dict[str, Any]) -> None:
    assert structure_problems(perspective) == []
    # the two details that set a 2.x export apart from what this file used to be
    for ix in perspective["metadata"]["indexes"]:
        assert ix["propertyKeys"] and all(set(k) == {"key", "metadataProp"} for k in ix["propertyKeys"])
    for r in perspective["relationshipTypes"]:
        assert r["captions"] and r["captions"][0] == {
            "key": r["name"], "type": "relationship", "isCaption": True, "inTooltip": True, "styles": []}


def _mutated(p: dict[str, Any], change: str) -> dict[str, Any]:
    q = copy.deepcopy(p)
    if change == "index keys as strings":  # what Bloom 2.4 wrote; 2.6 reads {key, metadataProp}
        for ix in q["metadata"]["indexes"]:
            ix["propertyKeys"] = [k["key"] for k in ix["propertyKeys"]]
    elif change == "relationship type without captions":
        del q["relationshipTypes"][3]["captions"]
    elif change == "no templates key":
        q["searchPhrases"] = q.pop("templates")
    elif change == "param without $":
        q["templates"][0]["params"][0]["name"] = "licitacao"
    elif change == "suggestion of a missing property":
        q["templates"][0]["params"][0]["suggestionProp"] = "numero_controle"
    elif change == "category caption not a property":
        q["categories"][0]["captions"][0]["key"] = "nome"
    elif change == "style rule basedOn without type":
        q["categories"][2]["styleRules"][0]["basedOn"] = "risk_score"
    elif change == "path segment to unknown label":
        q["metadata"]["pathSegments"][0]["target"] = "Orgao"
    elif change == "version 1.x":
        q["version"] = "1.4.1"
    elif change == "colour name":
        q["relationshipTypes"][0]["color"] = "red"
    return q


@pytest.mark.parametrize("change,expected", [
    ("index keys as strings", "metadata.indexes[0].propertyKeys[0]: expected an object, got str"),
    ("relationship type without captions", "missing `captions`"),
    ("no templates key", "perspective: missing `templates`"),
    ("param without $", "is not `$name`"),
    ("suggestion of a missing property", "suggestion Tender.numero_controle is not a property"),
    ("category caption not a property", "caption 'nome' is not one of its properties"),
    ("style rule basedOn without type", "basedOn: 'risk_score' is not `<property>_<dataType>`"),
    ("path segment to unknown label", "'Orgao' is not in `labels`"),
    ("version 1.x", "is not a Bloom 2.x version"),
    ("colour name", "'red' is not a #RRGGBB colour"),
])
def test_structure_check_fails_on_a_mutated_copy(perspective: dict[str, Any], change: str, expected: str) -> None:
    problems = structure_problems(_mutated(perspective, change))
    assert any(expected in p for p in problems), problems


def test_structure_check_rejects_what_is_not_a_perspective() -> None:
    assert structure_problems([]) == ["perspective: expected an object, got list"]
    assert "perspective: missing `categories`" in structure_problems({"name": "x"})


def test_perspective_covers_the_graph_model(perspective: dict[str, Any]) -> None:
    labels = {c["labels"][0] for c in perspective["categories"]}
    assert labels == {t.name for t in NODE_TABLES} | {"Finding"} == set(perspective["labels"])
    rels = {r["name"] for r in perspective["relationshipTypes"]}
    assert rels == {t.name for t in REL_TABLES} | {"ABOUT", "INVOLVES", "PERDEU_PARA"}
    by_label = {c["labels"][0]: c for c in perspective["categories"]}
    for label in ("Tender", "Supplier", "Agency", "Item"):
        rules = by_label[label]["styleRules"]
        assert any(r["basedOn"] == "risk_score_number" and r["type"] == "range" and r["applySize"]
                   for r in rules), label
    flagged = {r["conditionValue"] for r in by_label["Supplier"]["styleRules"] if r["type"] == "single"}
    assert flagged == {"SUSPENSA", "INAPTA", "BAIXADA", "NULA"}  # every registry_status but ATIVA
    assert perspective["hideUncategorisedData"] is True  # LoadCheckpoint, DataVersion, API keys stay out


def test_what_investigators_read_is_portuguese(perspective: dict[str, Any]) -> None:
    assert {c["name"] for c in perspective["categories"]} >= {
        "Órgão", "Licitação", "Fornecedor", "Sócio (pessoa)", "Sanção", "Achado", "Unidade gestora", "Endereço"}
    english = re.compile(r"\b(the|of|with|and|who|suppliers?|tenders?|bidders?|agency|findings?)\b", re.I)
    for t in perspective["templates"]:
        for shown in (t["text"], t["name"]):
            assert shown and not english.search(shown), shown
    texts = {t["id"]: t["text"] for t in perspective["templates"]}
    assert texts["tmpl:bloom/show_supplier_network"] == "Rede do fornecedor $fornecedor até $niveis níveis"
    assert texts["tmpl:bloom/show_subject_findings"] == "Achados sobre $sujeito"  # alerts and the API link to it


def test_search_phrases_cover_each_investigation() -> None:
    p = build_perspective()
    ids = {t["id"] for t in p["templates"]}
    for needed in ("show_supplier_network", "show_bidders_sharing_links", "show_bidding_groups",
                   "show_loser_winner_graph", "show_overpriced_items", "show_dispensas", "show_sanctioned_links",
                   "show_riskiest_tenders", "show_riskiest_suppliers", "show_subject_findings"):
        assert f"tmpl:bloom/{needed}" in ids
    params = {(t["id"], x["name"]): x for t in p["templates"] for x in t["params"]}
    assert params[("tmpl:bloom/show_dispensas", "$ano")]["dataType"] == "Integer"
    assert params[("tmpl:bloom/show_dispensas", "$ano")]["cypher"]  # Bloom lists the years to pick from
    assert params[("tmpl:bloom/show_supplier_network", "$fornecedor")]["suggestionLabel"] == "Supplier"


def test_every_phrase_names_only_what_the_graph_has(perspective: dict[str, Any]) -> None:
    for t in perspective["templates"]:
        assert cypher_schema_problems(t["cypher"]) == [], t["id"]
        for x in t["params"]:
            if x["cypher"]:
                assert cypher_schema_problems(x["cypher"]) == [], (t["id"], x["name"])


@pytest.mark.parametrize("cypher,expected", [
    ("MATCH (s:Suplier) RETURN s", "unknown label 'Suplier'"),
    ("MATCH (s:Supplier) WHERE NOT s:Empresa RETURN s", "unknown label 'Empresa'"),
    ("MATCH p = (:Supplier)-[:BIDS]->(:Item) RETURN p", "unknown relationship type 'BIDS'"),
    ("MATCH (s:Supplier)-[:BID|WON]->(i:Item) RETURN s", "unknown relationship type 'WON'"),
    ("CALL apoc.path.subgraphAll(s, {relationshipFilter: 'PARTNER_OF|SOCIO_DE'}) YIELD nodes RETURN nodes",
     "unknown relationship type 'SOCIO_DE'"),
    ("MATCH (s:Supplier) WHERE s.razao_social = $x RETURN s", "unknown property s.razao_social"),
    ("MATCH (i:Item) WHERE i.unit_value > 0 RETURN i", "unknown property i.unit_value"),  # on AWARDED, not Item
    ("MATCH (:Tender)-[b:BID]->() WHERE b.ganhou RETURN b", "unknown property b.ganhou"),
    ("MATCH (o:Item {classe: 'x'}) RETURN o", "unknown property Item.classe"),
])
def test_schema_check_catches_names_the_graph_lacks(cypher: str, expected: str) -> None:
    assert expected in cypher_schema_problems(cypher)


def test_bloom_command_checks_and_writes(tmp_path: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    import graph.bloom

    ok = cli("graph", "bloom", "--check")
    assert ok.returncode == 0 and "is up to date" in ok.stdout
    stale = tmp_path / "perspective.json"
    stale.write_text("{}", encoding="utf-8")
    monkeypatch.setattr(graph.bloom, "PERSPECTIVE_PATH", stale)
    bad = cli("graph", "bloom", "--check")
    assert bad.returncode == 1 and "out of date" in bad.stderr
    wrote = cli("graph", "bloom")
    assert wrote.returncode == 0 and stale.read_text(encoding="utf-8") == render()
