"""Fold candidate rows into one row per key (node id, or relationship src/dst), last source wins per column.

`_ord` orders the candidates: for each column the value of the highest-`_ord` row that has one is kept
(a source that does not know a property never erases it), and the lineage columns come from the
highest-`_ord` row overall. `_ord` is `PP|...`: the source priority (`etl.build.PRIORITY`, two digits)
always leads, so a bid export never overrides the registry's razão social, however late it comes. Within
one priority, a later batch wins: rows already in the tables get `PP|` (the priority of their `source`,
nothing after it), which sorts below every new row of that priority; when one run holds rows of several
batches (a rebuild after a loaded file changed), the batch number follows the priority in `_ord`.
A stored row carries one `source` for all its columns, so a property that only a lower-priority source
provides keeps its stored value against later lower-priority batches when a higher-priority source
described the same node (docs/graph-tables.md).
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import reduce

from pyspark.sql import Column, DataFrame, Window
from pyspark.sql import functions as F

from core.tables import TableSpec
from etl.build import priority_prefix
from etl.schema import conform, conform_column

LINEAGE = ("source", "source_file")


def keys_of(spec: TableSpec) -> list[str]:
    return ["id"] if spec.kind == "node" else ["src", "dst", "src_label", "dst_label"]


def batch_number(file: Column, batch_of: Mapping[str, int]) -> Column:
    """The batch (the run that loaded the file, 1, 2, ...) of each row's source file; 0 when unknown."""
    mapping = F.create_map(*[F.lit(x) for k, v in sorted(batch_of.items()) for x in (k, v)])
    return F.coalesce(mapping[file], F.lit(0))


def stored_ord(df: DataFrame) -> DataFrame:
    """Rows already in the tables: `_ord` = their source's priority prefix alone (below any new row of it)."""
    return df.withColumn("_ord", priority_prefix(F.col("source")))


def align(df: DataFrame, spec: TableSpec, batch_of: Mapping[str, int] | None = None) -> DataFrame:
    """The spec's columns (typed, in order) plus `_ord`; with `batch_of`, the batch of the row's
    `source_file` (zero-padded) follows the priority prefix in `_ord`: the source priority still decides
    first, then the later batch."""
    if "_ord" not in df.columns:
        df = df.withColumn("_ord", F.lit(""))
    ord_ = F.col("_ord").cast("string")
    if batch_of is not None:
        has_prio = ord_.rlike(r"^[0-9]{2}[|]")
        prio = F.when(has_prio, F.substring(ord_, 1, 3)).otherwise(F.lit("00|"))
        rest = F.when(has_prio, ord_.substr(4, 1 << 20)).otherwise(ord_)
        lead = F.lpad(batch_number(F.col("source_file"), batch_of).cast("string"), 6, "0")
        ord_ = F.concat(prio, lead, F.lit("/"), rest)
    return df.select(*[conform_column(df, c) for c in spec.columns], ord_.alias("_ord"))


def combine(frames: list[DataFrame], spec: TableSpec, batch_of: Mapping[str, int] | None = None) -> DataFrame:
    """One row per key; spec columns in order plus `_ord` (the winning row's). `batch_of` (file -> batch)
    when the frames hold rows of several batches (a rebuild), see `align`."""
    aligned = [align(f, spec, batch_of) for f in frames]
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
    """Last touches that need the merged table: BID ranks, item classes (over every item, so a new batch
    reclassifies the old items with the new ones), `in_registry` false when unknown."""
    if spec.name == "BID":
        df = rank_bids(df)
    if spec.name == "Item":
        from etl.transforms.items import with_item_classes

        df = with_item_classes(df)
    if spec.name == "Supplier":
        df = df.withColumn("in_registry", F.coalesce(F.col("in_registry"), F.lit(False)))
    return conform(df, spec)
