"""CNPJ / CPF / foreign-id parsing into a supplier document and its graph id (pure transforms)."""

from __future__ import annotations

from pyspark.sql import Column, DataFrame
from pyspark.sql import functions as F

from etl.transforms.checks import Transform
from etl.transforms.columns import (
    MASKED_CPF_RE,
    NO_CPF,
    cnpj_valid,
    compact_document,
    cpf_valid,
    mask_cpf,
    name_key,
)


def parse_document(raw: str, person_type: str | None = None, prefix: str = "_doc") -> Transform:
    """Add `<prefix>_kind` (PJ | PF | PE), `<prefix>` (14-digit CNPJ, masked CPF or foreign id) and
    `<prefix>_problem` (why the document is unusable, or null) from the text column `raw`.

    Full CPFs are masked right here (`***` + digits 4-9 + `**`); they never reach a table."""

    def _apply(df: DataFrame) -> DataFrame:
        # intermediate columns by name: each expensive expression is computed once per row
        df = df.withColumn("__text", F.trim(F.col(raw))).withColumn("__c", compact_document(F.col(raw)))
        df = df.withColumn("__cnpj", F.lpad("__c", 14, "0")).withColumn("__cpf", F.lpad("__c", 11, "0"))
        text, c, as_cnpj, as_cpf = F.col("__text"), F.col("__c"), F.col("__cnpj"), F.col("__cpf")
        declared = F.upper(F.trim(F.col(person_type))) if person_type else F.lit(None).cast("string")
        is_digits = F.coalesce(c.rlike(r"^\d+$"), F.lit(False))
        is_masked = F.coalesce(c.rlike(MASKED_CPF_RE), F.lit(False))
        foreign = F.coalesce(declared == "PE", F.lit(False))
        looks_cpf = is_digits & (F.length(c) <= 11) & (F.length(c) >= 9)
        looks_cnpj = is_digits & (F.length(c) >= 12) & (F.length(c) <= 14)
        df = df.withColumn("__cnpj_ok", cnpj_valid(as_cnpj)).withColumn("__cpf_ok", cpf_valid(as_cpf))
        # exports that store a CPF in a 14-character CNPJ field ("000" + 11 digits, e.g. TCE-RJ)
        df = df.withColumn(
            "__padded_cpf",
            looks_cnpj
            & ~F.col("__cnpj_ok")
            & (F.length(c) == 14)
            & c.startswith("000")
            & cpf_valid(F.substring(c, 4, 11)),
        )
        padded = F.col("__padded_cpf")
        kind = (
            F.when(foreign, F.lit("PE"))
            .when(is_masked, F.lit("PF"))
            .when(padded, F.lit("PF"))
            .when(looks_cnpj, F.lit("PJ"))
            .when(looks_cpf, F.lit("PF"))
        )
        doc = (
            F.when(foreign, text)
            .when(is_masked, c)
            .when(padded, mask_cpf(F.substring(c, 4, 11)))
            .when(looks_cnpj, as_cnpj)
            .when(looks_cpf, mask_cpf(as_cpf))
        )
        problem = (
            F.when(F.coalesce(text, F.lit("")) == "", F.lit("missing document"))
            .when(foreign, F.lit(None))
            .when(is_masked & (c == NO_CPF), F.lit("no document (***000000**)"))
            .when(is_masked, F.lit(None))
            .when(padded, F.lit(None))
            .when(looks_cnpj & ~F.col("__cnpj_ok"), F.concat(F.lit("invalid CNPJ check digits: "), c))
            .when(looks_cnpj, F.lit(None))
            .when(looks_cpf & ~F.col("__cpf_ok"), F.lit("invalid CPF check digits"))
            .when(looks_cpf, F.lit(None))
            .otherwise(F.concat(F.lit("not a CNPJ or CPF: "), F.substring(text, 1, 30)))
        )
        return (
            df.withColumn(f"{prefix}_kind", kind)
            .withColumn(prefix, doc)
            .withColumn(f"{prefix}_problem", problem)
            .drop("__text", "__c", "__cnpj", "__cpf", "__cnpj_ok", "__cpf_ok", "__padded_cpf")
        )

    return _apply


def supplier_id(kind: Column, document: Column, name: Column) -> Column:
    """`supplier:<cnpj14>`; natural persons `supplier:pf:<masked cpf>:<name key>`; foreign `supplier:pe:<id>`."""
    return (
        F.when(kind == "PJ", F.concat(F.lit("supplier:"), document))
        .when(
            kind == "PF",
            F.concat(F.lit("supplier:pf:"), document, F.lit(":"), F.coalesce(name_key(name), F.lit(""))),
        )
        .when(
            kind == "PE",
            F.concat(F.lit("supplier:pe:"), F.regexp_replace(F.upper(document), r"[^A-Z0-9]+", "")),
        )
    )


def person_id(masked_cpf: Column, name: Column) -> Column:
    """`person:<masked cpf digits>:<name key>`; foreign partners (no CPF) `person:ext:<name key>`."""
    cpf_digits = F.regexp_extract(masked_cpf, r"^\*{3}(\d{6})\*{2}$", 1)
    return F.when(
        F.coalesce(cpf_digits, F.lit("")) != "",
        F.concat(F.lit("person:"), cpf_digits, F.lit(":"), name_key(name)),
    ).otherwise(F.concat(F.lit("person:ext:"), name_key(name)))
