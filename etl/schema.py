"""Spark schemas built from the graph-tables contract (core/tables.py), and the final column selection."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from core.tables import REJECTS, Column, ColumnType, TableSpec

if TYPE_CHECKING:
    from pyspark.sql import Column as SparkColumn
    from pyspark.sql import DataFrame
    from pyspark.sql.types import DataType, StructType


def spark_type(type_: ColumnType) -> DataType:
    from pyspark.sql import types as T

    mapping: dict[str, DataType] = {
        "string": T.StringType(),
        "long": T.LongType(),
        "double": T.DoubleType(),
        "boolean": T.BooleanType(),
        "date": T.DateType(),
        "timestamp": T.TimestampType(),
        "array<string>": T.ArrayType(T.StringType()),
    }
    return mapping[type_]


def spark_schema(spec: TableSpec) -> StructType:
    from pyspark.sql import types as T

    return T.StructType([T.StructField(c.name, spark_type(c.type), c.nullable) for c in spec.columns])


def conform(df: DataFrame, spec: TableSpec) -> DataFrame:
    """Select the spec's columns in its order, cast to its types; a missing column becomes a typed null."""
    return df.select(*[conform_column(df, c) for c in spec.columns])


def conform_column(df: DataFrame, c: Column) -> SparkColumn:
    """The column `c` of the spec from `df`, cast to its type; a typed null when `df` lacks it."""
    from pyspark.sql import functions as F

    t = spark_type(c.type)
    if c.name in df.columns:
        return F.col(c.name).cast(t).alias(c.name)
    return F.lit(None).cast(t).alias(c.name)


def empty(spec: TableSpec) -> DataFrame:
    from pyspark.sql import SparkSession

    spark = SparkSession.getActiveSession()
    assert spark is not None, "no active Spark session"
    return spark.createDataFrame([], spark_schema(spec))


def write_empty(spec: TableSpec, path: Path) -> None:
    """An empty dataset of the spec at `path` (one Parquet file with the schema, and `_SUCCESS`), written
    with pyarrow: Spark would spend a job on it."""
    import pyarrow.parquet as pq

    path.mkdir(parents=True, exist_ok=True)
    from core.arrow import arrow_schema

    pq.write_table(arrow_schema(spec).empty_table(), path / "part-00000-empty.parquet")
    (path / "_SUCCESS").touch()


REJECTS_SPEC = REJECTS
