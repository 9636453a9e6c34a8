"""Findings and risk scores as table rows and Parquet files: the one place where a `Finding` or a
`RiskScore` becomes a row of the `findings` / `risk` tables of core/tables.py, and back.

Every writer (detectors/run.py for `licitagraph detect`, gnn/predict.py, the API test world) and every
reader (detect's rerun merge, graph/findings.py loading Neo4j) goes through here, so the files of one
`<tables>/findings/` folder always share one schema.

The rules, taken from what `licitagraph detect` has always written (its files do not change):

- JSON columns (`measures_json`, `details_json`, `reasons_json`): `json.dumps(value, ensure_ascii=False,
  default=str)`: Portuguese text stays readable (no `\\u00e7`), keys keep their insertion order (no
  `sort_keys`), and a value JSON cannot hold (a date, a Decimal) is written as `str(value)`.
- Timestamps (`created_at`): a finding's `created_at` must be time-zone aware; it is converted to UTC.
  A naive datetime is rejected (ValueError) rather than guessed. On disk the column is Arrow
  `timestamp[us]` holding the UTC instant without a zone, as detect has always written it (`TIMESTAMP_TYPE`,
  the one place to change that); reading gives an aware UTC datetime back, whatever the file holds
  (an older file with zoned or nanosecond timestamps reads the same).
- The Arrow schema is derived from the table specs (`FINDINGS`, `RISK`): same columns, order, types and
  nullability; nothing else defines it.
- One row per finding id: when a list holds the same `Finding.id` twice, the last one wins (at the first
  one's position), so reruns update a finding instead of duplicating it.
"""

from __future__ import annotations

import json
import math
import shutil
from collections.abc import Iterable, Iterator, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from core import arrow as core_arrow
from core.arrow import NAIVE_TIMESTAMP
from core.domain import Evidence, Finding, Measure, RiskScore, Subject
from core.tables import FINDINGS, RISK, VERDICTS, TableSpec

# UTC instants, stored without a zone (what `licitagraph detect` writes); see the module docstring.
TIMESTAMP_TYPE = NAIVE_TIMESTAMP


def arrow_schema(spec: TableSpec) -> pa.Schema:
    """The Arrow schema of a findings-side table (`FINDINGS`, `RISK`), from its spec."""
    return core_arrow.arrow_schema(spec, zoned_timestamps=False)


FINDINGS_SCHEMA = arrow_schema(FINDINGS)
RISK_SCHEMA = arrow_schema(RISK)


def findings_dir(tables_dir: Path) -> Path:
    return tables_dir / FINDINGS.name


def risk_dir(tables_dir: Path) -> Path:
    return tables_dir / RISK.name


def verdicts_dir(tables_dir: Path) -> Path:
    return tables_dir / VERDICTS.name


# --------------------------------------------------------------------------------------------- encoding
def dumps(value: Any) -> str:
    """The one JSON encoding of the findings tables' JSON columns."""
    return json.dumps(value, ensure_ascii=False, default=str)


def utc(ts: datetime) -> datetime:
    """`ts` in UTC (aware). A naive datetime is an error: its zone would be a guess."""
    if ts.tzinfo is None or ts.tzinfo.utcoffset(ts) is None:
        raise ValueError(f"naive timestamp {ts.isoformat()}: findings need a time-zone aware created_at")
    return ts.astimezone(UTC)


def _stored(ts: datetime) -> pd.Timestamp:
    """The value the `created_at` column stores (UTC, no zone, as `TIMESTAMP_TYPE` says)."""
    t = pd.Timestamp(utc(ts))
    return t.tz_convert(None) if TIMESTAMP_TYPE.tz is None else t


def _read_ts(value: Any) -> datetime:
    t = pd.Timestamp(value)
    t = t.tz_localize(UTC) if t.tzinfo is None else t.tz_convert(UTC)  # stored naive = UTC
    return t.to_pydatetime().replace(tzinfo=UTC)


# --------------------------------------------------------------------------------------------- rows
def finding_row(f: Finding, run_id: str | None = None) -> dict[str, Any]:
    """One row of the `findings` table; `run_id`, when given, replaces the finding's own."""
    return {
        "id": f.id,
        "detector": f.detector,
        "detector_version": f.detector_version,
        "subject_kind": f.subject.kind.value,
        "subject_id": f.subject.id,
        "score": float(f.score),
        "title": f.title,
        "summary": f.evidence.summary,
        "measures_json": dumps([m.model_dump() for m in f.evidence.measures]),
        "node_ids": list(f.evidence.node_ids),
        "details_json": dumps(f.evidence.details),
        "run_id": run_id if run_id is not None else f.run_id,
        "created_at": _stored(f.created_at),
        "tables_version": f.tables_version,
    }


def _missing(v: Any) -> bool:
    return v is None or (isinstance(v, float) and math.isnan(v))


def finding_from_row(row: Mapping[str, Any]) -> Finding:
    """The `Finding` a row of the `findings` table holds (created_at aware, in UTC)."""
    node_ids = row.get("node_ids")
    created = row.get("created_at")
    return Finding(
        detector=row["detector"],
        detector_version=row["detector_version"],
        subject=Subject(kind=row["subject_kind"], id=row["subject_id"]),
        score=float(row["score"]),
        title=row.get("title") or "",
        evidence=Evidence(
            summary=row.get("summary") or "",
            measures=tuple(Measure(**m) for m in json.loads(row.get("measures_json") or "[]")),
            node_ids=tuple(str(n) for n in node_ids) if node_ids is not None else (),
            details=json.loads(row.get("details_json") or "{}"),
        ),
        run_id=None if _missing(row.get("run_id")) else row["run_id"],
        tables_version=None if _missing(row.get("tables_version")) or row.get("tables_version") is pd.NA
        else int(row["tables_version"]),
        **({} if _missing(created) or created is pd.NaT else {"created_at": _read_ts(created)}),
    )


def risk_row(r: RiskScore, run_id: str | None, tables_version: int | None = None) -> dict[str, Any]:
    """One row of the `risk` table."""
    return {
        "subject_kind": r.subject.kind.value,
        "subject_id": r.subject.id,
        "score": float(r.score),
        "n_findings": int(r.n_findings),
        "reasons_json": dumps([x.model_dump() for x in r.reasons]),
        "run_id": run_id,
        "weights_source": r.weights_source,
        "weights_verdicts": int(r.weights_verdicts),
        "tables_version": tables_version,
    }


# --------------------------------------------------------------------------------------------- frames
def findings_frame(findings: Iterable[Finding], run_id: str | None = None) -> pd.DataFrame:
    """The `findings` table as a DataFrame: one row per finding id (the last one wins)."""
    rows: dict[str, dict[str, Any]] = {}
    for f in findings:
        rows[f.id] = finding_row(f, run_id)
    df = pd.DataFrame(list(rows.values()), columns=FINDINGS.column_names)
    df["tables_version"] = pd.array(df["tables_version"], dtype="Int64")
    return df


def risk_frame(scores: Iterable[RiskScore], run_id: str | None, tables_version: int | None = None) -> pd.DataFrame:
    rows = [risk_row(r, run_id, tables_version) for r in scores]
    df = pd.DataFrame(rows, columns=RISK.column_names)
    df["n_findings"] = pd.array(df["n_findings"], dtype="int64")
    df["tables_version"] = pd.array(df["tables_version"], dtype="Int64")
    return df


def to_arrow(df: pd.DataFrame, spec: TableSpec) -> pa.Table:
    return pa.Table.from_pandas(df, schema=arrow_schema(spec), preserve_index=False)


# --------------------------------------------------------------------------------------------- files
def write_file(df: pd.DataFrame, spec: TableSpec, path: Path) -> Path:
    """One Parquet file of the table (the folder is created; other files in it are left alone)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(to_arrow(df, spec), path)
    return path


def replace_dataset(df: pd.DataFrame, spec: TableSpec, folder: Path) -> Path:
    """The table as the only file of `folder` (`part-00000.parquet`), swapped in whole: a reader sees the
    old folder or the new one."""
    tmp = folder.with_name(folder.name + ".tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    write_file(df, spec, tmp / "part-00000.parquet")
    shutil.rmtree(folder, ignore_errors=True)
    tmp.rename(folder)
    return folder


def write_findings(findings: Iterable[Finding], path: Path, run_id: str | None = None) -> Path:
    """`findings` as one Parquet file at `path`."""
    return write_file(findings_frame(findings, run_id), FINDINGS, path)


def parquet_files(path: Path) -> list[Path]:
    """The Parquet files of a table folder (sorted; `_` and `.` entries skipped), or `[path]` for a file."""
    if path.is_file():
        return [path]
    if not path.is_dir():
        return []
    return [
        p
        for p in sorted(path.rglob("*.parquet"))
        if not any(part.startswith(("_", ".")) for part in p.relative_to(path).parts)
    ]


def _conform(batch: pa.RecordBatch, spec: TableSpec, source: Path) -> pa.Table:
    """The batch with the spec's columns in order and types: timestamps to naive UTC microseconds, a
    missing nullable column as nulls, a column typed `null` (all None when pandas wrote it) cast."""
    schema = arrow_schema(spec)
    n = batch.num_rows
    cols = []
    for fld in schema:
        if fld.name not in batch.schema.names:
            if not fld.nullable:
                raise ValueError(f"{source}: required column {fld.name!r} is missing")
            cols.append(pa.nulls(n, fld.type))
            continue
        col = batch.column(fld.name)
        if pa.types.is_timestamp(col.type):
            if col.type.tz:
                col = col.cast(pa.timestamp(col.type.unit))  # zoned -> naive UTC, the same instant
            col = pc.cast(col, pa.timestamp("us"), safe=False)
        else:
            col = col.cast(fld.type)
        cols.append(col)
    return pa.Table.from_arrays(cols, names=schema.names)


def iter_rows(path: Path, spec: TableSpec, batch_size: int = 2000) -> Iterator[list[dict[str, Any]]]:
    """The rows of a table folder (or file), `batch_size` at a time, in file order, as plain dicts in the
    spec's columns: timestamps aware UTC, NaN as None."""
    for file in parquet_files(path):
        for batch in pq.ParquetFile(file).iter_batches(batch_size=batch_size):
            rows = _conform(batch, spec, file).to_pylist()
            for r in rows:
                for k, v in r.items():
                    if isinstance(v, float) and math.isnan(v):
                        r[k] = None
                    elif isinstance(v, datetime):
                        r[k] = v.replace(tzinfo=UTC)
            yield rows


def read_findings(path: Path) -> list[Finding]:
    """The findings of a `findings` folder (or one file); [] when there is none."""
    return [finding_from_row(r) for rows in iter_rows(path, FINDINGS) for r in rows]


def write_verdicts(rows: Iterable[Mapping[str, Any]], tables_dir: Path) -> Path:
    """The verdict labels (`VERDICTS`) as `<tables>/verdicts/`, replaced whole (an empty table when none)."""
    frame = pd.DataFrame(list(rows), columns=VERDICTS.column_names)
    if len(frame):
        frame["at"] = [_stored(_read_ts(v)) if v is not None else None for v in frame["at"]]
    return replace_dataset(frame, VERDICTS, verdicts_dir(tables_dir))


def read_verdicts(tables_dir: Path) -> pd.DataFrame:
    """The verdict labels of a tables folder (an empty frame with the columns when none were exported)."""
    rows = [r for batch in iter_rows(verdicts_dir(tables_dir), VERDICTS) for r in batch]
    return pd.DataFrame(rows, columns=VERDICTS.column_names)
