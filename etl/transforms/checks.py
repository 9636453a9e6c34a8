"""Record-level validation bookkeeping: the first problem of each record wins, then accepted/rejected split.

A *record frame* is what every reader returns: the source's fields (as read) plus

    _source  source kind (pncp, bids_tcerj, cnpj, ...)
    _file    file name, relative to the sources folder
    _loc     row number (1-based, header excluded) or JSON path of the record in that file
    _ord     a sortable text (file, position) that fixes "first" and "last" deterministically
    _raw     the record as read, for the rejects table

The transforms below only add `_rej_field` and `_rej_reason`; `split` separates the two outcomes.
All are pure DataFrame -> DataFrame functions meant for `df.transform(...)`.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence

from pyspark.sql import Column, DataFrame, Window
from pyspark.sql import functions as F

from core.tables import REJECTS
from etl.schema import conform
from etl.transforms.columns import mask_cpfs_in_text

Transform = Callable[[DataFrame], DataFrame]

META = ("_source", "_file", "_loc", "_ord", "_raw")
REJ = ("_rej_field", "_rej_reason")


_CHK = "__chk_"
_SEP = "\u0001"
# names of the stage boundaries `settle` puts in a plan (unique in the process: Spark refuses two
# observations of one name in a plan)
_SPLITS = itertools.count()


def start_checks(df: DataFrame) -> DataFrame:
    """Add the (empty) reject columns, keeping any that are already there."""
    for c in REJ:
        if c not in df.columns:
            df = df.withColumn(c, F.lit(None).cast("string"))
    return df


def check(field: str, problem: Column) -> Transform:
    """Record `problem` (a reason text, or null when fine); a record keeps its first problem.

    Each check is its own column (no check refers to another), folded by `settle` into
    `_rej_field`/`_rej_reason` with one coalesce: plans stay linear in the number of checks."""

    def _apply(df: DataFrame) -> DataFrame:
        df = start_checks(df)
        n = sum(1 for c in df.columns if c.startswith(_CHK))
        return df.withColumn(
            f"{_CHK}{n:03d}", F.when(problem.isNotNull(), F.concat(F.lit(field + _SEP), problem))
        )

    return _apply


def settle(df: DataFrame) -> DataFrame:
    """Fold the pending checks into `_rej_field` and `_rej_reason` (the first problem wins)."""
    df = start_checks(df)
    pending = sorted(c for c in df.columns if c.startswith(_CHK))
    if not pending:
        return df
    # A stage boundary for Spark's code generation: a reader's parsing, its check columns and this fold
    # compiled as one generated method outgrew the JVM's 64 KB limit (PNCP items and results, the generic
    # bid CSV), and Spark fell back to interpreting the whole stage after a failed compile. An observation
    # (here: the rows seen) is an operator without generated code, so the fold compiles on its own.
    df = df.observe(f"codegen_split_{next(_SPLITS)}", F.count(F.lit(1)))
    existing = F.when(
        F.col("_rej_reason").isNotNull(),
        F.concat(F.coalesce("_rej_field", F.lit("*")), F.lit(_SEP), "_rej_reason"),
    )
    first = F.coalesce(existing, *[F.col(c) for c in pending])
    return (
        df.withColumn("__first", first)
        .withColumn("_rej_field", F.substring_index("__first", _SEP, 1))
        .withColumn(
            "_rej_reason", F.expr(f"substring(__first, length(substring_index(__first, '{_SEP}', 1)) + 2)")
        )
        .drop("__first", *pending)
    )


def require(field: str, value: Column, reason: str = "missing required value") -> Transform:
    """The field must be present (not null, not blank)."""
    return check(field, F.when(F.coalesce(F.trim(value.cast("string")), F.lit("")) == "", F.lit(reason)))


def dedupe(keys: Sequence[str | Column], what: str = "*") -> Transform:
    """Among records not yet rejected, keep the first per key (by `_ord`); reject the others as
    `duplicate of <location>` (the location of the kept record, prefixed by its file when it is another)."""

    key_cols = [F.col(k) if isinstance(k, str) else k for k in keys]

    def _apply(df: DataFrame) -> DataFrame:
        df = settle(df)
        ok = F.col("_rej_reason").isNull()
        w = Window.partitionBy(ok, *key_cols).orderBy("_ord")
        first_file = F.first("_file").over(w)
        first_loc = F.first("_loc").over(w)
        rn = F.row_number().over(w)
        where = F.when(first_file == F.col("_file"), first_loc).otherwise(
            F.concat(first_file, F.lit(":"), first_loc)
        )
        dup = ok & (rn > 1)
        return (
            df.withColumn("_dup_of", F.when(dup, where))
            .withColumn("_rej_field", F.when(dup, F.lit(what)).otherwise(F.col("_rej_field")))
            .withColumn(
                "_rej_reason",
                F.when(dup, F.concat(F.lit("duplicate of "), F.col("_dup_of"))).otherwise(
                    F.col("_rej_reason")
                ),
            )
            .drop("_dup_of")
        )

    return _apply


def accepted(df: DataFrame) -> DataFrame:
    return settle(df).where(F.col("_rej_reason").isNull())


def rejects(df: DataFrame) -> DataFrame:
    """The rejected records as rows of the rejects table (core.tables.REJECTS)."""
    df = settle(df).where(F.col("_rej_reason").isNotNull())
    return conform(
        df.select(
            F.col("_source").alias("source"),
            F.col("_file").alias("source_file"),
            F.col("_loc").alias("location"),
            F.coalesce(F.col("_rej_field"), F.lit("*")).alias("field"),
            safe_text(F.col("_rej_reason")).alias("reason"),
            safe_text(F.col("_raw")).alias("raw"),
        ),
        REJECTS,
    )


def safe_text(c: Column, limit: int = 2000) -> Column:
    """Text fit for the rejects table: valid UTF-8 (a byte that is not becomes U+FFFD; Spark reads a JSON
    file's bytes as they are, and Parquet readers refuse invalid UTF-8), full CPFs masked (LGPD: a rejected
    line of a sanctions file or a bid export may hold one; see mask_cpfs_in_text), at most `limit`
    characters."""
    valid = F.decode(c.cast("binary"), "UTF-8")
    return F.substring(mask_cpfs_in_text(valid), 1, limit)


def file_counts(df: DataFrame) -> DataFrame:
    """Per file: records read, accepted, rejected (a small frame, fine to collect)."""
    df = settle(df)
    rej = F.col("_rej_reason").isNotNull().cast("long")
    return df.groupBy("_source", "_file").agg(
        F.count(F.lit(1)).alias("read"),
        (F.count(F.lit(1)) - F.sum(rej)).alias("accepted"),
        F.sum(rej).alias("rejected"),
    )
