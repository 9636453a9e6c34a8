"""Reading the graph tables in batches with pyarrow, as plain rows for the driver.

The graph tables are Delta tables (core/delta.py): the files of a table are those of the Delta version
the manifest's run version pins (the latest run by default), never every Parquet file in the folder."""

from __future__ import annotations

import logging
import math
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from core.delta import RunVersion, data_files, is_delta, pinned, resolve
from core.tables import TableSpec

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class TableFile:
    """One Parquet file of a table, with the fingerprint that says whether it changed."""

    spec: TableSpec
    path: Path
    rel_path: str
    size: int
    mtime_ns: int

    @property
    def key(self) -> str:
        return f"{self.spec.name}|{self.rel_path}|{self.size}|{self.mtime_ns}"

    @property
    def partition_values(self) -> dict[str, str]:
        """Hive-style `col=value` folders (Spark `partitionBy`), which are not columns in the file."""
        out: dict[str, str] = {}
        for part in Path(self.rel_path).parts[:-1]:
            if "=" in part:
                k, _, v = part.partition("=")
                out[k] = v
        return out


def table_dir(tables: Path, spec: TableSpec) -> Path:
    if spec.name in ("findings", "risk", "rejects"):
        return tables / spec.name
    return tables / spec.path


def table_files(tables: Path, spec: TableSpec, at: RunVersion | None = None) -> list[TableFile]:
    """The Parquet files of the table as the run version `at` pins it (the latest run when None)."""
    d = table_dir(tables, spec)
    if not d.is_dir():
        return []
    rel = d.relative_to(tables).as_posix()
    at = at if at is not None else resolve(tables)
    if at is not None and is_delta(d) and at.table(rel) is None:
        return []  # not part of that run version
    files = data_files(d, pinned(tables, rel, at) if is_delta(d) else None)
    return [TableFile(spec, f.path, f.rel_path, f.size, f.mtime_ns) for f in files]


def _clean_value(v: Any) -> Any:
    if isinstance(v, float) and math.isnan(v):
        return None
    if isinstance(v, datetime) and v.tzinfo is None:
        # Spark writes UTC instants; keep them as zoned DateTime in Neo4j.
        return v.replace(tzinfo=UTC)
    return v


def _naive_utc(batch: pa.RecordBatch) -> pa.RecordBatch:
    """Zoned timestamps -> naive UTC before `to_pylist` (building a zoneinfo per value is slow);
    `_clean_value` puts `UTC` back, so Neo4j still gets zoned DateTimes."""
    if not any(pa.types.is_timestamp(f.type) and f.type.tz for f in batch.schema):
        return batch
    cols = []
    for f, col in zip(batch.schema, batch.columns, strict=True):
        if pa.types.is_timestamp(f.type) and f.type.tz:
            col = col.cast(pa.timestamp(f.type.unit))
        cols.append(col)
    return pa.RecordBatch.from_arrays(cols, names=batch.schema.names)


def _columns(tf: TableFile, wanted: list[str]) -> tuple[list[str], dict[str, str]]:
    schema = pq.read_schema(tf.path)
    present = [c for c in wanted if c in schema.names]
    parts = {k: v for k, v in tf.partition_values.items() if k in wanted and k not in schema.names}
    missing = [c for c in wanted if c not in present and c not in parts]
    required = {c.name for c in tf.spec.columns if not c.nullable}
    if set(missing) & required:
        raise ValueError(f"{tf.path}: required column(s) {sorted(set(missing) & required)} are missing")
    if missing:
        log.debug("%s: columns %s absent, loaded as null", tf.path, missing)
    return present, parts


def iter_rows(tf: TableFile, batch_size: int, columns: list[str] | None = None) -> Iterator[list[dict[str, Any]]]:
    """The file's rows as dicts, `batch_size` at a time, in file order (deterministic batch numbers)."""
    wanted = columns or tf.spec.column_names
    present, parts = _columns(tf, wanted)
    pf = pq.ParquetFile(tf.path)
    for batch in pf.iter_batches(batch_size=batch_size, columns=present):
        batch = _naive_utc(batch)
        rows = batch.to_pylist()
        needs_clean = any(
            pa.types.is_floating(f.type) or pa.types.is_timestamp(f.type) for f in batch.schema
        )
        if needs_clean or parts:
            for r in rows:
                if needs_clean:
                    for k, v in r.items():
                        r[k] = _clean_value(v)
                r.update(parts)
        yield rows


def read_columns(tf: TableFile, columns: list[str]) -> pa.Table:
    present, parts = _columns(tf, columns)
    t = pq.read_table(tf.path, columns=present)
    for k, v in parts.items():
        t = t.append_column(k, pa.array([v] * t.num_rows, pa.string()))
    return t
