"""Fold candidate rows into one row per key (node id, or relationship src/dst), last source wins per column.

`_ord` orders the candidates: for each column the value of the highest-`_ord` row that has one is kept
(a source that does not know a property never erases it), and the lineage columns come from the
highest-`_ord` row overall. Rows already in the tables get `_ord = ""`, so a new batch overrides them.
"""

from __future__ import annotations

from functools import reduce

from pyspark.sql import DataFrame, Window
from pyspark.sql import functions as F

from core.tables import TableSpec
from etl.schema import conform, conform_column

LINEAGE = ("source", "source_file")


def keys_of(spec: TableSpec) -> list[str]:
    return ["id"] if spec.kind == "node" else ["src", "dst", "src_label", "dst_label"]


def align(df: DataFrame, spec: TableSpec) -> DataFrame:
    """The spec's columns (typed, in order) plus `_ord`."""
    if "_ord" not in df.columns:
        df = df.withColumn("_ord", F.lit(""))
    return df.select(*[conform_column(df, c) for c in spec.columns], F.col("_ord").cast("string"))


def combine(frames: list[DataFrame], spec: TableSpec) -> DataFrame:
    """One row per key; spec columns in order plus `_ord` (the winning row's)."""
    aligned = [align(f, spec) for f in frames]
    u = reduce(lambda a, b: a.unionByName(b), aligned)
    keys = keys_of(spec)
    u = u.where(F.col(keys[0]).isNotNull())
    if spec.kind == "rel":
        u = u.where(F.col("dst").isNotNull())
    props = [c for c in spec.column_names if c not in keys and c not in LINEAGE]
    aggs = [F.max_by(F.col(c), F.when(F.col(c).isNotNull(), F.col("_ord"))).alias(c) for c in props]
    aggs += [F.max_by(F.col(c), F.col("_ord")).alias(c) for c in LINEAGE]
    aggs.append(F.max("_ord").alias("_ord"))
    return u.groupBy(*keys).agg(*aggs).select(*spec.column_names, "_ord")


def rank_bids(bids: DataFrame) -> DataFrame:
    """BID.rank: dense rank of `value` (lowest = 1) among the item's valid bids; null for the others."""
    valid = (F.col("status") == "valid") & F.col("value").isNotNull()
    w = Window.partitionBy("dst", valid).orderBy("value")
    return bids.withColumn("rank", F.when(valid, F.dense_rank().over(w)).cast("long"))


def finalize(df: DataFrame, spec: TableSpec) -> DataFrame:
    """Last touches that need the merged table: BID ranks, `in_registry` false when unknown."""
    if spec.name == "BID":
        df = rank_bids(df)
    if spec.name == "Supplier":
        df = df.withColumn("in_registry", F.coalesce(F.col("in_registry"), F.lit(False)))
    return conform(df, spec)
