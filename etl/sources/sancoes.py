"""CEIS / CNEP sanctions: the raw bulk layout of the Portal da Transparência and the reduced sample layouts.

The layout, separator and encoding are recognized per file from its header; every layout is mapped to the
same canonical columns, then parsed and checked once.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence

from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F

from etl.sources.base import (
    CORRUPT,
    EtlInputError,
    SourceFile,
    first_bytes,
    mojibake,
    ord_key,
    pad,
    raw_of,
    read_delimited,
    read_header,
    replacement_char,
    sniff_encoding,
)
from etl.transforms import columns as C
from etl.transforms.checks import check, dedupe, require, start_checks
from etl.transforms.documents import parse_document

CANONICAL = (
    "registry",
    "doc",
    "name",
    "category",
    "start",
    "end",
    "authority",
    "authority_uf",
    "fine",
    "process",
)


def _key(h: str) -> str:
    s = unicodedata.normalize("NFKD", h).encode("ascii", "ignore").decode().upper().strip()
    return " ".join(s.split())


# header key (upper case, accent-free) -> canonical column, for the raw bulk layout and the reduced ones
_MAP: dict[str, str] = {
    "CADASTRO": "registry",
    "CPF OU CNPJ DO SANCIONADO": "doc",
    "NOME DO SANCIONADO": "name",
    "CATEGORIA DA SANCAO": "category",
    "DATA INICIO SANCAO": "start",
    "DATA FINAL SANCAO": "end",
    "ORGAO SANCIONADOR": "authority",
    "UF ORGAO SANCIONADOR": "authority_uf",
    "VALOR DA MULTA": "fine",
    "NUMERO DO PROCESSO": "process",
    # reduced layouts (formats/sancoes)
    "CNPJCPF": "doc",
    "NOME": "name",
    "TIPO": "category",
    "DATA_FINAL": "end",
    "NOME_DO_ORGAO": "authority",
    "UF": "authority_uf",
    "VALOR_MULTA": "fine",
}
REQUIRED = ("doc", "name")


def read_sancoes(spark: SparkSession, registry: str, files: Sequence[SourceFile]) -> DataFrame:
    """`registry` is CEIS or CNEP (from the folder); a raw file's CADASTRO column overrides it."""
    frames = []
    for f in files:
        encoding = sniff_encoding(f.path, rel=f.rel)
        first = first_bytes(f.path, f.rel).split(b"\n", 1)[0].decode(encoding, errors="replace")
        sep = ";" if first.count(";") >= first.count(",") else ","
        header = read_header(f.path, f.rel, encoding, sep)
        names = [f"c{i}" for i in range(len(header))]
        mapped = {}
        for i, h in enumerate(header):
            canon = _MAP.get(_key(h))
            if canon and canon not in mapped:
                mapped[canon] = names[i]
        missing = [c for c in REQUIRED if c not in mapped]
        if missing:
            raise EtlInputError(
                f.rel,
                f"not a CEIS/CNEP layout: no column for {', '.join(missing)}; header is {header}",
                row=0,
            )
        df = read_delimited(spark, [f], names, sep=sep, encoding=encoding, header=True)
        df = df.select(
            *[
                F.col(mapped[c]).alias(c) if c in mapped else F.lit(None).cast("string").alias(c)
                for c in CANONICAL
            ],
            CORRUPT,
            "_file",
            "_row",
            raw_of(names, sep).alias("_raw"),
            F.lit(encoding).alias("_encoding"),
        )
        if "registry" not in mapped:
            df = df.withColumn("registry", F.lit(registry))
        frames.append(df)
    out = frames[0]
    for df in frames[1:]:
        out = out.unionByName(df)
    return (
        out.withColumn("_source", F.lower(F.coalesce(F.trim("registry"), F.lit(registry))))
        .withColumn("_loc", F.col("_row").cast("string"))
        .withColumn("_ord", ord_key(F.col("_file"), pad(F.col("_row"))))
    )


def parse_sancoes(df: DataFrame) -> DataFrame:
    bad_text = F.lit(False)
    for c in ("name", "authority", "category"):
        bad_text = (
            bad_text | replacement_char(F.col(c)) | ((F.col("_encoding") != "UTF-8") & mojibake(F.col(c)))
        )
    df = (
        start_checks(df)
        .transform(
            check(
                "*",
                F.when(
                    F.col(CORRUPT).isNotNull(), F.lit("malformed row: wrong number of fields or bad quoting")
                ),
            )
        )
        .transform(
            check("*", F.when(bad_text, F.lit("text is not in the file's encoding (wrong encoding?)")))
        )
    )
    df = (
        df.withColumn("registry", F.upper(F.trim("registry")))
        .withColumn("subject_name", C.blank_to_null(F.col("name")))
        .withColumn("category_", C.blank_to_null(F.col("category")))
        .withColumn("start_date", C.date_any(F.col("start")))
        .withColumn("end_date", C.date_any(F.col("end")))
        .withColumn("authority_", C.blank_to_null(F.col("authority")))
        .withColumn("authority_uf_", C.blank_to_null(F.col("authority_uf")))
        .withColumn("fine_value", C.money(F.col("fine")))
        .withColumn("process_number", C.blank_to_null(F.col("process")))
        .transform(parse_document("doc"))
    )
    return (
        df.transform(
            check(
                "CADASTRO",
                F.when(
                    ~F.col("registry").isin("CEIS", "CNEP"),
                    F.concat(F.lit("unknown registry: "), F.coalesce("registry", F.lit(""))),
                ),
            )
        )
        .transform(check("cpf_cnpj", F.col("_doc_problem")))
        .transform(require("nome", F.col("subject_name")))
        .transform(check("data_inicio", C.date_any_problem(F.col("start"))))
        .transform(check("data_final", C.date_any_problem(F.col("end"))))
        .transform(check("valor_multa", C.money_problem(F.col("fine"))))
        .transform(
            dedupe(
                [
                    "registry",
                    "_doc",
                    C.name_key(F.col("subject_name")),
                    F.coalesce("category_", F.lit("")),
                    F.coalesce(F.col("start_date").cast("string"), F.lit("")),
                    F.coalesce(F.col("end_date").cast("string"), F.lit("")),
                    F.coalesce("authority_", F.lit("")),
                    F.coalesce(F.col("fine_value").cast("string"), F.lit("")),
                    F.coalesce("process_number", F.lit("")),
                ]
            )
        )
    )
