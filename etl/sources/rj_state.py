"""The RJ state participations export (`bids/rj_state/*.csv`): one row per bid of a supplier on an item,
winners and losers alike, as published with the RcextTools R package (`data/brazil/rj_state_part_lic.csv`).

Names and supplier ids in that file are scrambled (letters and digits shuffled), so the ids are opaque
keys, never documents: a supplier becomes `supplier:rj_state:<id>` and its `document` stays empty (a
scrambled CNPJ fails its check digits). The one natural person's id is masked like a CPF (`***` + the
characters 4-9 + `**`) before it reaches any table. `VALOR_FINAL` is the bid's total for the item.

A supplier that appears twice on the same item is the winner's negotiated price next to its first
proposal (one row `S`, one `N`): the winning row is kept (else the lowest), the other is rejected with the
row it repeats.
"""

from __future__ import annotations

from collections.abc import Sequence

from pyspark.sql import DataFrame, SparkSession, Window
from pyspark.sql import functions as F

from etl.sources.base import EtlInputError, SourceFile, ord_key, pad, raw_of, read_delimited, read_header
from etl.transforms import columns as C
from etl.transforms.checks import check, require, settle, start_checks

SOURCE = "bids_rj_state"

COLUMNS = (
    "COD_LICITACAO",
    "RESUMO_OBJETO",
    "DESC_MODALIDADE",
    "STATUS_LICITACAO",
    "DATA_ABERTURA_SESSAO",
    "DESCR_UGR",
    "ID_ITEM",
    "CNPJCPF_FORNECEDORES",
    "NOME_FORNECEDORES",
    "TIPO_PESSOA",
    "VALOR_FINAL",
    "VENCEDOR",
    "MICRO_PEQUENA_EMPRESA",
)

# modality names of the export -> PNCP modalidadeId (the closest one under Lei 14.133); the old
# Lei 8.666 modalities (tomada de preços, convite) have none
MODALITY_IDS = {
    "PREGAO ELETRONICO": 6,
    "PREGAO PRESENCIAL": 7,
    "CONCORRENCIA": 5,
    "DISPENSA": 8,
    "INEXIGIBILIDADE": 9,
}
PERSON_TYPES = {"JURIDICA": "PJ", "FISICA": "PF"}


def read_rj_state(spark: SparkSession, files: Sequence[SourceFile]) -> DataFrame:
    """Check each file's header (a missing column is an error naming the file), then read them all."""
    frames = []
    for f in files:
        header = read_header(f.path, f.rel, "utf-8", ",")
        missing = [c for c in COLUMNS if c not in header]
        if missing:
            raise EtlInputError(f.rel, f"missing column(s) {', '.join(missing)}; header is {header}", row=0)
        df = read_delimited(spark, [f], header, sep=",", encoding="UTF-8", header=True)
        frames.append(df.select(*COLUMNS, "_corrupt", "_file", "_row", raw_of(header, ",").alias("_raw")))
    out = frames[0]
    for df in frames[1:]:
        out = out.unionByName(df)
    return (
        out.withColumn("_source", F.lit(SOURCE))
        .withColumn("_loc", F.col("_row").cast("string"))
        .withColumn("_ord", ord_key(F.col("_file"), pad(F.col("_row"))))
    )


def _masked(doc: F.Column) -> F.Column:
    return F.concat(F.lit("***"), F.substring(doc, 4, 6), F.lit("**"))


def parse_rj_state(df: DataFrame) -> DataFrame:
    df = start_checks(df)
    doc = F.trim("CNPJCPF_FORNECEDORES")
    ptype = F.create_map(*[F.lit(x) for kv in sorted(PERSON_TYPES.items()) for x in kv])[
        F.upper(F.trim("TIPO_PESSOA"))
    ]
    venc = F.upper(F.trim("VENCEDOR"))
    df = (
        df.withColumn("tender_code", C.integer(F.col("COD_LICITACAO")))
        .withColumn("item_code", C.integer(F.col("ID_ITEM")))
        .withColumn("object", C.blank_to_null(F.col("RESUMO_OBJETO")))
        .withColumn("modality", C.blank_to_null(F.col("DESC_MODALIDADE")))
        .withColumn("status_text", C.blank_to_null(F.col("STATUS_LICITACAO")))
        .withColumn("opened_on", C.date_iso(F.col("DATA_ABERTURA_SESSAO")))
        .withColumn("agency_name", C.blank_to_null(F.col("DESCR_UGR")))
        .withColumn("supplier_name", C.blank_to_null(F.col("NOME_FORNECEDORES")))
        .withColumn("person_type", ptype)
        .withColumn("value", C.money(F.col("VALOR_FINAL")))
        .withColumn("won", F.when(venc == "S", True).when(venc == "N", False))
        .withColumn("small_business", F.upper(F.trim("MICRO_PEQUENA_EMPRESA")) == "S")
        # a natural person's id is masked here: the full text never reaches a table, nor the rejects
        .withColumn("supplier_key", F.when(F.col("person_type") == "PF", _masked(doc)).otherwise(doc))
        .withColumn(
            "_raw",
            F.when(
                F.col("person_type") == "PF",
                F.regexp_replace(F.col("_raw"), F.concat(F.lit(r"\Q"), doc, F.lit(r"\E")), _masked(doc)),
            ).otherwise(F.col("_raw")),
        )
    )
    df = (
        df.transform(
            check("*", F.when(F.col("_corrupt").isNotNull(), F.lit("malformed row: wrong number of fields")))
        )
        .transform(require("COD_LICITACAO", F.col("COD_LICITACAO")))
        .transform(check("COD_LICITACAO", C.integer_problem(F.col("COD_LICITACAO"))))
        .transform(require("ID_ITEM", F.col("ID_ITEM")))
        .transform(check("ID_ITEM", C.integer_problem(F.col("ID_ITEM"))))
        .transform(require("CNPJCPF_FORNECEDORES", F.col("supplier_key")))
        .transform(
            check(
                "TIPO_PESSOA",
                F.when(
                    F.col("person_type").isNull(),
                    F.concat(F.lit("not JURIDICA or FISICA: "), F.coalesce(F.col("TIPO_PESSOA"), F.lit(""))),
                ),
            )
        )
        .transform(require("VALOR_FINAL", F.col("VALOR_FINAL")))
        .transform(check("VALOR_FINAL", C.money_problem(F.col("VALOR_FINAL"))))
        .transform(
            check(
                "VENCEDOR",
                F.when(F.col("won").isNull(), F.concat(F.lit("not S or N: "), F.coalesce(venc, F.lit("")))),
            )
        )
        .transform(
            check(
                "DATA_ABERTURA_SESSAO",
                F.when(
                    (F.coalesce(F.trim("DATA_ABERTURA_SESSAO"), F.lit("")) != "")
                    & F.col("opened_on").isNull(),
                    F.concat(F.lit("invalid date: "), "DATA_ABERTURA_SESSAO"),
                ),
            )
        )
    )
    return df.transform(_keep_one_bid_per_supplier_and_item)


def _keep_one_bid_per_supplier_and_item(df: DataFrame) -> DataFrame:
    """Among records not yet rejected, keep one per (tender, item, supplier): the winning row, else the
    lowest value, else the first; reject the others naming the row kept."""
    df = settle(df)
    ok = F.col("_rej_reason").isNull()
    w = Window.partitionBy(ok, "tender_code", "item_code", "supplier_key").orderBy(
        F.col("won").desc(), F.col("value").asc(), F.col("_ord")
    )
    first_loc = F.first(F.concat(F.col("_file"), F.lit(":"), F.col("_loc"))).over(w)
    dup = ok & (F.row_number().over(w) > 1)
    return (
        df.withColumn("_kept", first_loc)
        .withColumn("_rej_field", F.when(dup, F.lit("CNPJCPF_FORNECEDORES")).otherwise(F.col("_rej_field")))
        .withColumn(
            "_rej_reason",
            F.when(
                dup,
                F.concat(
                    F.lit(
                        "second bid of the same supplier on the same item (the winning or lower one is kept: "
                    ),
                    F.col("_kept"),
                    F.lit(")"),
                ),
            ).otherwise(F.col("_rej_reason")),
        )
        .drop("_kept")
    )
