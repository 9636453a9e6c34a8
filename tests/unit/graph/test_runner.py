"""The query runner and the library files, without a server (RecordingRunner)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from graph.runner import CYPHER_ROOT, QueryError, RecordingRunner, get_query, library, parse_query, read_as

NAME = re.compile(r"^[a-z]+/[a-z0-9]+(_[a-z0-9]+)+$")


def test_every_library_file_is_named_documented_and_declares_its_parameters() -> None:
    queries = library()
    assert len(queries) >= 20
    for q in queries:
        assert NAME.match(q.name), q.name
        assert len(q.purpose) > 20, f"{q.name} has no purpose header"
        assert q.used_params == {p.name for p in q.params}, q.name  # declared == used, both ways


def test_library_has_one_file_per_investigation() -> None:
    names = {q.name for q in library()}
    assert {
        "network/find_supplier_network", "collusion/find_bidders_sharing_links", "collusion/find_bidding_groups",
        "collusion/find_loser_winner_graph", "pricing/find_overpriced_items", "compliance/sum_dispensas",
        "sanctions/find_sanctioned_links", "api/list_tenders_by_risk", "api/list_suppliers_by_risk",
        "api/list_agencies_by_risk", "api/get_subject_detail", "api/get_subject_network",
    } <= names


def test_bind_fills_defaults_and_refuses_unknown_or_missing() -> None:
    q = get_query("collusion/find_loser_winner_graph")
    assert q.bind({"agency_id": "agency:1"}) == {"agency_id": "agency:1", "item_class": None, "min_times": 1,
                                                 "limit": 500}
    with pytest.raises(QueryError, match="unknown parameter"):
        q.bind({"agencia": "x"})
    with pytest.raises(QueryError, match="missing parameter"):
        get_query("network/find_supplier_network").bind({})


def test_names_cannot_escape_the_library() -> None:
    for bad in ("../graph/x", "api/../../etc", "API/List", "list_tenders"):
        with pytest.raises(QueryError):
            get_query(bad)
    with pytest.raises(QueryError, match="no library query"):
        get_query("api/list_nothing_here")


def test_undeclared_parameter_is_rejected(tmp_path: Path) -> None:
    f = tmp_path / "x.cypher"
    f.write_text("// purpose of x is to test\n// @param a int = 1  a\nMATCH (n) WHERE n.a = $a AND n.b = $b RETURN n\n")
    with pytest.raises(QueryError, match=r"undeclared parameter\(s\) \['b'\]"):
        parse_query("t/x", f)


def test_recording_runner_records_bound_parameters_and_answers_typed_rows() -> None:
    from pydantic import BaseModel

    class Edge(BaseModel):
        loser_id: str
        winner_id: str
        times: int

    r = RecordingRunner(answers={"collusion/find_loser_winner_graph": [
        {"loser_id": "supplier:1", "winner_id": "supplier:2", "times": 3, "loser_name": "A"}]})
    edges = read_as(r, "collusion/find_loser_winner_graph", Edge, {"agency_id": "agency:9"})
    assert edges == [Edge(loser_id="supplier:1", winner_id="supplier:2", times=3)]
    assert r.calls == [("collusion/find_loser_winner_graph",
                        {"agency_id": "agency:9", "item_class": None, "min_times": 1, "limit": 500})]


def test_library_root_is_the_repository_cypher_folder() -> None:
    assert (CYPHER_ROOT / "bloom" / "perspective.json").is_file()
