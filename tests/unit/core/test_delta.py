"""The versioned-tables reader (core/delta.py), the commit of a run's files and vacuum (etl/versions.py) on
small Delta tables (Parquet files written with pyarrow, committed with delta-rs as the ETL does; no Spark):
resolving `--as-of`, reading a table at the version a run pins, keeping the runs the retention covers."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pyarrow as pa
import pytest

from core.delta import (
    RunVersion,
    TableVersion,
    VersionError,
    data_files,
    latest_version,
    parse_as_of,
    read_pandas,
    read_table,
    resolve,
    run_versions,
)


def _runs(tables: Path, runs: list[RunVersion]) -> None:
    (tables / "manifest.json").write_text(json.dumps({"versions": [r.as_dict() for r in runs]}), encoding="utf-8")


def _write(table: Path, run: str, *parts: pa.Table) -> None:
    """Parquet files in the run folder `run` of a table, with the side files Spark leaves beside them."""
    import pyarrow.parquet as pq

    (table / run).mkdir(parents=True)
    for i, t in enumerate(parts):
        pq.write_table(t, table / run / f"part-{i:05d}.parquet")
        (table / run / f".part-{i:05d}.parquet.crc").write_bytes(b"crc")
    (table / run / "_SUCCESS").touch()


def _two_versions(tables: Path) -> tuple[RunVersion, RunVersion]:
    """rels/BID written twice (3 rows in two files, then 2), each commit one run version a day apart."""
    from etl.versions import commit

    path = tables / "rels" / "BID"
    _write(path, "run-1", pa.table({"src": ["a", "b"], "dst": ["x", "x"]}), pa.table({"src": ["c"], "dst": ["y"]}))
    t0 = commit(path, "run-1")
    _write(path, "run-2", pa.table({"src": ["a", "d"], "dst": ["x", "z"]}))
    t1 = commit(path, "run-2")
    assert (t0.version, t1.version) == (0, 1) and t1 == latest_version(path)
    day = datetime(2026, 3, 1, 3, 0, tzinfo=UTC)
    r1 = RunVersion(1, day.isoformat(), {"rels/BID": t0})
    r2 = RunVersion(2, (day + timedelta(days=1)).isoformat(), {"rels/BID": t1})
    _runs(tables, [r1, r2])
    return r1, r2


def test_parse_as_of_takes_a_number_a_date_or_a_moment() -> None:
    assert parse_as_of("12") == 12
    assert parse_as_of("2026-03-31") == datetime(2026, 3, 31, 23, 59, 59, 999999, tzinfo=UTC)  # end of that day
    assert parse_as_of("2026-03-31T12:00") == datetime(2026, 3, 31, 12, 0, tzinfo=UTC)
    assert parse_as_of("2026-03-31T12:00-03:00") == datetime(2026, 3, 31, 15, 0, tzinfo=UTC)
    with pytest.raises(VersionError, match="neither a run version"):
        parse_as_of("last march")


def test_each_run_version_reads_its_own_rows(tmp_path: Path) -> None:
    r1, r2 = _two_versions(tmp_path)
    assert [r.version for r in run_versions(tmp_path)] == [1, 2]
    assert sorted(read_pandas(tmp_path, "rels/BID", at=r1)["src"]) == ["a", "b", "c"]
    assert sorted(read_pandas(tmp_path, "rels/BID", at=r2)["src"]) == ["a", "d"]
    assert sorted(read_pandas(tmp_path, "rels/BID")["src"]) == ["a", "d"]  # the latest run by default
    assert read_table(tmp_path, "rels/BID", columns=["dst", "nope"], at=r1).column_names == ["dst"]
    # by date: the first day reads the first run, a moment on the second day before it ran too
    assert resolve(tmp_path, "2026-03-01") == r1
    assert resolve(tmp_path, "2026-03-02T02:59") == r1
    assert resolve(tmp_path, "2026-03-02") == r2
    with pytest.raises(VersionError, match="no run version committed at or before"):
        resolve(tmp_path, "2026-02-28")
    with pytest.raises(VersionError, match="no run version 3"):
        resolve(tmp_path, "3")
    # the folder holds both versions' files; a version's files are only its own, counted in the log
    assert len(list((tmp_path / "rels/BID").rglob("*.parquet"))) == 3
    assert [(f.rel_path, f.num_rows) for f in data_files(tmp_path / "rels/BID", r1.tables["rels/BID"].version)] == [
        ("run-1/part-00000.parquet", 2), ("run-1/part-00001.parquet", 1)]


def test_a_table_absent_from_a_run_version_is_missing_there(tmp_path: Path) -> None:
    r1, r2 = _two_versions(tmp_path)
    _runs(tmp_path, [r1, RunVersion(2, r2.committed_at, {})])
    with pytest.raises(FileNotFoundError, match="not in run version 2"):
        read_table(tmp_path, "rels/BID")


def test_a_plain_parquet_folder_reads_as_it_is(tmp_path: Path) -> None:
    import pyarrow.parquet as pq

    (tmp_path / "findings").mkdir()
    pq.write_table(pa.table({"id": ["f1", "f2"]}), tmp_path / "findings" / "part-00000.parquet")
    assert list(read_pandas(tmp_path, "findings")["id"]) == ["f1", "f2"]
    with pytest.raises(FileNotFoundError):
        read_table(tmp_path, "risk")


def test_vacuum_keeps_the_runs_current_within_the_retention(tmp_path: Path) -> None:
    from etl.versions import kept_runs, vacuum

    def run(n: int, at: datetime) -> RunVersion:
        return RunVersion(n, at.isoformat(), {"rels/BID": TableVersion(n - 1, at.isoformat())})

    now = datetime(2026, 6, 1, tzinfo=UTC)
    runs = [run(1, now - timedelta(days=100)), run(2, now - timedelta(days=40)), run(3, now - timedelta(days=5))]
    # 30 days back, run 2 was the current one: it stays; run 1 was replaced 40 days ago
    assert [r.version for r in kept_runs(runs, 30, now)] == [2, 3]
    assert [r.version for r in kept_runs(runs, 1, now)] == [3]
    assert [r.version for r in kept_runs(runs, 365, now)] == [1, 2, 3]

    _, r2 = _two_versions(tmp_path)
    now = datetime.fromisoformat(r2.committed_at) + timedelta(days=10)
    assert vacuum(tmp_path, retention_days=30, now=now).removed_files == 0
    res = vacuum(tmp_path, retention_days=5, now=now)
    assert (res.kept, res.dropped, res.removed_files) == ([2], [1], 2)  # run 1 had two files
    assert [r.version for r in run_versions(tmp_path)] == [2]
    assert sorted(read_pandas(tmp_path, "rels/BID")["src"]) == ["a", "d"]
    # the first run's folder is gone, Spark's side files with it
    assert sorted(p.name for p in (tmp_path / "rels/BID").iterdir()) == ["_delta_log", "run-2"]


def test_a_commit_is_a_delta_version_others_can_read(tmp_path: Path) -> None:
    """What `commit` writes is a plain Delta table: delta-rs reads each version with its own schema (a later
    run may add a column), the log keeps old logs, an empty run commits its empty file."""
    from deltalake import DeltaTable

    from etl.versions import commit

    path = tmp_path / "nodes" / "Tender"
    _write(path, "run-a", pa.table({"id": ["t1", "t2"]}))
    commit(path, "run-a")
    _write(path, "run-b", pa.table({"id": ["t3"], "year": pa.array([2025], pa.int32())}))
    commit(path, "run-b")
    _write(path, "run-c", pa.table({"id": pa.array([], pa.string()), "year": pa.array([], pa.int32())}))
    commit(path, "run-c")
    assert DeltaTable(str(path), version=0).to_pyarrow_table().to_pydict() == {"id": ["t1", "t2"]}
    assert DeltaTable(str(path), version=1).to_pyarrow_table().to_pydict() == {"id": ["t3"], "year": [2025]}
    latest = DeltaTable(str(path))
    assert latest.version() == 2 and latest.to_pyarrow_table().num_rows == 0
    assert latest.metadata().configuration.get("delta.enableExpiredLogCleanup") == "false"
    stats = pa.table(DeltaTable(str(path), version=0).get_add_actions(flatten=True)).to_pylist()
    assert [a["num_records"] for a in stats] == [2]
    with pytest.raises(FileNotFoundError, match="no Parquet file"):
        (path / "run-d").mkdir()
        commit(path, "run-d")


def test_vacuum_removes_files_no_commit_names_once_they_are_old(tmp_path: Path) -> None:
    """A run that failed between Spark's write and its commit leaves a run folder no version names: vacuum
    removes it after the grace, not while it may be a write still going on."""
    import os
    import time

    from etl.versions import UNTRACKED_GRACE_HOURS, vacuum

    _two_versions(tmp_path)
    path = tmp_path / "rels" / "BID"
    _write(path, "run-failed", pa.table({"src": ["z"], "dst": ["z"]}))
    assert vacuum(tmp_path, retention_days=3650).removed_files == 0
    assert (path / "run-failed" / "part-00000.parquet").exists()
    old = time.time() - (UNTRACKED_GRACE_HOURS + 1) * 3600
    os.utime(path / "run-failed" / "part-00000.parquet", (old, old))
    res = vacuum(tmp_path, retention_days=3650)
    assert res.removed_files == 1 and res.dropped == []
    assert not (path / "run-failed").exists()
    assert sorted(read_pandas(tmp_path, "rels/BID", at=resolve(tmp_path, "1"))["src"]) == ["a", "b", "c"]
