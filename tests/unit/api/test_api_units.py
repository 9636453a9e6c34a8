"""Pure logic of the API: CPF masking, key hashing and roles, the rate limiter, the reader's shaping and
parameters (RecordingRunner), and the app built with overridden dependencies (no servers)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.ratelimit import RateLimiter
from api.reader import GraphReader
from graph.runner import QueryError, RecordingRunner
from reporting.keys import Principal, Role, key_hash, new_key
from reporting.masking import guard, mask_cpf_text


def test_mask_cpf_text_masks_bare_and_formatted_cpfs_only() -> None:
    assert mask_cpf_text("12345678901") == "***456789**"
    assert mask_cpf_text("cpf 123.456.789-01 e 98765432100") == "cpf ***456789** e ***654321**"
    assert mask_cpf_text("***456789**") == "***456789**"  # already masked
    assert mask_cpf_text("00000001000101") == "00000001000101"  # a CNPJ (14 digits) is left alone


def test_guard_masks_person_data_and_cpf_fields_but_not_phones() -> None:
    out = guard({"nodes": [{"id": "person:1:X", "label": "Person", "caption": "JOAO 12345678901"},
                           {"id": "phone:62999990000", "label": "Phone", "caption": "62999990000"}],
                 "details": {"partner_cpf": "12345678901", "n": 3}})
    assert out["nodes"][0]["caption"] == "JOAO ***456789**"
    assert out["nodes"][1]["caption"] == "62999990000"
    assert out["details"] == {"partner_cpf": "***456789**", "n": 3}
    assert guard({"id": "supplier:pf:x", "person_type": "PF", "document": "12345678901"})["document"] == "***456789**"


def test_keys_hash_with_the_secret_and_roles_are_ordered() -> None:
    key_id, key = new_key()
    assert key.startswith(key_id + "_") and len(key) > 40
    assert key_hash(key, "a") != key_hash(key, "b") and len(key_hash(key, "a")) == 64
    assert new_key()[1] != key
    p = Principal("k", Role.investigator, "x")
    assert p.can(Role.reader) and p.can(Role.investigator) and not p.can(Role.admin)


class FakeRedis:
    def __init__(self) -> None:
        self.counts: dict[str, int] = {}
        self.fail = False

    def pipeline(self, transaction: bool = False) -> FakeRedis:
        self.ops: list[tuple[str, str]] = []
        return self

    def incr(self, name: str) -> None:
        self.ops.append(("incr", name))

    def expire(self, name: str, s: int) -> None:
        self.ops.append(("expire", name))

    def execute(self) -> list[Any]:
        if self.fail:
            raise ConnectionError("down")
        name = self.ops[0][1]
        self.counts[name] = self.counts.get(name, 0) + 1
        return [self.counts[name], True]


def test_rate_limiter_fixed_window_and_fail_open() -> None:
    r = FakeRedis()
    rl = RateLimiter(r, per_minute=2)
    t = 120.0 * 1000 + 50  # 50 s into a window
    assert [rl.hit("k", t).allowed for _ in range(3)] == [True, True, False]
    assert rl.hit("k", t).retry_after == 10
    assert rl.hit("other", t).allowed  # per key
    assert rl.hit("k", t + 11).allowed  # next window
    r.fail = True
    assert rl.hit("k", t).allowed


def test_reader_passes_filters_as_parameters_and_shapes_rows() -> None:
    from datetime import date

    runner = RecordingRunner(answers={
        "api/v1_list_tenders": [{"total": 1, "items": [{"id": "tender:1", "kind": "tender", "risk_score": 0.5}]}],
        "api/get_subject_detail": [{"id": "tender:1", "label": "Tender", "findings": [{
            "id": "finding:ab", "detector": "screens", "subject_kind": "tender", "subject_id": "tender:1",
            "score": 0.5, "measures_json": json.dumps([{"name": "cv", "value": 0.01, "threshold": 0.03}]),
            "details_json": "{}", "node_ids": ["tender:1"]}],
            "properties": {"id": "tender:1", "object": "OBRA", "risk_score": 0.5, "risk_n_findings": 1,
                           "risk_reasons": json.dumps([{"detector": "screens", "score": 0.5}] * 9)}}],
    })
    reader = GraphReader(runner)
    total, items = reader.list_subjects("tender", skip=20, limit=10, detector="x' OR 1=1 //",
                                        published_from=date(2025, 1, 1))
    assert total == 1 and items[0]["id"] == "tender:1"
    name, params = runner.calls[0]
    assert name == "api/v1_list_tenders" and params["detector"] == "x' OR 1=1 //"
    assert params["published_from"] == "2025-01-01T00:00:00Z" and params["skip"] == 20 and params["limit"] == 10
    d = reader.subject_detail("tender", "tender:1", top_reasons=3)
    assert d is not None and d["name"] == "OBRA" and len(d["reasons"]) == 3
    assert d["findings"][0]["measures"] == [{"name": "cv", "value": 0.01, "threshold": 0.03}]
    assert "risk_reasons" not in d["properties"]
    assert reader.subject_detail("supplier", "tender:1", 3) is None  # the label must match the route
    with pytest.raises(QueryError):
        runner.read("api/v1_list_tenders", {"nope": 1})


def test_app_routes_with_overridden_dependencies() -> None:
    from types import SimpleNamespace

    from api.deps import get_principal, get_reader
    from api.main import create_app
    from core.settings import Settings

    runner = RecordingRunner(answers={"api/v1_list_agencies": [{"total": 0, "items": []}]})
    app = create_app(Settings(environment="local"))
    app.dependency_overrides[get_reader] = lambda: GraphReader(runner)
    app.dependency_overrides[get_principal] = lambda: Principal("t", Role.reader, "test")
    # and the app's context (the real one connects to Neo4j and Redis when built): the refusal below counts
    # in its metrics; the records store is never reached by a reader
    app.state.ctx = SimpleNamespace(metrics=app.state.metrics, store=None)
    client = TestClient(app)  # no lifespan: nothing connects
    r = client.get("/v1/agencies", params={"page": 2, "page_size": 7, "sort": "name", "order": "asc"})
    assert r.status_code == 200 and r.json() == {"total": 0, "page": 2, "page_size": 7, "items": []}
    assert runner.calls[-1][1]["skip"] == 7 and runner.calls[-1][1]["descending"] is False
    assert client.get("/v1/agencies", params={"page_size": 1000}).status_code == 422
    assert client.get("/v1/subscriptions").status_code == 403  # a reader


def test_every_route_declares_its_response() -> None:
    from fastapi.routing import APIRoute

    from api.main import create_app
    from core.settings import Settings

    app = create_app(Settings(environment="local"))
    for route in app.routes:
        if isinstance(route, APIRoute):
            declared = route.response_model is not None or getattr(route.response_class, "__name__", "") != "JSONResponse" or \
                route.status_code == 204
            assert declared, route.path


def test_a_finding_shows_the_tables_version_it_came_from() -> None:
    from types import SimpleNamespace

    from api.deps import get_principal, get_reader
    from api.main import create_app
    from core.settings import Settings

    stored = {"id": "finding:abcdef0123", "detector": "screens", "detector_version": "1.0.0", "subject_kind": "tender",
              "subject_id": "tender:1", "score": 0.5, "measures_json": "[]", "details_json": "{}",
              "node_ids": ["tender:1"], "run_id": "r1", "tables_version": 3, "status": "new"}
    runner = RecordingRunner(answers={"api/v1_get_finding": [{"finding": stored}]})
    app = create_app(Settings(environment="local"))
    app.dependency_overrides[get_reader] = lambda: GraphReader(runner)
    app.dependency_overrides[get_principal] = lambda: Principal("t", Role.reader, "test")
    app.state.ctx = SimpleNamespace(metrics=app.state.metrics, store=None)
    client = TestClient(app)
    r = client.get("/v1/findings/finding:abcdef0123")
    assert r.status_code == 200 and r.json()["tables_version"] == 3
    schema = client.get("/openapi.json").json()["components"]["schemas"]
    assert schema["Finding"]["properties"]["tables_version"]["anyOf"] == [{"type": "integer"}, {"type": "null"}]
    assert "risk_tables_version" in schema["SubjectDetail"]["properties"]
