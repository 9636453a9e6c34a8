"""Benchmark of `licitagraph etl` on synthetic worlds (10k, 100k, 1M bids), next to an I/O floor.

For each size the synthetic generator (`synth.generate`) writes a sources folder (cached under
--root); the ETL then runs on it with Spark. Per stage: wall time, records/s (source records read / stage
time) and peak memory (RSS of this process and its children, the Spark JVM included, sampled every 0.2 s).
The floor is one plain single-pass read of the same files with pyarrow and a Parquet write of each
(no validation, no joins): the ratio says how far the ETL is from pure I/O. The table is printed and saved
to docs/benchmarks.md between `<!-- etl:start -->` and `<!-- etl:end -->`.

    .venv/bin/python bench/etl.py --sizes 10k [--cnpj 10m] [--root var/bench/etl] [--no-save]

`--cnpj` adds a Receita CNPJ registry of that many companies (synth/receita_scale.py, the official zips),
with the arithmetic for the full registry at the measured rate. `spark start` is the session's start,
paid once before the first world (add it to that world's total for a cold run).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import shutil
import sys
import threading
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

START, END = "<!-- etl:start -->", "<!-- etl:end -->"
CALIBRATION_TENDERS = 200


def parse_size(text: str) -> int:
    text = text.strip().lower()
    mult = {"k": 1_000, "m": 1_000_000}.get(text[-1], 1)
    return int(float(text.rstrip("km")) * mult)


def label(n: int) -> str:
    return f"{n // 1_000_000}M" if n >= 1_000_000 and n % 1_000_000 == 0 else f"{n // 1000}k"


def rss_of(procs: list[Any]) -> int:
    """The summed resident memory of `procs`, leaving out any that just ended."""
    import psutil

    total = 0
    for p in procs:
        try:
            total += p.memory_info().rss
        except psutil.Error:  # a process that just ended
            pass
    return total


class PeakMemory:
    """Samples the RSS of this process tree every 0.2 s; `peaks[stage]` is the maximum seen while that stage
    ran. Subclasses measure something else by overriding `sample` (bench/pipeline.py's Meter)."""

    def __init__(self) -> None:
        import psutil

        self._proc = psutil.Process()
        self.stage = "start"
        self.peaks: dict[str, int] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, daemon=True, name="bench-memory")

    def sample(self) -> None:
        rss = rss_of([self._proc, *self._proc.children(recursive=True)])
        self.peaks[self.stage] = max(self.peaks.get(self.stage, 0), rss)

    def _loop(self) -> None:
        while not self._stop.is_set():
            self.sample()
            time.sleep(0.2)

    def __enter__(self) -> PeakMemory:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


def world(bids: int, root: Path, seed: int) -> tuple[Path, dict[str, int]]:
    """A synthetic sources folder with about `bids` bids (tenders calibrated on a small world)."""
    from synth import generate  # type: ignore[attr-defined]

    calib = root / "calibration"
    meta = calib / "counts.json"
    if not meta.exists():
        shutil.rmtree(calib, ignore_errors=True)
        counts = generate(out=calib / "sources", seed=seed, tenders=CALIBRATION_TENDERS)
        calib.mkdir(parents=True, exist_ok=True)
        meta.write_text(json.dumps(counts))
    per_tender = max(1.0, json.loads(meta.read_text())["bids"] / CALIBRATION_TENDERS)
    tenders = max(1, math.ceil(bids / per_tender))
    folder = root / f"world-{label(bids)}"
    counts_file = folder / "counts.json"
    if counts_file.exists():
        return folder / "sources", json.loads(counts_file.read_text())
    shutil.rmtree(folder, ignore_errors=True)
    counts = generate(out=folder / "sources", seed=seed, tenders=tenders)
    counts_file.write_text(json.dumps(counts))
    return folder / "sources", counts


def io_floor(sources: Path, scratch: Path) -> tuple[float, int]:
    """Read every source file once with pyarrow (or json for whole-document JSON) and write it as Parquet."""
    import zipfile

    import pyarrow as pa
    import pyarrow.csv as pacsv
    import pyarrow.json as pajson
    import pyarrow.parquet as pq

    shutil.rmtree(scratch, ignore_errors=True)
    scratch.mkdir(parents=True)
    t0 = time.perf_counter()
    records = 0
    for i, path in enumerate(sorted(p for p in sources.rglob("*") if p.is_file())):
        rel = path.relative_to(sources).as_posix()
        table: Any = None
        if rel.startswith("pncp/contratacoes/"):
            data = json.loads(path.read_text(encoding="utf-8"))
            rows = data["data"] if isinstance(data, dict) else data
            table = pa.Table.from_pylist([{"raw": json.dumps(r)} for r in rows]) if rows else None
        elif rel.endswith(".jsonl"):
            table = pajson.read_json(path)
        elif rel.startswith("cnpj/"):
            raw = path
            if path.suffix.lower() == ".zip":
                with zipfile.ZipFile(path) as zf:
                    name = zf.namelist()[0]
                    raw = scratch / f"unz{i}"
                    raw.write_bytes(zf.read(name))
            table = pacsv.read_csv(
                raw,
                read_options=pacsv.ReadOptions(encoding="latin1", autogenerate_column_names=True),
                parse_options=pacsv.ParseOptions(delimiter=";"),
                convert_options=pacsv.ConvertOptions(strings_can_be_null=False, column_types={}),
            )
        elif rel.endswith(".csv"):
            sep = ";" if (rel.startswith("bids/generic/") or rel.startswith("sancoes/")) else ","
            enc = "utf8"
            try:
                path.read_bytes()[:65536].decode("utf-8")
            except UnicodeDecodeError:
                enc = "latin1"
            table = pacsv.read_csv(
                path,
                read_options=pacsv.ReadOptions(encoding=enc),
                parse_options=pacsv.ParseOptions(delimiter=sep),
            )
        if table is not None:
            records += table.num_rows
            pq.write_table(table, scratch / f"t{i}.parquet")
    return time.perf_counter() - t0, records


def registry(companies: int, root: Path, seed: int) -> tuple[Path, dict[str, int]]:
    """A Receita CNPJ registry of `companies` companies in the official format (synth/receita_scale.py)."""
    from synth.receita_scale import write_registry

    folder = root / f"cnpj-{label(companies)}"
    counts_file = folder / "counts.json"
    if not counts_file.exists():
        shutil.rmtree(folder, ignore_errors=True)
        counts = write_registry(folder / "sources", companies, seed=seed)
        counts_file.write_text(json.dumps(counts))
    return folder / "sources", json.loads(counts_file.read_text())


# the full registry as the issue states it (Receita's monthly release): companies, establishments, partners
FULL_REGISTRY = {"empresas": 60_000_000, "estabelecimentos": 66_000_000, "socios": 26_000_000}


def run(
    sizes: list[int], root: Path, seed: int, master: str, driver_memory: str, cnpj: list[int] | None = None
) -> list[dict[str, Any]]:
    from etl.run import run as etl_run
    from etl.spark import get_spark

    t_start = time.perf_counter()
    spark = get_spark("licitagraph-bench-etl", master=master, driver_memory=driver_memory)
    spark.sparkContext.setLogLevel("ERROR")
    start_s = time.perf_counter() - t_start
    out_rows: list[dict[str, Any]] = []
    worlds: list[tuple[str, int]] = [("bids", n) for n in sizes] + [("cnpj", n) for n in cnpj or []]
    for n_world, (what, size) in enumerate(worlds):
        if what == "bids":
            sources, counts = world(size, root, seed)
            name = label(size)
        else:
            sources, counts = registry(size, root, seed)
            counts = {"bids": 0, **counts}
            name = f"CNPJ {label(size).upper()}"
        tables = root / f"tables-{name.replace(' ', '-')}"
        shutil.rmtree(tables, ignore_errors=True)
        with PeakMemory() as mem:

            def progress(stage: str, done: int, total: int, mem: PeakMemory = mem) -> None:
                mem.stage = stage

            t0 = time.perf_counter()
            result = etl_run(sources, tables, progress=progress, spark=spark)
            total = time.perf_counter() - t0
        floor_s, floor_records = io_floor(sources, root / "floor-scratch")
        records = sum(f.read for f in result.files)
        stage_map = {
            "discover": "discover",
            "read & validate": "read",
            "write tables": "write",
            "manifest": "manifest",
        }
        secs: dict[str, float] = {}
        for k, v in result.stage_seconds.items():
            if k.startswith("write:"):  # per-table detail, already inside `write`
                continue
            group = "read" if k.startswith("read:") else k
            secs[group] = secs.get(group, 0.0) + v
        slowest = sorted(
            (
                (k.removeprefix("write:"), v)
                for k, v in result.stage_seconds.items()
                if k.startswith("write:")
            ),
            key=lambda kv: -kv[1],
        )[:6]
        print(f"{name}: slowest writes " + ", ".join(f"{k} {v:.1f}s" for k, v in slowest), flush=True)
        for stage, group in stage_map.items():
            if group not in secs:
                continue
            out_rows.append(
                {
                    "size": name,
                    "bids": counts.get("bids", 0),
                    "records": records,
                    "stage": group,
                    "seconds": secs[group],
                    "peak_mb": mem.peaks.get(stage, 0) / 2**20,
                }
            )
        if "build" in secs:
            out_rows.append(
                {
                    "size": name,
                    "bids": counts.get("bids", 0),
                    "records": records,
                    "stage": "build",
                    "seconds": secs["build"],
                    "peak_mb": 0.0,
                }
            )
        if n_world == 0:  # the session is started once, before the first world
            out_rows.append(
                {
                    "size": name,
                    "bids": counts.get("bids", 0),
                    "records": records,
                    "stage": "spark start",
                    "seconds": start_s,
                    "peak_mb": 0.0,
                }
            )
        out_rows.append(
            {
                "size": name,
                "bids": counts.get("bids", 0),
                "records": records,
                "stage": "total",
                "seconds": total,
                "peak_mb": max(mem.peaks.values(), default=0) / 2**20,
                "floor_s": floor_s,
                "floor_records": floor_records,
            }
        )
    return out_rows


def render(rows: list[dict[str, Any]], master: str, driver_memory: str) -> str:
    when = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    lines = [
        f"Run {when} on {platform.node()} ({os.cpu_count()} CPUs, shared), Spark {master}, driver memory {driver_memory}; "
        "synthetic worlds of `synth` (tenders chosen for the bid count). records/s = source records read / stage "
        "seconds; peak = RSS of the Python process and the Spark JVM while the stage ran (`build` is lazy: its work "
        "is counted in `write`). floor = one pyarrow read of every source file + a Parquet write, no validation.",
        "",
        "| size | bids | source records | stage | seconds | records/s | peak MB | floor s | ETL / floor |",
        "| --- | ---: | ---: | --- | ---: | ---: | ---: | ---: | ---: |",
    ]
    for r in rows:
        floor = r.get("floor_s")
        floor_txt = "" if floor is None else f"{floor:.1f}"
        ratio_txt = "" if floor is None else f"{r['seconds'] / floor:.1f}x"
        lines.append(
            f"| {r['size']} | {r['bids']:,} | {r['records']:,} | {r['stage']} | {r['seconds']:.1f} | "
            f"{r['records'] / r['seconds'] if r['seconds'] else 0:,.0f} | {r['peak_mb']:,.0f} | "
            f"{floor_txt} | {ratio_txt} |"
        )
    for r in rows:
        if r["size"].startswith("CNPJ") and r["stage"] == "total" and r["seconds"]:
            rate = r["records"] / r["seconds"]
            full = sum(FULL_REGISTRY.values())
            lines.append(
                f"\n{r['size']}: {r['records']:,} records in {r['seconds']:,.0f} s ({rate:,.0f} records/s). At that rate the "
                f"full registry ({full / 1e6:.0f}M records: {FULL_REGISTRY['empresas'] / 1e6:.0f}M companies, "
                f"{FULL_REGISTRY['estabelecimentos'] / 1e6:.0f}M establishments, {FULL_REGISTRY['socios'] / 1e6:.0f}M "
                f"partner rows) takes {full / rate / 3600:.1f} h on these cores (linear: the ETL's time grows with the "
                "records once Spark's fixed cost is paid)."
            )
    return "\n".join(lines) + "\n"


def save(text: str, path: Path) -> None:
    doc = path.read_text(encoding="utf-8") if path.exists() else "# Benchmarks\n"
    block = f"{START}\n{text}{END}"
    if START in doc and END in doc:
        head, rest = doc.split(START, 1)
        _, tail = rest.split(END, 1)
        doc = head + block + tail
    else:
        doc = doc.rstrip("\n") + f"\n\n## ETL (`bench/etl.py`)\n{block}\n"
    path.write_text(doc, encoding="utf-8")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", default="10k,100k,1m", help="bid counts, e.g. 10k,100k,1m")
    ap.add_argument("--root", type=Path, default=REPO / "var" / "bench" / "etl")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--master", default="local[2]")
    ap.add_argument("--driver-memory", default="4g")
    ap.add_argument(
        "--cnpj", default="", help="CNPJ registry sizes in companies, e.g. 1m,10m (official format)"
    )
    ap.add_argument("--no-save", action="store_true")
    args = ap.parse_args()
    sizes = [parse_size(s) for s in args.sizes.split(",") if s.strip()]
    args.root.mkdir(parents=True, exist_ok=True)
    cnpj = [parse_size(s) for s in args.cnpj.split(",") if s.strip()]
    rows = run(sizes, args.root, args.seed, args.master, args.driver_memory, cnpj=cnpj)
    text = render(rows, args.master, args.driver_memory)
    print(text)
    if not args.no_save:
        save(text, REPO / "docs" / "benchmarks.md")


if __name__ == "__main__":
    main()
