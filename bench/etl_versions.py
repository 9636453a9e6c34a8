"""What versioning the graph tables costs the ETL: the write stage with and without the Delta commits.

One synthetic world (`synth generate`, cached under --root) is loaded into fresh tables folders by one
Spark session, alternately as the ETL does it (Spark writes each table's Parquet files into a new run
folder, then one delta-rs commit per table on the driver: etl/versions.py) and with the commits left out
(the same Parquet files, no Delta log: what the ETL wrote before versions). Per run: the write stage (Spark's
jobs and the commits, tables written side by side), the commits' own time summed over the tables, the
manifest stage (row counts from the log's statistics or the footers) and the vacuum after the run. The
table of medians is printed and saved to `<root>/etl_versions.md`.

    .venv/bin/python bench/etl_versions.py [--tenders 200] [--repeat 2] [--root var/bench/etl-versions]
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

STAGES = ("write", "commit", "manifest", "vacuum", "total")


def sources(root: Path, tenders: int, seed: int) -> Path:
    from synth import generate  # type: ignore[attr-defined]

    folder = root / f"sources-{tenders}"
    if not (folder / "ground_truth.json").exists():
        shutil.rmtree(folder, ignore_errors=True)
        generate(out=folder, seed=seed, tenders=tenders)
    return folder


def one_run(src: Path, tables: Path, spark: Any, commits: bool) -> dict[str, float]:
    import etl.run as pipeline
    from core.delta import TableVersion

    shutil.rmtree(tables, ignore_errors=True)
    real = pipeline._commit
    if not commits:

        def no_commit(path: Path, run_dir: str, result: Any) -> TableVersion:
            return TableVersion(0, datetime.now(UTC).isoformat(timespec="milliseconds"))

        pipeline._commit = no_commit  # type: ignore[assignment]
    try:
        t0 = time.perf_counter()
        result = pipeline.run(src, tables, spark=spark)
        total = time.perf_counter() - t0
    finally:
        pipeline._commit = real  # type: ignore[assignment]
    s = result.stage_seconds
    return {"write": s.get("write", 0.0), "commit": s.get("commit", 0.0), "manifest": s.get("manifest", 0.0),
            "vacuum": s.get("vacuum", 0.0), "total": total}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--tenders", type=int, default=200)
    ap.add_argument("--repeat", type=int, default=2)
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--root", type=Path, default=REPO / "var" / "bench" / "etl-versions")
    ap.add_argument("--master", default="local[2]")
    args = ap.parse_args()

    from etl.spark import get_spark

    args.root.mkdir(parents=True, exist_ok=True)
    src = sources(args.root, args.tenders, args.seed)
    spark = get_spark("licitagraph-bench-etl-versions", master=args.master)
    one_run(src, args.root / "warm-up", spark, commits=False)  # the JVM's first compiles out of the figures
    runs: dict[bool, list[dict[str, float]]] = {True: [], False: []}
    for i in range(args.repeat):
        for commits in (True, False):
            got = one_run(src, args.root / f"tables-{int(commits)}-{i}", spark, commits)
            runs[commits].append(got)
            print(f"run {i + 1} {'delta' if commits else 'parquet'}: "
                  + ", ".join(f"{k} {v:.2f}s" for k, v in got.items()), flush=True)
    spark.stop()
    lines = [
        f"ETL of a synthetic world of {args.tenders} tenders, {args.master}, median of {args.repeat} runs each "
        "(seconds)",
        "",
        "| tables | " + " | ".join(STAGES) + " |",
        "| --- | " + " | ".join("---:" for _ in STAGES) + " |",
    ]
    for commits in (False, True):
        med = {k: statistics.median(r[k] for r in runs[commits]) for k in STAGES}
        lines.append(f"| {'Delta (commits)' if commits else 'plain Parquet'} | "
                     + " | ".join(f"{med[k]:.2f}" for k in STAGES) + " |")
    text = "\n".join(lines) + "\n"
    print(text)
    (args.root / "etl_versions.md").write_text(text, encoding="utf-8")
    for commits in (True, False):
        for i in range(args.repeat):
            shutil.rmtree(args.root / f"tables-{int(commits)}-{i}", ignore_errors=True)
    shutil.rmtree(args.root / "warm-up", ignore_errors=True)


if __name__ == "__main__":
    main()
