"""A finding's own picture against the real test Neo4j: `api/get_finding_network` holds the finding's firms,
what links them and the tenders they met in, never the agency's other tenders; the API serves it as JSON
and as a PNG (reporting/pictures.py). The world is the API tests' (test_api_world) with honest filler."""

from __future__ import annotations

import struct
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.main import create_app
from core.domain import Finding
from core.settings import Settings
from graph.runner import Neo4jRunner
from reporting.pictures import finding_network, finding_picture
from synth.table_world import World
from tests.fixtures.graph_db import query
from tests.integration.test_api_world import LEAKED_CPF, seed

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def seeded(services: Any, settings: Settings, tmp_path_factory: pytest.TempPathFactory) -> tuple[World, list[Finding]]:
    return seed(settings, tmp_path_factory.mktemp("finding-network"), filler=9)


@pytest.fixture(scope="module")
def runner(seeded: Any, settings: Settings) -> Iterator[Neo4jRunner]:
    with Neo4jRunner(settings) as r:
        yield r


def by_detector(found: list[Finding], detector: str, subject_id: str | None = None) -> Finding:
    return next(f for f in found if f.detector == detector and (subject_id is None or f.subject.id == subject_id))


def png_size(png: bytes) -> tuple[int, int]:
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    w, h = struct.unpack(">II", png[16:24])
    return int(w), int(h)


def test_shared_partner_finding_holds_its_firms_and_partner_not_the_agency_s_other_tenders(
        runner: Neo4jRunner, seeded: tuple[World, list[Finding]], settings: Settings) -> None:
    w, found = seeded
    p = w.planted["shared_partner"]
    s1, s2 = p["suppliers"]
    f = by_detector(found, "shared_contacts", p["tender"])
    net = finding_network(runner, f.id)
    assert net is not None and net["finding_id"] == f.id and net["subject_id"] == p["tender"]
    nodes = {n["id"]: n for n in net["nodes"]}
    assert {s1, s2, p["person"], p["tender"]} <= set(nodes)
    assert {"src": p["person"], "dst": s1, "type": "PARTNER_OF"} in net["edges"]
    assert {"src": p["person"], "dst": s2, "type": "PARTNER_OF"} in net["edges"]
    bids = {(e["src"], e["dst"]): e for e in net["edges"] if e["type"] == "BID"}
    assert bids[(s1, p["tender"])]["won"] is True and bids[(s2, p["tender"])]["won"] is False
    assert bids[(s1, p["tender"])]["value"] == pytest.approx(1000.0)
    # the agency published more tenders, filler included; the picture holds only the one they met in
    agency_tenders = {r["t"] for r in query(settings, "MATCH (:Agency {id: $a})-[:PUBLISHED]->(t:Tender) "
                                                      "RETURN t.id AS t", a=w.planted["overpricing"]["agency"])}
    assert p["tender"] in agency_tenders and len(agency_tenders) >= 5
    assert {n for n, x in nodes.items() if x["label"] == "Tender"} == {p["tender"]}
    assert not any(x["label"] == "Item" for x in nodes.values())
    assert len(nodes) <= 60
    # the partner's CPF is masked on the way out (the world planted a full one in its name)
    assert LEAKED_CPF not in str(net) and "123.456.789-01" not in str(net)
    assert nodes[p["person"]]["caption"].startswith("JOAO DA SILVA")


def test_rotation_finding_shows_one_winner_per_joint_tender(runner: Neo4jRunner,
                                                            seeded: tuple[World, list[Finding]]) -> None:
    w, found = seeded
    rot = w.planted["rotation"]
    net = finding_network(runner, by_detector(found, "cobidding").id)
    assert net is not None
    tenders = {n["id"] for n in net["nodes"] if n["label"] == "Tender"}
    assert tenders == set(rot["tenders"])  # the six tenders the three firms met in, nothing else
    winners = {e["dst"]: e["src"] for e in net["edges"] if e["type"] == "BID" and e["won"]}
    assert [winners[t] for t in rot["tenders"]] == rot["winners"]
    lost = [e for e in net["edges"] if e["type"] == "BID" and e["won"] is False]
    assert len(lost) == 2 * len(rot["tenders"])


def test_unknown_finding_has_no_network_and_no_picture(runner: Neo4jRunner) -> None:
    assert finding_network(runner, "finding:ffffffffffffffffffff") is None
    assert finding_picture(runner, "finding:ffffffffffffffffffff") is None


@pytest.fixture(scope="module")
def client(seeded: Any, settings: Settings) -> Iterator[TestClient]:
    s = settings.model_copy(update={"api_rate_limit_per_minute": 100_000})
    with TestClient(create_app(s)) as c:
        yield c


@pytest.fixture(scope="module")
def reader_key(client: TestClient, settings: Settings) -> dict[str, str]:
    r = client.post("/v1/keys", json={"name": "pictures reader", "role": "reader"},
                    headers={"X-API-Key": settings.admin_api_key})
    assert r.status_code == 201, r.text
    return {"X-API-Key": r.json()["key"]}


def test_api_serves_the_finding_network_as_json_and_png(client: TestClient, reader_key: dict[str, str],
                                                        seeded: tuple[World, list[Finding]]) -> None:
    w, found = seeded
    p = w.planted["shared_phone"]
    f = by_detector(found, "shared_contacts", p["tender"])
    r = client.get(f"/v1/findings/{f.id}/network", headers=reader_key)
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["finding_id"] == f.id and body["subject_id"] == p["tender"] and body["title"] == f.title
    ids = {n["id"] for n in body["nodes"]}
    assert {*p["suppliers"], p["phone"], p["email"], p["tender"]} <= ids
    assert {"src": p["suppliers"][0], "dst": p["phone"], "type": "HAS_PHONE"} in [
        {k: e[k] for k in ("src", "dst", "type")} for e in body["edges"]]
    assert {n["id"] for n in body["nodes"] if n["label"] == "Tender"} == {p["tender"]}

    png = client.get(f"/v1/findings/{f.id}/network.png", headers=reader_key)
    assert png.status_code == 200 and png.headers["content-type"] == "image/png"
    assert png_size(png.content) == (1200, 800)
    assert client.get(f"/v1/findings/{f.id}/network.png", headers=reader_key).content == png.content  # cached
    assert finding_picture_same(client, f.id, png.content)

    for path in ("network", "network.png"):
        assert client.get(f"/v1/findings/finding:ffffffffffffffffffff/{path}", headers=reader_key).status_code == 404
        assert client.get(f"/v1/findings/{f.id}/{path}").status_code == 401
        assert client.get(f"/v1/findings/not-a-finding/{path}", headers=reader_key).status_code in (404, 422)


def finding_picture_same(client: TestClient, finding_id: str, png: bytes) -> bool:
    """The API's picture is the one the emails attach (finding_picture with the finding's title)."""
    settings: Settings = client.app.state.settings  # type: ignore[attr-defined]
    with Neo4jRunner(settings) as r:
        return finding_picture(r, finding_id) == png
