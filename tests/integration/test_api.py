"""The v1 risk API against the real test Neo4j and Redis, on the shared small world (test_api_world)."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.main import create_app
from core.settings import Settings
from graph.connection import driver_session
from synth.table_world import World
from tests.integration.test_api_world import LEAKED_CPF, graph_fingerprint, seed

pytestmark = pytest.mark.integration

INJECTIONS = ["x' OR 1=1 //", "}) MATCH (n) DETACH DELETE n //", "\" OR \"\"=\"", "'; MATCH (n) DETACH DELETE n; //",
              "tender:x}) DETACH DELETE n //"]


@pytest.fixture(scope="module")
def world(services: Any, settings: Settings, tmp_path_factory: pytest.TempPathFactory) -> World:
    w, _ = seed(settings, tmp_path_factory.mktemp("api-world"))
    return w


@pytest.fixture(scope="module")
def client(world: World, settings: Settings) -> Iterator[TestClient]:
    s = settings.model_copy(update={"api_rate_limit_per_minute": 100_000})
    with TestClient(create_app(s)) as c:
        yield c


@pytest.fixture(scope="module")
def admin(settings: Settings) -> dict[str, str]:
    return {"X-API-Key": settings.admin_api_key}


@pytest.fixture(scope="module")
def keys(client: TestClient, admin: dict[str, str]) -> dict[str, dict[str, str]]:
    out = {}
    for role in ("reader", "investigator"):
        r = client.post("/v1/keys", json={"name": f"test {role}", "role": role}, headers=admin)
        assert r.status_code == 201, r.text
        out[role] = {"X-API-Key": r.json()["key"]}
    out["investigator2"] = {"X-API-Key": client.post("/v1/keys", json={"name": "other", "role": "investigator"},
                                                     headers=admin).json()["key"]}
    out["admin"] = admin
    return out


def ids(resp: Any) -> list[str]:
    assert resp.status_code == 200, resp.text
    return [i["id"] for i in resp.json()["items"]]


# auth ----------------------------------------------------------------------------------------------
def test_health_is_open_and_every_other_route_needs_a_key(client: TestClient) -> None:
    assert client.get("/health").json() == {"status": "ok"}
    spec = client.get("/openapi.json").json()
    checked = 0
    for path, ops in spec["paths"].items():
        if path == "/health":
            continue
        url = re.sub(r"\{[^}]+\}", "x:1", path)
        for method in ops:
            r = client.request(method.upper(), url)
            assert r.status_code == 401, (method, path, r.status_code)
            checked += 1
    assert checked >= 20
    assert client.get("/v1/tenders", headers={"X-API-Key": "lg_nothere_xxxxxxxx"}).status_code == 401
    assert client.get("/v1/tenders", headers={"Authorization": "Bearer wrong"}).status_code == 401


def test_bearer_and_header_keys_and_roles(client: TestClient, keys: dict[str, dict[str, str]]) -> None:
    reader, inv = keys["reader"], keys["investigator"]
    bearer = {"Authorization": f"Bearer {reader['X-API-Key']}"}
    assert client.get("/v1/tenders", headers=bearer).status_code == 200
    assert client.get("/v1/tenders", headers=reader).status_code == 200
    for method, url, body in [("GET", "/v1/subscriptions", None), ("GET", "/v1/alerts", None),
                              ("GET", "/v1/pipeline/runs", None), ("POST", "/v1/keys", {"name": "x"}),
                              ("POST", "/v1/subscriptions", {"email": "a@b.com.br"})]:
        assert client.request(method, url, headers=reader, json=body).status_code == 403, url
    assert client.get("/v1/subscriptions", headers=inv).status_code == 200
    assert client.get("/v1/alerts", headers=inv).status_code == 200
    assert client.post("/v1/pipeline/runs", headers=inv, json={"steps": ["alerts"]}).status_code == 403
    assert client.get("/v1/keys", headers=inv).status_code == 403


def test_keys_are_stored_hashed_and_can_be_revoked(client: TestClient, admin: dict[str, str],
                                                   settings: Settings) -> None:
    r = client.post("/v1/keys", json={"name": "temporária", "role": "reader"}, headers=admin)
    created = r.json()
    key, key_id = created["key"], created["id"]
    assert key.startswith(key_id + "_")
    with driver_session(settings) as session:
        stored = session.run("MATCH (k:ApiKey {id: $id}) RETURN properties(k) AS p", id=key_id).single(strict=True)["p"]
    assert key not in str(stored.values()) and len(stored["hash"]) == 64
    listed = client.get("/v1/keys", headers=admin).json()
    assert key_id in [k["id"] for k in listed] and all("key" not in k and "hash" not in k for k in listed)
    assert client.get("/v1/tenders", headers={"X-API-Key": key}).status_code == 200
    assert client.delete(f"/v1/keys/{key_id}", headers=admin).json()["revoked"] is True
    assert client.get("/v1/tenders", headers={"X-API-Key": key}).status_code == 401
    assert client.delete("/v1/keys/admin", headers=admin).status_code == 409


# lists, filters, sorting, pagination ----------------------------------------------------------------
def test_tender_list_filters(client: TestClient, admin: dict[str, str], world: World) -> None:
    p = world.planted
    all_ids = ids(client.get("/v1/tenders", params={"page_size": 100}, headers=admin))
    assert len(all_ids) == len(world.rows["Tender"])
    risky = client.get("/v1/tenders", params={"min_risk": 0.85}, headers=admin).json()
    assert [i["id"] for i in risky["items"]] == [p["shared_phone"]["tender"]] and risky["total"] == 1
    band = ids(client.get("/v1/tenders", params={"min_risk": 0.5, "max_risk": 0.85}, headers=admin))
    assert band == [p["shared_partner"]["tender"]]
    det = ids(client.get("/v1/tenders", params={"detector": "shared_contacts"}, headers=admin))
    assert det == [p["shared_phone"]["tender"], p["shared_partner"]["tender"]]
    disp = ids(client.get("/v1/tenders", params={"modality_id": 8}, headers=admin))
    assert sorted(disp) == sorted(p["fracionamento"]["tenders"])
    a2 = ids(client.get("/v1/tenders", params={"agency_id": p["rotation"]["agency"], "page_size": 100}, headers=admin))
    assert set(p["rotation"]["tenders"]) <= set(a2) and p["shared_phone"]["tender"] not in a2
    period = client.get("/v1/tenders", params={"published_from": "2023-01-01", "published_to": "2024-01-01",
                                               "page_size": 100}, headers=admin).json()["items"]
    assert period and all(i["published_at"].startswith("2023") for i in period)
    assert len(period) == 2  # rotation: two tenders a year in 2023-2025


def test_sorting_and_pagination(client: TestClient, admin: dict[str, str]) -> None:
    asc = client.get("/v1/tenders", params={"sort": "published_at", "order": "asc", "page_size": 100},
                     headers=admin).json()["items"]
    dates = [i["published_at"] for i in asc]
    assert dates == sorted(dates)
    desc = client.get("/v1/tenders", params={"sort": "estimated_value", "page_size": 100}, headers=admin).json()
    values = [i["estimated_value"] or 0 for i in desc["items"]]
    assert values == sorted(values, reverse=True)
    by_risk = [i["risk_score"] or 0 for i in client.get("/v1/tenders", headers=admin).json()["items"]]
    assert by_risk == sorted(by_risk, reverse=True)
    total = desc["total"]
    seen: list[str] = []
    for page in range(1, 10):
        r = client.get("/v1/tenders", params={"page": page, "page_size": 5}, headers=admin).json()
        assert r["total"] == total and len(r["items"]) <= 5
        seen += [i["id"] for i in r["items"]]
        if not r["items"]:
            break
    assert len(seen) == total == len(set(seen))


def test_supplier_and_agency_lists(client: TestClient, admin: dict[str, str], world: World) -> None:
    p = world.planted
    top = client.get("/v1/suppliers", headers=admin).json()["items"][0]
    assert top["id"] == p["sanctioned_winner"]["supplier"] and top["risk_score"] == 0.95
    named = ids(client.get("/v1/suppliers", params={"name_contains": "fornecedor 1"}, headers=admin))
    assert set(named) == {"supplier:00000001000101", "supplier:00000010000110", "supplier:00000011000111",
                          "supplier:00000012000112", "supplier:00000013000113"}
    won_a3 = ids(client.get("/v1/suppliers", params={"agency_id": p["sanctioned_winner"]["agency"]}, headers=admin))
    assert p["sanctioned_winner"]["supplier"] in won_a3 and p["rotation"]["suppliers"][0] not in won_a3
    assert ids(client.get("/v1/suppliers", params={"detector": "cobidding"}, headers=admin)) == [
        p["rotation"]["suppliers"][0]]
    dispensa_winners = ids(client.get("/v1/suppliers", params={"modality_id": 8}, headers=admin))
    assert dispensa_winners == ["supplier:00000012000112"]  # the fracionamento supplier
    in_2023 = ids(client.get("/v1/suppliers", params={"published_from": "2023-01-01", "published_to": "2024-01-01"},
                             headers=admin))
    assert set(in_2023) <= set(p["rotation"]["suppliers"]) and in_2023
    assert ids(client.get("/v1/agencies", params={"modality_id": 8}, headers=admin)) == [p["fracionamento"]["agency"]]
    assert ids(client.get("/v1/agencies", params={"published_to": "2024-01-01"}, headers=admin)) == [
        p["rotation"]["agency"]]
    agencies = client.get("/v1/agencies", headers=admin).json()["items"]
    assert [a["risk_score"] for a in agencies] == [0.85, 0.6, None]
    assert ids(client.get("/v1/agencies", params={"detector": "shared_contacts"}, headers=admin)) == [
        p["overpricing"]["agency"]]
    assert ids(client.get("/v1/agencies", params={"sort": "name", "order": "asc"}, headers=admin))[0] == \
        p["sanctioned_winner"]["agency"]  # AGÊNCIA ... sorts first


def test_suppliers_sort_by_founding_date(world: World, settings: Settings, admin: dict[str, str]) -> None:
    # the world's suppliers share one founding date: give three of them their own, and one none
    ids = sorted(r["id"] for r in world.rows["Supplier"])[:4]
    planted = dict(zip(ids, ["2001-05-20", "2019-11-02", "2012-07-15", None], strict=True))
    with driver_session(settings) as session:
        before = {r["id"]: r["f"] for r in session.run(
            "MATCH (s:Supplier) WHERE s.id IN $ids RETURN s.id AS id, s.founded_on AS f", ids=ids)}
        session.run("UNWIND $rows AS r MATCH (s:Supplier {id: r.id}) "
                    "SET s.founded_on = CASE WHEN r.f IS NULL THEN null ELSE date(r.f) END",
                    rows=[{"id": k, "f": v} for k, v in planted.items()]).consume()
    s = settings.model_copy(update={"api_rate_limit_per_minute": 100_000, "api_cache_ttl_s": 0})
    try:
        with TestClient(create_app(s)) as c:
            for order in ("asc", "desc"):
                r = c.get("/v1/suppliers", params={"sort": "founded_on", "order": order, "page_size": 100},
                          headers=admin)
                assert r.status_code == 200, r.text
                items = r.json()["items"]
                assert len(items) == len(world.rows["Supplier"])
                dates = [i["founded_on"] for i in items]
                known = [d for d in dates if d is not None]
                assert {d for d in planted.values() if d} < set(known) and known == sorted(known, reverse=order == "desc")
                assert dates[:len(known)] == known  # suppliers with no founding date come last, either way
                got = {i["id"]: i["founded_on"] for i in items if i["id"] in planted}
                assert got == planted
    finally:
        with driver_session(settings) as session:
            session.run("UNWIND $rows AS r MATCH (s:Supplier {id: r.id}) SET s.founded_on = r.f",
                        rows=[{"id": k, "f": v} for k, v in before.items()]).consume()


# detail, network, findings ----------------------------------------------------------------------------
def test_tender_detail_has_score_reasons_and_evidence(client: TestClient, admin: dict[str, str], world: World) -> None:
    tid = world.planted["shared_phone"]["tender"]
    d = client.get(f"/v1/tenders/{tid}", headers=admin).json()
    assert d["id"] == tid and d["risk_score"] == 0.9 and d["kind"] == "tender"
    assert d["reasons"][0]["detector"] == "shared_contacts"
    f = d["findings"][0]
    assert f["detector"] == "shared_contacts" and world.planted["shared_phone"]["phone"] in f["node_ids"]
    assert f["measures"][0] == {"name": "shared_links", "value": 2, "threshold": 1, "comparison": ">=", "unit": None}
    assert d["links"]["bloom_phrase"] == f"Achados sobre {tid}"
    sup = world.planted["sanctioned_winner"]["supplier"]
    assert client.get(f"/v1/suppliers/{sup}", headers=admin).json()["findings"][0]["detector"] == "sanctioned_winner"
    ag = world.planted["fracionamento"]["agency"]
    assert client.get(f"/v1/agencies/{ag}", headers=admin).json()["risk_score"] == 0.6
    assert client.get("/v1/tenders/tender:nao-existe", headers=admin).status_code == 404
    assert client.get(f"/v1/tenders/{sup}", headers=admin).status_code == 404  # a supplier id is not a tender


def test_network_json_and_png(client: TestClient, admin: dict[str, str], world: World) -> None:
    tid = world.planted["shared_partner"]["tender"]
    net = client.get(f"/v1/tenders/{tid}/network", params={"depth": 3}, headers=admin).json()
    node_ids = {n["id"] for n in net["nodes"]}
    assert {tid, *world.planted["shared_partner"]["suppliers"], world.planted["shared_partner"]["person"]} <= node_ids
    assert all(e["src"] in node_ids and e["dst"] in node_ids for e in net["edges"])
    assert not any(n["label"] == "Finding" for n in net["nodes"])
    one = client.get(f"/v1/tenders/{tid}/network", params={"depth": 1}, headers=admin).json()
    assert len(one["nodes"]) < len(net["nodes"])
    png = client.get(f"/v1/tenders/{tid}/network.png", headers=admin)
    assert png.status_code == 200 and png.headers["content-type"] == "image/png"
    assert png.content[:8] == b"\x89PNG\r\n\x1a\n" and len(png.content) > 5000
    sup = world.planted["shared_phone"]["suppliers"][0]
    snet = client.get(f"/v1/suppliers/{sup}/network", headers=admin).json()
    assert world.planted["shared_phone"]["phone"] in {n["id"] for n in snet["nodes"]}
    assert client.get("/v1/agencies/agency:99999999000199/network", headers=admin).status_code == 404


def test_findings_routes(client: TestClient, admin: dict[str, str], world: World) -> None:
    all_f = client.get("/v1/findings", params={"page_size": 100}, headers=admin).json()
    assert all_f["total"] == 6
    scores = [f["score"] for f in all_f["items"]]
    assert scores == sorted(scores, reverse=True)
    assert [f["detector"] for f in client.get("/v1/findings", params={"min_score": 0.5, "max_score": 0.75},
                                               headers=admin).json()["items"]] == ["overpricing", "fracionamento"]
    assert client.get("/v1/findings", params={"subject_kind": "agency"}, headers=admin).json()["total"] == 1
    a1 = world.planted["overpricing"]["agency"]
    by_agency = client.get("/v1/findings", params={"agency_id": a1}, headers=admin).json()
    assert {f["detector"] for f in by_agency["items"]} == {"shared_contacts"} and by_agency["total"] == 2
    newer = client.get("/v1/findings", params={"created_from": "2025-06-15"}, headers=admin).json()
    assert [f["detector"] for f in newer["items"]] == ["overpricing"]
    fid = all_f["items"][0]["id"]
    one = client.get(f"/v1/findings/{fid}", headers=admin).json()
    assert one["id"] == fid and one["summary"] and one == all_f["items"][0]
    assert client.get("/v1/findings/finding:0000000000", headers=admin).status_code == 404


def test_cpf_is_never_shown_unmasked(client: TestClient, admin: dict[str, str], world: World) -> None:
    tid = world.planted["shared_partner"]["tender"]
    formatted = f"{LEAKED_CPF[:3]}.{LEAKED_CPF[3:6]}.{LEAKED_CPF[6:9]}-{LEAKED_CPF[9:]}"
    texts = [client.get(u, headers=admin).text for u in (
        f"/v1/tenders/{tid}", f"/v1/tenders/{tid}/network?depth=3", "/v1/findings?page_size=100",
        f"/v1/suppliers/{world.planted['shared_partner']['suppliers'][0]}/network?depth=2")]
    for t in texts:
        assert LEAKED_CPF not in t and formatted not in t
    detail = client.get(f"/v1/tenders/{tid}", headers=admin).json()
    assert detail["findings"][0]["details"]["partner_cpf"] == "***456789**"
    net = client.get(f"/v1/tenders/{tid}/network?depth=3", headers=admin).json()
    person = next(n for n in net["nodes"] if n["label"] == "Person" and "JOAO" in (n["caption"] or ""))
    assert "***456789**" in person["caption"]


def test_masked_pf_supplier_opens(client: TestClient, admin: dict[str, str], world: World,
                                  settings: Settings) -> None:
    pf = "supplier:pf:***932167**:MARIA_DA_SILVA"
    with driver_session(settings) as session:
        session.run("MERGE (s:Supplier {id: $id}) SET s.name = 'MARIA DA SILVA', s.person_type = 'PF', "
                    "s.document = '***932167**'", id=pf).consume()
    try:
        d = client.get(f"/v1/suppliers/{pf}", headers=admin)
        assert d.status_code == 200, d.text
        assert d.json()["id"] == pf and d.json()["properties"]["document"] == "***932167**"
        assert client.get(f"/v1/suppliers/{pf}/network", headers=admin).json()["subject_id"] == pf
        assert client.get("/v1/findings", params={"subject_id": pf}, headers=admin).json()["total"] == 0
        for full in ("supplier:pf:12345678901:MARIA_DA_SILVA", "supplier:pf:123.456.789-01:MARIA_DA_SILVA"):
            assert client.get(f"/v1/suppliers/{full}", headers=admin).status_code == 422
    finally:
        with driver_session(settings) as session:
            session.run("MATCH (s:Supplier {id: $id}) DETACH DELETE s", id=pf).consume()


# bad input, injection ---------------------------------------------------------------------------------
@pytest.mark.parametrize("url", [
    "/v1/tenders?page_size=101", "/v1/tenders?page=0", "/v1/tenders?min_risk=2", "/v1/tenders?min_risk=0.9&max_risk=0.1",
    "/v1/tenders?detector=Bad-Detector", "/v1/tenders?agency_id=nocolon", "/v1/tenders?published_from=2025-13-01",
    "/v1/tenders?published_from=2025-05-01&published_to=2025-01-01", "/v1/tenders?sort=object", "/v1/tenders?order=up",
    "/v1/tenders?modality_id=99", "/v1/suppliers?name_contains=", "/v1/suppliers?modality_id=0",
    "/v1/agencies?published_from=2025-02-01&published_to=2025-01-01", "/v1/agencies?uf=goias", "/v1/findings?subject_kind=x",
    "/v1/findings/not-a-finding", "/v1/tenders/tender:x/network?depth=9", "/v1/subscriptions/not-a-uuid",
    "/v1/pipeline/runs/bad%20id", "/v1/alerts?recipient=not-an-email",
])
def test_bad_input_is_422(client: TestClient, admin: dict[str, str], world: World, url: str) -> None:
    assert client.get(url, headers=admin).status_code == 422


@pytest.mark.parametrize("route,body", [("/v1/subscriptions", '{"email": "a@cge.go.gov.br", "min_risk": NaN}'),
                                        ("/v1/keys", '{"name": Infinity}'), ("/v1/pipeline/runs", '{"steps": -Infinity}')])
def test_nan_and_infinity_in_a_body_are_422(world: World, settings: Settings, admin: dict[str, str], route: str,
                                            body: str) -> None:
    with TestClient(create_app(settings), raise_server_exceptions=False) as c:
        r = c.post(route, content=body, headers={**admin, "Content-Type": "application/json"})
    assert r.status_code == 422, r.text

    def refuse(name: str) -> Any:
        raise ValueError(f"the answer is not JSON: it holds a bare {name}")

    detail = json.loads(r.text, parse_constant=refuse)["detail"]  # strict JSON, as every other client reads it
    assert detail[0]["msg"] and detail[0]["input"] in ("NaN", "Infinity", "-Infinity")


def test_cypher_injection_has_no_effect(client: TestClient, admin: dict[str, str], world: World,
                                        settings: Settings) -> None:
    before = graph_fingerprint(settings)
    statuses = []
    for payload in INJECTIONS:
        free = client.get("/v1/suppliers", params={"name_contains": payload}, headers=admin)
        assert free.status_code == 200 and free.json()["total"] == 0
        for url, param in [("/v1/tenders", "detector"), ("/v1/tenders", "agency_id"), ("/v1/suppliers", "agency_id"),
                           ("/v1/findings", "subject_id"), ("/v1/findings", "detector"), ("/v1/alerts", "recipient"),
                           ("/v1/agencies", "uf"), ("/v1/tenders", "published_from")]:
            statuses.append(client.get(url, params={param: payload}, headers=admin).status_code)
        for url in (f"/v1/tenders/{payload}", f"/v1/suppliers/{payload}/network", f"/v1/findings/{payload}",
                    f"/v1/subscriptions/{payload}", f"/v1/pipeline/runs/{payload}"):
            statuses.append(client.get(url, headers=admin).status_code)
        statuses.append(client.delete(f"/v1/keys/{payload}", headers=admin).status_code)
        statuses.append(client.delete(f"/v1/subscriptions/{payload}", headers=admin).status_code)
        statuses.append(client.post("/v1/subscriptions", headers=admin, json={
            "email": payload, "agency_ids": [payload], "detectors": [payload]}).status_code)
        made = client.post("/v1/keys", headers=admin, json={"name": payload, "role": "reader"})
        assert made.status_code == 201 and made.json()["name"] == payload  # stored as a value, literally
    assert statuses and all(s in (200, 404, 422) for s in statuses), sorted(set(statuses))
    assert graph_fingerprint(settings) == before


# subscriptions, pipeline runs, rate limit, metrics, CORS -------------------------------------------------
def test_subscription_crud_and_ownership(client: TestClient, keys: dict[str, dict[str, str]], world: World) -> None:
    inv, other, admin = keys["investigator"], keys["investigator2"], keys["admin"]
    body = {"email": "auditor@cge.go.gov.br", "agency_ids": [world.planted["overpricing"]["agency"]],
            "detectors": ["shared_contacts"], "min_risk": 0.7}
    created = client.post("/v1/subscriptions", json=body, headers=inv)
    assert created.status_code == 201, created.text
    sub = created.json()
    assert sub["email"] == body["email"] and sub["min_risk"] == 0.7 and sub["active"] is True
    sid = sub["id"]
    assert client.get(f"/v1/subscriptions/{sid}", headers=inv).json()["id"] == sid
    assert client.get(f"/v1/subscriptions/{sid}", headers=other).status_code == 404  # not theirs
    assert sid in [s["id"] for s in client.get("/v1/subscriptions", headers=admin).json()["items"]]
    assert sid not in [s["id"] for s in client.get("/v1/subscriptions", headers=other).json()["items"]]
    upd = client.put(f"/v1/subscriptions/{sid}", json={**body, "min_risk": 0.9, "active": False}, headers=inv).json()
    assert upd["min_risk"] == 0.9 and upd["active"] is False
    assert client.put(f"/v1/subscriptions/{sid}", json={**body, "extra": 1}, headers=inv).status_code == 422
    assert client.post("/v1/subscriptions", json={**body, "min_risk": 1.5}, headers=inv).status_code == 422
    assert client.delete(f"/v1/subscriptions/{sid}", headers=other).status_code == 404
    assert client.delete(f"/v1/subscriptions/{sid}", headers=inv).status_code == 204
    assert client.get(f"/v1/subscriptions/{sid}", headers=inv).status_code == 404


def test_investigators_subscribe_only_addresses_in_the_alert_domains(client: TestClient,
                                                                     keys: dict[str, dict[str, str]]) -> None:
    inv, admin = keys["investigator"], keys["admin"]
    outside = client.post("/v1/subscriptions", json={"email": "someone@gmail.com"}, headers=inv)
    assert outside.status_code == 403 and "go.gov.br" in outside.json()["detail"]
    assert client.post("/v1/subscriptions", json={"email": "x@evilgo.gov.br"}, headers=inv).status_code == 403
    mine = client.post("/v1/subscriptions", json={"email": "auditoria@sefaz.go.gov.br"}, headers=inv)
    assert mine.status_code == 201, mine.text
    sid = mine.json()["id"]
    assert client.put(f"/v1/subscriptions/{sid}", json={"email": "someone@gmail.com"}, headers=inv).status_code == 403
    assert client.get(f"/v1/subscriptions/{sid}", headers=inv).json()["email"] == "auditoria@sefaz.go.gov.br"
    by_admin = client.post("/v1/subscriptions", json={"email": "someone@gmail.com"}, headers=admin)
    assert by_admin.status_code == 201, by_admin.text
    for s in (sid, by_admin.json()["id"]):
        assert client.delete(f"/v1/subscriptions/{s}", headers=admin).status_code == 204


def test_pipeline_run_is_recorded_and_enqueued(client: TestClient, admin: dict[str, str], settings: Settings) -> None:
    import redis

    r = redis.Redis.from_url(settings.redis_url)
    before = r.llen("celery")
    started = client.post("/v1/pipeline/runs", json={"steps": ["alerts"]}, headers=admin)
    assert started.status_code == 202, started.text
    run = started.json()
    assert run["status"] == "queued" and run["steps"] == ["alerts"] and run["requested_by"] == "admin"
    assert r.llen("celery") == before + 1
    r.rpop("celery")  # no worker in this module: take the message back out
    got = client.get(f"/v1/pipeline/runs/{run['id']}", headers=admin).json()
    assert got["id"] == run["id"] and got["status"] == "queued"
    assert run["id"] in [x["id"] for x in client.get("/v1/pipeline/runs", headers=admin).json()["items"]]
    assert client.post("/v1/pipeline/runs", json={"steps": ["rm -rf"]}, headers=admin).status_code == 422
    assert client.get("/v1/pipeline/runs/nao-existe", headers=admin).status_code == 404


def test_rate_limit_answers_429_with_retry_after(client: TestClient, world: World, settings: Settings,
                                                 admin: dict[str, str]) -> None:
    import time

    key = {"X-API-Key": client.post("/v1/keys", json={"name": "rl", "role": "reader"}, headers=admin).json()["key"]}
    if time.time() % 60 > 55:  # keep the five requests inside one fixed window
        time.sleep(61 - time.time() % 60)
    s = settings.model_copy(update={"api_rate_limit_per_minute": 3})
    with TestClient(create_app(s)) as c:
        codes = [c.get("/v1/agencies", headers=key).status_code for _ in range(5)]
        assert codes[:3] == [200, 200, 200] and codes[3:] == [429, 429]
        r = c.get("/v1/agencies", headers=key)
        assert r.status_code == 429 and 1 <= int(r.headers["Retry-After"]) <= 60
        assert r.headers["X-RateLimit-Remaining"] == "0"
        assert c.get("/health").status_code == 200  # no key, no limit
        assert c.app.state.metrics.rate_limited._value.get() == 3  # type: ignore[attr-defined]
    assert client.get("/v1/agencies", headers=admin).status_code == 200  # other keys are not affected


def test_failed_authentications_are_rate_limited_per_address(world: World, settings: Settings,
                                                             admin: dict[str, str]) -> None:
    import time
    import uuid

    from api.ratelimit import AUTH_FAILURES_PER_MINUTE

    if time.time() % 60 > 50:  # keep the attempts inside one fixed window
        time.sleep(61 - time.time() % 60)
    bad = {"X-API-Key": f"lg_deadbeef_{time.time_ns()}"}
    here, elsewhere = (f"2001:db8::{uuid.uuid4().hex[:4]}" for _ in range(2))  # fresh counters on every run
    app = create_app(settings)
    with TestClient(app, client=(here, 40000)) as c:
        assert c.get("/v1/agencies", headers=admin).status_code == 200
        codes = [c.get("/v1/agencies", headers=bad).status_code for _ in range(AUTH_FAILURES_PER_MINUTE + 2)]
        assert codes == [401] * AUTH_FAILURES_PER_MINUTE + [429, 429]
        r = c.get("/v1/agencies", headers={"Authorization": "Bearer another-guess"})
        assert r.status_code == 429 and 1 <= int(r.headers["Retry-After"]) <= 60
        assert c.get("/v1/agencies", headers=admin).status_code == 200  # a key it already knows still works
    with TestClient(app, client=(elsewhere, 40000)) as other:
        assert other.get("/v1/agencies", headers=bad).status_code == 401  # other addresses are not affected


def test_metrics_count_requests(client: TestClient, admin: dict[str, str]) -> None:
    client.get("/v1/agencies", headers=admin)
    text = client.get("/metrics", headers=admin).text
    assert re.search(r'licitagraph_api_requests_total\{method="GET",route="/v1/agencies",status="200"\} [1-9]', text)
    assert "licitagraph_api_request_seconds_bucket" in text


def test_cors_closed_by_default_and_open_when_configured(world: World, settings: Settings) -> None:
    pre = {"Origin": "https://painel.example", "Access-Control-Request-Method": "GET"}
    with TestClient(create_app(settings)) as c:
        assert "access-control-allow-origin" not in c.options("/v1/tenders", headers=pre).headers
    s = settings.model_copy(update={"api_cors_origins": ["https://painel.example"]})
    with TestClient(create_app(s)) as c:
        r = c.options("/v1/tenders", headers=pre)
        assert r.headers["access-control-allow-origin"] == "https://painel.example"


def test_ready_checks_neo4j_and_redis(world: World, settings: Settings, admin: dict[str, str]) -> None:
    with TestClient(create_app(settings)) as c:
        assert c.get("/ready", headers=admin).json() == {"status": "ready", "neo4j": True, "redis": True}
    s = settings.model_copy(update={"redis_port": 1, "redis_url_override": None})
    with TestClient(create_app(s)) as c:
        r = c.get("/ready", headers=admin)  # the limiter fails open; readiness does not
        assert r.status_code == 503 and r.json() == {"status": "not ready", "neo4j": True, "redis": False}


def test_admin_key_survives_a_wiped_store(client: TestClient, admin: dict[str, str], settings: Settings) -> None:
    with driver_session(settings) as session:
        session.run("MATCH (k:ApiKey {id: 'admin'}) DELETE k").consume()
    assert client.get("/v1/keys", headers=admin).status_code == 200
    assert client.get("/v1/tenders", headers={"X-API-Key": settings.admin_api_key + "x"}).status_code == 401


def test_openapi_documents_examples_and_security(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    assert {"APIKeyHeader", "HTTPBearer"} <= set(spec["components"]["securitySchemes"])
    assert spec["components"]["schemas"]["TenderSummary"]["examples"][0]["kind"] == "tender"
    assert "/v1/tenders/{tender_id}/network.png" in spec["paths"]


def test_reads_are_cached_until_the_graph_data_version_changes(world: World, settings: Settings,
                                                                admin: dict[str, str]) -> None:
    import time

    from graph.runner import Neo4jRunner
    from graph.version import bump_data_version, data_version

    tid = world.planted["shared_phone"]["tender"]
    s = settings.model_copy(update={"api_rate_limit_per_minute": 100_000, "api_cache_check_s": 0.2})

    def risk(c: TestClient) -> float:
        r = c.get(f"/v1/tenders/{tid}", headers=admin)
        assert r.status_code == 200, r.text
        return float(r.json()["risk_score"])

    def set_risk(value: float) -> None:
        with driver_session(settings) as session:
            session.run("MATCH (t:Tender {id: $id}) SET t.risk_score = $v", id=tid, v=value).consume()

    with TestClient(create_app(s)) as c, Neo4jRunner(settings) as runner:
        before = risk(c)
        try:
            set_risk(0.123)  # a write that does not mark the version: the cached answer stays
            time.sleep(0.3)
            assert risk(c) == before
            token = data_version(runner)
            bump_data_version(runner, "test")  # what load and write_findings do after writing
            assert data_version(runner) not in (token, None)
            time.sleep(0.3)
            assert risk(c) == 0.123
            stats = c.app.state.ctx.reader.cache.stats  # type: ignore[attr-defined]
            assert stats.hits >= 1 and stats.invalidations >= 1
        finally:
            set_risk(before)
            bump_data_version(runner, "test restore")


def test_keys_cli_creates_a_working_key_lists_and_revokes_it(client: TestClient, settings: Settings) -> None:
    import json as _json

    from tests.fixtures.graph_db import CliRun
    from tests.fixtures.graph_db import cli as licitagraph

    def cli(*args: str) -> CliRun:
        return licitagraph("keys", *args)  # the command line in this process: no cold interpreter per call

    made = cli("create", "--name", "painel de teste", "--role", "investigator", "--json")
    assert made.returncode == 0, made.stderr
    rec = _json.loads(made.stdout)
    assert rec["role"] == "investigator" and rec["key"].startswith(rec["id"] + "_") and "hash" not in rec
    hdr = {"X-API-Key": rec["key"]}
    assert client.get("/v1/subscriptions", headers=hdr).status_code == 200  # investigator route
    assert client.get("/v1/keys", headers=hdr).status_code == 403
    listed = cli("list")
    assert listed.returncode == 0 and rec["id"] in listed.stdout and rec["key"] not in listed.stdout
    assert cli("create", "--name", "x", "--role", "root").returncode == 2
    assert cli("revoke", rec["id"]).returncode == 0
    assert cli("revoke", "lg_nothere").returncode == 1
    # a running API forgets it within its 10 s key cache; a process starting now refuses it at once
    with TestClient(create_app(settings)) as fresh:
        assert fresh.get("/v1/tenders", headers=hdr).status_code == 401


# verdicts and the findings' lifecycle (docs/verdicts.md) ---------------------------------------------------
def test_verdict_roles_unknown_finding_and_bad_bodies(client: TestClient, keys: dict[str, dict[str, str]],
                                                      world: World) -> None:
    fid = client.get("/v1/findings", params={"detector": "cobidding"}, headers=keys["admin"]).json()["items"][0]["id"]
    url = f"/v1/findings/{fid}/verdict"
    assert client.post(url, json={"verdict": "confirmed"}, headers=keys["reader"]).status_code == 403
    assert client.post("/v1/findings/finding:00000000000000000000/verdict", json={"verdict": "confirmed"},
                       headers=keys["investigator"]).status_code == 404
    assert client.get("/v1/findings/finding:00000000000000000000/history", headers=keys["reader"]).status_code == 404
    for body in [{"verdict": "guilty"}, {}, {"verdict": "confirmed", "note": "x" * 2001},
                 {"verdict": "confirmed", "who": "someone else"}, {"verdict": "confirmed", "note": 3}]:
        r = client.post(url, json=body, headers=keys["investigator"])
        assert r.status_code == 422, (body, r.status_code, r.text)
    assert client.post("/v1/findings/not-a-finding/verdict", json={"verdict": "confirmed"},
                       headers=keys["investigator"]).status_code == 422
    history = client.get(f"/v1/findings/{fid}/history", headers=keys["reader"]).json()
    assert history["status"] == "new" and [h["verdict"] for h in history["history"]] == [None]  # nothing recorded


def test_verdicts_history_status_filter_and_no_stale_cache(client: TestClient, keys: dict[str, dict[str, str]],
                                                           world: World, settings: Settings) -> None:
    inv, reader = keys["investigator"], keys["reader"]
    items = client.get("/v1/findings", params={"page_size": 100}, headers=reader).json()["items"]
    assert {f["status"] for f in items} == {"new"}
    top, second, third = items[0]["id"], items[1]["id"], items[2]["id"]
    # read (and cache) the finding and a filtered list before the verdict
    assert client.get(f"/v1/findings/{top}", headers=reader).json()["status"] == "new"
    assert client.get("/v1/findings", params={"status": "confirmed"}, headers=reader).json()["total"] == 0
    r = client.post(f"/v1/findings/{top}/verdict", json={"verdict": "needs_info", "note": "Pedir contratos."},
                    headers=inv)
    assert r.status_code == 200, r.text
    r = client.post(f"/v1/findings/{top}/verdict",
                    json={"verdict": "confirmed", "note": f"Sócio em comum, CPF {LEAKED_CPF}."}, headers=inv)
    assert r.status_code == 200, r.text
    body = r.json()
    assert set(body) == {"finding_id", "status", "history", "started_run"} and body["finding_id"] == top
    assert body["started_run"] is None  # LICITAGRAPH_VERDICT_CONFIRM_STARTS_RUN=false in tests/test.env
    assert body["status"] == "confirmed"
    assert [(h["status"], h["verdict"]) for h in body["history"]] == [
        ("new", None), ("under_review", "needs_info"), ("confirmed", "confirmed")]
    entry = body["history"][-1]
    assert set(entry) == {"status", "verdict", "note", "who", "at", "run_id"}
    assert entry["who"].startswith("test investigator (lg_") and entry["run_id"] == "seed-run"
    assert LEAKED_CPF not in r.text and f"***{LEAKED_CPF[3:9]}**" in entry["note"]
    assert client.get(f"/v1/findings/{top}/history", headers=reader).json() == body
    # no stale status: the cached answers were dropped at once
    assert client.get(f"/v1/findings/{top}", headers=reader).json()["status"] == "confirmed"
    assert ids(client.get("/v1/findings", params={"status": "confirmed"}, headers=reader)) == [top]
    client.post(f"/v1/findings/{second}/verdict", json={"verdict": "dismissed"}, headers=keys["investigator2"])
    both = ids(client.get("/v1/findings", params={"status": "confirmed,dismissed"}, headers=reader))
    assert both == [top, second]
    assert ids(client.get("/v1/findings", params=[("status", "dismissed"), ("status", "confirmed")],
                          headers=reader)) == [top, second]
    assert client.get("/v1/findings", params={"status": "bogus"}, headers=reader).status_code == 422
    new = ids(client.get("/v1/findings", params={"status": "new", "page_size": 100}, headers=reader))
    assert top not in new and second not in new and len(new) == len(items) - 2
    # superseded findings are kept but left out of the lists unless asked for
    with driver_session(settings) as session:
        session.run("MATCH (f:Finding {id: $id}) SET f.status = 'superseded'", id=third).consume()
    from graph.runner import Neo4jRunner
    from graph.version import bump_data_version

    with Neo4jRunner(settings) as runner:
        bump_data_version(runner, "test")
    client.app.state.ctx.reader.cache.clear()  # type: ignore[attr-defined]
    default = client.get("/v1/findings", params={"page_size": 100}, headers=reader).json()
    assert default["total"] == len(items) - 1 and third not in [f["id"] for f in default["items"]]
    assert ids(client.get("/v1/findings", params={"status": "superseded"}, headers=reader)) == [third]
    assert client.get(f"/v1/findings/{third}", headers=reader).json()["status"] == "superseded"
    subject = items[2]
    assert subject["subject_kind"] == "tender"
    detail = client.get(f"/v1/tenders/{subject['subject_id']}", headers=reader).json()
    assert third not in [f["id"] for f in detail["findings"]]  # a subject shows what the data shows now
    sup = client.get(f"/v1/suppliers/{items[0]['subject_id']}", headers=reader).json()
    assert [(f["id"], f["status"]) for f in sup["findings"]] == [(top, "confirmed")]
    every = client.get("/v1/findings", params={"status": ",".join(
        ["new", "under_review", "confirmed", "dismissed", "superseded"]), "page_size": 100}, headers=reader).json()
    assert every["total"] == len(items)
