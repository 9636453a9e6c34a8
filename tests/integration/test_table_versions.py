"""Versioned graph tables: two ETL runs on changed sources commit two run versions; each reads back by
number and by date, `detect --as-of` the old one finds on the old data and records its version, the old
version exports as a folder of its own, and vacuum removes what the retention no longer covers."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from tests.integration.test_etl_incremental import GONE, MARCH, MARCH_V2, _bids, march_sources

pytestmark = [pytest.mark.spark, pytest.mark.slow, pytest.mark.timeout(1800)]

# every tender with at most 3 bidders is a finding, whatever its market: the bidder counts differ between
# the two versions of the March file, so the findings do too
LOW = {"low_competition": {"max_bidders": 3, "baseline_min": 0.0, "min_baseline_tenders": 1,
                           "excluded_modalities": []}}


@pytest.fixture(scope="module")
def versions(shared_data: Path, spark: Any, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    from etl.run import run

    root = tmp_path_factory.mktemp("table_versions")
    src, out, _ = march_sources(shared_data, root)
    r1 = run(src, out, spark=spark)
    time.sleep(1.1)  # the two runs' commit times a second apart at least
    (src / MARCH).write_text(_bids(MARCH_V2, "03"), encoding="utf-8")  # corrected after it was loaded
    r2 = run(src, out, spark=spark)
    return {"root": root, "out": out, "r1": r1, "r2": r2}


def _bidders(df: Any) -> set[str]:
    return set(df["src"])


def test_each_run_commits_a_version_of_every_table(versions: dict[str, Any]) -> None:
    from core.delta import run_versions

    out = versions["out"]
    runs = run_versions(out)
    assert [r.version for r in runs] == [1, 2] == [versions["r1"].version, versions["r2"].version]
    first, second = runs
    assert {"nodes/Tender", "rels/BID", "rejects"} <= set(first.tables) <= set(second.tables)
    # the changed file rebuilt BID: a newer Delta version, committed after the first
    assert second.tables["rels/BID"].version > first.tables["rels/BID"].version
    assert second.tables["rels/BID"].committed_at > first.tables["rels/BID"].committed_at
    assert first.committed_at < second.committed_at
    # real Delta tables: delta-rs reads Delta versions 0 and 1 of BID, each the rows of its run, from files in
    # the run's own folder; old versions' logs are kept (only vacuum removes what a version needs)
    from deltalake import DeltaTable

    bid = out / "rels/BID"
    v0, v1 = DeltaTable(str(bid), version=0), DeltaTable(str(bid), version=1)
    assert (first.tables["rels/BID"].version, second.tables["rels/BID"].version) == (0, 1)
    assert v0.to_pyarrow_table().num_rows == versions["r1"].tables["BID"]
    assert v1.to_pyarrow_table().num_rows == versions["r2"].tables["BID"]
    folders = [{Path(f).relative_to(bid).parts[0] for f in v.file_uris()} for v in (v0, v1)]
    assert all(len(f) == 1 and next(iter(f)).startswith("run-") for f in folders) and folders[0] != folders[1]
    assert DeltaTable(str(bid)).metadata().configuration.get("delta.enableExpiredLogCleanup") == "false"


def test_both_versions_read_back_by_number_and_by_date(versions: dict[str, Any]) -> None:
    from core.delta import VersionError, read_pandas, resolve, run_versions

    out = versions["out"]
    first, second = run_versions(out)
    v1 = read_pandas(out, "rels/BID", at=resolve(out, "1"))
    v2 = read_pandas(out, "rels/BID", at=resolve(out, "2"))
    latest = read_pandas(out, "rels/BID")
    gone = f"supplier:{GONE}"
    assert gone in _bidders(v1) and gone not in _bidders(v2)
    assert "supplier:33683111000107" in _bidders(v2) and "supplier:33683111000107" not in _bidders(v1)
    assert latest.sort_values(["src", "dst"]).reset_index(drop=True).equals(
        v2.sort_values(["src", "dst"]).reset_index(drop=True))
    # the rejects too: the bad check digit was in the first March file only
    assert len(read_pandas(out, "rejects", at=resolve(out, "1"))) == versions["r1"].rejects > 0
    assert len(read_pandas(out, "rejects", at=resolve(out, "2"))) == versions["r2"].rejects == 0
    # by date: a moment between the runs reads the first, today reads the second
    between = datetime.fromisoformat(first.committed_at) + (
        datetime.fromisoformat(second.committed_at) - datetime.fromisoformat(first.committed_at)) / 2
    assert resolve(out, between.isoformat()).version == 1  # type: ignore[union-attr]
    assert resolve(out, datetime.now(UTC).date().isoformat()).version == 2  # type: ignore[union-attr]
    with pytest.raises(VersionError, match="no run version committed"):
        resolve(out, (datetime.fromisoformat(first.committed_at) - timedelta(days=1)).date().isoformat())
    with pytest.raises(VersionError, match="no run version 7"):
        resolve(out, "7")


def test_spark_reads_each_version_from_the_files_delta_rs_lists(versions: dict[str, Any], spark: Any) -> None:
    """Spark has no Delta jar: it reads the Parquet files of the version a run pins, never the folder."""
    from core.delta import resolve
    from etl.versions import read_spark

    out = versions["out"]
    gone = f"supplier:{GONE}"
    old = read_spark(spark, out, "rels/BID", at=resolve(out, "1"))
    new = read_spark(spark, out, "rels/BID")
    assert old.count() == versions["r1"].tables["BID"] and new.count() == versions["r2"].tables["BID"]
    assert old.where(old.src == gone).count() > 0 and new.where(new.src == gone).count() == 0
    # a plain read of the folder: pyarrow (and pandas) would take both runs' rows at once; Spark finds no
    # file (it does not look into folders that are not `column=value` partitions)
    import pyarrow.parquet as pq
    from pyspark.errors import AnalysisException

    assert pq.read_table(out / "rels/BID").num_rows == old.count() + new.count()
    with pytest.raises(AnalysisException, match="UNABLE_TO_INFER_SCHEMA"):
        spark.read.parquet(str(out / "rels/BID"))


def test_graph_loader_files_are_those_of_the_pinned_version(versions: dict[str, Any]) -> None:
    import pyarrow.parquet as pq

    from core.delta import resolve
    from core.tables import table
    from graph.tables_io import table_files

    out = versions["out"]
    spec = table("BID")
    n = {v: sum(pq.ParquetFile(f.path).metadata.num_rows for f in table_files(out, spec, resolve(out, v)))
         for v in ("1", "2")}
    assert n == {"1": versions["r1"].tables["BID"], "2": versions["r2"].tables["BID"]}
    # the folder holds both versions' files; a plain Parquet read would count them all
    on_disk = sum(pq.ParquetFile(p).metadata.num_rows for p in (out / spec.path).rglob("*.parquet"))
    assert on_disk == n["1"] + n["2"]


def test_detect_as_of_the_old_version_finds_on_the_old_data(versions: dict[str, Any], tmp_path: Path) -> None:
    from core import findings_io
    from detectors.run import as_of_dir, run_detectors
    from etl.versions import export

    out = versions["out"]
    old = run_detectors(out, only=["low_competition"], configs=LOW, as_of="1", risk_weights=tmp_path / "none.json")
    new = run_detectors(out, only=["low_competition"], configs=LOW, risk_weights=tmp_path / "none.json")
    assert old.findings and new.findings
    assert {f.tables_version for f in old.findings} == {1}
    assert {f.tables_version for f in new.findings} == {2}
    assert old.findings_path == findings_io.findings_dir(as_of_dir(out, 1))  # apart from the current findings
    stored = findings_io.read_findings(old.findings_path)
    assert {f.tables_version for f in stored} == {1}
    risk = findings_io.iter_rows(findings_io.risk_dir(as_of_dir(out, 1)), findings_io.RISK, 100)
    assert {r["tables_version"] for rows in risk for r in rows} == {1}

    def measured(findings: list[Any]) -> dict[str, Any]:
        return {f.subject.id: {m.name: m.value for m in f.evidence.measures} for f in findings}

    assert measured(old.findings) != measured(new.findings)
    # the same findings as a detect run on the old version exported as a folder of its own
    exported = tmp_path / "v1"
    export(out, "1", exported)
    again = run_detectors(exported, only=["low_competition"], configs=LOW, risk_weights=tmp_path / "none.json")
    assert measured(again.findings) == measured(old.findings)
    assert {f.id for f in again.findings} == {f.id for f in old.findings}


def test_vacuum_removes_the_versions_beyond_retention(versions: dict[str, Any], tmp_path: Path) -> None:
    import shutil

    from core.delta import VersionError, read_pandas, resolve, run_versions
    from etl.versions import vacuum

    out = tmp_path / "tables"
    shutil.copytree(versions["out"], out)
    # a year's retention keeps both (the first was current until the second came, moments ago)
    kept = vacuum(out, retention_days=365)
    assert (kept.kept, kept.dropped, kept.removed_files) == ([1, 2], [], 0)
    from deltalake import DeltaTable

    first_files = DeltaTable(str(out / "rels/BID"), version=0).file_uris()
    assert first_files and all(Path(f).exists() for f in first_files)
    gone = vacuum(out, retention_days=0)
    assert (gone.kept, gone.dropped) == ([2], [1]) and gone.removed_files > 0
    # the first run's files (and its run folder) are gone; the latest version still reads
    assert not any(Path(f).exists() for f in first_files)
    assert not Path(first_files[0]).parent.exists()
    assert [r.version for r in run_versions(out)] == [2]
    with pytest.raises(VersionError, match="no run version 1"):
        resolve(out, "1")
    assert len(read_pandas(out, "rels/BID")) == versions["r2"].tables["BID"]


def test_the_cli_lists_exports_and_detects_as_of(versions: dict[str, Any], tmp_path: Path) -> None:
    from core import findings_io
    from detectors.run import as_of_dir
    from tests.fixtures.graph_db import cli

    out = versions["out"]
    listed = cli("tables", "versions", "--tables", str(out))
    assert listed.returncode == 0 and [line.split("\t")[0] for line in listed.stdout.splitlines()] == ["1", "2"]
    exported = tmp_path / "v1"
    res = cli("etl", "--as-of", "1", "--tables", str(out), "--out", str(exported))
    assert res.returncode == 0, res.stderr
    manifest = json.loads((exported / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["exported_from"]["version"] == 1 and manifest["tables"]["BID"] == versions["r1"].tables["BID"]
    assert cli("etl", "--as-of", "9", "--tables", str(out), "--out", str(tmp_path / "v9")).returncode == 1
    config = tmp_path / "low.json"
    config.write_text(json.dumps(LOW), encoding="utf-8")
    assert cli("detect", "--tables", str(out), "--as-of", "1", "--neo4j").returncode == 2  # old findings stay apart
    res = cli("detect", "--tables", str(out), "--as-of", "1", "--only", "low_competition", "--config", str(config))
    assert res.returncode == 0, res.stderr
    assert "tables version 1" in res.stdout
    stored = findings_io.read_findings(findings_io.findings_dir(as_of_dir(out, 1)))
    assert stored and {f.tables_version for f in stored} == {1}
