"""Versioned graph tables: the one reader of the tables, and the run versions of the ETL manifest
(docs/graph-tables.md#versions).

The ETL writes every graph table (and the rejects and lookups) as a Delta Lake table: a folder with one
subfolder of Parquet files per ETL run that wrote it (`run-<id>/part-*.parquet`) plus `_delta_log/`, the
ordered list of commits that says which files make up each version. A run adds a version that replaces
the files of the one before; the old files stay until a vacuum removes them. Each ETL run records, in
`<tables>/manifest.json` under `versions`, a run version (1, 2, ...) that maps every table to its Delta
version and commit time. Readers resolve a run version (the latest by default) and read each table at the
Delta version the run pins, so a reader sees one whole run, never half of one still being written. A plain
Parquet read of a table folder would read every kept version's files at once: read through here.

Delta tables are read with delta-rs (the `deltalake` package): it replays the log (JSON commits and
Parquet checkpoints), checks the table's protocol (a reader feature it does not know is an error rather
than a silent wrong answer), finds a version by number or time and vacuums, without a JVM. Spark reads a
version's files as delta-rs lists them (`version_files`, `etl.versions.read_spark`), so no Delta jar is needed. A folder without
`_delta_log` (findings, risk, a tables folder written before versions) is read as plain Parquet.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd
    import pyarrow as pa

LOG_DIR = "_delta_log"
MANIFEST = "manifest.json"


class VersionError(ValueError):
    """An `--as-of` that names no readable version; the message says which exist."""


def is_delta(path: Path) -> bool:
    return (path / LOG_DIR).is_dir()


@dataclass(frozen=True)
class TableVersion:
    """One table's Delta version, and when it was committed (ISO 8601, UTC)."""

    version: int
    committed_at: str


@dataclass(frozen=True)
class RunVersion:
    """What one ETL run committed: its run version and, per table path (`nodes/Tender`, `rejects`,
    `lookups/empresas`), the Delta version it pins. A table absent from `tables` did not exist then."""

    version: int
    committed_at: str
    tables: dict[str, TableVersion]

    def table(self, rel: str) -> TableVersion | None:
        return self.tables.get(rel)

    def as_dict(self) -> dict[str, Any]:
        return {
            "version": self.version,
            "committed_at": self.committed_at,
            "tables": {k: {"version": v.version, "committed_at": v.committed_at} for k, v in self.tables.items()},
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> RunVersion:
        return cls(
            int(d["version"]),
            str(d["committed_at"]),
            {k: TableVersion(int(v["version"]), str(v["committed_at"])) for k, v in d.get("tables", {}).items()},
        )


def read_manifest(tables: Path) -> dict[str, Any]:
    p = tables / MANIFEST
    if not p.exists():
        return {}
    data: dict[str, Any] = json.loads(p.read_text(encoding="utf-8"))
    return data


def run_versions(tables: Path) -> list[RunVersion]:
    """The run versions still readable, oldest first."""
    return [RunVersion.from_dict(d) for d in read_manifest(tables).get("versions", [])]


_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def parse_as_of(as_of: str) -> int | datetime:
    """`--as-of`: a run version (`3`), a date (`2026-03-31`: the data as it stood at the end of that day,
    UTC) or an ISO date-time (`2026-03-31T12:00`, UTC when it has no zone)."""
    s = as_of.strip()
    if s.isdigit():
        return int(s)
    try:
        if _DATE.match(s):
            return datetime.combine(date.fromisoformat(s), time.max, tzinfo=UTC)
        t = datetime.fromisoformat(s.replace("Z", "+00:00"))
    except ValueError:
        raise VersionError(
            f"--as-of {as_of!r} is neither a run version (a number) nor a date (YYYY-MM-DD[THH:MM[:SS]])"
        ) from None
    return t if t.tzinfo else t.replace(tzinfo=UTC)


def resolve(tables: Path, as_of: str | int | datetime | None = None) -> RunVersion | None:
    """The run version `as_of` names: None for the latest, a run version number, or a moment (the last
    run committed at or before it). None when the folder has no run versions (written before versions,
    or by the simulator): readers then read each table's latest version."""
    runs = run_versions(tables)
    if as_of is None:
        return runs[-1] if runs else None
    want = parse_as_of(as_of) if isinstance(as_of, str) else as_of
    known = ", ".join(f"{r.version} ({r.committed_at})" for r in runs) or "none"
    if isinstance(want, int):
        for r in runs:
            if r.version == want:
                return r
        raise VersionError(
            f"{tables}: no run version {want}; readable versions: {known} (older ones are vacuumed, "
            "setting LICITAGRAPH_TABLES_RETENTION_DAYS)"
        )
    at = want if want.tzinfo else want.replace(tzinfo=UTC)
    before = [r for r in runs if _instant(r.committed_at) <= at]
    if not before:
        raise VersionError(f"{tables}: no run version committed at or before {at.isoformat()}; readable: {known}")
    return before[-1]


def _instant(iso: str) -> datetime:
    t = datetime.fromisoformat(iso)
    return t if t.tzinfo else t.replace(tzinfo=UTC)


def pinned(tables: Path, rel: str, at: RunVersion | None) -> int | None:
    """The Delta version of the table `rel` that `at` pins (None: the latest, or a plain Parquet folder).
    Raises FileNotFoundError when `at` holds no such table."""
    if at is None:
        return None
    tv = at.table(rel)
    if tv is None:
        raise FileNotFoundError(f"{tables / rel}: not in run version {at.version}")
    return tv.version


def exists(tables: Path, rel: str, at: RunVersion | None = None) -> bool:
    """Whether the table `rel` has data to read at `at` (the latest run when None)."""
    at = at if at is not None else resolve(tables)
    path = tables / rel
    if at is not None and is_delta(path):
        return at.table(rel) is not None
    return path.exists()


# ------------------------------------------------------------------------------------------ data files
@dataclass(frozen=True)
class DataFile:
    """One Parquet file of a table version."""

    path: Path
    rel_path: str  # inside the table folder
    size: int
    mtime_ns: int
    partition_values: dict[str, str]
    num_rows: int | None  # from the Delta log's statistics, when it has them


def data_files(path: Path, version: int | None = None) -> list[DataFile]:
    """The Parquet files that make up the table at `path` (its Delta `version`; the latest when None; every
    file of a plain Parquet folder, `_` and `.` entries skipped), sorted by path."""
    if not path.is_dir():
        return []
    if not is_delta(path):
        out = []
        for p in sorted(path.rglob("*.parquet")):
            rel = p.relative_to(path)
            if any(part.startswith(("_", ".")) for part in rel.parts):
                continue
            st = p.stat()
            parts = dict(part.split("=", 1) for part in rel.parts[:-1] if "=" in part)
            out.append(DataFile(p, rel.as_posix(), st.st_size, st.st_mtime_ns, parts, None))
        return out
    from urllib.parse import unquote

    import pyarrow as pa

    actions = pa.table(_delta_table(path, version).get_add_actions(flatten=True)).to_pylist()
    files = []
    for a in actions:
        name = unquote(str(a["path"]))
        parts = {k.removeprefix("partition."): "" if v is None else str(v) for k, v in a.items() if k.startswith("partition.")}
        rows = a.get("num_records")
        files.append(
            DataFile(path / name, name, int(a["size_bytes"]), int(a["modification_time"]) * 1_000_000, parts,
                     None if rows is None else int(rows))
        )
    return sorted(files, key=lambda f: f.rel_path)


def _delta_table(path: Path, version: int | None) -> Any:
    from deltalake import DeltaTable

    try:
        return DeltaTable(str(path), version=version)
    except Exception as exc:  # delta-rs raises its own types for a missing version or a bad log
        raise VersionError(f"{path}: cannot open Delta version {version if version is not None else 'latest'}: {exc}") from exc


def latest_version(path: Path) -> TableVersion:
    """The table's newest Delta version and its commit time."""
    dt = _delta_table(path, None)
    v = int(dt.version())
    hist = dt.history(1)
    ts = int(hist[0]["timestamp"]) if hist else 0
    return TableVersion(v, datetime.fromtimestamp(ts / 1000, UTC).isoformat(timespec="milliseconds"))


# ------------------------------------------------------------------------------------------ reading
def read_dataset(path: Path, version: int | None = None, columns: list[str] | None = None) -> pa.Table:
    """The table folder at `path` as an Arrow table: a Delta table at `version` (latest when None), or a
    plain Parquet folder (`version` must then be None)."""
    import pyarrow.parquet as pq

    if is_delta(path):
        ds = _delta_table(path, version).to_pyarrow_dataset()
        cols = None if columns is None else [c for c in columns if c in ds.schema.names]
        return ds.to_table(columns=cols)
    if version is not None:
        raise VersionError(f"{path}: not a Delta table, it has no version {version}")
    return pq.read_table(path, columns=columns)


def read_table(tables: Path, rel: str, *, columns: list[str] | None = None,
               at: RunVersion | None = None) -> pa.Table:
    """The table `rel` (`nodes/Tender`, `rels/BID`, `rejects`, `findings`) of the tables folder, as the
    run version `at` pins it (the latest run when None). Columns absent from the stored table are left out.
    Raises FileNotFoundError when the table does not exist at that version."""
    path = tables / rel
    at = at if at is not None else resolve(tables)
    if is_delta(path):
        return read_dataset(path, pinned(tables, rel, at) if at is not None else None, columns)
    if not path.exists():
        raise FileNotFoundError(str(path))
    import pyarrow.parquet as pq

    if columns is not None:
        files = data_files(path)
        names = set(pq.read_schema(files[0].path).names) if files else set(columns)
        columns = [c for c in columns if c in names]
    return read_dataset(path, None, columns)


def version_files(path: Path, version: int | None = None) -> tuple[list[str], pa.Schema]:
    """The absolute paths (URIs for a remote store) of the Parquet files of the Delta table at `path` in
    its `version` (the latest when None), and its schema: what an engine that knows no Delta (Spark without
    the Delta jar, `etl.versions.read_spark`) needs to read exactly that version."""
    import pyarrow as pa

    dt = _delta_table(path, version)
    return list(dt.file_uris()), pa.schema(dt.schema().to_arrow())


def read_pandas(tables: Path, rel: str, *, columns: list[str] | None = None,
                at: RunVersion | None = None) -> pd.DataFrame:
    """`read_table` as a pandas DataFrame."""
    return read_table(tables, rel, columns=columns, at=at).to_pandas()


def num_rows(path: Path, version: int | None = None) -> int:
    """Rows of a table version, from the Delta log's statistics or the file footers (no data read)."""
    import pyarrow.parquet as pq

    total = 0
    for f in data_files(path, version):
        total += f.num_rows if f.num_rows is not None else pq.ParquetFile(f.path).metadata.num_rows
    return total


def utc_now() -> datetime:
    return datetime.now(UTC)


def cutoff(retention_days: float, now: datetime | None = None) -> datetime:
    return (now or utc_now()) - timedelta(days=retention_days)
