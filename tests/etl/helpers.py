"""Helpers shared by the ETL integration tests: reading the written tables back, sorted."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from core.tables import ALL_TABLES


def read(spark: Any, out: Path, path: str) -> Any:
    """The table `path` of the tables folder `out`, at the version the manifest's latest run pins (the ETL
    writes Delta tables: a plain Parquet read would also see the files of older versions)."""
    from etl.versions import read_spark

    return read_spark(spark, out, path)


def table_rows(spark: Any, out: Path, path: str) -> list[tuple[Any, ...]]:
    df = read(spark, out, path)
    return sorted((tuple(r) for r in df.collect()), key=lambda t: tuple(repr(v) for v in t))


def all_tables(spark: Any, out: Path) -> dict[str, list[tuple[Any, ...]]]:
    tables = {spec.name: table_rows(spark, out, spec.path) for spec in ALL_TABLES}
    tables["rejects"] = table_rows(spark, out, "rejects")
    return tables


def by_id(spark: Any, out: Path, label: str) -> dict[str, Any]:
    return {r["id"]: r for r in read(spark, out, f"nodes/{label}").collect()}


def rels(spark: Any, out: Path, type_: str) -> list[Any]:
    return read(spark, out, f"rels/{type_}").collect()
