"""networkx and the GraphFrames engine (real local Spark) give the same components, PageRank and findings.

loser_winner with the Spark engine is covered through PageRank only: a full run per test is slow on 2 cores."""

from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd
import pytest

from detectors.graph_engines import GraphFramesEngine, NetworkxEngine

pytestmark = [pytest.mark.spark]

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "unit" / "detectors"))


EDGES = pd.DataFrame(
    {
        "src": ["a", "b", "c", "x", "y", "m", "q", "p"],
        "dst": ["b", "c", "a", "y", "z", "n", "p", "q"],
        "weight": [1.0, 2.0, 1.0, 3.0, 1.0, 1.0, 4.0, 1.0],
    }
)


@pytest.fixture(scope="module")
def gf_engine(spark) -> GraphFramesEngine:  # type: ignore[no-untyped-def]
    return GraphFramesEngine(spark=spark)


def test_same_components(gf_engine: GraphFramesEngine) -> None:
    nx_cc = NetworkxEngine().connected_components(EDGES, nodes=["lonely"])
    gf_cc = gf_engine.connected_components(EDGES, nodes=["lonely"])
    assert gf_engine.backend in ("graphframes", "spark-dataframes")
    pd.testing.assert_series_equal(nx_cc, gf_cc, check_names=False)
    assert nx_cc.to_dict() == {
        "a": "a",
        "b": "a",
        "c": "a",
        "x": "x",
        "y": "x",
        "z": "x",
        "m": "m",
        "n": "m",
        "p": "p",
        "q": "p",
        "lonely": "lonely",
    }


def test_same_pagerank(gf_engine: GraphFramesEngine) -> None:
    nx_pr = NetworkxEngine().pagerank(EDGES)
    gf_pr = gf_engine.pagerank(EDGES)
    assert list(nx_pr.index) == list(gf_pr.index)
    assert gf_pr.sum() == pytest.approx(1.0, abs=1e-6)
    pd.testing.assert_series_equal(nx_pr, gf_pr, check_names=False, atol=1e-3, rtol=0)  # 0.85^50 < 1e-3


def test_same_findings_from_both_engines(gf_engine: GraphFramesEngine) -> None:
    from detector_kit import frame
    from test_network_detectors import market

    from detectors.base import GraphTables
    from detectors.cobidding import Cobidding

    tables = GraphTables.from_frames(**{k: frame(k, v) for k, v in market().items()})
    for det in (Cobidding(),):
        a = det.run(tables, det.config(), engine=NetworkxEngine())  # type: ignore[attr-defined]
        b = det.run(tables, det.config(), engine=gf_engine)  # type: ignore[attr-defined]
        assert a and sorted(f.id for f in a) == sorted(f.id for f in b)
        assert sorted(f.score for f in a) == pytest.approx(sorted(f.score for f in b), abs=1e-3)
