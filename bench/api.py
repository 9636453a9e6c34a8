"""API benchmark: throughput and p50/p99 latency of the risk-detail and list routes next to a trivial
FastAPI route, under a local load generator on 127.0.0.1 (wrk when installed, else an async httpx client).

    .venv/bin/python bench/api.py                       # seed the test instance; concurrency 1, 4, 8
    .venv/bin/python bench/api.py --concurrency 4 --seconds 5 --rounds 3 --no-seed --tender ID

It uses the test instance of the services (tests/test.env: Neo4j bolt 17687, Redis 16379) and, unless
--no-seed, wipes that database and loads the fixture world (synth/table_world.py) with `--filler`
honest tenders plus the planted findings. Servers are uvicorn, one process each, access log off:
`licitagraph serve` (rate limit raised out of the way, auth, metrics and the read cache on), the same with
the read cache off (the `cache off` rows), and a one-route FastAPI app. Routes and concurrency levels are
measured in interleaved rounds. Goal: risk detail >= half the trivial route's throughput, p99 < 50 ms.
Results: a table on stdout and in docs/benchmarks.md between `<!-- api:start -->` and `<!-- api:end -->`.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))


def trivial_app() -> Any:
    from fastapi import FastAPI

    app = FastAPI()

    @app.get("/trivial")
    def trivial() -> dict[str, bool]:
        return {"ok": True}

    return app


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_env() -> dict[str, str]:
    env = dict(os.environ)
    for line in (REPO / "tests" / "test.env").read_text().splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            k, _, v = line.partition("=")
            env[k.strip()] = v.strip()
    env["LICITAGRAPH_VAR_DIR"] = str(REPO / env["LICITAGRAPH_VAR_DIR"])
    env["LICITAGRAPH_API_RATE_LIMIT_PER_MINUTE"] = str(10**9)
    return env


def wait_http(url: str, timeout: float = 60) -> None:
    import httpx

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if httpx.get(url, timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.3)
    raise RuntimeError(f"{url} did not answer in {timeout}s")


@dataclass
class Result:
    name: str
    path: str
    requests: int
    seconds: float
    latencies_ms: list[float]
    errors: int
    concurrency: int = 1
    p50s: list[float] = field(default_factory=list)  # wrk: each round's percentiles (no raw latencies)
    p99s: list[float] = field(default_factory=list)

    @property
    def rps(self) -> float:
        return self.requests / self.seconds

    def pct(self, q: float) -> float:
        if self.latencies_ms:
            xs = sorted(self.latencies_ms)
            return xs[min(len(xs) - 1, int(q * len(xs)))]
        rounds = sorted(self.p50s if q == 0.5 else self.p99s)
        return rounds[len(rounds) // 2]  # the median round

    def merged(self, other: Result) -> Result:
        return Result(self.name, self.path, self.requests + other.requests, self.seconds + other.seconds,
                      self.latencies_ms + other.latencies_ms, self.errors + other.errors, self.concurrency,
                      self.p50s + other.p50s, self.p99s + other.p99s)


_WRK_LUA = """
done = function(summary, latency, requests)
  io.write(string.format("LG %d %d %.3f %.3f %d\\n", summary.requests, summary.duration,
    latency:percentile(50) / 1000, latency:percentile(99) / 1000,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.status
    + summary.errors.timeout))
end
"""


def wrk_run(name: str, base: str, path: str, headers: dict[str, str], seconds: float, concurrency: int) -> Result:
    """One wrk run (1 thread, `concurrency` keep-alive connections) for `seconds`; wrk's own Lua `done`
    hook reports requests, duration, p50, p99 (corrected for coordinated omission by wrk) and errors."""
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as f:
        f.write(_WRK_LUA)
    cmd = ["wrk", "-t1", f"-c{concurrency}", f"-d{max(1, round(seconds))}s", "--latency", "-s", f.name]
    for k, v in headers.items():
        cmd += ["-H", f"{k}: {v}"]
    out = subprocess.run([*cmd, base + path], capture_output=True, text=True, check=True).stdout
    os.unlink(f.name)
    line = next(x for x in out.splitlines() if x.startswith("LG "))
    n, dur_us, p50, p99, errors = line.split()[1:]
    return Result(name, path, int(n), int(dur_us) / 1e6, [], int(errors), concurrency, [float(p50)], [float(p99)])


async def hammer(name: str, base: str, path: str, headers: dict[str, str], n: int, concurrency: int,
                 warmup: int) -> Result:
    import httpx

    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(base_url=base, headers=headers, limits=limits, timeout=30) as client:
        for _ in range(warmup):
            (await client.get(path)).raise_for_status()
        lat: list[float] = []
        errors = 0
        todo = iter(range(n))

        async def one_worker() -> None:
            nonlocal errors
            for _ in todo:
                t0 = time.perf_counter()
                r = await client.get(path)
                lat.append((time.perf_counter() - t0) * 1000)
                if r.status_code != 200:
                    errors += 1

        t0 = time.perf_counter()
        await asyncio.gather(*(one_worker() for _ in range(concurrency)))
        return Result(name, path, n, time.perf_counter() - t0, lat, errors, concurrency)


def world_findings(planted: dict[str, dict[str, Any]]) -> list[Any]:
    """Findings on the fixture world's planted cases, one per detector family the API routes filter on."""
    from core.domain import Evidence, Finding, Measure, Subject, SubjectKind

    p = planted
    s = p["shared_partner"]["suppliers"] + p["shared_phone"]["suppliers"]
    when = datetime(2025, 6, 1, tzinfo=UTC)

    def f(det: str, kind: SubjectKind, sid: str, score: float, title: str, nodes: list[str],
          measures: tuple[Measure, ...] = ()) -> Finding:
        return Finding(detector=det, detector_version="1.0.0", subject=Subject(kind=kind, id=sid), score=score,
                       title=title, evidence=Evidence(summary=f"{title}: evidência de teste.", measures=measures,
                                                      node_ids=tuple(nodes)), run_id="bench-seed", created_at=when)

    return [
        f("shared_contacts", SubjectKind.TENDER, p["shared_phone"]["tender"], 0.9,
          "Concorrentes com telefone em comum", [*s[2:], p["shared_phone"]["phone"]],
          (Measure(name="shared_links", value=2, threshold=1, comparison=">="),)),
        f("shared_contacts", SubjectKind.TENDER, p["shared_partner"]["tender"], 0.8,
          "Concorrentes com sócio em comum", [*s[:2], p["shared_partner"]["person"]],
          (Measure(name="shared_partners", value=1, threshold=1, comparison=">="),)),
        f("overpricing", SubjectKind.ITEM, p["overpricing"]["item"], 0.7, "Sobrepreço de seringa",
          [p["overpricing"]["item"], *p["overpricing"]["peers"]],
          (Measure(name="unit_price", value=50.0, threshold=15.0, comparison=">", unit="R$/UN"),)),
        f("sanctioned_winner", SubjectKind.SUPPLIER, p["sanctioned_winner"]["supplier"], 0.95,
          "Vencedor sancionado (CEIS)", [p["sanctioned_winner"]["supplier"], p["sanctioned_winner"]["sanction"]]),
        f("fracionamento", SubjectKind.AGENCY, p["fracionamento"]["agency"], 0.6, "Fracionamento de dispensas",
          [p["fracionamento"]["agency"], *p["fracionamento"]["tenders"]],
          (Measure(name="total_year", value=80000.0, threshold=62725.59, comparison=">", unit="R$"),)),
        f("cobidding", SubjectKind.SUPPLIER, p["rotation"]["suppliers"][0], 0.4, "Rodízio de vencedores",
          list(p["rotation"]["suppliers"])),
    ]


def seed(filler: int) -> str:
    """Wipe the test Neo4j and load the fixture world (synth.table_world) with `filler` honest tenders, its
    planted findings and their combined risk (detectors.risk.combine), as a detect run would leave them;
    return the riskiest tender's id."""
    os.environ.update(test_env())
    from core import findings_io
    from core.settings import get_settings
    from core.tables import RISK
    from detectors.risk import combine
    from graph.fresh import replace_database
    from synth.table_world import build_world

    get_settings.cache_clear()
    settings = get_settings()
    w = build_world(filler)
    tables = Path(tempfile.mkdtemp(prefix="bench-api-")) / "tables"
    w.write(tables)
    items = world_findings(w.planted)
    tender_agency = {str(t["id"]): str(t["agency_id"]) for t in w.rows["Tender"] if t.get("agency_id")}
    findings_io.write_findings(items, findings_io.findings_dir(tables) / "part-00000.parquet")
    findings_io.write_file(findings_io.risk_frame(combine(items, tender_agency), "bench-seed"), RISK,
                           findings_io.risk_dir(tables) / "part-00000.parquet")
    replace_database(settings, tables)
    return str(w.planted["shared_phone"]["tender"])


def markdown(results: list[Result], args: argparse.Namespace, n_tenders: int) -> str:
    gen = (f"wrk 4.1 (1 thread, keep-alive connections = concurrency), {args.rounds} interleaved rounds of "
           f"{args.seconds:g} s per route and concurrency; p50/p99 are wrk's (corrected for coordinated omission), "
           "the median over the rounds" if args.generator == "wrk" else
           f"httpx async client, {args.requests} requests per route and concurrency in {args.rounds} interleaved "
           "rounds; p50/p99 over all requests")
    lines = [
        f"Run {datetime.now(UTC):%Y-%m-%d %H:%M} UTC on {platform.node()} ({os.cpu_count()} CPUs, shared; load average "
        f"{args.load_before:.1f} before, {os.getloadavg()[0]:.1f} after), Neo4j 5.26 "
        f"Community (test instance), uvicorn 1 process per server, access log off; load generator on the same "
        f"machine: {gen}; {args.warmup} warm-up requests first. World: the fixture world with {n_tenders} tenders. "
        "The risk API routes go through auth (cached key), the Redis rate limit (one round trip), the Prometheus "
        "middleware and the read cache (api/cache.py, on by default: answers kept until a load or scoring run "
        "changes the graph's data version); the `cache off` rows are a second server with "
        "`LICITAGRAPH_API_CACHE_TTL_S=0`, every request a Neo4j read.", "",
        "| concurrency | route | path | req/s | p50 ms | p99 ms | x trivial | errors |",
        "| ---: | --- | --- | ---: | ---: | ---: | ---: | ---: |",
    ]
    verdicts = []
    for c in sorted({r.concurrency for r in results}):
        rows = [r for r in results if r.concurrency == c]
        trivial = next(r for r in rows if r.name == "trivial route")
        for r in rows:
            lines.append(f"| {c} | {r.name} | `{r.path}` | {r.rps:,.0f} | {r.pct(0.5):.1f} | {r.pct(0.99):.1f} | "
                         f"{r.rps / trivial.rps:.2f} | {r.errors} |")
        detail = next(r for r in rows if r.name == "risk detail")
        ok_tp = detail.rps >= 0.5 * trivial.rps
        ok_p99 = detail.pct(0.99) < 50
        verdicts.append(f"concurrency {c}: throughput {'met' if ok_tp else 'NOT met'} "
                        f"({detail.rps / trivial.rps:.2f} x), p99 {'met' if ok_p99 else 'NOT met'} "
                        f"({detail.pct(0.99):.1f} ms)")
    lines += ["", "Goal (risk detail >= 0.5 x trivial throughput; p99 < 50 ms): " + "; ".join(verdicts) + ".", ""]
    return "\n".join(lines)


def write_section(text: str) -> None:
    path = REPO / "docs" / "benchmarks.md"
    start, end = "<!-- api:start -->", "<!-- api:end -->"
    doc = path.read_text() if path.exists() else "# Benchmarks\n"
    block = f"{start}\n{text}\n{end}"
    if start in doc and end in doc:
        doc = doc[: doc.index(start)] + block + doc[doc.index(end) + len(end):]
    else:
        doc = doc.rstrip("\n") + "\n\n## Risk API (`bench/api.py`)\n" + block + "\n"
    path.write_text(doc)


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--generator", choices=["wrk", "httpx"], default="wrk" if shutil.which("wrk") else "httpx",
                    help="load generator (default: wrk when installed)")
    ap.add_argument("--requests", type=int, default=2000, help="httpx: requests per route and concurrency")
    ap.add_argument("--seconds", type=float, default=3.0, help="wrk: seconds per route, concurrency and round")
    ap.add_argument("--concurrency", default="1,4,8", help="comma-separated concurrent connections")
    ap.add_argument("--no-uncached", action="store_true",
                    help="skip the rows of a second API server with the read cache off")
    ap.add_argument("--warmup", type=int, default=200)
    ap.add_argument("--rounds", type=int, default=5, help="interleaved rounds over the routes")
    ap.add_argument("--filler", type=int, default=300, help="honest tenders added to the fixture world")
    ap.add_argument("--no-seed", action="store_true", help="use the test database as it is")
    ap.add_argument("--tender", help="tender id for the detail route (default: the planted riskiest)")
    ap.add_argument("--no-write", action="store_true", help="do not update docs/benchmarks.md")
    ap.add_argument("--serve-trivial", type=int, help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.serve_trivial:
        import uvicorn

        uvicorn.run(trivial_app(), host="127.0.0.1", port=args.serve_trivial, log_level="warning",
                    access_log=False)
        return
    args.load_before = os.getloadavg()[0]
    env = test_env()
    env_nocache = {**env, "LICITAGRAPH_API_CACHE_TTL_S": "0"}
    tender = args.tender or (seed(args.filler) if not args.no_seed else None)
    if tender is None:
        raise SystemExit("--no-seed needs --tender ID")
    n_tenders = 18 + args.filler
    api_port, triv_port, raw_port = free_port(), free_port(), free_port()

    def serve(port: int, server_env: dict[str, str]) -> subprocess.Popen[bytes]:
        return subprocess.Popen([sys.executable, "-m", "licitagraph", "serve", "--port", str(port), "--no-access-log",
                                 "--log-level", "warning"], cwd=REPO, env=server_env)

    procs = [
        serve(api_port, env),
        *([] if args.no_uncached else [serve(raw_port, env_nocache)]),
        subprocess.Popen([sys.executable, str(Path(__file__).resolve()), "--serve-trivial", str(triv_port)],
                         cwd=REPO, env=env),
    ]
    try:
        api, triv = f"http://127.0.0.1:{api_port}", f"http://127.0.0.1:{triv_port}"
        wait_http(f"{api}/health")
        wait_http(f"{triv}/trivial")
        raw = f"http://127.0.0.1:{raw_port}"
        if not args.no_uncached:
            wait_http(f"{raw}/health")
        key = {"X-API-Key": env.get("LICITAGRAPH_API_ADMIN_KEY", "lg-local-admin-key")}
        plan = [("trivial route", triv, "/trivial", {}), ("API /health (no key)", api, "/health", {}),
                ("risk detail", api, f"/v1/tenders/{tender}", key),
                ("risk list (20 per page)", api, "/v1/tenders?page_size=20", key),
                ("risk list, filtered", api, "/v1/tenders?min_risk=0.5&detector=shared_contacts", key)]
        if not args.no_uncached:  # every request reads Neo4j: what a cache miss costs
            plan += [("risk detail, cache off", raw, f"/v1/tenders/{tender}", key),
                     ("risk list, cache off", raw, "/v1/tenders?page_size=20", key)]
        # Interleaved rounds: every route gets a slice of each round, so load from other jobs on a shared
        # machine spreads over all routes instead of landing on whichever ran at a bad moment.
        per_round = max(1, args.requests // args.rounds)
        results: list[Result] = []
        for c in [int(x) for x in str(args.concurrency).split(",")]:
            for _, b, path, h in plan:  # warm-up (the cache, the driver's pool, the JIT of Neo4j)
                asyncio.run(hammer("warmup", b, path, h, args.warmup, c, 0))
            by_route: dict[str, Result] = {}
            for _rnd in range(args.rounds):
                for n, b, path, h in plan:
                    got = (wrk_run(n, b, path, h, args.seconds, c) if args.generator == "wrk"
                           else asyncio.run(hammer(n, b, path, h, per_round, c, 0)))
                    by_route[n] = by_route[n].merged(got) if n in by_route else got
            results += list(by_route.values())
    finally:
        for p in procs:
            p.terminate()
            p.wait(20)
    text = markdown(results, args, n_tenders)
    print(text)
    if not args.no_write:
        write_section(text)


if __name__ == "__main__":
    main()
