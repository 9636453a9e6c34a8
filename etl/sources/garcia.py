"""García Rodríguez et al. (2022) labelled bids: one row per bid, `Tender`, `Competitors`, `Bid_value`,
`Winner`, `Collusive_competitor` (other columns ignored; `Date`, unix seconds, used when present).

Each tender becomes one Tender with one Item; each `Competitors` id one Supplier
(`supplier:garcia:<dataset>:<Competitors>`). The Ticino file has no `Competitors` column: there each bid's
bidder is anonymous and keyed by its row in the file (the only key the data has).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F

from etl.sources.base import (
    CORRUPT,
    EtlInputError,
    SourceFile,
    ord_key,
    pad,
    raw_of,
    read_delimited,
    read_header,
)
from etl.transforms import columns as C
from etl.transforms.checks import check, dedupe, require, start_checks

REQUIRED = ("Tender", "Bid_value", "Winner", "Collusive_competitor")
OPTIONAL = ("Competitors", "Date", "Pre-Tender Estimate (PTE)")


def dataset_of(name: str) -> str:
    """`DB_Collusion_Switzerland_Ticino_processed.csv` -> `switzerland_ticino`."""
    stem = name.rsplit("/", 1)[-1]
    stem = re.sub(r"\.csv$", "", stem, flags=re.I)
    stem = re.sub(r"^DB_Collusion_", "", stem, flags=re.I)
    stem = re.sub(r"_processed$", "", stem, flags=re.I)
    return re.sub(r"[^a-z0-9]+", "_", stem.lower()).strip("_")


def read_garcia(spark: SparkSession, files: Sequence[SourceFile]) -> DataFrame:
    frames = []
    for f in files:
        header = read_header(f.path, f.rel, "utf-8", ",")
        missing = [c for c in REQUIRED if c not in header]
        if missing:
            raise EtlInputError(f.rel, f"missing column(s) {', '.join(missing)}; header is {header}", row=0)
        safe = [f"c{i}" for i in range(len(header))]
        df = read_delimited(spark, [f], safe, sep=",", encoding="UTF-8", header=True)
        pick = {h: safe[i] for i, h in enumerate(header)}
        df = df.select(
            *[F.col(pick[c]).alias(c) for c in REQUIRED],
            *[
                (F.col(pick[c]) if c in pick else F.lit(None).cast("string")).alias(c.split(" ")[0])
                for c in OPTIONAL
            ],
            CORRUPT,
            "_file",
            "_row",
            raw_of(safe, ",").alias("_raw"),
            F.lit(dataset_of(f.rel)).alias("dataset"),
        )
        frames.append(df)
    out = frames[0]
    for df in frames[1:]:
        out = out.unionByName(df)
    return (
        out.withColumn("_source", F.lit("garcia"))
        .withColumn("_loc", F.col("_row").cast("string"))
        .withColumn("_ord", ord_key(F.col("_file"), pad(F.col("_row"))))
    )


def parse_garcia(df: DataFrame) -> DataFrame:
    df = start_checks(df).transform(
        check(
            "*",
            F.when(F.col(CORRUPT).isNotNull(), F.lit("malformed row: wrong number of fields or bad quoting")),
        )
    )
    winner = C.money(F.col("Winner"))
    label = C.money(F.col("Collusive_competitor"))
    df = (
        df.withColumn("tender", C.integer(F.col("Tender")).cast("string"))
        .withColumn("competitor", C.integer(F.col("Competitors")).cast("string"))
        .withColumn(
            "bidder",
            F.coalesce(
                F.col("competitor"),
                F.concat(F.lit("anon-"), F.col("tender"), F.lit("-"), F.col("_row").cast("string")),
            ),
        )
        .withColumn("value", C.money(F.col("Bid_value")))
        .withColumn("won", F.when(winner == 1, True).when(winner == 0, False))
        .withColumn("collusive", F.when(label == 1, True).when(label == 0, False))
        # unix seconds; the Brazil file writes a missing date as the NaT sentinel -9223372037
        .withColumn("date_s", F.when(C.money(F.col("Date")) >= 0, C.money(F.col("Date"))))
        .withColumn("estimated_value", C.money(F.col("Pre-Tender")))
    )
    return (
        df.transform(require("Tender", F.col("Tender")))
        .transform(check("Tender", C.integer_problem(F.col("Tender"))))
        .transform(check("Competitors", C.integer_problem(F.col("Competitors"))))
        .transform(require("Bid_value", F.col("Bid_value")))
        .transform(check("Bid_value", C.money_problem(F.col("Bid_value"))))
        .transform(
            check(
                "Winner",
                F.when(
                    F.col("won").isNull(), F.concat(F.lit("not 0 or 1: "), F.coalesce("Winner", F.lit("")))
                ),
            )
        )
        .transform(
            check(
                "Collusive_competitor",
                F.when(
                    F.col("collusive").isNull(),
                    F.concat(F.lit("not 0 or 1: "), F.coalesce("Collusive_competitor", F.lit(""))),
                ),
            )
        )
        .transform(check("Date", C.money_problem(F.col("Date"), allow_negative=True)))
        .transform(dedupe(["dataset", "tender", "bidder"]))
    )
