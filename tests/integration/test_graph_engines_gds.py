"""The three graph engines on the same graphs, the gds one against the real test Neo4j with GDS.

Hand-made graphs with answers known by hand; the co-bidding and loser -> winner edges of the fixture world
(synth/table_world.py with honest filler); the same world loaded into Neo4j and projected straight from the
stored graph; the network detectors' findings. Louvain is compared as a partition where the structure
decides it (cliques joined by one edge) and by modularity on the random filler, where a heuristic may stop
at another partition of the same quality.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest

from core.settings import Settings
from detectors.base import GraphTables, bids_with_tender
from detectors.cobidding import cobid_edges
from detectors.gds_engine import GdsEngine
from detectors.graph_common import jaccard_pairs, modularity
from detectors.graph_engines import GraphFramesEngine, NetworkxEngine
from detectors.loser_winner import loser_winner_edges
from graph.loader import Loader, init_schema
from graph.runner import Neo4jRunner
from synth.table_world import write_world
from tests.fixtures.graph_db import wipe

pytestmark = pytest.mark.integration

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "unit" / "detectors"))

# three components (a triangle with a tail to z, a pair, a 2-cycle), weighted, plus an isolated node
EDGES = pd.DataFrame(
    {
        "src": ["a", "b", "c", "x", "y", "m", "q", "p", "a"],
        "dst": ["b", "c", "a", "y", "z", "n", "p", "q", "z"],
        "weight": [1.0, 2.0, 1.0, 3.0, 1.0, 1.0, 4.0, 1.0, 0.5],
    }
)
COMPONENTS = {**dict.fromkeys("abcxyz", "a"), "m": "m", "n": "m", "p": "p", "q": "p", "lonely": "lonely"}
# two 4-cliques joined by the edge d - w, and a triangle apart
CLIQUES = pd.DataFrame(
    [(a, b) for g in ("abcd", "wxyz") for a in g for b in g if a < b] + [("d", "w"), ("k1", "k2"), ("k2", "k3"),
                                                                         ("k1", "k3")],
    columns=["src", "dst"],
)
LOUVAIN = {**dict.fromkeys("abcd", "a"), **dict.fromkeys("wxyz", "w"), **dict.fromkeys(["k1", "k2", "k3"], "k1")}
# s1: {t1, t2, t3}; s2: {t2, t3}; s3: {t3, t4}; s4: {t9}
BIPARTITE = pd.DataFrame({"src": ["s1", "s1", "s1", "s2", "s2", "s3", "s3", "s4"],
                          "dst": ["t1", "t2", "t3", "t2", "t3", "t3", "t4", "t9"]})
SIMILAR = [("s1", "s2", 2 / 3), ("s1", "s3", 1 / 4), ("s2", "s3", 1 / 3)]


@pytest.fixture(scope="module")
def gds(services: object, settings: Settings) -> Iterator[GdsEngine]:
    eng = GdsEngine(settings)
    assert eng.check().startswith("2.")
    yield eng
    eng.close()


def _pairs(frame: pd.DataFrame) -> list[tuple[str, str, float]]:
    return [(a, b, pytest.approx(s, abs=1e-12)) for a, b, s in frame.itertuples(index=False, name=None)]


def _no_graphs_left(settings: Settings) -> None:
    from graph.connection import driver_session

    with driver_session(settings) as s:
        names = s.run("CALL gds.graph.list() YIELD graphName RETURN collect(graphName) AS n").single(strict=True)["n"]
    assert not [n for n in names if n.startswith("licitagraph-")]


def test_hand_made_graphs_give_the_known_answers_in_gds(gds: GdsEngine, settings: Settings) -> None:
    nx_engine = NetworkxEngine()
    for eng in (nx_engine, gds):
        assert eng.connected_components(EDGES, nodes=["lonely"]).to_dict() == COMPONENTS
        assert eng.louvain(CLIQUES).to_dict() == LOUVAIN
        assert _pairs(eng.node_similarity(BIPARTITE)) == SIMILAR
    pr_nx = nx_engine.pagerank(EDGES, nodes=["lonely"])
    pr_gds = gds.pagerank(EDGES, nodes=["lonely"])
    assert pr_gds.sum() == pytest.approx(1.0, abs=1e-12)
    assert pr_gds["lonely"] == pytest.approx(pr_nx["lonely"]) and pr_gds["z"] > pr_gds["y"]  # z takes a's tail
    pd.testing.assert_series_equal(pr_nx, pr_gds, check_names=False, atol=1e-9, rtol=0)
    _no_graphs_left(settings)


@pytest.mark.spark
def test_the_spark_engine_agrees_on_the_hand_made_graphs(spark) -> None:  # type: ignore[no-untyped-def]
    gf = GraphFramesEngine(spark=spark)
    assert gf.connected_components(EDGES, nodes=["lonely"]).to_dict() == COMPONENTS
    assert _pairs(gf.node_similarity(BIPARTITE)) == SIMILAR
    assert gf.louvain(CLIQUES).to_dict() == LOUVAIN  # delegated to networkx


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, GraphTables]:
    tables = tmp_path_factory.mktemp("engines") / "tables"
    write_world(tables, filler_tenders=240)
    return tables, GraphTables.from_dir(tables)


def test_world_edges_give_the_same_answers_in_gds(gds: GdsEngine, world: tuple[Path, GraphTables],
                                                  settings: Settings) -> None:
    _, tables = world
    bids = bids_with_tender(tables)
    cob = cobid_edges(bids)[["src", "dst", "weight"]]
    assert len(cob) > 1000
    nx_engine = NetworkxEngine()
    # components of the regular pairs (several components, not just the one giant of all co-bidders)
    regular = cob[cob["weight"] >= 3]
    cc = nx_engine.connected_components(regular)
    assert cc.nunique() > 1
    pd.testing.assert_series_equal(cc, gds.connected_components(regular), check_names=False)
    lw = loser_winner_edges(bids)
    pd.testing.assert_series_equal(nx_engine.pagerank(lw), gds.pagerank(lw), check_names=False, atol=1e-9, rtol=0)
    sim_nx = nx_engine.node_similarity(bids[["supplier", "tender"]].set_axis(["src", "dst"], axis=1))
    sim_gds = gds.node_similarity(bids[["supplier", "tender"]].set_axis(["src", "dst"], axis=1))
    assert len(sim_nx) > 1000
    assert sim_nx[["node1", "node2"]].equals(sim_gds[["node1", "node2"]])
    assert (sim_nx["similarity"] - sim_gds["similarity"]).abs().max() < 1e-12
    # Louvain on the filler's random co-bidding graph (no community structure: modularity about 0.02):
    # partitions of close quality, not the same one; the agreement is measured in bench/detect.py
    lv_nx, lv_gds = nx_engine.louvain(cob), gds.louvain(cob)
    assert list(lv_nx.index) == list(lv_gds.index)
    q_nx, q_gds = modularity(cob, lv_nx), modularity(cob, lv_gds)
    assert abs(q_nx - q_gds) < 0.25 * q_nx, (q_nx, q_gds)
    _no_graphs_left(settings)


def test_louvain_recovers_planted_blocks_in_both_engines(gds: GdsEngine) -> None:
    """A stochastic block model (seeded): four groups dense inside, sparse between; both engines find the
    planted groups exactly."""
    import networkx as nx

    sizes = [25, 30, 35, 40]
    g = nx.stochastic_block_model(sizes, [[0.4 if i == j else 0.02 for j in range(4)] for i in range(4)], seed=3)
    edges = pd.DataFrame([(f"s{a:03d}", f"s{b:03d}") for a, b in g.edges()], columns=["src", "dst"])
    first = {0: "s000", 1: "s025", 2: "s055", 3: "s090"}  # each block's smallest node id
    blocks = {f"s{n:03d}": first[g.nodes[n]["block"]] for n in g.nodes}
    assert NetworkxEngine().louvain(edges).to_dict() == blocks
    assert gds.louvain(edges).to_dict() == blocks


def test_projections_from_the_stored_graph(gds: GdsEngine, world: tuple[Path, GraphTables],
                                           settings: Settings) -> None:
    path, tables = world
    wipe(settings)
    with Neo4jRunner(settings) as runner:
        init_schema(runner)
        Loader(runner).load(path)
    nx_engine = NetworkxEngine()
    bids = bids_with_tender(tables, valid_only=False)  # the stored graph holds every bid
    cob = cobid_edges(bids)[["src", "dst", "weight"]]
    with gds.stored_graph("cobidding", min_shared=3) as g:
        want = nx_engine.connected_components(cob[cob["weight"] >= 3])
        assert want.nunique() > 1
        pd.testing.assert_series_equal(want, g.connected_components(), check_names=False)
        want_pr = nx_engine.pagerank(pd.concat([cob[cob["weight"] >= 3],
                                                cob[cob["weight"] >= 3].rename(columns={"src": "dst", "dst": "src"})]))
        pd.testing.assert_series_equal(want_pr, g.pagerank(), check_names=False, atol=1e-9, rtol=0)
    # shared partners and contacts: supplier -> the partner, address, phone or e-mail it has
    partner = tables.get("PARTNER_OF")[["dst", "src"]].set_axis(["src", "dst"], axis=1)
    contacts = pd.concat([tables.get(t)[["src", "dst"]] for t in ("LOCATED_AT", "HAS_PHONE", "HAS_EMAIL")])
    links = pd.concat([partner, contacts], ignore_index=True)
    link_pairs = jaccard_pairs(links)
    assert len(link_pairs) >= 2  # the planted shared partner and shared phone
    with gds.stored_graph("shared_links") as g:
        want = nx_engine.connected_components(link_pairs.rename(columns={"node1": "src", "node2": "dst"}))
        pd.testing.assert_series_equal(want, g.connected_components(), check_names=False)
    with gds.stored_graph("links") as g:
        got = g.node_similarity()
        assert got[["node1", "node2"]].equals(link_pairs[["node1", "node2"]])
        assert (got["similarity"] - link_pairs["similarity"]).abs().max() < 1e-12
    with gds.stored_graph("tenders") as g:
        want_sim = jaccard_pairs(bids[["supplier", "tender"]].set_axis(["src", "dst"], axis=1), min_similarity=0.2)
        got = g.node_similarity(min_similarity=0.2)
        assert len(want_sim) > 10 and got[["node1", "node2"]].equals(want_sim[["node1", "node2"]])
    _no_graphs_left(settings)


def test_network_detectors_find_the_same_in_every_engine(gds: GdsEngine) -> None:
    from detector_kit import frame
    from test_network_detectors import market

    from detectors.cobidding import Cobidding
    from detectors.loser_winner import LoserWinner

    tables = GraphTables.from_frames(**{k: frame(k, v) for k, v in market().items()})
    for det in (Cobidding(), LoserWinner()):
        a = det.run(tables, det.config(), engine=NetworkxEngine())  # type: ignore[attr-defined]
        b = det.run(tables, det.config(), engine=gds)  # type: ignore[attr-defined]
        assert a, det.code
        assert [(f.id, f.subject, f.title) for f in a] == [(f.id, f.subject, f.title) for f in b]
        assert [f.score for f in a] == pytest.approx([f.score for f in b], abs=1e-9)
        assert [f.evidence.node_ids for f in a] == [f.evidence.node_ids for f in b]


def test_detect_command_runs_with_gds_and_says_when_it_cannot(gds: GdsEngine, world: tuple[Path, GraphTables],
                                                              tmp_path: Path) -> None:
    import shutil

    from core.settings import get_settings
    from tests.fixtures.graph_db import cli

    tables = tmp_path / "tables"
    shutil.copytree(world[0], tables)
    ok = cli("detect", "--tables", str(tables), "--engine", "gds", "--only", "cobidding", "--only", "loser_winner")
    assert ok.returncode == 0, ok.stderr
    assert "cobidding" in ok.stdout and (tables / "findings").exists()
    bad = cli("detect", "--tables", str(tables), "--engine", "igraph")
    assert bad.returncode == 2 and "networkx, graphframes, gds" in bad.stderr
    get_settings.cache_clear()
    try:  # nothing listens there: one clear line, exit 2, no traceback
        down = cli("detect", "--tables", str(tables), "--engine", "gds", env={"LICITAGRAPH_NEO4J_BOLT_PORT": "1"})
    finally:
        get_settings.cache_clear()
    assert down.returncode == 2 and "the gds engine needs Neo4j" in down.stderr and "Traceback" not in down.stderr


@pytest.mark.spark
@pytest.mark.slow
@pytest.mark.timeout(1800)
def test_network_detectors_on_the_synthetic_world_find_the_same_in_every_engine(
    gds: GdsEngine, synth_etl,  # type: ignore[no-untyped-def]
) -> None:
    """The simulator's world (seed 3, 400 tenders, through the Spark ETL): the planted rotation cartels give
    the network detectors something to find, and the gds engine finds exactly what networkx finds."""
    from detectors.cobidding import Cobidding
    from detectors.loser_winner import LoserWinner

    tables = GraphTables.from_dir(synth_etl.tables)
    found = 0
    for det in (Cobidding(), LoserWinner()):
        a = det.run(tables, det.config(), engine=NetworkxEngine())  # type: ignore[attr-defined]
        b = det.run(tables, det.config(), engine=gds)  # type: ignore[attr-defined]
        found += len(a)
        assert [(f.id, f.subject, f.title) for f in a] == [(f.id, f.subject, f.title) for f in b], det.code
        assert [f.score for f in a] == pytest.approx([f.score for f in b], abs=1e-9)
    assert found > 0
