"""Fixes found by probing the API, without servers: masked PF supplier ids, ids with a trailing newline,
NaN and Infinity in request bodies, failed authentications (limited per address, refusals cached) and the
e-mail domains an investigator may subscribe. The Neo4j side of each is in tests/integration/test_api.py."""

from __future__ import annotations

import json
import uuid
from types import SimpleNamespace
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from api.reader import GraphReader
from api.schemas import SubscriptionIn
from core.settings import Settings
from graph.runner import RecordingRunner
from reporting.keys import Principal, Role, key_hash
from reporting.store import RecordsStore

PF_SUPPLIER = "supplier:pf:***932167**:MARIA_DA_SILVA"
EMAIL = "auditoria@cge.go.gov.br"


class FakeStore:
    """The subscription half of RecordsStore, in memory."""

    def __init__(self) -> None:
        self.subs: dict[str, dict[str, Any]] = {}

    def create_subscription(self, owner: str, fields: dict[str, Any]) -> dict[str, Any]:
        sub = {"id": str(uuid.uuid4()), "owner": owner, **fields}
        self.subs[sub["id"]] = sub
        return sub

    def update_subscription(self, sub_id: str, owner: str | None, fields: dict[str, Any]) -> dict[str, Any] | None:
        sub = self.subs.get(sub_id)
        if sub is None or owner not in (None, sub["owner"]):
            return None
        sub.update(fields)
        return sub


def app_as(role: Role, runner: RecordingRunner | None = None, **settings: Any) -> tuple[FastAPI, FakeStore]:
    """The app with its principal, reader and store overridden: nothing connects."""
    from api.deps import get_principal, get_reader
    from api.main import create_app

    app = create_app(Settings(environment="local", **settings))
    store = FakeStore()
    app.dependency_overrides[get_reader] = lambda: GraphReader(runner or RecordingRunner())
    app.dependency_overrides[get_principal] = lambda: Principal("lg_test", role, "test")
    app.state.ctx = SimpleNamespace(metrics=app.state.metrics, store=store)
    return app, store


def strict_json(text: str) -> Any:
    """`json.loads` refusing NaN and Infinity, as every other JSON parser does."""
    def refuse(name: str) -> Any:
        raise ValueError(f"not JSON: {name}")

    return json.loads(text, parse_constant=refuse)


# 3. masked PF supplier ids open; full CPFs and stray `*` do not -----------------------------------------
def test_masked_pf_supplier_ids_open_but_full_cpfs_are_refused() -> None:
    runner = RecordingRunner(answers={"api/get_subject_detail": [{
        "id": PF_SUPPLIER, "label": "Supplier", "findings": [],
        "properties": {"id": PF_SUPPLIER, "name": "MARIA DA SILVA", "person_type": "PF", "document": "***932167**"}}],
        "api/v1_list_findings": [{"total": 0, "items": []}]})
    app, _ = app_as(Role.reader, runner)
    client = TestClient(app)
    r = client.get(f"/v1/suppliers/{PF_SUPPLIER}")
    assert r.status_code == 200, r.text
    assert r.json()["id"] == PF_SUPPLIER and r.json()["properties"]["document"] == "***932167**"
    assert client.get(f"/v1/suppliers/{PF_SUPPLIER}/network").status_code == 404  # valid id, no such node
    assert client.get("/v1/findings", params={"subject_id": PF_SUPPLIER}).status_code == 200
    for bad in ("supplier:pf:12345678901:MARIA_DA_SILVA", "supplier:pf:123.456.789-01:MARIA",
                "supplier:12345678901", "supplier:pf:**932167***:MARIA", "supplier:pf:***93216**:MARIA",
                "supplier:pf:*:MARIA", "tender:0001*"):
        assert client.get(f"/v1/suppliers/{bad}").status_code == 422, bad
        assert client.get("/v1/findings", params={"subject_id": bad}).status_code == 422, bad
    assert client.get("/v1/tenders/tender:00001001000100-1-000001/2025").status_code == 404  # still an id


# 5. a trailing newline is not part of a valid id ----------------------------------------------------------
@pytest.mark.parametrize("field,value", [("agency_ids", "agency:00001001000100\n"),
                                         ("supplier_ids", "supplier:00000001000101\n"),
                                         ("detectors", "shared_contacts\n")])
def test_ids_with_a_trailing_newline_are_refused(field: str, value: str) -> None:
    with pytest.raises(ValueError, match=field):
        SubscriptionIn(email=EMAIL, **{field: [value]}).checked()
    app, store = app_as(Role.investigator)
    r = TestClient(app).post("/v1/subscriptions", json={"email": EMAIL, field: [value]})
    assert r.status_code == 422 and not store.subs


# 2. NaN and Infinity in a body: 422 with a message, never a 500 ---------------------------------------------
@pytest.mark.parametrize("route,body", [
    ("/v1/subscriptions", '{"email": "a@cge.go.gov.br", "min_risk": NaN}'),
    ("/v1/subscriptions", '{"email": "a@cge.go.gov.br", "min_risk": Infinity}'),
    ("/v1/subscriptions", '{"email": "a@cge.go.gov.br", "min_risk": -Infinity}'),
    ("/v1/subscriptions", '{"email": NaN}'),
    ("/v1/subscriptions", '{"email": "a@cge.go.gov.br", "unknown": [NaN, {"x": Infinity}]}'),
    ("/v1/keys", '{"name": NaN, "role": "reader"}'),
    ("/v1/keys", '{"role": "reader", "other": NaN}'),  # `name` missing: the whole body is echoed
    ("/v1/pipeline/runs", '{"steps": [Infinity]}'),
])
def test_nan_and_infinity_in_a_body_answer_422(route: str, body: str) -> None:
    app, _ = app_as(Role.admin)
    r = TestClient(app, raise_server_exceptions=False).post(route, content=body,
                                                            headers={"Content-Type": "application/json"})
    assert r.status_code == 422, r.text
    errors = strict_json(r.text)["detail"]
    assert errors and all(e["msg"] for e in errors)


def test_a_nan_number_is_named_in_the_422() -> None:
    app, _ = app_as(Role.admin)
    r = TestClient(app, raise_server_exceptions=False).post(
        "/v1/subscriptions", content='{"email": "a@cge.go.gov.br", "min_risk": NaN}',
        headers={"Content-Type": "application/json"})
    (error,) = strict_json(r.text)["detail"]
    assert error["loc"] == ["body", "min_risk"] and error["input"] == "NaN"
    assert "finite number" in error["msg"]
    r = TestClient(app, raise_server_exceptions=False).post(
        "/v1/subscriptions", content='{"email": NaN}', headers={"Content-Type": "application/json"})
    (error,) = strict_json(r.text)["detail"]
    assert error["input"] == "NaN" and "NaN and Infinity are not valid JSON numbers" in error["msg"]


# 4. failed authentications: limited per client address, refusals cached -------------------------------------
class FakeRedis:
    """INCR, EXPIRE (in a pipeline) and GET, in memory."""

    def __init__(self) -> None:
        self.counts: dict[str, int] = {}

    def pipeline(self, transaction: bool = False) -> FakePipeline:
        return FakePipeline(self)

    def get(self, name: str) -> bytes | None:
        return str(self.counts[name]).encode() if name in self.counts else None

    def close(self) -> None:
        pass


class FakePipeline:
    def __init__(self, redis: FakeRedis) -> None:
        self.redis = redis
        self.names: list[str] = []

    def incr(self, name: str) -> None:
        self.names.append(name)

    def expire(self, name: str, s: int) -> None:
        pass

    def execute(self) -> list[Any]:
        name = self.names[0]
        self.redis.counts[name] = self.redis.counts.get(name, 0) + 1
        return [self.redis.counts[name], True]


def test_failed_authentications_are_limited_per_address_and_refusals_cached() -> None:
    from api.deps import AppContext
    from api.main import create_app
    from api.ratelimit import AUTH_FAILURES_PER_MINUTE, RateLimiter

    settings = Settings(environment="local")
    app = create_app(settings)
    runner = RecordingRunner(answers={"api/v1_get_api_key_by_hash": []})
    redis = FakeRedis()
    app.state.ctx = AppContext(
        settings, runner, GraphReader(runner), RecordsStore(runner, settings.key_hash_secret), redis,
        RateLimiter(redis, 1000), app.state.metrics,
        auth_limiter=RateLimiter(redis, AUTH_FAILURES_PER_MINUTE, window_s=86_400, prefix="licitagraph:authfail"),
        store_ready=True)
    bad = {"X-API-Key": "lg_deadbeef_not-a-key"}
    attacker = TestClient(app, client=("203.0.113.7", 40000))
    codes = [attacker.get("/v1/agencies", headers=bad).status_code for _ in range(AUTH_FAILURES_PER_MINUTE + 2)]
    assert codes == [401] * AUTH_FAILURES_PER_MINUTE + [429, 429]
    r = attacker.get("/v1/agencies", headers={"X-API-Key": "lg_another_guess"})
    assert r.status_code == 429 and 1 <= int(r.headers["Retry-After"]) <= 86_400
    assert "failed authentications" in r.json()["detail"]
    lookups = [name for name, _ in runner.calls if name == "api/v1_get_api_key_by_hash"]
    assert len(lookups) == 1  # one Neo4j lookup for the flood of one bad key
    other = TestClient(app, client=("203.0.113.8", 40000))
    assert other.get("/v1/agencies", headers=bad).status_code == 401  # other addresses are not affected
    assert attacker.get("/v1/agencies").status_code == 401  # no key: nothing looked up, nothing counted
    assert app.state.metrics.auth_failures.labels("429")._value.get() == 3  # type: ignore[attr-defined]


def test_refused_keys_never_push_known_keys_out_of_the_cache() -> None:
    runner = RecordingRunner(answers={"api/v1_get_api_key_by_hash": [{"id": "lg_good", "role": "reader", "name": ""}]})
    store = RecordsStore(runner, "secret")
    assert store.authenticate("good") == Principal("lg_good", Role.reader, "")
    runner.answers["api/v1_get_api_key_by_hash"] = []
    for i in range(12_000):  # a flood of distinct bad keys
        assert store.authenticate(f"bad-{i}") is None
    assert store.cached_principal("good") == Principal("lg_good", Role.reader, "")
    calls = len(runner.calls)
    assert store.authenticate("bad-11999") is None and len(runner.calls) == calls  # the refusal is cached
    assert key_hash("good", "secret") != key_hash("bad-1", "secret")


# 6. investigators subscribe only the configured domains; admins any address ----------------------------------
def test_investigators_subscribe_only_addresses_in_the_alert_domains() -> None:
    app, store = app_as(Role.investigator)
    client = TestClient(app)
    for email in ("someone@gmail.com", "x@evilgo.gov.br", "x@go.gov.br.example.com", "x@gov.br"):
        r = client.post("/v1/subscriptions", json={"email": email})
        assert r.status_code == 403, email
        assert "go.gov.br" in r.json()["detail"] and "admin" in r.json()["detail"]
    assert not store.subs
    for email in ("auditoria@cge.go.gov.br", "Auditoria@SEFAZ.GO.GOV.BR", "a@go.gov.br"):
        assert client.post("/v1/subscriptions", json={"email": email}).status_code == 201, email
    sid = next(iter(store.subs))
    assert client.put(f"/v1/subscriptions/{sid}", json={"email": "someone@gmail.com"}).status_code == 403
    assert store.subs[sid]["email"] != "someone@gmail.com"

    admin, _ = app_as(Role.admin)
    assert TestClient(admin).post("/v1/subscriptions", json={"email": "someone@gmail.com"}).status_code == 201

    other, _ = app_as(Role.investigator, api_alert_email_domains=["tce.go.gov.br", "example.org"])
    c = TestClient(other)
    assert c.post("/v1/subscriptions", json={"email": "a@example.org"}).status_code == 201
    assert c.post("/v1/subscriptions", json={"email": "a@cge.go.gov.br"}).status_code == 403
