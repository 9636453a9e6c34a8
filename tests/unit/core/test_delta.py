"""The versioned-tables reader (core/delta.py) and vacuum (etl/versions.py) on small Delta tables written
with delta-rs (no Spark): resolving `--as-of`, reading a table at the version a run pins, keeping the runs
the retention covers."""

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


def _two_versions(tables: Path) -> tuple[RunVersion, RunVersion]:
    """rels/BID written twice (3 rows, then 2), each write one run version a day apart."""
    from deltalake import write_deltalake

    path = tables / "rels" / "BID"
    write_deltalake(str(path), pa.table({"src": ["a", "b", "c"], "dst": ["x", "x", "y"]}), mode="overwrite")
    t0 = latest_version(path)
    write_deltalake(str(path), pa.table({"src": ["a", "d"], "dst": ["x", "z"]}), mode="overwrite")
    t1 = latest_version(path)
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
    # the folder holds both versions' files; a version's files are only its own
    assert len(list((tmp_path / "rels/BID").glob("*.parquet"))) == 2
    assert [f.num_rows for f in data_files(tmp_path / "rels/BID", r1.tables["rels/BID"].version)] == [3]


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
    assert (res.kept, res.dropped, res.removed_files) == ([2], [1], 1)
    assert [r.version for r in run_versions(tmp_path)] == [2]
    assert sorted(read_pandas(tmp_path, "rels/BID")["src"]) == ["a", "d"]
    assert len(list((tmp_path / "rels/BID").glob("*.parquet"))) == 1
