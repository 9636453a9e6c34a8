"""The engines' shared canonical forms and the gds engine's bookkeeping, without a server.

The gds engine's answers against a real Neo4j are in tests/integration/test_graph_engines_gds.py."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import networkx as nx
import numpy as np
import pandas as pd
import pytest
import typer

from detectors.cli import check_engine
from detectors.gds_engine import GdsEngine, GdsUnavailable
from detectors.graph_common import (
    canonical_labels,
    jaccard_pairs,
    modularity,
    normalise_scores,
    ordered_pairs,
    weighted_edges,
)
from detectors.graph_engines import NetworkxEngine, get_engine
from graph.runner import RecordingRunner


def test_canonical_labels_name_each_group_by_its_smallest_member() -> None:
    raw = pd.Series({"d": 7, "b": 7, "z": 3, "a": 9, "c": 3})
    got = canonical_labels(raw)
    assert got.to_dict() == {"a": "a", "b": "b", "c": "c", "d": "b", "z": "c"}
    assert list(got.index) == sorted(got.index)


def _leaking_pagerank(edges: pd.DataFrame, nodes: list[str], alpha: float = 0.85, gds_scale: bool = False) -> pd.Series:
    """The power iteration GDS runs: mass at dangling nodes is dropped, teleport (1 - a) per node."""
    idx = {n: i for i, n in enumerate(nodes)}
    n = len(nodes)
    p = np.zeros((n, n))
    for s, d, w in edges.itertuples(index=False):
        p[idx[s], idx[d]] += w
    out = p.sum(axis=1)
    p[out > 0] /= out[out > 0, None]
    x = np.full(n, 1.0)
    base = (1 - alpha) if gds_scale else (1 - alpha) / n
    for _ in range(500):
        x = base + alpha * p.T @ x
    return pd.Series(x, index=nodes)


def test_normalising_the_leaking_iteration_gives_pagerank_with_dangling_mass_spread() -> None:
    # d and e are dangling (no out-edges); weights differ so weighting matters
    edges = pd.DataFrame({"src": ["a", "a", "b", "c", "c"], "dst": ["b", "d", "c", "a", "e"],
                          "w": [3.0, 1.0, 1.0, 2.0, 5.0]})
    nodes = ["a", "b", "c", "d", "e"]
    raw = _leaking_pagerank(edges, nodes, gds_scale=True)
    assert raw.sum() < 0.9 * len(nodes)  # mass really leaked
    g = nx.DiGraph()
    g.add_weighted_edges_from(edges.itertuples(index=False))
    want = pd.Series(nx.pagerank(g, alpha=0.85, tol=1e-14, max_iter=1000)).sort_index()
    got = normalise_scores(raw)
    assert got.sum() == pytest.approx(1.0)
    pd.testing.assert_series_equal(got, want, check_names=False, atol=1e-10, rtol=0)


def test_weighted_edges_merge_parallel_and_reverse_edges() -> None:
    e = pd.DataFrame({"src": ["a", "b", "a", "c"], "dst": ["b", "a", "b", "c"], "weight": [1.0, 2.0, 0.5, 9.0]})
    directed = weighted_edges(e)
    assert directed.to_dict("records") == [
        {"src": "a", "dst": "b", "weight": 1.5}, {"src": "b", "dst": "a", "weight": 2.0},
        {"src": "c", "dst": "c", "weight": 9.0},
    ]
    und = weighted_edges(e, undirected=True, drop_loops=True)
    assert und.to_dict("records") == [{"src": "a", "dst": "b", "weight": 3.5}]


def test_jaccard_pairs_over_shared_neighbours() -> None:
    # s1: {t1, t2, t3}; s2: {t2, t3}; s3: {t3, t4}; s4: {t9} shares nothing
    e = pd.DataFrame({"src": ["s1", "s1", "s1", "s2", "s2", "s3", "s3", "s4", "s1"],
                      "dst": ["t1", "t2", "t3", "t2", "t3", "t3", "t4", "t9", "t1"]})
    got = jaccard_pairs(e)
    assert [tuple(r) for r in got.itertuples(index=False)] == [
        ("s1", "s2", pytest.approx(2 / 3)), ("s1", "s3", pytest.approx(1 / 4)), ("s2", "s3", pytest.approx(1 / 3)),
    ]
    assert list(jaccard_pairs(e, min_similarity=0.3)[["node1", "node2"]].itertuples(index=False, name=None)) == [
        ("s1", "s2"), ("s2", "s3")
    ]


def test_ordered_pairs_keep_each_pair_once() -> None:
    f = pd.DataFrame({"node1": ["b", "a", "a"], "node2": ["a", "b", "c"], "similarity": [0.5, 0.5, 0.0]})
    assert ordered_pairs(f).to_dict("records") == [{"node1": "a", "node2": "b", "similarity": 0.5}]


def test_networkx_louvain_splits_two_cliques_joined_by_one_edge() -> None:
    left = [(a, b) for a in "abcd" for b in "abcd" if a < b]
    right = [(a, b) for a in "wxyz" for b in "wxyz" if a < b]
    e = pd.DataFrame(left + right + [("d", "w")], columns=["src", "dst"])
    got = NetworkxEngine().louvain(e, nodes=["lonely"])
    assert got.to_dict() == {**dict.fromkeys("abcd", "a"), **dict.fromkeys("wxyz", "w"), "lonely": "lonely"}
    assert modularity(e, got) > modularity(e, pd.Series("a", index=got.index))


class _Runner(RecordingRunner):
    """Records the gds engine's queries; `fail` names a query that raises."""

    def __init__(self, answers: dict[str, list[dict[str, Any]]], fail: str | None = None,
                 error: Exception | None = None) -> None:
        super().__init__(answers=answers)
        self.fail = fail
        self.error = error or RuntimeError("boom")

    def read(self, name: str, params: Mapping[str, Any] | None = None) -> list[dict[str, Any]]:
        rows = super().read(name, params)
        if name == self.fail:
            raise self.error
        return rows


def _answers() -> dict[str, list[dict[str, Any]]]:
    return {
        "gds/get_version": [{"version": "2.13.9"}],
        "gds/project_rows": [{"graph_name": "g", "node_count": 3, "relationship_count": 2}],
        "gds/stream_wcc": [{"node": [0, 1, 2], "label": [5, 5, 8]}],
    }


def test_gds_engine_sends_rows_as_integer_lists_and_drops_the_graph() -> None:
    r = _Runner(_answers())
    e = pd.DataFrame({"src": ["b", "b"], "dst": ["a", "a"]})
    got = GdsEngine(runner=r).connected_components(e, nodes=["c"])
    assert got.to_dict() == {"a": "a", "b": "a", "c": "c"}
    names = list(r.names())
    assert names == ["gds/get_version", "gds/project_rows", "gds/stream_wcc", "gds/drop_graph"]
    project = dict(r.calls)["gds/project_rows"]
    # nodes numbered in sorted order (a=0, b=1, c=2), the parallel edge merged, c isolated (null target)
    # WCC ignores direction: each pair goes once, one way
    assert (project["src"], project["dst"], project["weight"], project["undirected"]) == ("0,2", "1,", "", False)
    assert dict(r.calls)["gds/drop_graph"]["graph_name"] == project["graph_name"]


def test_gds_engine_drops_the_graph_when_the_algorithm_fails_and_names_are_unique() -> None:
    r = _Runner(_answers(), fail="gds/stream_wcc")
    eng = GdsEngine(runner=r)
    e = pd.DataFrame({"src": ["a"], "dst": ["b"]})
    for _ in range(2):
        with pytest.raises(RuntimeError, match="boom"):
            eng.connected_components(e)
    projected = [p["graph_name"] for n, p in r.calls if n == "gds/project_rows"]
    dropped = [p["graph_name"] for n, p in r.calls if n == "gds/drop_graph"]
    assert projected == dropped and len(set(projected)) == 2
    # a projection that fails is dropped too (the server may have made it before the error came back)
    r2 = _Runner(_answers(), fail="gds/project_rows")
    with pytest.raises(RuntimeError, match="boom"):
        GdsEngine(runner=r2).pagerank(e)
    assert [n for n in r2.names()][-2:] == ["gds/project_rows", "gds/drop_graph"]


def test_gds_engine_says_clearly_when_the_server_has_no_gds() -> None:
    r = _Runner({}, fail="gds/get_version", error=RuntimeError("Unknown function 'gds.version'"))
    with pytest.raises(GdsUnavailable, match=r"Graph Data Science.*--engine networkx"):
        GdsEngine(runner=r).pagerank(pd.DataFrame({"src": ["a"], "dst": ["b"]}))


def test_engine_names_and_the_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    from core.settings import get_settings

    with pytest.raises(ValueError, match="networkx, graphframes, gds"):
        get_engine("igraph")
    with pytest.raises(typer.Exit):
        check_engine("igraph")
    monkeypatch.setenv("LICITAGRAPH_DETECT_ENGINE", "gds")
    get_settings.cache_clear()
    try:
        assert isinstance(get_engine(), GdsEngine)
    finally:
        get_settings.cache_clear()
