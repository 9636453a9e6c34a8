"""Benchmark of `licitagraph detect`: time per detector on worlds of growing size, networkx vs GraphFrames.

Worlds come from the shared table fixture (synth/table_world.py: the planted cases plus honest
filler tenders of 3 items x 4 bids), written as Parquet graph tables. Each detector runs alone on the
same tables; the graph detectors (cobidding, loser_winner) run once per engine. The table is printed and
saved to docs/benchmarks.md between `<!-- detect:start -->` and `<!-- detect:end -->`.

    .venv/bin/python bench/detect.py --sizes 10k,100k [--engines networkx,graphframes] [--no-save]
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

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

BIDS_PER_FILLER_TENDER = 12
START, END = "<!-- detect:start -->", "<!-- detect:end -->"


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
    import pandas as pd

    n_bids = len(pd.read_parquet(tables / "rels" / "BID", columns=["src"]))
    n_tenders = len(pd.read_parquet(tables / "nodes" / "Tender", columns=["id"]))
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


def save(md: str, header: str) -> None:
    path = REPO / "docs" / "benchmarks.md"
    text = (
        path.read_text()
        if path.exists()
        else f"# Benchmarks\n\n## Detectors (`bench/detect.py`)\n{START}\n{END}\n"
    )
    if START not in text or END not in text:
        text += f"\n## Detectors (`bench/detect.py`)\n{START}\n{END}\n"
    before, rest = text.split(START, 1)
    _, after = rest.split(END, 1)
    path.write_text(f"{before}{START}\n{header}\n\n{md}\n{END}{after}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", default="10k,100k", help="bids per world, e.g. 10k,100k,1m")
    ap.add_argument("--engines", default="networkx,graphframes")
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
    rows = run(sizes, [e.strip() for e in args.engines.split(",") if e.strip()], args.root, not args.no_whole)
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


if __name__ == "__main__":
    main()
