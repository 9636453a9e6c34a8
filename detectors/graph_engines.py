"""Graph algorithms behind one interface, with three engines: networkx (local default), GraphFrames (Spark)
and Neo4j Graph Data Science (detectors/gds_engine.py).

Every engine takes edges as a pandas DataFrame (`src`, `dst`, optional `weight`) and returns pandas objects,
so a detector never knows which one ran. Answers are put in one canonical form (detectors/graph_common.py):
components and communities labelled by their smallest member id, PageRank summing to 1, similarity pairs
once each, so the engines give identical answers on the same graph (Louvain: see `GraphEngine.louvain`).

The GraphFrames engine gets its session only through `etl.spark.get_spark`, asking Spark to resolve the
GraphFrames jar from Maven Central (`GRAPHFRAMES_PACKAGE`). Where the jar cannot be resolved (see
docs/spark-packages.md: the mirror here serves no GraphFrames jar), it runs the same algorithms written
in plain Spark DataFrames, and says so in the log and in `engine.backend`.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any, Protocol

import pandas as pd

from detectors.graph_common import (
    LOUVAIN_SEED,
    PAGERANK_ALPHA,
    canonical_labels,
    jaccard_pairs,
    node_list,
    ordered_pairs,
    weighted_edges,
)

if TYPE_CHECKING:
    from pyspark.sql import DataFrame as SparkDataFrame
    from pyspark.sql import SparkSession

log = logging.getLogger(__name__)

GRAPHFRAMES_PACKAGE = "io.graphframes:graphframes-spark3_2.12:0.12.1"
PAGERANK_ITERATIONS = 50
ENGINES = ("networkx", "graphframes", "gds")


class GraphEngine(Protocol):
    name: str

    def connected_components(self, edges: pd.DataFrame, nodes: list[str] | None = None) -> pd.Series:
        """node id -> component label (the smallest node id of its component); undirected."""
        ...

    def pagerank(self, edges: pd.DataFrame, nodes: list[str] | None = None) -> pd.Series:
        """node id -> PageRank (directed, weighted, damping 0.85, dangling mass spread evenly; sums to 1)."""
        ...

    def louvain(self, edges: pd.DataFrame, nodes: list[str] | None = None, seed: int = LOUVAIN_SEED) -> pd.Series:
        """node id -> community (Louvain, undirected, weighted; self-loops ignored), labelled by the smallest
        member id. Louvain is a heuristic: engines agree on graphs with a clear community structure and
        otherwise reach partitions of close modularity (graph_common.modularity), not always the same one."""
        ...

    def node_similarity(self, edges: pd.DataFrame, min_similarity: float = 0.0) -> pd.DataFrame:
        """`node1 < node2, similarity`: Jaccard of the sources of `edges` over their out-neighbour sets
        (e.g. supplier -> tender, supplier -> partner or contact), every pair sharing a neighbour."""
        ...


_node_list = node_list


class NetworkxEngine:
    name = "networkx"
    backend = "networkx"

    def connected_components(self, edges: pd.DataFrame, nodes: list[str] | None = None) -> pd.Series:
        import networkx as nx

        g = nx.Graph()
        g.add_nodes_from(_node_list(edges, nodes))
        g.add_edges_from(zip(edges["src"].astype(str), edges["dst"].astype(str), strict=True))
        labels: dict[str, str] = {}
        for comp in nx.connected_components(g):
            root = min(comp)
            labels.update(dict.fromkeys(comp, root))
        return pd.Series(labels, name="component").sort_index()

    def pagerank(self, edges: pd.DataFrame, nodes: list[str] | None = None) -> pd.Series:
        import networkx as nx

        g = nx.DiGraph()
        g.add_nodes_from(_node_list(edges, nodes))
        w = edges["weight"] if "weight" in edges else pd.Series(1.0, index=edges.index)
        for s, d, x in zip(edges["src"].astype(str), edges["dst"].astype(str), w.astype(float), strict=True):
            if g.has_edge(s, d):
                g[s][d]["weight"] += x
            else:
                g.add_edge(s, d, weight=x)
        if g.number_of_nodes() == 0:
            return pd.Series(dtype=float, name="pagerank")
        pr = nx.pagerank(g, alpha=PAGERANK_ALPHA, weight="weight", max_iter=1000, tol=1e-12)
        return pd.Series(pr, name="pagerank").sort_index()

    def louvain(self, edges: pd.DataFrame, nodes: list[str] | None = None, seed: int = LOUVAIN_SEED) -> pd.Series:
        import networkx as nx

        g = nx.Graph()
        g.add_nodes_from(_node_list(edges, nodes))
        g.add_weighted_edges_from(weighted_edges(edges, undirected=True, drop_loops=True).itertuples(index=False))
        if g.number_of_nodes() == 0:
            return canonical_labels(pd.Series(dtype=object), "community")
        parts = nx.community.louvain_communities(g, weight="weight", resolution=1.0, threshold=1e-7, seed=seed)
        raw = {n: i for i, part in enumerate(parts) for n in part}
        return canonical_labels(pd.Series(raw), "community")

    def node_similarity(self, edges: pd.DataFrame, min_similarity: float = 0.0) -> pd.DataFrame:
        return jaccard_pairs(edges, min_similarity)


class GraphFramesEngine:
    name = "graphframes"

    def __init__(self, spark: SparkSession | None = None, package: str = GRAPHFRAMES_PACKAGE) -> None:
        self._spark = spark
        self.package = package
        self.backend = "unknown"
        self.pagerank_iterations = PAGERANK_ITERATIONS

    # -- session ---------------------------------------------------------------------------------
    @property
    def spark(self) -> SparkSession:
        if self._spark is None:
            from etl.spark import get_spark

            try:
                self._spark = get_spark("licitagraph-detect", packages=[self.package])
            except Exception as exc:  # unresolvable package: the JVM gateway exits
                log.warning(
                    "GraphFrames jar %s could not be resolved (%s); using Spark DataFrames", self.package, exc
                )
                self._spark = get_spark("licitagraph-detect")
        return self._spark

    def _has_graphframes(self) -> bool:
        jvm = self.spark.sparkContext._jvm
        try:
            cls = jvm.java.lang.Class.forName("org.graphframes.GraphFramePythonAPI")  # type: ignore[union-attr]
            ok = cls is not None
        except Exception:
            ok = False
        if not ok and self.backend == "unknown":
            log.warning(
                "GraphFrames JVM classes are not on the classpath; running the Spark DataFrame algorithms"
            )
        self.backend = "graphframes" if ok else "spark-dataframes"
        return ok

    def _frames(self, edges: pd.DataFrame, nodes: list[str] | None) -> tuple[SparkDataFrame, SparkDataFrame]:
        from pyspark.sql import types as T

        v = self.spark.createDataFrame(
            pd.DataFrame({"id": _node_list(edges, nodes)}),
            T.StructType([T.StructField("id", T.StringType(), False)]),
        )
        e_pd = pd.DataFrame(
            {
                "src": edges["src"].astype(str).to_numpy(),
                "dst": edges["dst"].astype(str).to_numpy(),
                "weight": (edges["weight"] if "weight" in edges else pd.Series(1.0, index=edges.index))
                .astype(float)
                .to_numpy(),
            }
        )
        schema = T.StructType(
            [
                T.StructField("src", T.StringType()),
                T.StructField("dst", T.StringType()),
                T.StructField("weight", T.DoubleType()),
            ]
        )
        e = self.spark.createDataFrame(e_pd, schema)
        return v, e

    # -- algorithms ------------------------------------------------------------------------------
    def connected_components(self, edges: pd.DataFrame, nodes: list[str] | None = None) -> pd.Series:
        from pyspark.sql import functions as F

        v, e = self._frames(edges, nodes)
        if self._has_graphframes():
            from graphframes import GraphFrame

            self._checkpoint_dir()
            cc = GraphFrame(v, e).connectedComponents()
            # GraphFrames labels components with a number; relabel with the smallest member id
            cc = cc.withColumn("root", F.min("id").over(_window("component"))).select("id", "root")
            pdf = cc.toPandas()
        else:
            pdf = _dataframe_components(v, e).toPandas()
        return pd.Series(pdf["root"].to_numpy(), index=pdf["id"].to_numpy(), name="component").sort_index()

    def pagerank(self, edges: pd.DataFrame, nodes: list[str] | None = None) -> pd.Series:
        v, e = self._frames(edges, nodes)
        pdf: pd.DataFrame = _dataframe_pagerank(v, e, self.pagerank_iterations).toPandas()
        return pd.Series(pdf["pagerank"].to_numpy(), index=pdf["id"].to_numpy(), name="pagerank").sort_index()

    def louvain(self, edges: pd.DataFrame, nodes: list[str] | None = None, seed: int = LOUVAIN_SEED) -> pd.Series:
        """Delegated to networkx: Louvain moves one node at a time against the current partition, which has no
        good expression in DataFrame joins, and GraphFrames offers none (only label propagation)."""
        return NetworkxEngine().louvain(edges, nodes, seed)

    def node_similarity(self, edges: pd.DataFrame, min_similarity: float = 0.0) -> pd.DataFrame:
        _, e = self._frames(edges, None)
        pdf = _dataframe_jaccard(e.select("src", "dst").distinct()).toPandas()
        return ordered_pairs(pdf, min_similarity)

    def _checkpoint_dir(self) -> None:
        from core.settings import get_settings

        self.spark.sparkContext.setCheckpointDir(str(get_settings().var_dir / "spark-checkpoints"))


def _window(col: str) -> Any:
    from pyspark.sql import Window

    return Window.partitionBy(col)


def _dataframe_components(v: SparkDataFrame, e: SparkDataFrame) -> SparkDataFrame:
    """Connected components by iterated min-label propagation over undirected edges."""
    from pyspark.sql import functions as F

    und = (
        e.select("src", "dst")
        .union(e.select(F.col("dst").alias("src"), F.col("src").alias("dst")))
        .distinct()
    )
    und = und.localCheckpoint()
    labels = v.select("id", F.col("id").alias("root")).localCheckpoint()
    while True:
        incoming = und.join(labels, und.src == labels.id).select(
            F.col("dst").alias("id"), F.col("root").alias("cand")
        )
        new = (
            labels.join(incoming.groupBy("id").agg(F.min("cand").alias("cand")), "id", "left")
            .select("id", F.least("root", F.coalesce("cand", "root")).alias("root"))
            .localCheckpoint()
        )
        changed = (
            new.join(labels.withColumnRenamed("root", "old"), "id")
            .filter(F.col("root") != F.col("old"))
            .count()
        )
        labels = new
        if changed == 0:
            return labels


def _dataframe_pagerank(v: SparkDataFrame, e: SparkDataFrame, iterations: int = 50) -> SparkDataFrame:
    """Weighted PageRank with dangling mass spread evenly, by power iteration in Spark DataFrames.

    Iterates the leaking form x = (1 - a)/N + a P^T x (mass at dangling nodes is dropped) and normalises
    at the end: with uniform teleport, that is exactly PageRank with dangling mass spread evenly (the two
    vectors are proportional), and it needs no Spark action inside the loop."""
    from pyspark.sql import functions as F

    n = v.count()
    if n == 0:
        return v.withColumn("pagerank", F.lit(0.0))
    e = e.groupBy("src", "dst").agg(F.sum("weight").alias("weight"))
    out_w = e.groupBy("src").agg(F.sum("weight").alias("out_w"))
    trans = (
        e.join(out_w, "src")
        .select("src", "dst", (F.col("weight") / F.col("out_w")).alias("p"))
        .localCheckpoint()
    )
    ranks = v.select("id", F.lit(1.0 / n).alias("pr"))
    base = (1 - PAGERANK_ALPHA) / n
    for _ in range(iterations):
        contrib = (
            trans.join(ranks.select(F.col("id").alias("src"), "pr"), "src")
            .groupBy("dst")
            .agg(F.sum(F.col("pr") * F.col("p")).alias("c"))
        )
        ranks = (
            ranks.select("id")
            .join(contrib.withColumnRenamed("dst", "id"), "id", "left")
            .select("id", (F.lit(base) + PAGERANK_ALPHA * F.coalesce("c", F.lit(0.0))).alias("pr"))
        )
        ranks = ranks.localCheckpoint()  # keeps each iteration's plan small
    total = ranks.agg(F.sum("pr")).first()[0]  # type: ignore[index]
    return ranks.select("id", (F.col("pr") / F.lit(total)).alias("pagerank"))


def _dataframe_jaccard(e: SparkDataFrame) -> SparkDataFrame:
    """Jaccard of the sources over their out-neighbour sets: a self-join on the shared neighbour."""
    from pyspark.sql import functions as F

    deg = e.groupBy("src").agg(F.count("*").alias("deg"))
    a = e.select(F.col("src").alias("node1"), "dst")
    b = e.select(F.col("src").alias("node2"), "dst")
    shared = (
        a.join(b, "dst").filter(F.col("node1") < F.col("node2")).groupBy("node1", "node2").agg(F.count("*").alias("n"))
    )
    return (
        shared.join(deg.select(F.col("src").alias("node1"), F.col("deg").alias("d1")), "node1")
        .join(deg.select(F.col("src").alias("node2"), F.col("deg").alias("d2")), "node2")
        .select("node1", "node2", (F.col("n") / (F.col("d1") + F.col("d2") - F.col("n"))).alias("similarity"))
    )


def get_engine(name: str | None = None, spark: SparkSession | None = None) -> GraphEngine:
    """The engine called `name`; None: the `detect_engine` setting (LICITAGRAPH_DETECT_ENGINE)."""
    if name is None:
        from core.settings import get_settings

        name = get_settings().detect_engine
    if name == "networkx":
        return NetworkxEngine()
    if name == "graphframes":
        return GraphFramesEngine(spark=spark)
    if name == "gds":
        from detectors.gds_engine import GdsEngine

        return GdsEngine()
    raise ValueError(f"unknown graph engine {name!r}; use one of {', '.join(ENGINES)}")
