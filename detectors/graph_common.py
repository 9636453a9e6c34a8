"""What every graph engine shares: the edge frames they take, the canonical forms of their answers.

The engines (detectors/graph_engines.py, detectors/gds_engine.py) compute the same things in different
places; these pure functions make their answers comparable: components and communities labelled by their
smallest member id, PageRank normalised to sum 1, similarity pairs ordered and sorted.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

PAGERANK_ALPHA = 0.85
LOUVAIN_SEED = 0
SIMILARITY_COLUMNS = ["node1", "node2", "similarity"]


def node_list(edges: pd.DataFrame, nodes: list[str] | None = None) -> list[str]:
    """Every node of the graph, sorted: the edges' ends plus the extra (possibly isolated) `nodes`."""
    found = set(edges["src"].astype(str)) | set(edges["dst"].astype(str))
    return sorted(found | {str(n) for n in nodes or []})


@dataclass(frozen=True)
class CodedEdges:
    """A graph as integer codes: `labels[i]` is node i (sorted ids, so code order is id order), edge k goes
    `src[k] -> dst[k]` with `weight[k]`, parallel edges merged."""

    labels: np.ndarray
    src: np.ndarray
    dst: np.ndarray
    weight: np.ndarray

    @property
    def isolated(self) -> np.ndarray:
        seen = np.zeros(len(self.labels), dtype=bool)
        seen[self.src] = True
        seen[self.dst] = True
        return np.flatnonzero(~seen)


def coded_edges(
    edges: pd.DataFrame, nodes: list[str] | None = None, *, undirected: bool = False, drop_loops: bool = False
) -> CodedEdges:
    """`edges` (src, dst, optional weight) as integer codes, parallel edges merged (weights summed; weight 1
    where the frame has none). `undirected`: (a, b) and (b, a) are one edge, written with src < dst."""
    n = len(edges)
    ends = np.concatenate([edges["src"].astype(str).to_numpy(), edges["dst"].astype(str).to_numpy(),
                           np.asarray([str(x) for x in nodes or []], dtype=object)])
    codes, labels = pd.factorize(ends, sort=True)
    src, dst = codes[:n].astype(np.int64), codes[n:2 * n].astype(np.int64)
    w = edges["weight"].astype(float).to_numpy() if "weight" in edges else np.ones(n)
    if drop_loops:
        keep = src != dst
        src, dst, w = src[keep], dst[keep], w[keep]
    if undirected:
        src, dst = np.minimum(src, dst), np.maximum(src, dst)
    if len(src):
        key = src * len(labels) + dst
        uniq, inv = np.unique(key, return_inverse=True)
        w = np.bincount(inv.ravel(), weights=w, minlength=len(uniq))
        src, dst = uniq // len(labels), uniq % len(labels)
    return CodedEdges(np.asarray(labels, dtype=object), src, dst, np.asarray(w, dtype=float))


def weighted_edges(edges: pd.DataFrame, undirected: bool = False, drop_loops: bool = False) -> pd.DataFrame:
    """`src, dst, weight` with parallel edges merged (weights summed; weight 1 where the frame has none),
    sorted. `undirected`: (a, b) and (b, a) are one edge, written with src < dst."""
    c = coded_edges(edges, undirected=undirected, drop_loops=drop_loops)
    return pd.DataFrame({"src": c.labels[c.src], "dst": c.labels[c.dst], "weight": c.weight})


def canonical_labels(raw: pd.Series, name: str = "component") -> pd.Series:
    """node -> label, where each group of `raw` (any labels) is relabelled by its smallest node id."""
    if raw.empty:
        return pd.Series(dtype=object, name=name)
    idx = pd.Series(raw.index.astype(str), index=raw.index)
    root = idx.groupby(raw.to_numpy()).transform("min")
    return pd.Series(root.to_numpy(), index=idx.to_numpy(), name=name).sort_index()


def normalise_scores(raw: pd.Series, name: str = "pagerank") -> pd.Series:
    """Scores scaled to sum 1, sorted by node id.

    For PageRank this is also a change of definition, not only of scale: the power iteration that drops the
    mass of dangling nodes ((1 - a)/N + a P^T x, or Neo4j GDS's (1 - a) + a P^T x) converges to a vector
    proportional to PageRank with that mass spread evenly over all nodes, so dividing by the sum gives it."""
    if raw.empty:
        return pd.Series(dtype=float, name=name)
    total = float(raw.sum())
    out = raw.astype(float) / total if total > 0 else raw.astype(float)
    return pd.Series(out.to_numpy(), index=[str(i) for i in raw.index], name=name).sort_index()


def ordered_pairs(frame: pd.DataFrame, min_similarity: float = 0.0) -> pd.DataFrame:
    """Similarity rows as one row per unordered pair (node1 < node2), similarity > 0 and >= the minimum,
    sorted by node1, node2."""
    if frame.empty:
        return pd.DataFrame({"node1": pd.Series(dtype=object), "node2": pd.Series(dtype=object),
                             "similarity": pd.Series(dtype=float)})
    f = frame.assign(node1=frame["node1"].astype(str), node2=frame["node2"].astype(str))
    f = f[(f["node1"] < f["node2"]) & (f["similarity"] > 0) & (f["similarity"] >= min_similarity)]
    return f[SIMILARITY_COLUMNS].sort_values(["node1", "node2"], kind="stable").reset_index(drop=True)


def jaccard_pairs(edges: pd.DataFrame, min_similarity: float = 0.0) -> pd.DataFrame:
    """Jaccard similarity of the sources of `edges` over their sets of out-neighbours (unweighted), for
    every pair sharing at least one neighbour: |N(a) & N(b)| / |N(a) | N(b)|."""
    e = pd.DataFrame({"src": edges["src"].astype(str), "dst": edges["dst"].astype(str)}).drop_duplicates()
    if e.empty:
        return ordered_pairs(pd.DataFrame(columns=SIMILARITY_COLUMNS))
    deg = e.groupby("src").size()
    j = e.merge(e, on="dst", suffixes=("1", "2"))
    j = j[j["src1"] < j["src2"]]
    shared = j.groupby(["src1", "src2"], sort=False).size().rename("shared").reset_index()
    union = shared["src1"].map(deg).to_numpy() + shared["src2"].map(deg).to_numpy() - shared["shared"].to_numpy()
    out = pd.DataFrame(
        {"node1": shared["src1"], "node2": shared["src2"], "similarity": shared["shared"].to_numpy() / union}
    )
    return ordered_pairs(out, min_similarity)


def modularity(edges: pd.DataFrame, communities: pd.Series, resolution: float = 1.0) -> float:
    """Newman's modularity of a partition of the undirected weighted graph `edges` (the measure Louvain
    maximises), computed the same way whichever engine found the partition."""
    import networkx as nx

    e = weighted_edges(edges, undirected=True)
    g = nx.Graph()
    g.add_nodes_from(communities.index)
    g.add_weighted_edges_from(e.itertuples(index=False, name=None))
    groups = [set(m.index) for _, m in communities.groupby(communities)]
    return float(nx.community.modularity(g, groups, weight="weight", resolution=resolution))
