"""The ETL and the GraphFrames detectors on a real Spark standalone cluster give what local mode gives.

A private cluster (tests/fixtures/spark_cluster.py: a master and two 1-core workers, started the way
`licitagraph services up --spark` starts them) runs `licitagraph etl` and `licitagraph detect --engine
graphframes` as separate processes, once with LICITAGRAPH_SPARK_MASTER=local[2] and once with the cluster's
spark:// URL; every Parquet table the runs write must hold the same rows (order aside), and so must the
findings and the risk table. (Where the GraphFrames jar cannot be resolved from Maven Central, the engine
runs its Spark DataFrame algorithms: still on the cluster.)

One sources folder holds a small synthetic world and the real Receita CNPJ zips. Where mount namespaces
can be made, the cluster's ETL runs with the driver's scratch folder (TMPDIR) hidden from the workers, as on
separate machines; elsewhere on the filesystem they share.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from tests.fixtures.spark_cluster import ClusterUnderTest, start_cluster

# each test runs two to four Spark applications one after the other (minutes each on a busy 2-core machine)
pytestmark = [pytest.mark.integration, pytest.mark.slow, pytest.mark.spark, pytest.mark.timeout(1800)]

REPO = Path(__file__).resolve().parents[2]
# columns that hold the wall-clock time of the run that wrote them, not data
RUN_TIME_COLUMNS = {"created_at"}

TIMINGS: dict[str, float] = {}


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ClusterUnderTest]:
    yield from start_cluster(tmp_path_factory.mktemp("spark_cluster"))


@pytest.fixture(scope="module")
def sources(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small synthetic world plus the real Receita Federal test zips (as published) and their TOM
    crosswalk from ../shared: one sources folder, so one ETL run per mode covers both."""
    from synth import generate

    src = tmp_path_factory.mktemp("cluster_sources") / "sources"
    generate(src, seed=5, tenders=60)
    mr = REPO.parent / "shared" / "data" / "formats" / "cnpj_receita" / "minha-receita_testdata"
    if (mr / "Empresas0.zip").is_file():
        real = src / "cnpj" / "receita"
        real.mkdir(parents=True)
        for z in sorted(mr.glob("*.zip")):  # every published zip of the test set
            (real / z.name).symlink_to(z)
        (real / "tabmun.csv").symlink_to(mr / "tabmun.csv")
    return src


def _run(args: list[str], master: str, tmpdir: Path, what: str) -> subprocess.CompletedProcess[str]:
    """Run `python -m licitagraph ARGS` against `master` with TMPDIR=`tmpdir`; its time goes to TIMINGS."""
    tmpdir.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "LICITAGRAPH_SPARK_MASTER": master, "TMPDIR": str(tmpdir), "PYTHONPATH": str(REPO)}
    t0 = time.monotonic()
    proc = subprocess.run(
        [sys.executable, "-m", "licitagraph", *args],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=1500,
    )
    TIMINGS[what] = time.monotonic() - t0
    return proc


def _licitagraph(args: list[str], master: str, tmpdir: Path, what: str) -> None:
    proc = _run(args, master, tmpdir, what)
    assert proc.returncode == 0, f"{what} failed (exit {proc.returncode}):\n{proc.stderr[-4000:]}"


def _datasets(root: Path) -> dict[str, list[Path]]:
    """Every Parquet dataset under `root`: the folder (relative) -> its files (partition folders included).
    A Delta table (the ETL's) holds each run's files in a `run-<id>/` folder of its own: its files are
    those of the version the latest run pins (core/delta.py)."""
    from core.delta import data_files, is_delta, pinned, resolve

    out: dict[str, list[Path]] = {}
    for f in sorted(root.rglob("*.parquet")):
        rel = f.relative_to(root)
        # a dataset is the first folder level that is neither a Hive partition (`key=value`) nor a run folder
        parts = list(rel.parent.parts)
        while parts and ("=" in parts[-1] or parts[-1].startswith("run-")):
            parts.pop()
        out.setdefault("/".join(parts), []).append(f)
    at = resolve(root)
    for name in out:
        if is_delta(root / name):
            out[name] = [f.path for f in data_files(root / name, pinned(root, name, at) if at else None)]
    return out


def _rows(files: list[Path], root: Path) -> tuple[set[str], list[str]]:
    """The dataset's columns and its rows as sorted reprs (run-time columns left out)."""
    columns: set[str] = set()
    rows: list[str] = []
    for f in files:
        table = pq.read_table(f)
        # partition values live in the path; keep them with the row
        partition = [p for p in f.relative_to(root).parent.parts if "=" in p]
        keep = [c for c in table.column_names if c not in RUN_TIME_COLUMNS]
        columns.update(f"{c}:{table.schema.field(c).type}" for c in keep)
        rows.extend(repr((partition, r)) for r in table.select(keep).to_pylist())
    return columns, sorted(rows)


def assert_same_tables(local: Path, other: Path) -> int:
    """Every Parquet dataset under `local` and `other` holds the same columns and rows; returns the row count."""
    a, b = _datasets(local), _datasets(other)
    assert sorted(a) == sorted(b), "the runs wrote different tables"
    assert a, f"no Parquet tables under {local}"
    total = 0
    for name in sorted(a):
        cols_a, rows_a = _rows(a[name], local)
        cols_b, rows_b = _rows(b[name], other)
        assert cols_a == cols_b, f"{name}: columns differ"
        assert len(rows_a) == len(rows_b), f"{name}: {len(rows_a)} rows locally, {len(rows_b)} on the cluster"
        diff = [r for r, s in zip(rows_a, rows_b, strict=True) if r != s]
        assert not diff, f"{name}: {len(diff)} rows differ, first: {diff[0][:400]}"
        total += len(rows_a)
    return total


def test_cluster_is_up(cluster: ClusterUnderTest) -> None:
    state = cluster.cluster.master_state()
    assert state is not None and state["status"] == "ALIVE"
    alive = [w for w in state["workers"] if w["state"] == "ALIVE"]
    assert len(alive) == 2 and all(w["cores"] == 1 for w in alive)
    info = cluster.cluster.status()
    assert info["running"] is True and info["registered"] == 2
    print(f"\ncluster start-up: {cluster.startup_s:.1f} s")


def test_etl_and_detect_on_the_cluster_match_local_mode(
    cluster: ClusterUnderTest, sources: Path, tmp_path: Path
) -> None:
    local, remote = tmp_path / "local", tmp_path / "cluster"
    _licitagraph(
        ["etl", "--sources", str(sources), "--out", str(local)], "local[2]", tmp_path / "tmp", "etl local[2]"
    )
    # where mount namespaces can be made, the driver's scratch folder is one the workers cannot see, as on
    # separate machines: an executor that read a file the driver wrote there would fail the run
    hidden = cluster.hidden is not None
    scratch = cluster.hidden / "etl" if cluster.hidden is not None else cluster.shared_tmp / "etl"
    _licitagraph(
        ["etl", "--sources", str(sources), "--out", str(remote)],
        cluster.url,
        scratch,
        "etl cluster" + (", driver's TMPDIR hidden from the workers" if hidden else ""),
    )
    n = assert_same_tables(local, remote)
    assert n > 500  # agencies, firms, partners, tenders, items, bids and the Receita companies
    manifest = (remote / "manifest.json").read_text(encoding="utf-8")
    if (sources / "cnpj" / "receita").is_dir():
        assert "cnpj/receita/Estabelecimentos0.zip" in manifest  # the real zips were read on the workers

    run = ["detect", "--engine", "graphframes", "--run-id", "cluster-check"]
    _licitagraph([*run, "--tables", str(local)], "local[2]", tmp_path / "tmp-local", "detect local[2]")
    _licitagraph(
        [*run, "--tables", str(remote)], cluster.url, cluster.shared_tmp / "detect", "detect cluster"
    )
    findings = _datasets(local)
    assert any(name.startswith("findings") for name in findings), sorted(findings)
    assert_same_tables(local, remote)
    # the executors did the work: the application ran on the cluster's workers
    apps = list((cluster.cluster.dir).glob("worker-*/work/app-*"))
    assert apps, "no application folder in any worker's work dir"
    print("\n" + "\n".join(f"{k}: {v:.1f} s" for k, v in TIMINGS.items()))
