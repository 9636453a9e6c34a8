"""Load benchmark: graph tables -> Neo4j by each load path, side by side, on synthetic worlds.

    .venv/bin/python bench/load.py --sizes 10k            # also 100k, 1M (bids)
    .venv/bin/python bench/load.py --sizes 10k --paths driver,admin

Paths (each starts from an empty database of a separate bench instance, var/bench, bolt 27687, so the
demo and test instances are untouched):
- default: what `licitagraph load` picks by itself (--method auto, graph/first_load.py): neo4j-admin import
          for a first load of >= 1M rows into the empty, locally managed database, else the driver.
- driver: graph.loader (Python driver, batched UNWIND; CREATE for a table whose label or type is still
          empty, MERGE otherwise), constraints first, other indexes after.
- spark:  the Neo4j Spark connector (org.neo4j:neo4j-connector-apache-spark_2.12:5.0.0_for_spark_3)
          through etl.spark.get_spark, MERGE on keys; session start-up not counted.
- admin:  Parquet -> CSV (graph.admin_import), `neo4j-admin database import full` into the stopped
          server, start, then the constraints and indexes (graph init); all counted.
- incremental: after the driver load, a day's new data (about 1% more bids, new part files) loaded by
          `Loader` (unchanged files skipped by their checkpoints), reconciliation included.
Every path ends with an exact reconciliation (not counted). Results: a table on stdout and in
docs/benchmarks.md between `<!-- load:start -->` and `<!-- load:end -->`.
"""

from __future__ import annotations

import argparse
import logging
import os
import platform
import shutil
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from pydantic import SecretStr  # noqa: E402

from bench.docblock import replace_block  # noqa: E402
from core.settings import Settings  # noqa: E402
from core.tables import NODE_TABLES, REL_TABLES  # noqa: E402

log = logging.getLogger("bench.load")
CONNECTOR = "org.neo4j:neo4j-connector-apache-spark_2.12:5.0.0_for_spark_3"
MARK_START, MARK_END = "<!-- load:start -->", "<!-- load:end -->"


@dataclass
class Result:
    size: str
    path: str
    nodes: int
    rels: int
    seconds: float
    node_seconds: float | None = None
    rel_seconds: float | None = None
    ok: bool = True
    note: str = ""
    cpu: float | None = None

    @property
    def entities_per_s(self) -> float:
        return (self.nodes + self.rels) / self.seconds if self.seconds else 0.0


_TICK = os.sysconf("SC_CLK_TCK")



def _spark_read(spark: Any, tables: Path, rel: str) -> Any:
    """A table of a tables folder in Spark: the files of the version the latest ETL run pins (a Delta
    table), or a plain Parquet folder whole."""
    from etl.versions import read_spark

    return read_spark(spark, tables, rel)


def proc_cpu(pid: int | None) -> float:
    """CPU seconds (user + system) a live process has used, from /proc."""
    if not pid:
        return 0.0
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / _TICK


def child_pids() -> list[int]:
    out = []
    me = str(os.getpid())
    for d in Path("/proc").iterdir():
        if d.name.isdigit():
            try:
                if (d / "stat").read_text().rsplit(")", 1)[1].split()[1] == me:
                    out.append(int(d.name))
            except (OSError, IndexError):
                continue
    return out


def own_cpu() -> float:
    """This process and its waited-for children (the neo4j-admin JVM), CPU seconds."""
    import resource

    a, b = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return a.ru_utime + a.ru_stime + b.ru_utime + b.ru_stime


class CpuMeter:
    """CPU seconds spent by this process, its children and the Neo4j server while a path runs: on a
    shared, overloaded machine this is the comparable number, wall time is not."""

    def __init__(self, bs: BenchServer, live_children: bool = False) -> None:
        self.bs = bs
        self.live_children = live_children
        self.server_pid = bs.server.proc.read_pid()
        self.t0 = own_cpu() + proc_cpu(self.server_pid) + self._children()

    def _children(self) -> float:
        return sum(proc_cpu(p) for p in child_pids()) if self.live_children else 0.0

    def seconds(self) -> float:
        pid = self.bs.server.proc.read_pid()
        server = proc_cpu(pid)
        if pid != self.server_pid:  # restarted (admin path): the new server's whole CPU counts
            self.t0 -= proc_cpu(self.server_pid)
        return own_cpu() + server + self._children() - self.t0


def parse_size(s: str) -> int:
    s = s.strip().lower()
    mult = {"k": 1_000, "m": 1_000_000}.get(s[-1], 1)
    return int(float(s[:-1] if s[-1] in "km" else s) * mult)


def bench_settings() -> Settings:
    return Settings(
        var_dir=REPO / "var" / "bench", neo4j_bolt_port=int(os.environ.get("BENCH_NEO4J_BOLT_PORT", "27687")),
        neo4j_http_port=int(os.environ.get("BENCH_NEO4J_HTTP_PORT", "27474")),
        neo4j_password=SecretStr("licitagraph-bench"), neo4j_heap=os.environ.get("BENCH_NEO4J_HEAP", "1g"),
        neo4j_pagecache=os.environ.get("BENCH_NEO4J_PAGECACHE", "512m"), environment="local",
    )


class BenchServer:
    def __init__(self, settings: Settings) -> None:
        from services.neo4j_server import Neo4jServer, ensure_installed

        self.settings = settings
        self.server = Neo4jServer(settings)
        self.install = ensure_installed(settings)

    def empty(self) -> None:
        """Stop, drop the `neo4j` store, start: an empty database in seconds."""
        self.server.stop()
        data = self.settings.neo4j_dir / "data"
        for d in (data / "databases" / "neo4j", data / "transactions" / "neo4j"):
            shutil.rmtree(d, ignore_errors=True)
        self.server.start()

    def stop(self) -> None:
        self.server.stop()


def _rows_by_kind(tables: Path) -> tuple[int, int]:
    from graph.loader import count_rows

    counts = count_rows(tables)
    nodes = sum(counts.get(t.name, 0) for t in NODE_TABLES)
    return nodes, sum(counts.get(t.name, 0) for t in REL_TABLES)


def _reconciled(settings: Settings, tables: Path) -> bool:
    from graph.reconcile import reconcile
    from graph.runner import Neo4jRunner

    with Neo4jRunner(settings) as r:
        bad = [x for x in reconcile(r, tables) if not x.ok]
    for x in bad:
        log.error("reconciliation: %s", x)
    return not bad


def run_driver(settings: Settings, tables: Path, size: str, batch_size: int) -> Result:
    from graph.loader import Loader, init_schema
    from graph.runner import Neo4jRunner

    nodes, rels = _rows_by_kind(tables)
    t0 = time.monotonic()
    with Neo4jRunner(settings) as r:
        init_schema(r, "constraints")
        rep = Loader(r, batch_size=batch_size, full=True).load(tables)
        init_schema(r, "indexes")
    secs = time.monotonic() - t0
    ns = sum(t.seconds for t in rep.tables if t.kind == "node")
    rs = sum(t.seconds for t in rep.tables if t.kind == "rel")
    return Result(size, "driver (UNWIND/MERGE)", nodes, rels, secs, ns, rs, _reconciled(settings, tables),
                  f"batch {batch_size}")


def run_default(settings: Settings, tables: Path, size: str, batch_size: int) -> Result:
    """What `licitagraph load` does on its own (`--method auto`, graph/first_load.py): neo4j-admin import for
    a large first load into the empty bench database, else the driver."""
    from graph.first_load import admin_load, choose

    t0 = time.monotonic()
    decision = choose(settings, tables, "auto")
    if decision.method == "driver":
        res = run_driver(settings, tables, size, batch_size)
        res.path, res.note = "default: licitagraph load (driver)", "; ".join(decision.reasons)
        return res
    nodes, rels = _rows_by_kind(tables)
    admin_load(settings, tables)
    return Result(size, "default: licitagraph load (admin import)", nodes, rels, time.monotonic() - t0, None, None,
                  _reconciled(settings, tables), "auto: empty managed database, "
                  f">= {settings.neo4j_admin_import_min_rows:,} rows; import, restart, schema, file checkpoints")


def run_incremental(settings: Settings, tables: Path, size: str, base_tenders: int) -> Result:
    from graph.loader import Loader
    from graph.reconcile import reconcile
    from graph.runner import Neo4jRunner
    from synth.table_world import build_increment, build_world

    base = build_world(base_tenders)
    inc = build_increment(base, max(1, base_tenders // 100))
    counts = inc.write(tables, prefix="day-20261125", only_filled=True)
    nodes = sum(counts.get(t.name, 0) for t in NODE_TABLES)
    rels = sum(counts.get(t.name, 0) for t in REL_TABLES)
    t0 = time.monotonic()
    with Neo4jRunner(settings) as r:
        rep = Loader(r).load(tables)
        load_s = time.monotonic() - t0
        ok = all(x.ok for x in reconcile(r, tables))
    secs = time.monotonic() - t0
    assert rep.rows("node") == nodes and rep.rows("rel") == rels, (rep.rows("node"), nodes, rep.rows("rel"), rels)
    return Result(size, "incremental day (driver)", nodes, rels, secs, None, None, ok,
                  f"load {load_s:.1f}s + full reconciliation {secs - load_s:.1f}s")


def run_admin(bs: BenchServer, tables: Path, size: str) -> Result:
    from graph.admin_import import run_import, write_import_files
    from graph.loader import init_schema
    from graph.runner import Neo4jRunner

    nodes, rels = _rows_by_kind(tables)
    work = Path(tempfile.mkdtemp(prefix="lg-import-"))
    try:
        t0 = time.monotonic()
        files = write_import_files(tables, work)
        t_csv = time.monotonic() - t0
        bs.server.stop()
        t1 = time.monotonic()
        run_import(files, neo4j_home=bs.settings.neo4j_dir, lib=bs.install.lib)
        t_imp = time.monotonic() - t1
        t2 = time.monotonic()
        bs.server.start()
        t_start = time.monotonic() - t2
        t3 = time.monotonic()
        with Neo4jRunner(bs.settings) as r:
            init_schema(r)
        t_schema = time.monotonic() - t3
        secs = time.monotonic() - t0
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return Result(size, "neo4j-admin import", nodes, rels, secs, None, None, _reconciled(bs.settings, tables),
                  f"csv {t_csv:.1f}s, import {t_imp:.1f}s, restart {t_start:.1f}s, schema {t_schema:.1f}s")


def run_spark(settings: Settings, tables: Path, size: str) -> Result:
    from etl.spark import get_spark
    from graph.loader import init_schema
    from graph.runner import Neo4jRunner

    nodes, rels = _rows_by_kind(tables)
    spark = get_spark(app_name="bench-load", master="local[2]", driver_memory="2g", packages=[CONNECTOR])
    spark.sparkContext.setLogLevel("ERROR")
    opts = {"url": settings.bolt_uri, "authentication.type": "basic",
            "authentication.basic.username": settings.neo4j_user,
            "authentication.basic.password": settings.neo4j_secret, "batch.size": "5000"}
    try:
        t0 = time.monotonic()
        with Neo4jRunner(settings) as r:
            init_schema(r, "constraints")
        for spec in NODE_TABLES:
            d = tables / spec.path
            if not d.exists():
                continue
            (_spark_read(spark, tables, spec.path).coalesce(1).write.format("org.neo4j.spark.DataSource").mode("Overwrite")
             .options(**opts).option("labels", f":{spec.name}").option("node.keys", "id").save())
        t_nodes = time.monotonic() - t0
        for spec in REL_TABLES:
            d = tables / spec.path
            if not d.exists():
                continue
            df = _spark_read(spark, tables, spec.path)
            props = [c for c in df.columns if c not in ("src", "dst", "src_label", "dst_label")]
            pairs = [(r["src_label"], r["dst_label"]) for r in df.select("src_label", "dst_label").distinct().collect()]
            for s, t in pairs:
                if s not in spec.src_labels or t not in spec.dst_labels:
                    raise ValueError(f"{spec.name} {s}->{t} not allowed")
                sub = df.where((df.src_label == s) & (df.dst_label == t)).drop("src_label", "dst_label").coalesce(1)
                w = (sub.write.format("org.neo4j.spark.DataSource").mode("Overwrite").options(**opts)
                     .option("relationship", spec.name).option("relationship.save.strategy", "keys")
                     .option("relationship.source.labels", f":{s}").option("relationship.source.save.mode", "Match")
                     .option("relationship.source.node.keys", "src:id")
                     .option("relationship.target.labels", f":{t}").option("relationship.target.save.mode", "Match")
                     .option("relationship.target.node.keys", "dst:id"))
                if props:
                    w = w.option("relationship.properties", ",".join(props))
                w.save()
        with Neo4jRunner(settings) as r:
            init_schema(r, "indexes")
        secs = time.monotonic() - t0
    finally:
        spark.stop()
    return Result(size, "spark connector 5.0.0", nodes, rels, secs, t_nodes, secs - t_nodes,
                  _reconciled(settings, tables), "coalesce(1), batch 5000; wall excludes the session start, CPU includes it")


def _previous_rows(path: Path) -> list[str]:
    """Table rows of the existing block, so that a run measuring some sizes/paths keeps the others."""
    if not path.exists():
        return []
    text = path.read_text(encoding="utf-8")
    if MARK_START not in text or MARK_END not in text:
        return []
    block = text.split(MARK_START, 1)[1].split(MARK_END, 1)[0]
    return [ln for ln in block.splitlines()
            if ln.startswith("| ") and not ln.startswith(("| bids", "| ---"))]


def render(results: list[Result], started: str, previous: list[str] | None = None) -> str:
    admin = {r.size: r.seconds for r in results if r.path.startswith("neo4j-admin")}
    admin_cpu = {r.size: r.cpu for r in results if r.path.startswith("neo4j-admin") and r.cpu}
    lines = [
        MARK_START,
        "## Load paths (bench/load.py)",
        "",
        f"Run {started} on {platform.node()} ({os.cpu_count()} CPUs, shared), Neo4j 5.26 Community, heap "
        f"{os.environ.get('BENCH_NEO4J_HEAP', '1g')}, page cache {os.environ.get('BENCH_NEO4J_PAGECACHE', '512m')}; "
        "fixture-generator worlds (synth/table_world.py). Each path starts from an empty database; "
        "`ok` = exact reconciliation afterwards. nodes/s and rels/s use the node and relationship phases where "
        "the path has them, else the whole time. The machine is shared and overloaded (load average far above "
        "its CPU count), so wall times vary run to run; `CPU s` (CPU seconds of the loader, its child "
        "processes and the Neo4j server during the path, restart included for the admin import) is the "
        "steadier comparison.",
        "",
        "| bids | path | nodes | rels | total s | nodes/s | rels/s | x admin | CPU s | x admin (CPU) | ok | note |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- | --- |",
    ]
    measured = {(r.size, r.path) for r in results}
    kept = [ln for ln in previous or []
            if tuple(c.strip() for c in ln.strip("|").split("|")[:2]) not in measured]
    rows: list[tuple[int, str, str]] = []
    for ln in kept:
        cells = [c.strip() for c in ln.strip().strip("|").split("|")]
        if len(cells) != 12:  # a row of an older layout
            continue
        if "earlier run" not in cells[-1]:
            cells[-1] = (cells[-1] + "; earlier run").lstrip("; ")
        rows.append((parse_size(cells[0]), cells[1], "| " + " | ".join(cells) + " |"))
    for r in results:
        ns = r.nodes / (r.node_seconds or r.seconds) if r.seconds else 0
        rs = r.rels / (r.rel_seconds or r.seconds) if r.seconds else 0
        x = f"{r.seconds / admin[r.size]:.2f}" if r.size in admin and "incremental" not in r.path else ""
        xc = (f"{r.cpu / admin_cpu[r.size]:.2f}" if r.cpu and admin_cpu.get(r.size) and "incremental" not in r.path
              else "")
        cpu = f"{r.cpu:.1f}" if r.cpu else ""
        rows.append((parse_size(r.size), r.path,
                     f"| {r.size} | {r.path} | {r.nodes:,} | {r.rels:,} | {r.seconds:.1f} | {ns:,.0f} | {rs:,.0f} | "
                     f"{x} | {cpu} | {xc} | {'yes' if r.ok else 'NO'} | {r.note} |"))
    order = ["neo4j-admin", "driver", "spark", "incremental"]
    rows.sort(key=lambda t: (t[0], next((i for i, o in enumerate(order) if t[1].startswith(o)), 9)))
    lines += [ln for _, _, ln in rows]
    lines += ["", MARK_END]
    return "\n".join(lines)


def save(block: str, path: Path) -> None:
    replace_block(block, path, MARK_START, MARK_END)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", default="10k", help="comma-separated bid counts: 10k,100k,1M")
    ap.add_argument("--paths", default="admin,default,driver,spark,incremental")
    ap.add_argument("--batch-size", type=int, default=5000)
    ap.add_argument("--out", type=Path, default=REPO / "docs" / "benchmarks.md")
    ap.add_argument("--keep-server", action="store_true", help="leave the bench Neo4j running")
    args = ap.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s: %(message)s")
    for noisy in ("neo4j", "py4j"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    from synth.table_world import write_world

    paths = [p.strip() for p in args.paths.split(",") if p.strip()]
    settings = bench_settings()
    bs = BenchServer(settings)
    started = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    results: list[Result] = []
    previous = _previous_rows(args.out)
    try:
        for size in [s.strip() for s in args.sizes.split(",") if s.strip()]:
            n_bids = parse_size(size)
            filler = max(1, n_bids // 12)
            tables = Path(tempfile.mkdtemp(prefix=f"lg-bench-{size}-")) / "tables"
            t0 = time.monotonic()
            write_world(tables, filler_tenders=filler, rows_per_file=50_000)
            log.info("world %s: %s in %.1fs", size, _rows_by_kind(tables), time.monotonic() - t0)
            try:
                for path in ("admin", "default", "driver", "spark"):
                    if path not in paths:
                        continue
                    bs.empty()  # every path starts from an empty database
                    log.info("%s: %s", size, path)
                    meter = CpuMeter(bs, live_children=path == "spark")
                    try:
                        if path == "admin":
                            res = run_admin(bs, tables, size)
                        elif path == "driver":
                            res = run_driver(settings, tables, size, args.batch_size)
                        elif path == "default":
                            res = run_default(settings, tables, size, args.batch_size)
                        else:
                            res = run_spark(settings, tables, size)
                    except Exception as exc:  # a failing path is a result, not the end of the run
                        log.exception("%s failed", path)
                        res = Result(size, path, 0, 0, 0.0, ok=False, note=f"failed: {str(exc)[:120]}")
                    res.cpu = res.cpu or meter.seconds()
                    results.append(res)
                    log.info("%s", res)
                    save(render(results, started, previous), args.out)  # keep what is measured so far
                if "incremental" in paths:
                    bs.empty()
                    run_driver(settings, tables, size, args.batch_size)  # the base, not reported
                    meter = CpuMeter(bs)
                    res = run_incremental(settings, tables, size, filler)
                    res.cpu = meter.seconds()
                    results.append(res)
                    log.info("%s", res)
                    save(render(results, started, previous), args.out)
            finally:
                shutil.rmtree(tables.parent, ignore_errors=True)
    finally:
        if not args.keep_server:
            bs.stop()
    block = render(results, started, previous)
    print(block)
    save(block, args.out)
    return 0 if all(r.ok for r in results) else 1


if __name__ == "__main__":
    raise SystemExit(main())
