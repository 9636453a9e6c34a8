"""Whole-pipeline benchmark: raw source files to alert emails, on synthetic worlds (10k, 100k, 1M bids).

Issue 15's goal: the 1M-bid world from its raw files to the alert emails in under 10 minutes. For each size
the synthetic generator (`synth.generate`) writes a sources folder (bench/etl.py's `world`, cached under
--root), the bench Neo4j is emptied, and a scheduled run goes through the functions the Celery tasks call:

- `pipeline.run.run_pipeline` on a recorded `:PipelineRun` with the steps etl, load, detect and gnn (the body
  of the `run_pipeline` task: step_etl, step_load, step_detect, step_gnn; gnn reports itself skipped when
  the models folder holds no checkpoint);
- `alerts.notify.match_alerts` (the `match_alerts` task), then `alerts.notify.deliver` for each recipient
  owed something, with the per-recipient Redis lock (the `send_alert_email` task), to a real SMTP server
  (aiosmtpd in this process) that counts the messages it accepts.

No Celery worker or broker: the task bodies are called directly and in order in this process, so the queue's
hand-offs between tasks are not counted. Redis (the project's redis-server) is started only for the delivery
lock. Servers: the bench Neo4j of bench/load.py (var/bench, bolt 27687 or BENCH_NEO4J_BOLT_PORT, heap
BENCH_NEO4J_HEAP), Redis on BENCH_REDIS_PORT (27379) and SMTP on BENCH_SMTP_PORT (27025), so the demo and
test instances are untouched; starting them is not counted, and they are stopped at the end unless
--keep-servers. Spark's session is started once before the first world (its own row, not in any total).

Models: the steps read the screens model, the risk weights and the GNN checkpoints from the models folder of
the settings; --models copies a models folder (default: the configured install's var/models) into the
bench's before the runs. Alert subscriptions: --subscribers of the demo's form (every agency and detector,
findings of score >= --min-risk, by default the demo's 0.6), each a recipient of one email.

Per stage: wall seconds, records and records/s (what the stage processes: see the paragraph under the table
in docs/benchmarks.md), peak RSS of this process tree (Python and the Spark JVM; Neo4j and Redis left out)
and of the Neo4j server, sampled every 0.2 s. The table is printed and saved to docs/benchmarks.md between
`<!-- pipeline:start -->` and `<!-- pipeline:end -->`; rows of sizes not measured in this run are kept,
marked "earlier run".

    .venv/bin/python bench/pipeline.py --sizes 10k [--root var/bench/pipeline] [--models var/models] [--no-save]
"""

from __future__ import annotations

import argparse
import logging
import os
import platform
import shutil
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from bench.etl import PeakMemory, label, parse_size, rss_of, world  # noqa: E402

log = logging.getLogger("bench.pipeline")
START, END = "<!-- pipeline:start -->", "<!-- pipeline:end -->"
PIPELINE_STEPS = ("etl", "load", "detect", "gnn")
# the order of a scheduled run (pipeline.tasks.SCHEDULED_STEPS without harvest: the raw files are already here)
RUN_STEPS = [*PIPELINE_STEPS, "alerts"]
COLUMNS = ("size", "bids", "stage", "seconds", "records", "records/s", "peak MB", "Neo4j MB", "result")
EARLIER = "earlier run"


@dataclass
class Row:
    size: str
    bids: int
    stage: str
    seconds: float
    records: int | None = None
    peak_mb: float | None = None
    neo4j_mb: float | None = None
    result: str = ""


# the table ------------------------------------------------------------------------------------------
def row_line(r: Row) -> str:
    records = "" if r.records is None else f"{r.records:,}"
    rate = "" if r.records is None or r.seconds <= 0 else f"{r.records / r.seconds:,.0f}"
    peak = "" if r.peak_mb is None else f"{r.peak_mb:,.0f}"
    neo = "" if r.neo4j_mb is None else f"{r.neo4j_mb:,.0f}"
    cells = [r.size, f"{r.bids:,}", r.stage, f"{r.seconds:.1f}", records, rate, peak, neo, r.result]
    return "| " + " | ".join(cells) + " |"


def previous_rows(doc: str) -> list[str]:
    """The table rows of the saved block, so that a run of some sizes keeps the others."""
    if START not in doc or END not in doc:
        return []
    block = doc.split(START, 1)[1].split(END, 1)[0]
    return [ln for ln in block.splitlines() if ln.startswith("| ") and not ln.startswith(("| size ", "| ---"))]


def _cells(line: str) -> list[str]:
    return [c.strip() for c in line.strip().strip("|").split("|")]


def render(rows: list[Row], header: str, previous: list[str] | None = None) -> str:
    """The whole block, markers included: `header`, then the table of `rows` and of the previous rows whose
    size this run did not measure (marked as an earlier run), smallest size first."""
    measured = {r.size for r in rows}
    groups: dict[str, list[str]] = {}
    for ln in previous or []:
        cells = _cells(ln)
        if len(cells) != len(COLUMNS) or cells[0] in measured:
            continue
        if EARLIER not in cells[-1]:
            cells[-1] = f"{cells[-1]}; {EARLIER}".lstrip("; ")
        groups.setdefault(cells[0], []).append("| " + " | ".join(cells) + " |")
    for r in rows:
        groups.setdefault(r.size, []).append(row_line(r))
    lines = [START, header, "", "| " + " | ".join(COLUMNS) + " |",
             "| --- | ---: | --- | ---: | ---: | ---: | ---: | ---: | --- |"]
    for size in sorted(groups, key=lambda s: (parse_size(s), s)):
        lines += groups[size]
    return "\n".join([*lines, "", END])


def save(block: str, path: Path) -> None:
    from bench.docblock import replace_block

    replace_block(block, path, START, END)


# measuring ------------------------------------------------------------------------------------------
class Meter(PeakMemory):
    """Wall time per stage, and the peak RSS of this process tree (services left out) and of the Neo4j
    server while each stage ran, sampled as bench/etl.py's PeakMemory samples it."""

    def __init__(self, services: Callable[[], dict[str, int | None]]) -> None:
        super().__init__()
        self._services = services  # name -> pid of each server this bench uses
        self.stage = "setup"
        self.seconds: dict[str, float] = {}
        self.neo4j_peak: dict[str, int] = {}

    def sample(self) -> None:
        import psutil

        def tree(proc: Any) -> list[Any]:
            try:
                return [proc, *proc.children(recursive=True)]
            except psutil.Error:
                return []

        service_procs: dict[str, list[Any]] = {}
        for name, pid in self._services().items():
            try:
                service_procs[name] = tree(psutil.Process(pid)) if pid else []
            except psutil.Error:
                service_procs[name] = []
        skip = {p.pid for procs in service_procs.values() for p in procs}
        own = rss_of([p for p in tree(self._proc) if p.pid not in skip])
        neo = rss_of(service_procs.get("neo4j", []))
        stage = self.stage
        self.peaks[stage] = max(self.peaks.get(stage, 0), own)
        self.neo4j_peak[stage] = max(self.neo4j_peak.get(stage, 0), neo)

    @contextmanager
    def measure(self, stage: str) -> Iterator[None]:
        self.stage = stage
        self.sample()
        t0 = time.perf_counter()
        try:
            yield
        finally:
            self.seconds[stage] = time.perf_counter() - t0
            self.sample()
            self.stage = "between"

    def __enter__(self) -> Meter:
        super().__enter__()
        return self

    def peaks_mb(self, stage: str) -> tuple[float, float]:
        return self.peaks.get(stage, 0) / 2**20, self.neo4j_peak.get(stage, 0) / 2**20


class Collector:
    """aiosmtpd handler: accepts every message and keeps its To and Message-ID."""

    def __init__(self) -> None:
        self.received: list[tuple[str, str]] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        from email import policy
        from email.parser import BytesParser

        raw = envelope.original_content or envelope.content
        msg = BytesParser(policy=policy.default).parsebytes(raw if isinstance(raw, bytes) else raw.encode())
        self.received.append((str(msg["To"]), str(msg["Message-ID"])))
        return "250 Message accepted for delivery"


# the servers and settings ---------------------------------------------------------------------------
def configure(master: str, driver_memory: str) -> Any:
    """The settings of the bench instance (bench/load.py's Neo4j, own Redis and SMTP ports), put in the
    environment so that every step (the ETL's Spark session, the detectors' models) reads the same."""
    from bench.load import bench_settings
    from core.settings import get_settings

    b = bench_settings()
    redis_port = int(os.environ.get("BENCH_REDIS_PORT", "27379"))
    os.environ.update({
        "LICITAGRAPH_ENVIRONMENT": "local",
        "LICITAGRAPH_VAR_DIR": str(b.var_dir),
        "LICITAGRAPH_NEO4J_URI": b.bolt_uri,
        "LICITAGRAPH_NEO4J_BOLT_PORT": str(b.neo4j_bolt_port),
        "LICITAGRAPH_NEO4J_HTTP_PORT": str(b.neo4j_http_port),
        "LICITAGRAPH_NEO4J_PASSWORD": b.neo4j_secret,
        "LICITAGRAPH_NEO4J_HEAP": b.neo4j_heap,
        "LICITAGRAPH_NEO4J_PAGECACHE": b.neo4j_pagecache,
        "LICITAGRAPH_REDIS_PORT": str(redis_port),
        "LICITAGRAPH_REDIS_URL": f"redis://127.0.0.1:{redis_port}/0",
        "LICITAGRAPH_SMTP_HOST": "127.0.0.1",
        "LICITAGRAPH_SMTP_PORT": os.environ.get("BENCH_SMTP_PORT", "27025"),
        "LICITAGRAPH_SMTP_STARTTLS": "false",
        "LICITAGRAPH_SMTP_SSL": "false",
        "LICITAGRAPH_SPARK_MASTER": master,
        "LICITAGRAPH_SPARK_DRIVER_MEMORY": driver_memory,
    })
    for key in ("LICITAGRAPH_SMTP_USER", "LICITAGRAPH_SMTP_PASSWORD"):
        os.environ.pop(key, None)
    get_settings.cache_clear()
    return get_settings()


def install_models(source: Path | None, settings: Any) -> dict[str, str]:
    """Copy the models folder `source` into the bench's (replacing it); say what the steps will find."""
    from detectors.screens_model import MODEL_FILE
    from detectors.weights import load as load_weights
    from pipeline.run import latest_checkpoint

    target: Path = settings.models_dir
    if source is not None and source.resolve() != target.resolve():
        shutil.rmtree(target, ignore_errors=True)
        if source.is_dir():
            shutil.copytree(source, target)
    return {
        "screens model": "yes" if (target / MODEL_FILE).exists() else "none",
        "risk weights": load_weights(target / "risk_weights.json").source,
        "GNN checkpoint": "yes" if latest_checkpoint(settings) else "none",
    }


def subscribe(runner: Any, settings: Any, n: int, min_risk: float) -> list[str]:
    """`n` subscriptions of the demo's form (pipeline/demo_alerts.py): every agency and detector."""
    from reporting.store import RecordsStore

    store = RecordsStore(runner, settings.key_hash_secret)
    emails = [f"auditoria-{i}@cge.go.gov.br" for i in range(1, n + 1)]
    for email in emails:
        store.create_subscription("bench", {"email": email, "agency_ids": [], "detectors": [], "supplier_ids": [],
                                            "min_risk": min_risk, "active": True})
    return emails


def delivery_statuses(settings: Any) -> dict[str, int]:
    """How many `:AlertDelivery` nodes are in each status (sent, withheld, pending for a later email)."""
    from graph.connection import driver_session

    with driver_session(settings) as session:
        rows = session.run("MATCH (d:AlertDelivery) RETURN d.status AS status, count(*) AS n").data()
    return {str(r["status"]): int(r["n"]) for r in rows}


# one world ------------------------------------------------------------------------------------------
@dataclass
class WorldRun:
    rows: list[Row] = field(default_factory=list)
    ok: bool = True


def run_world(size: int, root: Path, seed: int, settings: Any, neo4j: Any, redis: Any, redis_client: Any,
              smtp: Collector, subscribers: int, min_risk: float, pictures: bool) -> WorldRun:
    from alerts.notify import deliver, match_alerts
    from etl.run import load_manifest
    from graph.loader import count_rows
    from graph.runner import Neo4jRunner
    from pipeline.enqueue import new_run_id
    from pipeline.run import STEP_FUNCTIONS, StepFn, run_pipeline
    from reporting.store import RecordsStore, init_store_schema

    sources, counts = world(size, root, seed)
    name = label(size)
    bids = int(counts.get("bids", 0))
    tables = root / f"tables-{name}"
    shutil.rmtree(tables, ignore_errors=True)  # from the raw files: no table or manifest of an earlier run
    print(f"{name}: {bids:,} bids; emptying the bench Neo4j", flush=True)
    neo4j.empty()
    run_id = new_run_id()
    out = WorldRun()
    services = {"neo4j": neo4j.server.proc.read_pid, "redis": lambda: redis.proc.read_pid()}
    with Neo4jRunner(settings) as runner:
        init_store_schema(runner)
        recipients = subscribe(runner, settings, subscribers, min_risk)
        store = RecordsStore(runner, settings.key_hash_secret)
        store.create_run(run_id, RUN_STEPS, {"sources": str(sources), "tables": str(tables)}, "bench")
        smtp.received.clear()
        results: dict[str, dict[str, Any]] = {}
        with Meter(lambda: {k: f() for k, f in services.items()}) as meter:

            def timed(step: str, fn: StepFn) -> StepFn:
                def call(s: Any, rid: str, src: Path, tab: Path) -> dict[str, Any]:
                    print(f"{name}: {step} ...", flush=True)
                    with meter.measure(step):
                        res = fn(s, rid, src, tab)
                    results[step] = res
                    print(f"{name}: {step} {meter.seconds[step]:.1f} s", flush=True)
                    return res

                return call

            t0 = time.perf_counter()
            run = run_pipeline(run_id, settings, runner,
                               {s: timed(s, STEP_FUNCTIONS[s]) for s in PIPELINE_STEPS})
            with meter.measure("alerts: match"):
                owed = match_alerts(runner, run_id)
            sent: list[Any] = []
            with meter.measure("alerts: send"):
                for recipient in sorted(r for r, n in owed.items() if n):
                    got = deliver(recipient, settings, runner, redis_client, pictures=pictures)
                    if got is not None:
                        sent.append(got)
            total = time.perf_counter() - t0
        statuses = delivery_statuses(settings)
    if run.get("status") != "succeeded":
        raise RuntimeError(f"pipeline run {run_id} ended {run.get('status')}: {run.get('error')}")

    manifest = load_manifest(tables)
    source_records = sum(int(f.get("read", 0)) for f in manifest.get("files", {}).values())
    table_rows = count_rows(tables)
    bid_rows = table_rows.get("BID", 0)
    etl = results["etl"]
    load, detect, gnn = results["load"], results["detect"], results["gnn"]
    received = [(to, mid) for to, mid in smtp.received]
    sent_ids = sorted((o.recipient, o.message_id) for o in sent)
    ok = sorted(received) == sent_ids
    out.ok = ok
    n_owed = sum(owed.values())

    def row(stage: str, records: int | None, result: str) -> Row:
        peak, neo = meter.peaks_mb(stage)
        return Row(name, bids, stage, meter.seconds[stage], records, peak, neo, result)

    out.rows = [
        row("etl", source_records, f"{sum(table_rows.values()):,} table rows, {int(etl.get('rejects', 0)):,} "
                                   "rejects"),
        row("load", int(load["node_rows"]) + int(load["rel_rows"]),
            f"{int(load['node_rows']):,} nodes, {int(load['rel_rows']):,} relationships"),
        row("detect", bid_rows, f"{int(detect['findings']):,} findings, {int(detect['risk_subjects']):,} "
                                "subjects scored"),
        row("gnn", None if "skipped" in gnn else bid_rows,
            "skipped: no checkpoint" if "skipped" in gnn else f"{int(gnn['gnn_findings']):,} findings"),
        row("alerts: match", n_owed, f"{n_owed:,} deliveries owed to {len(owed)} of {len(recipients)} "
                                     "subscribers"),
        row("alerts: send", sum(len(o.keys) for o in sent),
            f"{len(received)} of {len(sent)} emails received" + ("" if ok else " (MISMATCH)") + "; deliveries "
            + ", ".join(f"{n:,} {status}" for status, n in sorted(statuses.items()))),
    ]
    peak_all = max(meter.peaks.values(), default=0) / 2**20
    neo_all = max(meter.neo4j_peak.values(), default=0) / 2**20
    out.rows.append(Row(name, bids, "total", total, bids, peak_all, neo_all, f"pipeline run {run.get('status')}"))
    return out


def header(started: str, load_before: float, settings: Any, models: dict[str, str], subscribers: int,
           min_risk: float, pictures: bool) -> str:
    return (
        f"Run {started} on {platform.node()} ({os.cpu_count()} CPUs, shared; load average {load_before:.1f} "
        f"before, {os.getloadavg()[0]:.1f} after), Spark {settings.spark_master}, driver memory "
        f"{settings.spark_driver_memory}, Neo4j {settings.neo4j_version} (heap {settings.neo4j_heap}, page cache "
        f"{settings.neo4j_pagecache}), detect engine {settings.detect_engine}; models: "
        + ", ".join(f"{k} {v}" for k, v in models.items())
        + f"; {subscribers} subscription{'s' if subscribers != 1 else ''} (every agency and detector, score >= "
        f"{min_risk:g}); {'pictures in the emails' if pictures else 'no pictures'}. Synthetic worlds of `synth` "
        "(bench/etl.py's, tenders chosen for the bid count), an empty database each. records/s = records / "
        "seconds; peak MB = RSS of the bench process and the Spark JVM, Neo4j MB = RSS of the Neo4j server, "
        "both the highest sampled while the stage ran. `spark start` is paid once, before the first world, "
        f"and is in no total. Rows marked \"{EARLIER}\" come from a previous run of this script."
    )


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", default="10k,100k,1m", help="bid counts, e.g. 10k,100k,1m")
    ap.add_argument("--root", type=Path, default=REPO / "var" / "bench" / "pipeline",
                    help="worlds and tables (bench/etl.py's --root holds the same worlds)")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--master", default="local[2]")
    ap.add_argument("--driver-memory", default="4g")
    ap.add_argument("--models", default=None,
                    help="models folder copied into the bench's (default: the configured var/models; '' for none)")
    ap.add_argument("--subscribers", type=int, default=1)
    ap.add_argument("--min-risk", type=float, default=None, help="subscriptions' lowest score (default: the demo's)")
    ap.add_argument("--no-pictures", action="store_true", help="emails without the network pictures")
    ap.add_argument("--keep-servers", action="store_true", help="leave the bench Neo4j and Redis running")
    ap.add_argument("--no-save", action="store_true")
    args = ap.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(name)s: %(message)s")

    from core.settings import get_settings

    default_models = get_settings().models_dir  # the configured install's, before the bench's settings
    models_src = default_models if args.models is None else (Path(args.models) if args.models else None)
    settings = configure(args.master, args.driver_memory)
    from pipeline.demo_alerts import DEMO_MIN_RISK

    min_risk = DEMO_MIN_RISK if args.min_risk is None else args.min_risk
    sizes = [parse_size(s) for s in args.sizes.split(",") if s.strip()]
    args.root.mkdir(parents=True, exist_ok=True)
    load_before = os.getloadavg()[0]
    started = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")

    from aiosmtpd.controller import Controller

    from bench.load import BenchServer
    from services.redis_server import RedisServer

    models = install_models(models_src, settings)
    print("models: " + ", ".join(f"{k} {v}" for k, v in models.items()), flush=True)
    neo4j = BenchServer(settings)
    redis = RedisServer(settings)
    collector = Collector()
    smtp = Controller(collector, hostname=settings.smtp_host, port=settings.smtp_port, ready_timeout=10)
    rows: list[Row] = []
    ok = True
    try:
        import redis as redis_lib

        redis.start()
        redis_client = redis_lib.Redis.from_url(settings.redis_url, socket_timeout=5.0)  # as pipeline.tasks
        smtp.start()
        from etl.spark import get_spark

        t0 = time.perf_counter()
        get_spark("licitagraph-bench-pipeline")  # the session step_etl's ETL then finds
        spark_s = time.perf_counter() - t0
        for i, size in enumerate(sizes):
            res = run_world(size, args.root, args.seed, settings, neo4j, redis, redis_client, collector,
                            args.subscribers, min_risk, not args.no_pictures)
            if i == 0:
                res.rows.insert(0, Row(label(size), res.rows[0].bids, "spark start", spark_s))
            rows += res.rows
            ok = ok and res.ok
            for r in res.rows:
                print(row_line(r), flush=True)
    finally:
        smtp.stop()
        if not args.keep_servers:
            neo4j.stop()
            redis.stop()
    path = REPO / "docs" / "benchmarks.md"
    doc = path.read_text(encoding="utf-8") if path.exists() else ""
    block = render(rows, header(started, load_before, settings, models, args.subscribers, min_risk,
                                not args.no_pictures), previous_rows(doc))
    print(block)
    if not args.no_save:
        save(block, path)
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
