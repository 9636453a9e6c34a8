"""The ETL and the GraphFrames detectors on a real Spark standalone cluster give what local mode gives.

A private cluster (tests/fixtures/spark_cluster.py: a master and two 1-core workers, started the way
`licitagraph services up --spark` starts them) runs `licitagraph etl` and `licitagraph detect --engine
graphframes` as separate processes, once with LICITAGRAPH_SPARK_MASTER=local[2] and once with the cluster's
spark:// URL; every Parquet table the runs write must hold the same rows (order aside), and so must the
findings and the risk table. (Where the GraphFrames jar cannot be resolved from Maven Central, the engine
runs its Spark DataFrame algorithms: still on the cluster.)

The synthetic world and the Receita CNPJ zips run with the driver's scratch folder (TMPDIR) on the
filesystem the workers share, which checks the cluster path itself (executors' Python, scratch folders,
ports, the session's settings). Where mount namespaces can be made, the Receita run hides the driver's
scratch folder from the workers, as on separate machines.
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
CNPJ_ZIPS = ("Empresas0", "Empresas1", "Estabelecimentos0", "Socios0", "Simples", "Municipios", "Qualificacoes",
             "Cnaes", "Naturezas", "Motivos", "Paises")
# columns that hold the wall-clock time of the run that wrote them, not data
RUN_TIME_COLUMNS = {"created_at"}

TIMINGS: dict[str, float] = {}


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ClusterUnderTest]:
    yield from start_cluster(tmp_path_factory.mktemp("spark_cluster"))


@pytest.fixture(scope="module")
def synth_sources(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from synth import generate

    src = tmp_path_factory.mktemp("cluster_synth") / "sources"
    generate(src, seed=5, tenders=80)
    return src


@pytest.fixture(scope="module")
def receita_sources(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The Receita Federal test files (zipped, as published) and the TOM crosswalk from ../shared."""
    mr = REPO.parent / "shared" / "data" / "formats" / "cnpj_receita" / "minha-receita_testdata"
    if not (mr / "Empresas0.zip").is_file():
        pytest.skip(f"no Receita CNPJ zips under {mr}")
    src = tmp_path_factory.mktemp("cluster_receita") / "sources"
    (src / "cnpj").mkdir(parents=True)
    for name in CNPJ_ZIPS:
        if (mr / f"{name}.zip").is_file():
            (src / "cnpj" / f"{name}.zip").symlink_to(mr / f"{name}.zip")
    (src / "cnpj" / "tabmun.csv").symlink_to(mr / "tabmun.csv")
    return src


def _run(args: list[str], master: str, tmpdir: Path, what: str) -> subprocess.CompletedProcess[str]:
    """Run `python -m licitagraph ARGS` against `master` with TMPDIR=`tmpdir`; its time goes to TIMINGS."""
    tmpdir.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "LICITAGRAPH_SPARK_MASTER": master, "TMPDIR": str(tmpdir), "PYTHONPATH": str(REPO)}
    t0 = time.monotonic()
    proc = subprocess.run(
        [sys.executable, "-m", "licitagraph", *args], cwd=REPO, env=env, capture_output=True, text=True,
        timeout=1500,
    )
    TIMINGS[what] = time.monotonic() - t0
    return proc


def _licitagraph(args: list[str], master: str, tmpdir: Path, what: str) -> None:
    proc = _run(args, master, tmpdir, what)
    assert proc.returncode == 0, f"{what} failed (exit {proc.returncode}):\n{proc.stderr[-4000:]}"


def _datasets(root: Path) -> dict[str, list[Path]]:
    """Every Parquet dataset under `root`: the folder (relative) -> its files (partition folders included)."""
    out: dict[str, list[Path]] = {}
    for f in sorted(root.rglob("*.parquet")):
        rel = f.relative_to(root)
        # a dataset is the first folder level that is not a Hive partition (`key=value`)
        parts = list(rel.parent.parts)
        while parts and "=" in parts[-1]:
            parts.pop()
        out.setdefault("/".join(parts), []).append(f)
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


def test_synth_world_etl_and_detect_match_local_mode(
    cluster: ClusterUnderTest, synth_sources: Path, tmp_path: Path
) -> None:
    local, remote = tmp_path / "local", tmp_path / "cluster"
    _licitagraph(["etl", "--sources", str(synth_sources), "--out", str(local)], "local[2]", tmp_path / "tmp",
                 "etl synth local[2]")
    _licitagraph(["etl", "--sources", str(synth_sources), "--out", str(remote)], cluster.url,
                 cluster.shared_tmp / "synth", "etl synth cluster")
    n = assert_same_tables(local, remote)
    assert n > 500  # a world of 80 tenders: agencies, firms, partners, tenders, items, bids

    run = ["detect", "--engine", "graphframes", "--run-id", "cluster-check"]
    _licitagraph([*run, "--tables", str(local)], "local[2]", tmp_path / "tmp-local", "detect synth local[2]")
    _licitagraph([*run, "--tables", str(remote)], cluster.url, cluster.shared_tmp / "synth", "detect synth cluster")
    findings = _datasets(local)
    assert any(name.startswith("findings") for name in findings), sorted(findings)
    assert_same_tables(local, remote)
    # the executors did the work: the application ran on the cluster's workers
    apps = list((cluster.cluster.dir).glob("worker-*/work/app-*"))
    assert apps, "no application folder in any worker's work dir"
    print("\n" + "\n".join(f"{k}: {v:.1f} s" for k, v in TIMINGS.items()))


@pytest.fixture(scope="module")
def receita_local(receita_sources: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The Receita files through the ETL in local mode, once for the two cluster runs below."""
    root = tmp_path_factory.mktemp("receita_local")
    _licitagraph(["etl", "--sources", str(receita_sources), "--out", str(root / "tables")], "local[2]",
                 root / "tmp", "etl receita local[2]")
    return root / "tables"


def test_receita_zips_etl_matches_local_mode(
    cluster: ClusterUnderTest, receita_sources: Path, receita_local: Path, tmp_path: Path
) -> None:
    remote = tmp_path / "cluster"
    # where mount namespaces can be made, the driver's scratch folder is one the workers cannot see, as on
    # separate machines: an executor that read a file the driver wrote there would fail the run
    hidden = cluster.hidden is not None
    scratch = cluster.hidden / "receita" if cluster.hidden is not None else cluster.shared_tmp / "receita"
    proc = _run(["etl", "--sources", str(receita_sources), "--out", str(remote)], cluster.url, scratch,
                "etl receita cluster" + (", driver's TMPDIR hidden from the workers" if hidden else ""))
    assert proc.returncode == 0, f"etl on the cluster failed (exit {proc.returncode}):\n{proc.stderr[-4000:]}"
    assert assert_same_tables(receita_local, remote) > 0
    print("\n" + "\n".join(f"{k}: {v:.1f} s" for k, v in TIMINGS.items()))
