"""Receita Federal CNPJ open data: Empresas, Estabelecimentos, Socios, Simples, the code tables and tabmun.

Headerless, `;`-separated, `"`-quoted, ISO-8859-1. A zip's single member is streamed by Spark's tasks
(etl.sources.base.read_delimited), never extracted. Column order: ../shared/data/formats/SOURCES.md §2.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F

from etl.sources.base import CORRUPT, SourceFile, mojibake, ord_key, pad, raw_of, read_delimited
from etl.transforms import columns as C
from etl.transforms.checks import Transform, check, dedupe, require, start_checks

EMPRESAS = (
    "cnpj_basico",
    "razao_social",
    "natureza_juridica",
    "qualificacao_responsavel",
    "capital_social",
    "porte",
    "ente_federativo_responsavel",
)
ESTABELECIMENTOS = (
    "cnpj_basico",
    "cnpj_ordem",
    "cnpj_dv",
    "identificador_matriz_filial",
    "nome_fantasia",
    "situacao_cadastral",
    "data_situacao_cadastral",
    "motivo_situacao_cadastral",
    "nome_cidade_exterior",
    "pais",
    "data_inicio_atividade",
    "cnae_fiscal_principal",
    "cnae_fiscal_secundaria",
    "tipo_logradouro",
    "logradouro",
    "numero",
    "complemento",
    "bairro",
    "cep",
    "uf",
    "municipio",
    "ddd_1",
    "telefone_1",
    "ddd_2",
    "telefone_2",
    "ddd_fax",
    "fax",
    "correio_eletronico",
    "situacao_especial",
    "data_situacao_especial",
)
SOCIOS = (
    "cnpj_basico",
    "identificador_socio",
    "nome_socio",
    "cnpj_cpf_socio",
    "qualificacao_socio",
    "data_entrada_sociedade",
    "pais",
    "cpf_representante_legal",
    "nome_representante",
    "qualificacao_representante_legal",
    "faixa_etaria",
)
SIMPLES = (
    "cnpj_basico",
    "opcao_simples",
    "data_opcao_simples",
    "data_exclusao_simples",
    "opcao_mei",
    "data_opcao_mei",
    "data_exclusao_mei",
)
CODES = ("codigo", "descricao")
TABMUN = ("codigo_tom", "cnpj", "nome", "uf", "codigo_ibge")

LAYOUTS: dict[str, tuple[str, ...]] = {
    "empresas": EMPRESAS,
    "estabelecimentos": ESTABELECIMENTOS,
    "socios": SOCIOS,
    "simples": SIMPLES,
    "cnaes": CODES,
    "municipios": CODES,
    "naturezas": CODES,
    "qualificacoes": CODES,
    "motivos": CODES,
    "paises": CODES,
    "tabmun": TABMUN,
}

# File name (without .zip, digits and extension) -> table. Official names and the short ones of the
# older layout (EMPRECSV, ESTABELE, ...).
_NAME_PATTERNS: tuple[tuple[str, str], ...] = (
    (r"^(empresas\d*|.*emprecsv)$", "empresas"),
    (r"^(estabelecimentos\d*|.*estabele)$", "estabelecimentos"),
    (r"^(socios\d*|.*sociocsv)$", "socios"),
    (r"^(simples\d*|.*simplescsv)$", "simples"),
    (r"^(cnaes|.*cnaecsv)$", "cnaes"),
    (r"^(municipios|.*municcsv)$", "municipios"),
    (r"^(naturezas|.*natjucsv)$", "naturezas"),
    (r"^(qualificacoes|.*qualscsv)$", "qualificacoes"),
    (r"^(motivos|.*moticsv)$", "motivos"),
    (r"^(paises|.*paiscsv)$", "paises"),
    (r"^tabmun$", "tabmun"),
)

STATUS = {"01": "NULA", "1": "NULA", "02": "ATIVA", "2": "ATIVA", "03": "SUSPENSA", "3": "SUSPENSA"}
STATUS |= {"04": "INAPTA", "4": "INAPTA", "08": "BAIXADA", "8": "BAIXADA"}


def table_of(name: str) -> str | None:
    """Which CNPJ table a file holds, from its name (`Estabelecimentos3.zip`, `K3241.K03200Y0.D40210.ESTABELE`)."""
    stem = name.lower()
    for ext in (".zip", ".csv", ".txt"):
        if stem.endswith(ext):
            stem = stem[: -len(ext)]
    stem = stem.rsplit("/", 1)[-1]
    for pattern, table in _NAME_PATTERNS:
        if re.match(pattern, stem):
            return table
    return None


def read_table(spark: SparkSession, table: str, files: Sequence[SourceFile]) -> DataFrame:
    cols = LAYOUTS[table]
    df = read_delimited(spark, files, cols, sep=";", encoding="ISO-8859-1", header=False)
    return (
        df.withColumn("_raw", raw_of(cols, ";"))
        .withColumn("_source", F.lit("cnpj"))
        .withColumn("_loc", F.col("_row").cast("string"))
        .withColumn("_ord", ord_key(F.col("_file"), pad(F.col("_row"))))
    )


def _common(columns: Sequence[str], text_columns: Sequence[str]) -> list[Transform]:
    bad = F.lit(False)
    for c in text_columns:
        bad = bad | mojibake(F.col(c))
    return [
        check(
            "*",
            F.when(F.col(CORRUPT).isNotNull(), F.lit("malformed row: wrong number of fields or bad quoting")),
        ),
        check("*", F.when(bad, F.lit("text looks like UTF-8 read as ISO-8859-1 (wrong encoding?)"))),
    ]


def _basico(df: DataFrame) -> DataFrame:
    return df.transform(require("cnpj_basico", F.col("cnpj_basico"))).transform(
        check(
            "cnpj_basico",
            F.when(
                ~F.trim("cnpj_basico").rlike(r"^\d{8}$"), F.concat(F.lit("not 8 digits: "), "cnpj_basico")
            ),
        )
    )


def _apply(df: DataFrame, ts: Sequence[Transform]) -> DataFrame:
    df = start_checks(df)
    for t in ts:
        df = df.transform(t)
    return df


def parse_empresas(df: DataFrame) -> DataFrame:
    df = _apply(df, _common(EMPRESAS, ["razao_social"])).transform(_basico)
    df = (
        df.withColumn("basico", F.trim("cnpj_basico"))
        .withColumn("name", C.blank_to_null(F.col("razao_social")))
        .withColumn("legal_nature", C.blank_to_null(F.col("natureza_juridica")))
        .withColumn("capital", C.money(F.col("capital_social")))
        .withColumn("size", C.blank_to_null(F.col("porte")))
    )
    return (
        df.transform(require("razao_social", F.col("name")))
        .transform(check("capital_social", C.money_problem(F.col("capital_social"))))
        .transform(dedupe(["basico"]))
    )


def parse_estabelecimentos(df: DataFrame) -> DataFrame:
    df = _apply(
        df, _common(ESTABELECIMENTOS, ["nome_fantasia", "logradouro", "bairro", "complemento"])
    ).transform(_basico)
    cnpj = F.concat(F.trim("cnpj_basico"), F.trim("cnpj_ordem"), F.trim("cnpj_dv"))
    status_map = F.create_map(*[F.lit(x) for kv in sorted(STATUS.items()) for x in kv])
    df = (
        df.withColumn("cnpj", cnpj)
        .withColumn("basico", F.trim("cnpj_basico"))
        .withColumn(
            "head_office",
            F.when(F.trim("identificador_matriz_filial") == "1", True).when(
                F.trim("identificador_matriz_filial") == "2", False
            ),
        )
        .withColumn("trade_name", C.blank_to_null(F.col("nome_fantasia")))
        .withColumn("registry_status", status_map[F.trim("situacao_cadastral")])
        .withColumn("registry_status_date", C.date_ymd(F.col("data_situacao_cadastral")))
        .withColumn("founded_on", C.date_ymd(F.col("data_inicio_atividade")))
        .withColumn("main_cnae", C.blank_to_null(F.col("cnae_fiscal_principal")))
        .withColumn(
            "secondary_cnaes",
            F.when(
                F.coalesce(F.trim("cnae_fiscal_secundaria"), F.lit("")) != "",
                F.split(F.regexp_replace("cnae_fiscal_secundaria", r"\s", ""), ","),
            ),
        )
        .withColumn("uf", C.blank_to_null(F.col("uf")))
        .withColumn("municipio_code", C.blank_to_null(F.col("municipio")))
    )
    return (
        df.transform(
            check(
                "cnpj_dv",
                F.when(
                    ~C.cnpj_valid(F.col("cnpj")),
                    F.concat(F.lit("invalid CNPJ check digits: "), F.col("cnpj")),
                ),
            )
        )
        .transform(
            check(
                "identificador_matriz_filial",
                F.when(
                    F.col("head_office").isNull(),
                    F.concat(F.lit("not 1 or 2: "), F.coalesce("identificador_matriz_filial", F.lit(""))),
                ),
            )
        )
        .transform(
            check(
                "situacao_cadastral",
                F.when(
                    (F.coalesce(F.trim("situacao_cadastral"), F.lit("")) != "")
                    & F.col("registry_status").isNull(),
                    F.concat(F.lit("unknown code: "), "situacao_cadastral"),
                ),
            )
        )
        .transform(check("data_situacao_cadastral", C.date_ymd_problem(F.col("data_situacao_cadastral"))))
        .transform(check("data_inicio_atividade", C.date_ymd_problem(F.col("data_inicio_atividade"))))
        .transform(check("data_situacao_especial", C.date_ymd_problem(F.col("data_situacao_especial"))))
        .transform(dedupe(["cnpj"]))
    )


def parse_socios(df: DataFrame) -> DataFrame:
    df = _apply(df, _common(SOCIOS, ["nome_socio", "nome_representante"])).transform(_basico)
    ident = F.trim("identificador_socio")
    doc = C.compact_document(F.col("cnpj_cpf_socio"))
    df = (
        df.withColumn("basico", F.trim("cnpj_basico"))
        .withColumn("partner_type", ident)
        .withColumn("partner_doc", F.when(doc == "", None).otherwise(doc))
        .withColumn("partner_name", C.blank_to_null(F.col("nome_socio")))
        .withColumn("role_code", C.blank_to_null(F.col("qualificacao_socio")))
        .withColumn("since", C.date_ymd(F.col("data_entrada_sociedade")))
        .withColumn("age_band", C.blank_to_null(F.col("faixa_etaria")))
    )
    return (
        df.transform(
            check(
                "identificador_socio",
                F.when(
                    ~ident.isin("1", "2", "3"),
                    F.concat(F.lit("not 1, 2 or 3: "), F.coalesce(ident, F.lit(""))),
                ),
            )
        )
        .transform(require("nome_socio", F.col("partner_name")))
        .transform(
            check(
                "cnpj_cpf_socio",
                F.when(
                    (ident == "1") & ~C.cnpj_valid(F.lpad(F.col("partner_doc"), 14, "0")),
                    F.concat(F.lit("invalid partner CNPJ: "), F.coalesce("partner_doc", F.lit(""))),
                ).when(
                    (ident == "2") & ~F.coalesce(F.col("partner_doc").rlike(C.MASKED_CPF_RE), F.lit(False)),
                    F.lit("partner CPF is not masked as ***123456**"),
                ),
            )
        )
        .transform(check("data_entrada_sociedade", C.date_ymd_problem(F.col("data_entrada_sociedade"))))
        .transform(
            dedupe(
                [
                    "basico",
                    "partner_type",
                    F.coalesce("partner_doc", F.lit("")),
                    C.name_key(F.col("partner_name")),
                ]
            )
        )
    )


def parse_simples(df: DataFrame) -> DataFrame:
    df = _apply(df, _common(SIMPLES, [])).transform(_basico)
    s, m = F.upper(F.trim("opcao_simples")), F.upper(F.trim("opcao_mei"))
    df = (
        df.withColumn("basico", F.trim("cnpj_basico"))
        .withColumn("simples", F.when(s == "S", True).when(s == "N", False))
        .withColumn("mei", F.when(m == "S", True).when(m == "N", False))
    )
    ts: list[Transform] = [
        check(
            "opcao_simples",
            F.when(
                (F.coalesce(s, F.lit("")) != "") & F.col("simples").isNull(),
                F.concat(F.lit("not S or N: "), s),
            ),
        ),
        check(
            "opcao_mei",
            F.when(
                (F.coalesce(m, F.lit("")) != "") & F.col("mei").isNull(), F.concat(F.lit("not S or N: "), m)
            ),
        ),
    ]
    for c in ("data_opcao_simples", "data_exclusao_simples", "data_opcao_mei", "data_exclusao_mei"):
        ts.append(check(c, C.date_ymd_problem(F.col(c))))
    return _apply(df, ts).transform(dedupe(["basico"]))


def parse_codes(df: DataFrame) -> DataFrame:
    df = _apply(df, _common(CODES, ["descricao"]))
    df = df.withColumn("code", F.trim("codigo")).withColumn(
        "description", C.blank_to_null(F.col("descricao"))
    )
    return df.transform(require("codigo", F.col("code"))).transform(dedupe(["_file", "code"]))


def parse_tabmun(df: DataFrame) -> DataFrame:
    df = _apply(df, _common(TABMUN, ["nome"]))
    df = df.withColumn("tom", F.trim("codigo_tom")).withColumn("ibge", F.trim("codigo_ibge"))
    return (
        df.transform(require("codigo_tom", F.col("tom")))
        .transform(
            check(
                "codigo_ibge",
                F.when(
                    ~F.col("ibge").rlike(r"^\d{7}$"),
                    F.concat(F.lit("not 7 digits: "), F.coalesce("ibge", F.lit(""))),
                ),
            )
        )
        .transform(dedupe(["tom"]))
    )


PARSERS = {
    "empresas": parse_empresas,
    "estabelecimentos": parse_estabelecimentos,
    "socios": parse_socios,
    "simples": parse_simples,
    "cnaes": parse_codes,
    "municipios": parse_codes,
    "naturezas": parse_codes,
    "qualificacoes": parse_codes,
    "motivos": parse_codes,
    "paises": parse_codes,
    "tabmun": parse_tabmun,
}
