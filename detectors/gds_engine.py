"""The Neo4j Graph Data Science engine: the detectors' graph algorithms run inside the database.

It takes the same pandas edge frames as the other engines and projects them into GDS through Cypher
aggregation (`cypher/gds/project_rows.cypher`: the rows as three comma-separated columns, nothing written to
the database), or projects straight from the stored graph (`stored_graph("cobidding" | "shared_links" |
"tenders" | "links")`). Every projected graph gets a unique name and is dropped when the call ends, error or
not. Queries go through `graph.runner` (the library files under `cypher/gds/`), so this module never
touches the driver.

Answers are put in the same canonical form as the other engines' (detectors/graph_common.py): components
and communities labelled by their smallest member id, PageRank divided by its sum (GDS drops the mass of
dangling nodes and does not normalise; the normalised vector is PageRank with that mass spread evenly),
similarity pairs once each with node1 < node2. Algorithms run with concurrency 1 by default, which makes
Louvain deterministic.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import pandas as pd

from detectors.graph_common import (
    PAGERANK_ALPHA,
    canonical_labels,
    coded_edges,
    normalise_scores,
    ordered_pairs,
)

if TYPE_CHECKING:
    from core.settings import Settings
    from graph.runner import QueryRunner

log = logging.getLogger(__name__)

StoredKind = Literal["cobidding", "shared_links", "tenders", "links"]
STORED_KINDS: tuple[str, ...] = ("cobidding", "shared_links", "tenders", "links")
PAGERANK_TOLERANCE = 1e-10
PAGERANK_MAX_ITERATIONS = 1000


class GdsUnavailable(RuntimeError):
    """The Neo4j server has no Graph Data Science library (or does not answer)."""


class _Projection:
    """One projected graph in the GDS catalog and the way back from its node ids to the domain's ids."""

    def __init__(self, engine: GdsEngine, name: str, ids: Callable[[pd.Series], pd.Index], sources: int) -> None:
        self.engine = engine
        self.name = name
        self._ids = ids
        self.sources = sources  # nodes with out-neighbours: node similarity's top-k that keeps every pair

    def _stream(self, query: str, params: Mapping[str, Any] | None = None) -> pd.DataFrame:
        rows = self.engine.runner.read(query, {"graph_name": self.name, **(params or {})})
        return pd.DataFrame(rows[0]) if rows else pd.DataFrame()  # one row of columns

    def connected_components(self) -> pd.Series:
        f = self._stream("gds/stream_wcc", {"concurrency": self.engine.concurrency})
        if f.empty:
            return canonical_labels(pd.Series(dtype=object))
        return canonical_labels(pd.Series(f["label"].to_numpy(), index=self._ids(f["node"])), "component")

    def pagerank(self) -> pd.Series:
        f = self._stream(
            "gds/stream_pagerank",
            {"damping": PAGERANK_ALPHA, "max_iterations": PAGERANK_MAX_ITERATIONS,
             "tolerance": PAGERANK_TOLERANCE, "concurrency": self.engine.concurrency},
        )
        if f.empty:
            return normalise_scores(pd.Series(dtype=float))
        return normalise_scores(pd.Series(f["score"].to_numpy(), index=self._ids(f["node"])))

    def louvain(self) -> pd.Series:
        f = self._stream("gds/stream_louvain", {"concurrency": self.engine.concurrency})
        if f.empty:
            return canonical_labels(pd.Series(dtype=object), "community")
        return canonical_labels(pd.Series(f["label"].to_numpy(), index=self._ids(f["node"])), "community")

    def node_similarity(self, min_similarity: float = 0.0, top_k: int | None = None) -> pd.DataFrame:
        f = self._stream(
            "gds/stream_node_similarity",
            {"cutoff": max(min_similarity, 1e-42), "top_k": max(1, top_k or self.sources),
             "concurrency": self.engine.concurrency},
        )
        if f.empty:
            return ordered_pairs(pd.DataFrame(columns=["node1", "node2", "similarity"]))
        a, b = self._ids(f["node1"]).astype(str), self._ids(f["node2"]).astype(str)
        swap = a > b  # one row per pair came back; put the smaller domain id first
        out = pd.DataFrame({"node1": a.where(~swap, b), "node2": b.where(~swap, a),
                            "similarity": f["similarity"].to_numpy()})
        return ordered_pairs(out, min_similarity)


class GdsEngine:
    """Graph algorithms in Neo4j GDS; the same interface and answers as `NetworkxEngine`."""

    name = "gds"
    backend = "gds"

    def __init__(
        self, settings: Settings | None = None, runner: QueryRunner | None = None, concurrency: int = 1
    ) -> None:
        self._settings = settings
        self._runner = runner
        self._owns_runner = runner is None
        self.concurrency = concurrency
        self.version: str | None = None

    # -- connection --------------------------------------------------------------------------------
    @property
    def runner(self) -> QueryRunner:
        if self._runner is None:
            from graph.runner import Neo4jRunner

            self._runner = Neo4jRunner(self._settings)
            self._owns_runner = True
        if self.version is None:
            self.version = self._check(self._runner)
        return self._runner

    def _check(self, runner: QueryRunner) -> str:
        try:
            rows = runner.read("gds/get_version")
        except Exception as exc:  # the driver's errors are graph/'s business; read the message
            text = str(exc)
            if "gds.version" in text or "Unknown function" in text or "ProcedureNotFound" in text:
                raise GdsUnavailable(self._missing_message(text)) from exc
            if exc.__class__.__name__ in ("Neo4jUnavailable", "Neo4jAuthFailed"):
                raise GdsUnavailable(f"the gds engine needs Neo4j: {exc}") from exc
            raise
        version = str(rows[0]["version"]) if rows else ""
        if not version:
            raise GdsUnavailable(self._missing_message("gds.version() returned nothing"))
        return version

    def _missing_message(self, detail: str) -> str:
        from core.settings import get_settings

        s = self._settings or get_settings()
        return (
            f"the gds engine needs the Neo4j Graph Data Science library, and the server at {s.bolt_uri} has none "
            f"({detail.splitlines()[0][:200]}). Install the GDS plugin there (`licitagraph services up` does "
            "locally; the production image sets NEO4J_PLUGINS), or use --engine networkx"
        )

    def check(self) -> str:
        """The server's GDS version; GdsUnavailable with a clear message when it has none."""
        _ = self.runner
        return self.version or ""

    def close(self) -> None:
        if self._runner is not None and self._owns_runner:
            close = getattr(self._runner, "close", None)
            if close is not None:
                close()
            self._runner = None
            self.version = None

    # -- projections -------------------------------------------------------------------------------
    def _new_name(self, what: str) -> str:
        return f"licitagraph-{what}-{uuid.uuid4().hex[:12]}"

    def _drop(self, name: str) -> None:
        try:
            self.runner.read("gds/drop_graph", {"graph_name": name})
        except Exception:  # never hide the error that brought us here
            log.warning("could not drop the projected graph %s", name, exc_info=True)

    @contextmanager
    def projected(
        self, edges: pd.DataFrame, nodes: list[str] | None = None, *, undirected: bool = False,
        drop_loops: bool = False, weighted: bool = True, project_undirected: bool | None = None,
    ) -> Iterator[_Projection]:
        """`edges` (src, dst, optional weight) projected into GDS under a unique name, dropped on exit.

        Parallel edges are merged first (weights summed, undirected pairs once), as the other engines do;
        `weighted=False` sends no weights (every relationship weighs 1)."""
        c = coded_edges(edges, nodes, undirected=undirected, drop_loops=drop_loops)
        iso = c.isolated
        src = np.concatenate([c.src, iso])
        dst = [*map(str, c.dst.tolist()), *([""] * len(iso))]
        weight = ""
        if weighted and not (c.weight == 1.0).all():  # counts go as integers: shorter to send and to parse
            integral = bool((c.weight == np.round(c.weight)).all() and np.abs(c.weight).max() < 2**53)
            as_text = [str(int(x)) for x in c.weight.tolist()] if integral else [repr(x) for x in c.weight.tolist()]
            weight = ",".join(as_text)
        name = self._new_name("rows")
        runner = self.runner  # connected and checked before anything may need dropping
        try:
            runner.read(
                "gds/project_rows",
                {"graph_name": name, "src": ",".join(map(str, src.tolist())), "dst": ",".join(dst),
                 "weight": weight, "undirected": undirected if project_undirected is None else project_undirected},
            )
            labels = c.labels
            yield _Projection(self, name, lambda ids: pd.Index(labels[ids.to_numpy(dtype="int64")]),
                              sources=len(np.unique(c.src)))
        finally:  # also after a failed projection: the server may have made the graph before the error came
            self._drop(name)

    @contextmanager
    def stored_graph(self, kind: StoredKind, min_shared: int = 1) -> Iterator[_Projection]:
        """A graph projected straight from the stored graph, dropped on exit; answers keyed by supplier id.

        cobidding: suppliers who bid in the same tender; shared_links: suppliers sharing a partner, address,
        phone or e-mail (both undirected, weight = shared tenders or links, pairs below `min_shared` left
        out). tenders / links: each supplier -> its tenders / its partners and contacts, for node_similarity."""
        if kind not in STORED_KINDS:
            raise ValueError(f"unknown stored projection {kind!r}; use one of {', '.join(STORED_KINDS)}")
        name = self._new_name(kind.replace("_", ""))
        if kind in ("cobidding", "shared_links"):
            query, params = f"gds/project_{kind}", {"graph_name": name, "min_shared": min_shared}
        else:
            query, params = "gds/project_supplier_neighbours", {"graph_name": name, "kind": kind}
        runner = self.runner  # connected and checked before anything may need dropping
        try:
            rows = runner.read(query, params)
            if not rows or rows[0].get("graph_name") is None:  # the match found nothing: no graph was made
                yield _EmptyProjection(self, name)
                return
            ids = pd.DataFrame(runner.read("gds/list_graph_nodes", {"graph_name": name}))
            lookup = pd.Series(ids["id"].astype(str).to_numpy(), index=ids["node"].to_numpy())
            yield _Projection(self, name, lambda nid: pd.Index(lookup.reindex(nid.to_numpy()).to_numpy()),
                              sources=int((ids["out_degree"] > 0).sum()))
        finally:
            self._drop(name)

    # -- the engine interface ----------------------------------------------------------------------
    def connected_components(self, edges: pd.DataFrame, nodes: list[str] | None = None) -> pd.Series:
        if edges.empty and not nodes:
            return canonical_labels(pd.Series(dtype=object))
        # pairs merged as undirected, projected one way: GDS WCC ignores direction
        with self.projected(edges[["src", "dst"]], nodes, undirected=True, weighted=False, project_undirected=False) as g:
            return g.connected_components()

    def pagerank(self, edges: pd.DataFrame, nodes: list[str] | None = None) -> pd.Series:
        if edges.empty and not nodes:
            return normalise_scores(pd.Series(dtype=float))
        with self.projected(edges, nodes) as g:
            return g.pagerank()

    def louvain(self, edges: pd.DataFrame, nodes: list[str] | None = None, seed: int = 0) -> pd.Series:
        """`seed` is not used: GDS Louvain has no random seed and is deterministic at concurrency 1."""
        if edges.empty and not nodes:
            return canonical_labels(pd.Series(dtype=object), "community")
        with self.projected(edges, nodes, undirected=True, drop_loops=True) as g:
            return g.louvain()

    def node_similarity(self, edges: pd.DataFrame, min_similarity: float = 0.0) -> pd.DataFrame:
        if edges.empty:
            return ordered_pairs(pd.DataFrame(columns=["node1", "node2", "similarity"]))
        with self.projected(edges[["src", "dst"]], weighted=False) as g:
            return g.node_similarity(min_similarity)


class _EmptyProjection(_Projection):
    """A stored projection that matched nothing: every answer is empty."""

    def __init__(self, engine: GdsEngine, name: str) -> None:
        super().__init__(engine, name, lambda ids: pd.Index([]), sources=0)

    def _stream(self, query: str, params: Mapping[str, Any] | None = None) -> pd.DataFrame:
        return pd.DataFrame()
