"""Harvest benchmark against the local replay server: requests per contratação, throughput, the cost of
faults, and what a killed run re-downloads; then the arithmetic for a year of one state's PNCP notices.

Runs, each on a fresh folder, the PNCP harvest of a replayed window (`--days` x `--per-day` contratações,
GO, the modalities 4, 6, 8, 9):

- clean: no faults, no rate cap on the client (the server's own speed);
- faults: 429 with Retry-After, 5xx, stalls past the timeout and cut bodies (the tests' mix);
- killed: stopped after half of the clean run's requests, then resumed: the re-downloaded requests;
- at the default rate (`--rps`, default 2 a second, the setting's default): measured on a short slice.

Each run checks the harvested files against the world the server serves: every contratação, items
envelope and results envelope exactly once. Results: a table on stdout and in docs/benchmarks.md
(between `<!-- harvest:start -->` and `<!-- harvest:end -->`).
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from collections import Counter
from datetime import date, timedelta
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
# this script is bench/harvest.py: the package of the same name must win over it
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != REPO / "bench"]
sys.path.insert(0, str(REPO))

from bench.docblock import replace_block  # noqa: E402
from harvest.common import Options  # noqa: E402
from harvest.http import Fetcher, Policy  # noqa: E402
from harvest.replay import Faults, ReplayServer, World  # noqa: E402
from harvest.run import harvest  # noqa: E402

MARK_START, MARK_END = "<!-- harvest:start -->", "<!-- harvest:end -->"
MODS = (4, 6, 8, 9)
YEAR_CONTRATACOES = 100_000


class _Stop(BaseException):
    pass


def check(world: World, root: Path, d1: date) -> tuple[int, int, int]:
    """(missing, duplicated, records) of the harvest in `root` against the world."""
    want = {(r["orgaoEntidade"]["cnpj"], r["anoCompra"], r["sequencialCompra"]) for r in world.contratacoes
            if r["unidadeOrgao"]["ufSigla"] == "GO" and r["modalidadeId"] in MODS
            and str(r["dataPublicacaoPncp"])[:10] <= d1.isoformat()}
    got: Counter[tuple[str, int, int]] = Counter()
    for p in (root / "pncp" / "itens").glob("*.jsonl"):
        for line in p.read_text(encoding="utf-8").splitlines():
            e = json.loads(line)
            got[(e["cnpj"], e["ano"], e["sequencial"])] += 1
    return len(want - set(got)), sum(n - 1 for n in got.values() if n > 1), len(want)


def run(world: World, faults: Faults, policy: Policy, d0: date, d1: date, kill_after: int | None = None
        ) -> dict[str, Any]:
    root = Path(tempfile.mkdtemp(prefix="bench-harvest-"))
    opts = Options(sources=root, date_from=d0, date_to=d1, uf="GO", modalities=MODS)
    with ReplayServer(world, faults) as srv:
        opts.base_url = srv.url
        t0 = time.perf_counter()
        resumed_requests = None
        first = 0
        if kill_after:
            f = Fetcher(policy)
            sent = [0]

            def stop(url: str) -> None:
                sent[0] += 1
                if sent[0] > kill_after:
                    raise _Stop

            f.on_request(stop)
            try:
                harvest("pncp", Options(**{**vars(opts)}), fetcher=f)
            except _Stop:
                pass
            first = kill_after
        m = harvest("pncp", opts, policy=policy)
        wall = time.perf_counter() - t0
        if kill_after:
            resumed_requests = m.http["requests"]
        server = srv.stats
    missing, dup, n = check(world, root, d1)
    return {"wall_s": wall, "requests": m.http["requests"] + first, "resumed_requests": resumed_requests,
            "first_requests": first, "retries": m.http["retries"], "throttled": m.http["throttled"],
            "faults": sum(server.faults.values()), "early": server.early, "contratacoes": n,
            "missing": missing, "duplicated": dup, "pages": m.pages, "by_kind": m.http["by_kind"]}


def render(rows: list[tuple[str, dict[str, Any]]], rps: float, started: str) -> str:
    lines = [MARK_START, "", "## Harvest (bench/harvest.py)", "",
             f"PNCP harvest of a replayed window (GO, modalities 4, 6, 8, 9) against `harvest.replay`, measured "
             f"{started} on the shared development machine. Every run is checked against the served world.", "",
             "| run | contratações | requests | req./contratação | wall s | req./s | retries | 429s | faults | "
             "lost | duplicated |", "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |"]
    for name, r in rows:
        per = r["requests"] / max(1, r["contratacoes"])
        lines.append(f"| {name} | {r['contratacoes']:,} | {r['requests']:,} | {per:.2f} | {r['wall_s']:.1f} | "
                     f"{r['requests'] / max(r['wall_s'], 1e-9):.1f} | {r['retries']} | {r['throttled']} | "
                     f"{r['faults']} | {r['missing']} | {r['duplicated']} |")
    clean = dict(rows)["clean"]
    per = clean["requests"] / max(1, clean["contratacoes"])
    year = per * YEAR_CONTRATACOES + 365 * len(MODS)
    killed = dict(rows).get("killed, resumed")
    lines += ["", f"Requests per contratação, measured: {per:.2f} (the replayed world has 1 to 4 items each). "
              f"A year of {YEAR_CONTRATACOES:,} contratações plus one request per day and modality: "
              f"{year:,.0f} requests, {year / rps / 3600:.1f} h at {rps:g} requests/s, "
              f"{year / 5 / 3600:.1f} h at 5/s."]
    if killed:
        redone = killed["first_requests"] + killed["resumed_requests"] - clean["requests"]
        lines.append(f"Killed after {killed['first_requests']} requests and resumed: the resumed run sent "
                     f"{killed['resumed_requests']} ({redone} more than an uninterrupted run; the goal is at most "
                     f"one page).")
    lines += ["", MARK_END]
    return "\n".join(lines)


def save(block: str, path: Path) -> None:
    replace_block(block, path, MARK_START, MARK_END)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--days", type=int, default=5)
    ap.add_argument("--per-day", type=int, default=200)
    ap.add_argument("--rps", type=float, default=2.0, help="the polite rate of the arithmetic and the slice run")
    ap.add_argument("--slice-s", type=float, default=20.0, help="seconds of the run at --rps (0: skip)")
    ap.add_argument("--samples", type=Path, default=REPO.parent / "shared" / "data" / "formats")
    ap.add_argument("--out", type=Path, default=REPO / "docs" / "benchmarks.md")
    args = ap.parse_args(argv)
    started = time.strftime("%Y-%m-%d")
    d0 = date(2025, 3, 3)
    d1 = d0 + timedelta(days=args.days - 1)
    world = World(start=d0, days=args.days, per_day=args.per_day, seed=1,
                  samples=args.samples if args.samples.is_dir() else None).build()
    fast = Policy(rps=10_000, retries=10, backoff_s=0.01, max_backoff_s=0.2, timeout_s=0.5)
    rows: list[tuple[str, dict[str, Any]]] = []
    rows.append(("clean", run(world, Faults(), fast, d0, d1)))
    rows.append(("faults", run(world, Faults.flaky(stall_s=0.8, retry_after_s=0.1), fast, d0, d1)))
    rows.append(("killed, resumed", run(world, Faults(), fast, d0, d1, kill_after=rows[0][1]["requests"] // 2)))
    if args.slice_s > 0:
        one = World(start=d0, days=1, per_day=max(10, int(args.slice_s * args.rps / 4)), seed=2).build()
        rows.append((f"at {args.rps:g} req/s", run(one, Faults(), Policy(rps=args.rps), d0, d0)))
    block = render(rows, args.rps, started)
    print(block)
    save(block, args.out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
