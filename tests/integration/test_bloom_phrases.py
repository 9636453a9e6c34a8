"""Every search phrase of cypher/bloom/perspective.json run, as Bloom runs it, against the real test
Neo4j loaded with the fixture world (synth/table_world.py) and findings written by graph.findings:
each returns what Bloom can draw (nodes, relationships, paths) and shows the planted case it is for;
its parameter suggestions run too; and the server knows every label, type and property it names."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from neo4j import Session
from neo4j.graph import Node, Relationship
from neo4j.graph import Path as GraphPath

from core.domain import Evidence, Finding, Subject, SubjectKind
from core.settings import Settings
from core.tables import FINDINGS, RISK
from graph.bloom import PERSPECTIVE_PATH
from graph.connection import driver_session
from graph.findings import write_findings
from graph.loader import Loader, init_schema
from graph.runner import Neo4jRunner
from synth.table_world import World, write_table, write_world
from tests.fixtures.graph_db import wipe

pytestmark = pytest.mark.integration

PERSPECTIVE: dict[str, Any] = json.loads(PERSPECTIVE_PATH.read_text(encoding="utf-8"))
TEMPLATES: dict[str, dict[str, Any]] = {t["id"].removeprefix("tmpl:bloom/"): t for t in PERSPECTIVE["templates"]}


def _findings(world: World) -> list[Finding]:
    sp, sw = world.planted["shared_partner"], world.planted["sanctioned_winner"]
    when = datetime(2026, 1, 1, tzinfo=UTC)
    return [
        Finding(detector="shared_contacts", detector_version="1", run_id="r1", score=0.9, created_at=when,
                subject=Subject(kind=SubjectKind.TENDER, id=sp["tender"]), title="Licitantes com sócio em comum",
                evidence=Evidence(summary="Dois licitantes têm o mesmo sócio.",
                                  node_ids=(*sp["suppliers"], sp["person"]))),
        Finding(detector="sanctioned_winner", detector_version="1", run_id="r1", score=0.8, created_at=when,
                subject=Subject(kind=SubjectKind.SUPPLIER, id=sw["supplier"]), title="Vencedor sancionado",
                evidence=Evidence(summary="Venceu durante a sanção.", node_ids=(sw["sanction"], sw["item"]))),
    ]


def _write_findings(tables: Path, findings: list[Finding]) -> None:
    write_table(tables, FINDINGS, [{
        "id": f.id, "detector": f.detector, "detector_version": f.detector_version,
        "subject_kind": f.subject.kind.value, "subject_id": f.subject.id, "score": f.score, "title": f.title,
        "summary": f.evidence.summary, "measures_json": "[]", "node_ids": list(f.evidence.node_ids),
        "details_json": "{}", "run_id": f.run_id, "created_at": f.created_at} for f in findings])
    write_table(tables, RISK, [{
        "subject_kind": f.subject.kind.value, "subject_id": f.subject.id, "score": f.score, "n_findings": 1,
        "reasons_json": json.dumps([{"detector": f.detector, "finding_id": f.id, "title": f.title}]),
        "run_id": f.run_id} for f in findings])


@pytest.fixture(scope="module")
def world(services: object, settings: Settings, tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    wipe(settings)
    tables = tmp_path_factory.mktemp("bloom-world") / "tables"
    w, _ = write_world(tables, filler_tenders=12)
    with Neo4jRunner(settings) as runner:
        init_schema(runner)
        Loader(runner).load(tables)
    findings = _findings(w)
    w.planted["findings"] = {"ids": [f.id for f in findings]}
    _write_findings(tables, findings)
    counts = write_findings(tables, settings)
    assert counts["findings"] == 2 and counts["risk"] == 2
    yield w


@pytest.fixture(scope="module")
def session(world: World, settings: Settings) -> Iterator[Session]:
    with driver_session(settings) as s:
        yield s


def _name(world: World, table: str, node_id: str, prop: str = "name") -> Any:
    return next(r[prop] for r in world.rows[table] if r["id"] == node_id)


def _samples(world: World) -> dict[str, dict[str, Any]]:
    """Parameters an investigator would type, read from the world (names, control numbers, years)."""
    p = world.planted
    return {
        "show_supplier_network": {"fornecedor": _name(world, "Supplier", p["shared_partner"]["suppliers"][0]),
                                  "niveis": 2},
        "show_bidders_sharing_links": {
            "licitacao": _name(world, "Tender", p["shared_partner"]["tender"], "control_number")},
        "show_bidding_groups": {"orgao": _name(world, "Agency", p["rotation"]["agency"])},
        "show_loser_winner_graph": {"orgao": _name(world, "Agency", p["rotation"]["agency"])},
        "show_overpriced_items": {"orgao": _name(world, "Agency", p["overpricing"]["agency"])},
        "show_dispensas": {"orgao": _name(world, "Agency", p["fracionamento"]["agency"]),
                           "ano": p["fracionamento"]["year"]},
        "show_sanctioned_links": {},
        "show_riskiest_tenders": {},
        "show_riskiest_suppliers": {},
        "show_subject_findings": {"sujeito": p["shared_partner"]["tender"]},
    }


def _run(session: Session, cypher: str, params: dict[str, Any]) -> tuple[list[Any], set[str], list[Relationship]]:
    """Every value of every record, the `id`s of the nodes drawn, and the relationships drawn."""
    values: list[Any] = []
    ids: set[str] = set()
    rels: list[Relationship] = []
    for rec in session.run(cypher, params):
        for v in rec.values():
            values.append(v)
            for it in v if isinstance(v, list) else [v]:
                nodes = list(it.nodes) if isinstance(it, GraphPath) else [it] if isinstance(it, Node) else []
                found = list(it.relationships) if isinstance(it, GraphPath) else [it] if isinstance(
                    it, Relationship) else []
                for r in found:
                    nodes += [n for n in (r.start_node, r.end_node) if n is not None]
                rels += found
                ids |= {n["id"] for n in nodes if n.get("id")}
    return values, ids, rels


def _drawable(v: Any) -> bool:
    """What Bloom can put on the scene: a node, a relationship, a path, or a list of them (null from an
    OPTIONAL MATCH is skipped)."""
    if isinstance(v, list):
        return all(_drawable(x) for x in v)
    return v is None or isinstance(v, Node | Relationship | GraphPath)


def test_samples_cover_every_phrase(world: World) -> None:
    assert set(_samples(world)) == set(TEMPLATES)
    for name, t in TEMPLATES.items():
        assert {x["name"].lstrip("$") for x in t["params"]} == set(_samples(world)[name]), name


@pytest.mark.parametrize("name", sorted(TEMPLATES))
def test_phrase_returns_only_what_bloom_draws(session: Session, world: World, name: str) -> None:
    values, ids, _ = _run(session, TEMPLATES[name]["cypher"], _samples(world)[name])
    assert values and ids, f"{name} drew nothing on the fixture world"
    bad = [type(v).__name__ for v in values if not _drawable(v)]
    assert not bad, f"{name} returns values Bloom cannot draw: {sorted(set(bad))}"


@pytest.mark.parametrize("name", sorted(n for n, t in TEMPLATES.items() if t["params"]))
def test_phrase_with_values_that_match_nothing_draws_nothing(session: Session, world: World, name: str) -> None:
    params = {k: (1990 if isinstance(v, int) else "NÃO EXISTE LTDA") for k, v in _samples(world)[name].items()}
    values, ids, _ = _run(session, TEMPLATES[name]["cypher"], params)
    assert not ids and all(_drawable(v) for v in values)


def test_phrases_show_the_planted_cases(session: Session, world: World) -> None:
    p = world.planted
    shown = {name: _run(session, TEMPLATES[name]["cypher"], params)[1] for name, params in _samples(world).items()}
    sp = p["shared_partner"]
    assert {*sp["suppliers"], sp["person"]} <= shown["show_bidders_sharing_links"]
    assert not set(p["shared_phone"]["suppliers"]) & shown["show_bidders_sharing_links"]  # another tender
    assert {*sp["suppliers"], sp["person"]} <= shown["show_supplier_network"]
    assert set(p["rotation"]["suppliers"]) <= shown["show_bidding_groups"]
    assert p["overpricing"]["item"] in shown["show_overpriced_items"]
    fair = {i["id"] for i in world.rows["Item"] if i["tender_id"] == sp["tender"]}  # same agency, fair price
    assert fair and not fair & shown["show_overpriced_items"]
    assert set(p["fracionamento"]["tenders"]) <= shown["show_dispensas"]
    sw = p["sanctioned_winner"]
    assert {sw["supplier"], sw["sanction"], sw["item"], sw["tender"]} <= shown["show_sanctioned_links"]
    assert sp["tender"] in shown["show_riskiest_tenders"]
    assert sw["supplier"] in shown["show_riskiest_suppliers"]
    assert {*p["findings"]["ids"][:1], sp["tender"], *sp["suppliers"], sp["person"]} <= shown["show_subject_findings"]
    assert sw["supplier"] not in shown["show_subject_findings"]  # the other finding is about another subject


def test_supplier_network_by_cnpj_and_by_hops(session: Session, world: World) -> None:
    sp = world.planted["shared_partner"]
    cypher = TEMPLATES["show_supplier_network"]["cypher"]
    doc = _name(world, "Supplier", sp["suppliers"][0], "document")
    one = _run(session, cypher, {"fornecedor": doc, "niveis": 1})[1]
    two = _run(session, cypher, {"fornecedor": doc, "niveis": 2})[1]
    assert sp["person"] in one and sp["suppliers"][1] not in one  # the partner is 1 hop away, his other firm 2
    assert sp["suppliers"][1] in two and one < two


def test_loser_winner_counts_the_items_each_supplier_lost(session: Session, world: World) -> None:
    rot = world.planted["rotation"]
    _, _, rels = _run(session, TEMPLATES["show_loser_winner_graph"]["cypher"], _samples(world)["show_loser_winner_graph"])
    assert rels and {r.type for r in rels} == {"PERDEU_PARA"}
    group = set(rot["suppliers"])
    vezes = {(r.start_node["id"], r.end_node["id"]): r["vezes"] for r in rels
             if {r.start_node["id"], r.end_node["id"]} <= group}
    # six tenders, each of the three wins two: every one lost twice to each of the other two
    assert vezes == {(a, b): 2 for a in group for b in group if a != b}


def test_parameter_suggestions_run_and_offer_the_planted_values(session: Session, world: World) -> None:
    samples = _samples(world)
    for name, t in TEMPLATES.items():
        for prm in t["params"]:
            key = prm["name"].lstrip("$")
            if prm["cypher"]:
                offered = [rec.values()[0] for rec in session.run(prm["cypher"])]
                assert offered, (name, key)
                assert all(isinstance(v, int) for v in offered) == (prm["dataType"] == "Integer")
                assert samples[name][key] in offered, (name, key, offered)
            if prm["suggestionLabel"]:
                q = (f"MATCH (n:`{prm['suggestionLabel']}`) WHERE n.`{prm['suggestionProp']}` = $v "
                     "RETURN count(n) AS c")
                if key in ("fornecedor", "orgao", "licitacao"):
                    assert session.run(q, v=samples[name][key]).single(strict=True)["c"] >= 1, (name, key)
                assert session.run(f"MATCH (n:`{prm['suggestionLabel']}`) WHERE n.`{prm['suggestionProp']}` "
                                   "IS NOT NULL RETURN count(n) AS c").single(strict=True)["c"] > 0


_UNKNOWN = ("UnknownLabelWarning", "UnknownRelationshipTypeWarning", "UnknownPropertyKeyWarning")


def _unknown_names(session: Session, cypher: str, params: dict[str, Any]) -> list[str]:
    summary = session.run("EXPLAIN " + cypher, params).consume()
    return [f"{n.code}: {n.description}" for n in summary.summary_notifications
            if n.code.rsplit(".", 1)[-1] in _UNKNOWN]


def test_the_server_knows_every_name_the_phrases_use(world: World, settings: Settings) -> None:
    """The planner warns about labels, relationship types and property keys the database has never seen;
    the project's driver turns notifications off, so this session turns them back on."""
    samples = _samples(world)
    with driver_session(settings, notifications_min_severity="WARNING") as s:
        assert _unknown_names(s, "MATCH (s:Suplier) WHERE s.nome = 1 RETURN s", {})  # the check can fail
        for name, t in TEMPLATES.items():
            assert _unknown_names(s, t["cypher"], samples[name]) == [], name
            for prm in t["params"]:
                if prm["cypher"]:
                    assert _unknown_names(s, prm["cypher"], {}) == [], (name, prm["name"])


def test_captions_and_style_rules_name_properties_in_the_graph(session: Session, world: World) -> None:
    keys = {r["propertyKey"] for r in session.run("CALL db.propertyKeys() YIELD propertyKey RETURN propertyKey")}
    labels = {r["label"] for r in session.run("CALL db.labels() YIELD label RETURN label")}
    for c in PERSPECTIVE["categories"]:
        assert set(c["labels"]) <= labels, c["name"]
        assert {x["key"] for x in c["captions"]} <= keys, c["name"]
        assert {r["basedOn"].rsplit("_", 1)[0] for r in c["styleRules"]} <= keys, c["name"]
    for ix in PERSPECTIVE["metadata"]["indexes"]:
        assert {k["key"] for k in ix["propertyKeys"]} <= keys, ix["label"]
