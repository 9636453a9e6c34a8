"""Bid exports with losing bids: the TCE-RJ layout and the generic state export (docs/sources-layout.md)."""

from __future__ import annotations

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
    replacement_char,
)
from etl.transforms import columns as C
from etl.transforms.checks import check, dedupe, require, start_checks
from etl.transforms.documents import parse_document

TCERJ_COLUMNS = (
    "NM_UNIDADE",
    "CD_UNIDADE",
    "DE_MODALIDADE",
    "NU_EDITAL",
    "DE_OBJETO",
    "NM_PARTICIPANTE",
    "CD_CICPARTICIPANTE",
    "DE_ITEMLICITACAO",
    "QT_ITEMLICITADO",
    "NM_UNIMED",
    "VL_UNITARIO",
    "VL_ESTIMADO",
    "CD_VENCEDORPERDEDOR",
)

GENERIC_COLUMNS = (
    "numero_controle_pncp",
    "orgao_cnpj",
    "ano_compra",
    "sequencial_compra",
    "numero_item",
    "fornecedor_ni",
    "fornecedor_nome",
    "tipo_pessoa",
    "valor_unitario",
    "quantidade",
    "valor_total",
    "situacao",
    "vencedor",
    "data_proposta",
)

# CD_VENCEDORPERDEDOR: 1 winner, 2 loser; 3-5 disqualified (desclassificado/inabilitado), 6 item not quoted.
TCERJ_STATUS = {
    "1": "valid",
    "2": "valid",
    "3": "disqualified",
    "4": "disqualified",
    "5": "disqualified",
    "6": "not_quoted",
}
GENERIC_STATUS = {"VALIDA": "valid", "DESCLASSIFICADA": "disqualified", "NAO_COTOU": "not_quoted"}

# Modality names of the TCE-RJ export -> PNCP modalidadeId (the closest one under Lei 14.133).
TCERJ_MODALITY_IDS = {
    "PREGAO PRESENCIAL": 7,
    "PREGAO ELETRONICO": 6,
    "CONCORRENCIA": 5,
    "CONVITE": None,
    "RDC - REGIME DIFERENCIADO DE CONTRATACAO": None,
}


def _read_with_header(
    spark: SparkSession, files: Sequence[SourceFile], expected: Sequence[str], sep: str, source: str
) -> DataFrame:
    """Check each file's header (a missing column is an error naming the file), then read them all."""
    frames = []
    for f in files:
        header = read_header(f.path, f.rel, "utf-8", sep)
        missing = [c for c in expected if c not in header]
        if missing:
            raise EtlInputError(f.rel, f"missing column(s) {', '.join(missing)}; header is {header}", row=0)
        df = read_delimited(spark, [f], header, sep=sep, encoding="UTF-8", header=True)
        frames.append(df.select(*expected, CORRUPT, "_file", "_row", raw_of(header, sep).alias("_raw")))
    out = frames[0]
    for df in frames[1:]:
        out = out.unionByName(df)
    return (
        out.withColumn("_source", F.lit(source))
        .withColumn("_loc", F.col("_row").cast("string"))
        .withColumn("_ord", ord_key(F.col("_file"), pad(F.col("_row"))))
    )


def _row_checks(columns: Sequence[str]) -> list:  # type: ignore[type-arg]
    any_bad_char = F.lit(False)
    for c in columns:
        any_bad_char = any_bad_char | replacement_char(F.col(c))
    return [
        check(
            "*",
            F.when(F.col(CORRUPT).isNotNull(), F.lit("malformed row: wrong number of fields or bad quoting")),
        ),
        check("*", F.when(any_bad_char, F.lit("text is not valid UTF-8 (wrong encoding?)"))),
    ]


def read_tcerj(spark: SparkSession, files: Sequence[SourceFile]) -> DataFrame:
    return _read_with_header(spark, files, TCERJ_COLUMNS, ",", "bids_tcerj")


def parse_tcerj(df: DataFrame) -> DataFrame:
    df = start_checks(df)
    for t in _row_checks(TCERJ_COLUMNS):
        df = df.transform(t)
    code = F.trim("CD_VENCEDORPERDEDOR")
    status_map = F.create_map(*[F.lit(x) for kv in sorted(TCERJ_STATUS.items()) for x in kv])
    df = (
        df.withColumn("unit_code", C.integer(F.col("CD_UNIDADE")).cast("string"))
        .withColumn("notice", C.blank_to_null(F.col("NU_EDITAL")))
        .withColumn("agency_name", C.blank_to_null(F.col("NM_UNIDADE")))
        .withColumn("modality", C.blank_to_null(F.col("DE_MODALIDADE")))
        .withColumn("object", C.blank_to_null(F.col("DE_OBJETO")))
        .withColumn("supplier_name", C.blank_to_null(F.col("NM_PARTICIPANTE")))
        .withColumn("description", C.blank_to_null(F.col("DE_ITEMLICITACAO")))
        .withColumn("quantity", C.money(F.col("QT_ITEMLICITADO")))
        .withColumn("unit_raw", C.blank_to_null(F.col("NM_UNIMED")))
        .withColumn("unit_value", C.money(F.col("VL_UNITARIO")))
        .withColumn("estimated_value", C.money(F.col("VL_ESTIMADO")))
        .withColumn("status", status_map[code])
        .withColumn("won", code == "1")
        .transform(parse_document("CD_CICPARTICIPANTE"))
    )
    return (
        df.transform(require("CD_UNIDADE", F.col("CD_UNIDADE")))
        .transform(check("CD_UNIDADE", C.integer_problem(F.col("CD_UNIDADE"))))
        .transform(require("NU_EDITAL", F.col("notice")))
        .transform(require("DE_ITEMLICITACAO", F.col("description")))
        .transform(check("CD_CICPARTICIPANTE", F.col("_doc_problem")))
        .transform(check("QT_ITEMLICITADO", C.money_problem(F.col("QT_ITEMLICITADO"))))
        .transform(check("VL_UNITARIO", C.money_problem(F.col("VL_UNITARIO"))))
        .transform(check("VL_ESTIMADO", C.money_problem(F.col("VL_ESTIMADO"))))
        .transform(
            check(
                "CD_VENCEDORPERDEDOR",
                F.when(F.col("status").isNull(), F.concat(F.lit("unknown code: "), code)),
            )
        )
        .transform(
            dedupe(
                [
                    "unit_code",
                    "notice",
                    C.norm_description(F.col("description")),
                    C.norm_unit(F.col("unit_raw")),
                    "quantity",
                    "_doc",
                ]
            )
        )
    )


def read_generic(spark: SparkSession, files: Sequence[SourceFile]) -> DataFrame:
    return _read_with_header(spark, files, GENERIC_COLUMNS, ";", "bids_generic")


def parse_generic(df: DataFrame) -> DataFrame:
    df = start_checks(df)
    for t in _row_checks(GENERIC_COLUMNS):
        df = df.transform(t)
    status_map = F.create_map(*[F.lit(x) for kv in sorted(GENERIC_STATUS.items()) for x in kv])
    sit = F.upper(F.trim("situacao"))
    venc = F.upper(F.trim("vencedor"))
    df = (
        df.withColumn("control_number_raw", C.blank_to_null(F.col("numero_controle_pncp")))
        .withColumn("agency_cnpj", C.digits(F.col("orgao_cnpj")))
        .withColumn("year", C.integer(F.col("ano_compra")))
        .withColumn("sequence", C.integer(F.col("sequencial_compra")))
        .withColumn("item_number", C.integer(F.col("numero_item")))
        .withColumn("supplier_name", C.blank_to_null(F.col("fornecedor_nome")))
        .withColumn("unit_value", C.money(F.col("valor_unitario")))
        .withColumn("quantity", C.money(F.col("quantidade")))
        .withColumn("value", C.money(F.col("valor_total")))
        .withColumn("status", status_map[sit])
        .withColumn("won", F.when(venc == "S", True).when(venc == "N", False))
        .withColumn("proposal_date", C.date_iso(F.col("data_proposta")))
        .transform(parse_document("fornecedor_ni", "tipo_pessoa"))
    )
    from etl.sources.pncp import CONTROL_RE, control_number

    df = df.withColumn(
        "control_number",
        F.coalesce(
            F.col("control_number_raw"),
            control_number(F.col("agency_cnpj"), F.col("year"), F.col("sequence")),
        ),
    )
    return (
        df.transform(
            check(
                "numero_controle_pncp",
                F.when(
                    F.col("control_number_raw").isNotNull() & ~F.col("control_number_raw").rlike(CONTROL_RE),
                    F.concat(F.lit("malformed: "), "control_number_raw"),
                ),
            )
        )
        .transform(
            check(
                "orgao_cnpj",
                F.when(
                    F.col("control_number_raw").isNull() & ~C.cnpj_valid(F.col("agency_cnpj")),
                    F.concat(F.lit("invalid CNPJ: "), F.coalesce(F.col("orgao_cnpj"), F.lit(""))),
                ),
            )
        )
        .transform(check("ano_compra", C.integer_problem(F.col("ano_compra"))))
        .transform(check("sequencial_compra", C.integer_problem(F.col("sequencial_compra"))))
        .transform(
            check(
                "ano_compra",
                F.when(
                    F.col("control_number_raw").isNull() & F.col("year").isNull(),
                    F.lit("missing required value"),
                ),
            )
        )
        .transform(
            check(
                "sequencial_compra",
                F.when(
                    F.col("control_number_raw").isNull() & F.col("sequence").isNull(),
                    F.lit("missing required value"),
                ),
            )
        )
        .transform(require("numero_item", F.col("numero_item")))
        .transform(check("numero_item", C.integer_problem(F.col("numero_item"))))
        .transform(check("fornecedor_ni", F.col("_doc_problem")))
        .transform(check("valor_unitario", C.money_problem(F.col("valor_unitario"))))
        .transform(check("quantidade", C.money_problem(F.col("quantidade"))))
        .transform(check("valor_total", C.money_problem(F.col("valor_total"))))
        .transform(
            check(
                "situacao",
                F.when(
                    F.col("status").isNull(),
                    F.concat(F.lit("unknown situação: "), F.coalesce(sit, F.lit(""))),
                ),
            )
        )
        .transform(
            check(
                "vencedor",
                F.when(F.col("won").isNull(), F.concat(F.lit("not S or N: "), F.coalesce(venc, F.lit("")))),
            )
        )
        .transform(
            check(
                "data_proposta",
                F.when(
                    (F.coalesce(F.trim("data_proposta"), F.lit("")) != "") & F.col("proposal_date").isNull(),
                    F.concat(F.lit("invalid date: "), "data_proposta"),
                ),
            )
        )
        .transform(dedupe(["control_number", "item_number", "_doc", "supplier_name"]))
    )
