"""Benchmark of `licitagraph detect`: time per detector on worlds of growing size, and the graph engines'
steps side by side.

Worlds come from the shared table fixture (synth/table_world.py: the planted cases plus honest
filler tenders of 3 items x 4 bids), written as Parquet graph tables.

`--mode detectors` (default): each detector runs alone on the same tables; the graph detectors (cobidding,
loser_winner) run once per engine. Saved to docs/benchmarks.md between `<!-- detect:start -->` and
`<!-- detect:end -->`.

`--mode engines`: the graph steps of the network detectors on the world's edge sets, once per engine, each
from the pandas edge frame to the pandas answer (the gds engine's projection and drop included): connected
components and Louvain of cobidding's regular pairs (`regular_pairs`: pairs meeting above the Tukey fence),
PageRank of loser_winner's loser -> winner edges of every item, and (`--steps ...,similarity`) Jaccard node
similarity of supplier -> tender. Each answer is compared with networkx's. Saved between
`<!-- detect-engines:start -->` and `<!-- detect-engines:end -->`. The gds engine needs Neo4j with GDS at
the configured address (`licitagraph services up`).

    .venv/bin/python bench/detect.py --sizes 10k,100k [--engines networkx,graphframes] [--no-save]
    .venv/bin/python bench/detect.py --mode engines --sizes 100k,1m [--engines networkx,graphframes,gds]
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

BIDS_PER_FILLER_TENDER = 12
START, END = "<!-- detect:start -->", "<!-- detect:end -->"
ENGINES_START, ENGINES_END = "<!-- detect-engines:start -->", "<!-- detect-engines:end -->"
STEPS = ("wcc", "pagerank", "louvain", "similarity")


NOTES = (
    "Goal: the 1M-bid world scored by the whole `licitagraph detect` in under 10 minutes here (the "
    "**whole** rows: tables read once, every detector, risk combination, findings and risk written). "
    "`spark-dataframes` is the GraphFrames engine's path without the GraphFrames jar (the Maven mirror here "
    "serves no GraphFrames artifact); every Spark call includes job scheduling, which dominates at these "
    "sizes: the Spark engine is for graphs that outgrow one machine. `short_deadline` fires on most filler "
    "tenders of this fixture, which opens proposals 10 calendar days after publication."
)


def parse_size(text: str) -> int:
    text = text.strip().lower()
    mult = {"k": 1_000, "m": 1_000_000}.get(text[-1], 1)
    return int(float(text.rstrip("km")) * mult)


def build(bids: int, root: Path) -> tuple[Path, int, int]:
    from synth.table_world import write_world

    tables = root / f"world-{bids}"
    if not (tables / "nodes" / "Tender").exists():
        shutil.rmtree(tables, ignore_errors=True)
        write_world(tables, filler_tenders=max(0, bids // BIDS_PER_FILLER_TENDER))
    from core.delta import read_table

    n_bids = read_table(tables, "rels/BID", columns=["src"]).num_rows
    n_tenders = read_table(tables, "nodes/Tender", columns=["id"]).num_rows
    return tables, n_bids, n_tenders


def run(sizes: list[int], engines: list[str], root: Path, whole: bool = True) -> list[dict[str, object]]:
    from detectors.base import GraphTables
    from detectors.graph_engines import get_engine
    from detectors.registry import DETECTORS

    rows: list[dict[str, object]] = []
    for size in sizes:
        tables_dir, n_bids, n_tenders = build(size, root)
        for det_cls in DETECTORS:
            det = det_cls()
            for engine_name in engines if det.needs_graph_engine else ["-"]:
                tables = GraphTables.from_dir(tables_dir)  # fresh: reading Parquet counts
                engine = get_engine(engine_name) if engine_name != "-" else None
                t0 = time.perf_counter()
                found = det.run(tables, det.config(), engine=engine)
                dt = time.perf_counter() - t0
                backend = getattr(engine, "backend", engine_name)
                rows.append(
                    {
                        "bids": n_bids,
                        "tenders": n_tenders,
                        "detector": det.code,
                        "engine": backend,
                        "seconds": dt,
                        "findings": len(found),
                    }
                )
                print(
                    f"{n_bids:>9,} bids  {det.code:<18} {backend:<17} {dt:8.2f} s  {len(found):>6} findings",
                    flush=True,
                )
        if whole:
            rows.append(run_whole(tables_dir, n_bids, n_tenders))
    return rows


def run_whole(tables_dir: Path, n_bids: int, n_tenders: int) -> dict[str, object]:
    """What `licitagraph detect` does (networkx, the default): every detector in one process, the tables
    read once, then the risk combination and the findings and risk tables written."""
    from detectors.run import run_detectors

    t0 = time.perf_counter()
    res = run_detectors(tables_dir, engine="networkx", write=True)
    dt = time.perf_counter() - t0
    print(f"{n_bids:>9,} bids  licitagraph detect (all)  {dt:8.2f} s  {len(res.findings):>6} findings", flush=True)
    return {"bids": n_bids, "tenders": n_tenders, "detector": "**whole `licitagraph detect`** (read, all "
            "detectors, risk, write)", "engine": "networkx", "seconds": dt, "findings": len(res.findings)}


def table_md(rows: list[dict[str, object]]) -> str:
    lines = [
        "| bids | tenders | detector | engine | seconds | findings |",
        "| ---: | ---: | --- | --- | ---: | ---: |",
    ]
    for r in rows:
        lines.append(
            f"| {r['bids']:,} | {r['tenders']:,} | {r['detector']} | {r['engine']} | {r['seconds']:.2f} | {r['findings']:,} |"
        )
    return "\n".join(lines)


def save(md: str, header: str, start: str = START, end: str = END) -> None:
    from bench.docblock import replace_block

    replace_block(f"{start}\n{header}\n\n{md}\n{end}", REPO / "docs" / "benchmarks.md", start, end)


def engine_edges(tables_dir: Path) -> dict[str, Any]:
    """The network detectors' edge sets of a world, as the detectors build them."""
    from detectors.base import GraphTables, bids_with_tender
    from detectors.cobidding import regular_pairs
    from detectors.loser_winner import loser_winner_edges

    tables = GraphTables.from_dir(tables_dir)
    bids = bids_with_tender(tables)
    regular, cut = regular_pairs(bids)
    return {
        "regular": regular[["src", "dst", "weight"]],
        "min_cobids": cut,
        "loser_winner": loser_winner_edges(bids),
        "supplier_tender": bids[["supplier", "tender"]].drop_duplicates().set_axis(["src", "dst"], axis=1),
    }


def _timed(fn: Any) -> tuple[Any, float]:
    t0 = time.perf_counter()
    out = fn()
    return out, time.perf_counter() - t0


def _agreement(step: str, got: Any, ref: Any, edges: Any) -> str:
    """How an engine's answer compares with networkx's (the reference)."""
    if ref is None:
        return "reference"
    if step == "wcc":
        return "identical" if got.equals(ref) else f"DIFFERENT ({(got != ref.reindex(got.index)).sum()} nodes)"
    if step == "pagerank":
        d = float((got - ref.reindex(got.index)).abs().max())
        return f"max abs diff {d:.1e}"
    if step == "louvain":
        from sklearn.metrics import adjusted_rand_score

        from detectors.graph_common import modularity

        same = "identical" if got.equals(ref) else f"ARI {adjusted_rand_score(ref, got.reindex(ref.index)):.3f}"
        return f"{same}; modularity {modularity(edges, got):.4f} vs {modularity(edges, ref):.4f}"
    if step == "similarity":
        if not got[["node1", "node2"]].equals(ref[["node1", "node2"]]):
            return "DIFFERENT pairs"
        return f"same pairs, max diff {float((got['similarity'] - ref['similarity']).abs().max()):.1e}"
    return "-"


def run_engines(sizes: list[int], engines: list[str], root: Path, steps: list[str],
                max_spark_bids: int = 200_000, max_similarity_bids: int = 200_000,
                repeat: int = 1) -> list[dict[str, object]]:
    """Each step per engine `repeat` times, the best time kept (graphframes once: minutes a step)."""
    from detectors.graph_engines import get_engine

    engine_objs: dict[str, Any] = {}
    for name in sorted(engines, key=lambda n: n != "networkx"):  # networkx first: the reference  # started before the clock: a Spark session, a Neo4j connection
        engine_objs[name] = get_engine(name)
        if name == "gds":
            engine_objs[name].check()
        elif name == "graphframes":
            engine_objs[name]._has_graphframes()  # starts the session, settles `backend`
    rows: list[dict[str, object]] = []
    for size in sizes:
        tables_dir, n_bids, _ = build(size, root)
        e = engine_edges(tables_dir)
        work = {
            "wcc": ("regular", lambda eng, x: eng.connected_components(x)),
            "pagerank": ("loser_winner", lambda eng, x: eng.pagerank(x)),
            "louvain": ("regular", lambda eng, x: eng.louvain(x)),
            "similarity": ("supplier_tender", lambda eng, x: eng.node_similarity(x)),
        }
        refs: dict[str, Any] = {}
        for step in steps:
            if step == "similarity" and n_bids > max_similarity_bids:
                print(f"{n_bids:>9,} bids  similarity skipped (--max-similarity-bids)", flush=True)
                continue
            edge_set, fn = work[step]
            edges = e[edge_set]
            for name, engine in engine_objs.items():
                if name == "graphframes" and n_bids > max_spark_bids:
                    continue
                times = []
                for _ in range(1 if name == "graphframes" else max(1, repeat)):
                    got, dt = _timed(lambda fn=fn, engine=engine, edges=edges: fn(engine, edges))
                    times.append(dt)
                dt = min(times)
                agree = _agreement(step, got, refs.get(step), edges)
                refs.setdefault(step, got)
                backend = getattr(engine, "backend", name)
                rows.append({"bids": n_bids, "step": step, "edges": len(edges), "engine": backend,
                             "seconds": dt, "agreement": agree})
                print(f"{n_bids:>9,} bids  {step:<10} {len(edges):>9,} edges  {backend:<17} {dt:8.2f} s  {agree}",
                      flush=True)
    for engine in engine_objs.values():
        close = getattr(engine, "close", None)
        if close is not None:
            close()
    return rows


def engines_md(rows: list[dict[str, object]]) -> str:
    lines = [
        "| bids | step | edges | engine | seconds | x fastest | answer vs networkx |",
        "| ---: | --- | ---: | --- | ---: | ---: | --- |",
    ]
    best: dict[tuple[object, object], float] = {}
    for r in rows:
        key = (r["bids"], r["step"])
        best[key] = min(best.get(key, float("inf")), float(r["seconds"]))  # type: ignore[arg-type]
    for r in rows:
        ratio = float(r["seconds"]) / max(best[(r["bids"], r["step"])], 1e-9)  # type: ignore[arg-type]
        lines.append(
            f"| {r['bids']:,} | {r['step']} | {r['edges']:,} | {r['engine']} | {r['seconds']:.2f} | "
            f"{ratio:.1f} | {r['agreement']} |"
        )
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--mode", choices=("detectors", "engines"), default="detectors")
    ap.add_argument("--sizes", default="10k,100k", help="bids per world, e.g. 10k,100k,1m")
    ap.add_argument("--engines", default=None, help="default: networkx,graphframes (detectors), "
                    "networkx,graphframes,gds (engines)")
    ap.add_argument("--steps", default="wcc,pagerank,louvain", help=f"engines mode: some of {','.join(STEPS)}")
    ap.add_argument("--repeat", type=int, default=3, help="engines mode: runs per step, the best kept")
    ap.add_argument("--max-spark-bids", type=parse_size, default=200_000,
                    help="engines mode: graphframes only on worlds up to this many bids (it takes minutes a step)")
    ap.add_argument("--max-similarity-bids", type=parse_size, default=200_000,
                    help="engines mode: similarity only up to this many bids (all pairs: GDS wants heap ~ suppliers^2)")
    ap.add_argument("--root", type=Path, default=REPO / "var" / "bench" / "detect")
    ap.add_argument("--no-save", action="store_true")
    ap.add_argument("--no-whole", action="store_true", help="skip the whole `licitagraph detect` run per size")
    args = ap.parse_args()
    os.environ.setdefault("LICITAGRAPH_SPARK_MASTER", "local[2]")
    os.environ.setdefault("LICITAGRAPH_SPARK_DRIVER_MEMORY", "2g")
    import logging

    logging.basicConfig(level=logging.WARNING)
    load_before = os.getloadavg()[0]
    sizes = [parse_size(s) for s in args.sizes.split(",") if s.strip()]
    if args.mode == "engines":
        main_engines(args, sizes, load_before)
        return
    engines = args.engines or "networkx,graphframes"
    rows = run(sizes, [e.strip() for e in engines.split(",") if e.strip()], args.root, not args.no_whole)
    md = table_md(rows)
    print(md)
    if not args.no_save:
        header = (
            f"Run {datetime.now(UTC):%Y-%m-%d %H:%M} UTC on {platform.node()} ({os.cpu_count()} CPUs, shared; load "
            f"average {load_before:.1f} before, {os.getloadavg()[0]:.1f} after), "
            "worlds of synth/table_world.py (planted cases + honest filler). Each detector alone, "
            "reading its tables from Parquet; graph detectors once per engine (`spark-dataframes` = the "
            "GraphFrames engine without the GraphFrames jar, which the Maven mirror here does not serve)."
        )
        save(md, header + "\n\n" + NOTES)


def main_engines(args: argparse.Namespace, sizes: list[int], load_before: float) -> None:
    from core.settings import get_settings

    engines = [e.strip() for e in (args.engines or "networkx,graphframes,gds").split(",") if e.strip()]
    steps = [s.strip() for s in args.steps.split(",") if s.strip()]
    unknown = set(steps) - set(STEPS)
    if unknown:
        raise SystemExit(f"unknown step(s) {sorted(unknown)}; use {', '.join(STEPS)}")
    rows = run_engines(sizes, engines, args.root, steps, args.max_spark_bids, args.max_similarity_bids, args.repeat)
    md = engines_md(rows)
    print(md)
    if not args.no_save:
        header = (
            f"Run {datetime.now(UTC):%Y-%m-%d %H:%M} UTC on {platform.node()} ({os.cpu_count()} CPUs, shared; load "
            f"average {load_before:.1f} before, {os.getloadavg()[0]:.1f} after; Spark {get_settings().spark_master}; "
            f"Neo4j heap {get_settings().neo4j_heap}), worlds of synth/table_world.py. Each row: one engine from "
            f"the pandas edge frame to the pandas answer, best of {args.repeat} runs (graphframes: one run); gds: "
            "projection by Cypher aggregation, algorithm at concurrency 1, stream, drop. wcc and louvain: cobidding's regular pairs; pagerank: loser -> winner "
            "edges of every item; similarity: supplier -> tender. graphframes and similarity run on the small world "
            "only (`--max-spark-bids`, `--max-similarity-bids`). The filler is random (no community structure), "
            "so Louvain's partitions differ between engines at close modularity; see docs/detectors/README.md, "
            "Graph engines."
        )
        save(md, header, ENGINES_START, ENGINES_END)


if __name__ == "__main__":
    main()
