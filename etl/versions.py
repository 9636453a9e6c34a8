"""The graph tables' versions over time: vacuuming old versions, and exporting one version as a tables folder.

Retention (`LICITAGRAPH_TABLES_RETENTION_DAYS`): every run version that was the current one at some
moment of the last N days stays readable; so does the latest, always. Vacuum keeps, in every Delta table,
the files of the Delta versions those runs pin and removes the others (delta-rs `vacuum` with the kept
versions named), then drops the runs no longer readable from the manifest. It runs after each ETL run and
by `licitagraph etl-vacuum`.
"""

from __future__ import annotations

import json
import logging
import shutil
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from core.delta import (
    LOG_DIR,
    MANIFEST,
    RunVersion,
    TableVersion,
    VersionError,
    cutoff,
    data_files,
    is_delta,
    read_dataset,
    read_manifest,
    resolve,
    run_versions,
)

log = logging.getLogger(__name__)


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
    """Every Delta table under a tables folder."""
    return sorted(p.parent for p in tables.rglob(LOG_DIR) if p.is_dir())


def vacuum(tables: Path, retention_days: float | None = None, now: datetime | None = None) -> VacuumResult:
    """Remove the data files only run versions older than the retention use; see the module's docstring."""
    from deltalake import DeltaTable

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
        dt = DeltaTable(str(path))
        if not keep:
            keep = [int(dt.version())]
        removed = dt.vacuum(retention_hours=0, dry_run=False, enforce_retention_duration=False,
                            keep_versions=keep)
        result.removed_files += len(removed)
    if result.dropped:
        _write_versions(tables, [r for r in runs if r in kept])
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
    loading more sources into."""
    from deltalake import write_deltalake

    at = resolve(tables, as_of)
    if at is None:
        raise VersionError(f"{tables}: no run versions recorded (run `licitagraph etl` first)")
    if out.exists() and any(out.iterdir()):
        raise VersionError(f"{out} is not empty: --as-of writes a new tables folder")
    if out.resolve() == tables.resolve():
        raise VersionError("--as-of --out must be another folder than the tables'")
    out.mkdir(parents=True, exist_ok=True)
    copied: dict[str, TableVersion] = {}
    for rel, tv in at.tables.items():
        src = tables / rel
        if not is_delta(src):
            continue
        t = read_dataset(src, tv.version)
        write_deltalake(str(out / rel), t, mode="overwrite")
        copied[rel] = TableVersion(0, tv.committed_at)
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
