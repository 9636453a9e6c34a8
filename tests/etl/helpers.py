"""Helpers shared by the ETL integration tests: reading the written tables back, sorted."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from core.tables import ALL_TABLES


def table_rows(spark: Any, out: Path, path: str) -> list[tuple[Any, ...]]:
    df = spark.read.parquet(str(out / path))
    return sorted((tuple(r) for r in df.collect()), key=lambda t: tuple(repr(v) for v in t))


def all_tables(spark: Any, out: Path) -> dict[str, list[tuple[Any, ...]]]:
    tables = {spec.name: table_rows(spark, out, spec.path) for spec in ALL_TABLES}
    tables["rejects"] = table_rows(spark, out, "rejects")
    return tables


def by_id(spark: Any, out: Path, label: str) -> dict[str, Any]:
    return {r["id"]: r for r in spark.read.parquet(str(out / "nodes" / label)).collect()}


def rels(spark: Any, out: Path, type_: str) -> list[Any]:
    return spark.read.parquet(str(out / "rels" / type_)).collect()
