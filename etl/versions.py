"""The graph tables' versions over time: committing a run's files as a Delta version, reading a version
with Spark, vacuuming old versions, and exporting one version as a tables folder.

Commit: Spark writes a table's plain Parquet files into a new subfolder of the Delta table's folder
(`run-<id>/`, never one a kept version uses), then `commit` adds them to the Delta log as the table's next
version, one delta-rs transaction on the driver that replaces the previous version's files (they stay on
disk for older versions). Spark needs no Delta jar: it only writes Parquet, and reads a version's files as
delta-rs lists them (`read_spark`).

Retention (`LICITAGRAPH_TABLES_RETENTION_DAYS`): every run version that was the current one at some
moment of the last N days stays readable; so does the latest, always. Vacuum keeps, in every Delta table,
the files of the Delta versions those runs pin and removes the others (delta-rs `vacuum` with the kept
versions named), then drops the runs no longer readable from the manifest. It runs after each ETL run and
by `licitagraph tables vacuum`.
"""

from __future__ import annotations

import json
import logging
import shutil
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from core.delta import (
    LOG_DIR,
    MANIFEST,
    RunVersion,
    TableVersion,
    VersionError,
    cutoff,
    data_files,
    is_delta,
    pinned,
    read_dataset,
    read_manifest,
    resolve,
    run_versions,
    version_files,
)

log = logging.getLogger(__name__)

RUN_DIR_PREFIX = "run-"
# every table the ETL creates: the logs of old versions stay (they are small). Delta's default drops those
# older than 30 days at a checkpoint, and a version whose log is gone cannot be read even when its files are
# kept; the data files are vacuumed by the retention setting instead.
TABLE_CONFIGURATION = {"delta.enableExpiredLogCleanup": "false"}


# ------------------------------------------------------------------------------------------ writing
def commit(table: Path, sub: str) -> TableVersion:
    """Commit the Parquet files under `table/sub` (just written, by Spark or pyarrow) as the next version
    of the Delta table at `table`, replacing the files of the version before (the table is created when
    it has no log yet). The schema is the files' own; each file's row count goes into the log's
    statistics from its footer, so readers count rows without opening the files."""
    import pyarrow.parquet as pq
    from deltalake import DeltaTable
    from deltalake import Schema as DeltaSchema
    from deltalake.transaction import AddAction, RemoveAction, create_table_with_add_actions

    folder = table / sub
    files = sorted(
        p for p in folder.rglob("*.parquet")
        if not any(part.startswith(("_", ".")) for part in p.relative_to(folder).parts)
    )
    if not files:
        raise FileNotFoundError(f"{folder}: no Parquet file to commit")
    actions: list[AddAction] = []
    schema = None
    for p in files:
        st = p.stat()
        meta = pq.ParquetFile(p).metadata
        if schema is None:
            schema = meta.schema.to_arrow_schema()
        actions.append(
            AddAction(
                path=p.relative_to(table).as_posix(),
                size=st.st_size,
                partition_values={},
                modification_time=st.st_mtime_ns // 1_000_000,
                data_change=True,
                stats=json.dumps({"numRecords": meta.num_rows}),
            )
        )
    assert schema is not None
    if not is_delta(table):
        create_table_with_add_actions(str(table), DeltaSchema.from_arrow(schema), actions, mode="error",
                                      configuration=TABLE_CONFIGURATION)
        dt = DeltaTable(str(table))
    else:
        dt = DeltaTable(str(table))
        replace: list[AddAction | RemoveAction] = [*actions]  # overwrite: delta-rs removes the old files
        dt.create_write_transaction(replace, mode="overwrite", schema=schema)
        dt.update_incremental()
    ts = int(dt.history(1)[0]["timestamp"])
    return TableVersion(int(dt.version()), datetime.fromtimestamp(ts / 1000, UTC).isoformat(timespec="milliseconds"))


def read_spark(spark: Any, tables: Path, rel: str, *, at: RunVersion | None = None) -> Any:
    """The table `rel` (`nodes/Tender`, `rejects`, `lookups/empresas`) as a Spark DataFrame, as the run
    version `at` pins it (the latest run when None): Spark reads the Parquet files delta-rs lists for that
    Delta version. A plain Parquet folder (written before versions) is read whole. Raises
    FileNotFoundError when the table does not exist at that version."""
    path = tables / rel
    if not is_delta(path):
        if not path.exists():
            raise FileNotFoundError(str(path))
        return spark.read.parquet(str(path))
    at = at if at is not None else resolve(tables)
    files, schema = version_files(path, pinned(tables, rel, at) if at is not None else None)
    if files:
        return spark.read.parquet(*files)
    from pyspark.sql.pandas.types import from_arrow_schema

    return spark.createDataFrame([], from_arrow_schema(schema))


@dataclass
class VacuumResult:
    kept: list[int] = field(default_factory=list)  # run versions still readable
    dropped: list[int] = field(default_factory=list)  # run versions vacuumed away
    removed_files: int = 0


def kept_runs(runs: list[RunVersion], retention_days: float, now: datetime | None = None) -> list[RunVersion]:
    """The runs that were current at some moment within the retention window: the latest, and each one
    whose successor was committed after the window's start."""
    start = cutoff(retention_days, now)
    kept = []
    for i, r in enumerate(runs):
        nxt = runs[i + 1] if i + 1 < len(runs) else None
        if nxt is None or datetime.fromisoformat(nxt.committed_at) > start:
            kept.append(r)
    return kept


def delta_tables(tables: Path) -> list[Path]:
    """Every Delta table of a tables folder (`rejects`, `nodes/<label>`, `rels/<type>`, `lookups/<name>`)."""
    return sorted(p.parent for pattern in (f"*/{LOG_DIR}", f"*/*/{LOG_DIR}") for p in tables.glob(pattern)
                  if p.is_dir())


# files in a table's folder that no commit names (what a failed run wrote before its commit) are removed
# once they are this old: a younger one may belong to a run still writing
UNTRACKED_GRACE_HOURS = 24


def _is_data_file(rel: str) -> bool:
    name = rel.rsplit("/", 1)[-1]
    return name.endswith(".parquet") and not name.startswith(("_", "."))


def _vacuum_table(path: Path, keep: list[int]) -> int:
    """Vacuum one Delta table, keeping the files of the versions `keep` (and of the latest), with delta-rs:
    the files older versions replaced, then files no commit names that are older than the grace. A vacuum
    is itself a commit, so it runs only when a dry run finds a data file to remove. Returns the number of
    data files removed."""
    from deltalake import DeltaTable

    dt = DeltaTable(str(path))
    keep = keep or [int(dt.version())]
    removed = 0
    for full, hours in ((False, 0), (True, UNTRACKED_GRACE_HOURS)):
        def run(dry: bool, full: bool = full, hours: int = hours) -> list[str]:
            return list(dt.vacuum(retention_hours=hours, dry_run=dry, enforce_retention_duration=False,
                                  keep_versions=keep, full=full))

        # a dry run also lists files removed before (the log keeps their tombstones): count those on disk
        found = [f for f in run(True) if _is_data_file(f) and (path / f).exists()]
        if found:
            run(False)
            dt.update_incremental()
            removed += len(found)
    # a run folder whose data files are all gone keeps Spark's `_SUCCESS` and checksum files: drop it
    # (a folder with `_temporary` is a write still going on)
    for sub in path.glob(f"{RUN_DIR_PREFIX}*"):
        if sub.is_dir() and not (sub / "_temporary").exists() and not any(
            p.name.endswith(".parquet") for p in sub.rglob("*")
        ):
            shutil.rmtree(sub, ignore_errors=True)
    return removed


def vacuum(tables: Path, retention_days: float | None = None, now: datetime | None = None) -> VacuumResult:
    """Remove the data files only run versions older than the retention use; see the module's docstring."""
    if retention_days is None:
        from core.settings import get_settings

        retention_days = get_settings().tables_retention_days
    runs = run_versions(tables)
    result = VacuumResult()
    if not runs:  # no run versions recorded: nothing says which versions readers need
        return result
    kept = kept_runs(runs, retention_days, now)
    result.kept = [r.version for r in kept]
    result.dropped = [r.version for r in runs if r not in kept]
    for path in delta_tables(tables):
        rel = path.relative_to(tables).as_posix()
        keep = sorted({tv.version for r in kept if (tv := r.table(rel)) is not None})
        result.removed_files += _vacuum_table(path, keep)
    if result.dropped:
        _write_versions(tables, [r for r in runs if r in kept])
    if result.dropped or result.removed_files:
        log.info("vacuumed run versions %s (retention %s days); %d files removed",
                 result.dropped, retention_days, result.removed_files)
    return result


def _write_versions(tables: Path, runs: list[RunVersion]) -> None:
    data = read_manifest(tables)
    data["versions"] = [r.as_dict() for r in runs]
    tmp = tables / (MANIFEST + ".tmp")
    tmp.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    tmp.replace(tables / MANIFEST)


def export(tables: Path, as_of: str, out: Path) -> RunVersion:
    """Write the tables of the run version `as_of` into the new folder `out` as a tables folder of their
    own (each table a Delta table whose one version holds that run's rows, the manifest naming that run
    version): what `licitagraph etl --as-of` makes, to load or detect on an old state of the data apart
    from the current one. The source files' entries are not copied: `out` is for reading, not for
    loading more sources into. The version's Parquet files are copied as they are (one run folder per
    table) and committed as version 0."""
    at = resolve(tables, as_of)
    if at is None:
        raise VersionError(f"{tables}: no run versions recorded (run `licitagraph etl` first)")
    if out.exists() and any(out.iterdir()):
        raise VersionError(f"{out} is not empty: --as-of writes a new tables folder")
    if out.resolve() == tables.resolve():
        raise VersionError("--as-of --out must be another folder than the tables'")
    out.mkdir(parents=True, exist_ok=True)
    copied: dict[str, TableVersion] = {}
    run_dir = f"{RUN_DIR_PREFIX}export-v{at.version}"
    for rel, tv in at.tables.items():
        src = tables / rel
        if not is_delta(src):
            continue
        folder = out / rel / run_dir
        folder.mkdir(parents=True)
        for i, f in enumerate(data_files(src, tv.version)):
            name = Path(f.rel_path).name
            shutil.copyfile(f.path, folder / (name if not (folder / name).exists() else f"{i:05d}-{name}"))
        if not any(folder.iterdir()):  # a version without files (not one the ETL writes): its schema, empty
            import pyarrow.parquet as pq

            pq.write_table(read_dataset(src, tv.version), folder / "part-00000-empty.parquet")
        copied[rel] = TableVersion(commit(out / rel, run_dir).version, tv.committed_at)
    for side in ("findings", "risk"):  # the detectors' tables are not versioned; not part of an old run
        shutil.rmtree(out / side, ignore_errors=True)
    source = read_manifest(tables)
    manifest = {
        "version": source.get("version"),
        "files": {},
        "tables": {},
        "exported_from": {"tables": str(tables), "version": at.version, "committed_at": at.committed_at},
        "last_version": at.version,
        "versions": [RunVersion(at.version, at.committed_at, copied).as_dict()],
    }
    counts = {rel: sum(f.num_rows or 0 for f in data_files(out / rel)) for rel in copied}
    manifest["tables"] = {rel.split("/", 1)[1]: n for rel, n in counts.items() if rel.startswith(("nodes/", "rels/"))}
    manifest["rejects"] = counts.get("rejects", 0)
    (out / MANIFEST).write_text(json.dumps(manifest, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return at
