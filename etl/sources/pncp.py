"""PNCP readers: contratações pages (JSON), items and results (JSON Lines envelopes).

Every field is read as text (an explicit schema of strings: Spark keeps a number's literal text), then
parsed and checked by the pure `parse_*` transforms, so one bad field rejects one record, with its reason.
"""

from __future__ import annotations

from collections.abc import Sequence

from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F
from pyspark.sql import types as T

from etl.sources.base import SourceFile, ord_key, pad, path_names, with_row_numbers
from etl.transforms import columns as C
from etl.transforms.checks import check, dedupe, require, start_checks
from etl.transforms.documents import parse_document

S = T.StringType()


def _struct(*names: str) -> T.StructType:
    return T.StructType([T.StructField(n, S, True) for n in names])


CONTRATACAO = T.StructType(
    [
        T.StructField("numeroControlePNCP", S),
        T.StructField("orgaoEntidade", _struct("cnpj", "razaoSocial", "esferaId", "poderId")),
        T.StructField(
            "unidadeOrgao",
            _struct("codigoUnidade", "nomeUnidade", "ufSigla", "ufNome", "codigoIbge", "municipioNome"),
        ),
        T.StructField("anoCompra", S),
        T.StructField("sequencialCompra", S),
        T.StructField("numeroCompra", S),
        T.StructField("processo", S),
        T.StructField("modalidadeId", S),
        T.StructField("modalidadeNome", S),
        T.StructField("modoDisputaId", S),
        T.StructField("amparoLegal", _struct("codigo", "nome", "descricao")),
        T.StructField("objetoCompra", S),
        T.StructField("valorTotalEstimado", S),
        T.StructField("valorTotalHomologado", S),
        T.StructField("dataPublicacaoPncp", S),
        T.StructField("dataAberturaProposta", S),
        T.StructField("dataEncerramentoProposta", S),
        T.StructField("srp", S),
        T.StructField("situacaoCompraId", S),
        T.StructField("criterioJulgamentoId", S),
    ]
)

ITEM = _struct(
    "numeroItem",
    "descricao",
    "materialOuServico",
    "quantidade",
    "unidadeMedida",
    "valorUnitarioEstimado",
    "valorTotal",
    "criterioJulgamentoId",
    "situacaoCompraItemId",
    "catalogo",
    "catalogoCodigoItem",
    "ncmNbsCodigo",
)

RESULT = _struct(
    "niFornecedor",
    "tipoPessoa",
    "nomeRazaoSocialFornecedor",
    "porteFornecedorId",
    "quantidadeHomologada",
    "valorUnitarioHomologado",
    "valorTotalHomologado",
    "percentualDesconto",
    "dataResultado",
)

ITEMS_ENVELOPE = T.StructType(
    [
        T.StructField("cnpj", S),
        T.StructField("ano", S),
        T.StructField("sequencial", S),
        T.StructField("response", T.ArrayType(ITEM)),
    ]
)
RESULTS_ENVELOPE = T.StructType(
    [
        T.StructField("cnpj", S),
        T.StructField("ano", S),
        T.StructField("sequencial", S),
        T.StructField("numeroItem", S),
        T.StructField("response", T.ArrayType(RESULT)),
    ]
)

_JSON_OPTS = {"mode": "PERMISSIVE", "allowNonNumericNumbers": "false"}
CONTROL_RE = r"^\d{14}-\d-\d{6}/\d{4}$"


def _file_column(files: Sequence[SourceFile]) -> F.Column:
    by_path = path_names(files)
    mapping = F.create_map(*[F.lit(x) for kv in sorted(by_path.items()) for x in kv])
    return F.coalesce(mapping[F.input_file_name()], F.input_file_name())


def control_number(cnpj: F.Column, ano: F.Column, seq: F.Column) -> F.Column:
    """numeroControlePNCP of a contratação from its parts: `<cnpj>-1-<seq 6 digits>/<ano>`."""
    return F.concat(cnpj, F.lit("-1-"), F.lpad(seq.cast("string"), 6, "0"), F.lit("/"), ano.cast("string"))


# contratações ------------------------------------------------------------------------------------


def read_contratacoes(spark: SparkSession, files: Sequence[SourceFile]) -> DataFrame:
    """One record per contratação; a file that is not valid JSON becomes one record flagged `_json_error`."""
    text = spark.read.text([str(f.path) for f in files], wholetext=True).withColumn(
        "_file", _file_column(files)
    )
    v = F.trim(F.col("value"))
    as_array = F.from_json(v, T.ArrayType(CONTRATACAO), _JSON_OPTS)
    as_page = F.from_json(v, T.StructType([T.StructField("data", T.ArrayType(CONTRATACAO))]), _JSON_OPTS)
    # from_json accepts a prefix of broken text in some cases; a well-formed document must also parse as a
    # generic JSON value all the way through.
    well_formed = (
        F.from_json(v, "map<string,string>", _JSON_OPTS).isNotNull()
        | F.from_json(v, "array<string>", _JSON_OPTS).isNotNull()
    )
    text = text.select(
        "_file",
        F.when(v.startswith("["), as_array).when(v.startswith("{"), as_page["data"]).alias("_records"),
        F.when(v.startswith("["), F.lit("$")).otherwise(F.lit("$.data")).alias("_base"),
        well_formed.alias("_ok"),
        F.substring(F.col("value"), 1, 2000).alias("_text"),
        F.when(
            v.startswith("{"), F.from_json(v, "map<string,string>", _JSON_OPTS).getItem("data").isNull()
        ).alias("_no_data"),
    )
    good = text.where(F.col("_ok") & F.col("_records").isNotNull())
    bad = text.where(~(F.col("_ok") & F.col("_records").isNotNull()))
    exploded = good.select("_file", "_base", F.posexplode("_records").alias("_i", "r")).select(
        "_file",
        F.concat(F.col("_base"), F.lit("["), F.col("_i").cast("string"), F.lit("]")).alias("_loc"),
        ord_key(F.col("_file"), pad(F.col("_i"))).alias("_ord"),
        F.to_json("r").alias("_raw"),
        F.lit(None).cast("string").alias("_json_error"),
        "r.*",
    )
    broken = bad.select(
        "_file",
        F.lit("$").alias("_loc"),
        ord_key(F.col("_file"), F.lit("")).alias("_ord"),
        F.col("_text").alias("_raw"),
        F.when(F.col("_ok"), F.lit("JSON is neither an array of records nor a page with a `data` array"))
        .otherwise(F.lit("malformed or truncated JSON"))
        .alias("_json_error"),
        *[F.lit(None).cast(f.dataType).alias(f.name) for f in CONTRATACAO.fields],
    )
    return exploded.unionByName(broken).withColumn("_source", F.lit("pncp"))


def parse_contratacoes(df: DataFrame) -> DataFrame:
    """Typed, checked contratação records (pure)."""
    o, u = F.col("orgaoEntidade"), F.col("unidadeOrgao")
    df = start_checks(df).transform(check("*", F.col("_json_error")))
    df = df.select(
        *[c for c in df.columns if c.startswith("_")],
        F.trim("numeroControlePNCP").alias("control_number"),
        C.digits(o["cnpj"]).alias("agency_cnpj"),
        o["cnpj"].alias("_agency_cnpj_raw"),
        C.blank_to_null(o["razaoSocial"]).alias("agency_name"),
        C.blank_to_null(o["esferaId"]).alias("sphere"),
        C.blank_to_null(o["poderId"]).alias("power"),
        C.blank_to_null(u["codigoUnidade"]).alias("unit_code"),
        C.blank_to_null(u["nomeUnidade"]).alias("unit_name"),
        C.blank_to_null(u["ufSigla"]).alias("uf"),
        C.blank_to_null(u["codigoIbge"]).alias("ibge_code"),
        C.blank_to_null(u["municipioNome"]).alias("municipality"),
        C.integer(F.col("anoCompra")).alias("year"),
        F.col("anoCompra").alias("_year_raw"),
        C.integer(F.col("sequencialCompra")).alias("sequence"),
        F.col("sequencialCompra").alias("_seq_raw"),
        C.blank_to_null(F.col("processo")).alias("process_number"),
        C.integer(F.col("modalidadeId")).alias("modality_id"),
        F.col("modalidadeId").alias("_modality_raw"),
        C.blank_to_null(F.col("modalidadeNome")).alias("modality"),
        C.integer(F.col("modoDisputaId")).alias("dispute_mode_id"),
        C.integer(F.col("amparoLegal")["codigo"]).alias("legal_basis_code"),
        C.blank_to_null(F.col("amparoLegal")["nome"]).alias("legal_basis"),
        C.blank_to_null(F.col("objetoCompra")).alias("object"),
        C.integer(F.col("criterioJulgamentoId")).alias("judgment_criterion_id"),
        C.money(F.col("valorTotalEstimado")).alias("estimated_value"),
        F.col("valorTotalEstimado").alias("_est_raw"),
        C.money(F.col("valorTotalHomologado")).alias("awarded_value"),
        F.col("valorTotalHomologado").alias("_awd_raw"),
        C.timestamp_iso(F.col("dataPublicacaoPncp")).alias("published_at"),
        F.col("dataPublicacaoPncp").alias("_pub_raw"),
        C.timestamp_iso(F.col("dataAberturaProposta")).alias("proposals_open_at"),
        F.col("dataAberturaProposta").alias("_open_raw"),
        C.timestamp_iso(F.col("dataEncerramentoProposta")).alias("proposals_close_at"),
        F.col("dataEncerramentoProposta").alias("_close_raw"),
        F.when(F.lower("srp") == "true", True).when(F.lower("srp") == "false", False).alias("srp"),
        F.col("srp").alias("_srp_raw"),
        C.integer(F.col("situacaoCompraId")).alias("status_id"),
    )
    return (
        df.transform(require("numeroControlePNCP", F.col("control_number")))
        .transform(
            check(
                "numeroControlePNCP",
                F.when(
                    ~F.col("control_number").rlike(CONTROL_RE),
                    F.concat(F.lit("malformed: "), "control_number"),
                ),
            )
        )
        .transform(require("orgaoEntidade.cnpj", F.col("agency_cnpj")))
        .transform(
            check(
                "orgaoEntidade.cnpj",
                F.when(
                    ~C.cnpj_valid(F.col("agency_cnpj")), F.concat(F.lit("invalid CNPJ: "), "_agency_cnpj_raw")
                ),
            )
        )
        .transform(check("anoCompra", C.integer_problem(F.col("_year_raw"))))
        .transform(check("sequencialCompra", C.integer_problem(F.col("_seq_raw"))))
        .transform(check("modalidadeId", C.integer_problem(F.col("_modality_raw"))))
        .transform(check("valorTotalEstimado", C.money_problem(F.col("_est_raw"))))
        .transform(check("valorTotalHomologado", C.money_problem(F.col("_awd_raw"))))
        .transform(check("dataPublicacaoPncp", C.timestamp_problem(F.col("_pub_raw"))))
        .transform(check("dataAberturaProposta", C.timestamp_problem(F.col("_open_raw"))))
        .transform(check("dataEncerramentoProposta", C.timestamp_problem(F.col("_close_raw"))))
        .transform(
            check(
                "srp",
                F.when(
                    F.col("_srp_raw").isNotNull() & F.col("srp").isNull(),
                    F.concat(F.lit("not a boolean: "), "_srp_raw"),
                ),
            )
        )
        .transform(dedupe(["control_number"]))
    )


# items and results ---------------------------------------------------------------------------------


def _read_jsonl(spark: SparkSession, files: Sequence[SourceFile], envelope: T.StructType) -> DataFrame:
    lines = spark.read.text([str(f.path) for f in files]).withColumn("_file", _file_column(files))
    lines = with_row_numbers(lines).where(F.trim("value") != "")
    parsed = lines.select(
        "_file",
        "_row",
        "value",
        F.from_json("value", envelope, _JSON_OPTS).alias("e"),
        F.from_json("value", "map<string,string>", _JSON_OPTS).alias("_m"),
    )
    ok = F.col("_m").isNotNull() & F.col("e").isNotNull() & F.col("e.response").isNotNull()
    good = parsed.where(ok).select("*", F.posexplode("e.response").alias("_i", "r"))
    recs = good.select(
        "_file",
        F.concat(
            F.col("_row").cast("string"), F.lit(":$.response["), F.col("_i").cast("string"), F.lit("]")
        ).alias("_loc"),
        ord_key(F.col("_file"), pad(F.col("_row")), pad(F.col("_i"), 6)).alias("_ord"),
        F.to_json(F.struct(F.col("e.cnpj"), F.col("e.ano"), F.col("e.sequencial"), F.col("r"))).alias("_raw"),
        F.lit(None).cast("string").alias("_json_error"),
        F.col("e.cnpj").alias("env_cnpj"),
        F.col("e.ano").alias("env_ano"),
        F.col("e.sequencial").alias("env_seq"),
        *([F.col("e.numeroItem").alias("env_item")] if "numeroItem" in envelope.fieldNames() else []),
        "r.*",
    )
    inner = envelope["response"].dataType.elementType  # type: ignore[attr-defined]
    bad = parsed.where(~ok).select(
        "_file",
        F.col("_row").cast("string").alias("_loc"),
        ord_key(F.col("_file"), pad(F.col("_row")), F.lit("")).alias("_ord"),
        F.substring("value", 1, 2000).alias("_raw"),
        F.when(F.col("_m").isNull(), F.lit("malformed or truncated JSON line"))
        .otherwise(F.lit("envelope without a `response` array"))
        .alias("_json_error"),
        F.lit(None).cast("string").alias("env_cnpj"),
        F.lit(None).cast("string").alias("env_ano"),
        F.lit(None).cast("string").alias("env_seq"),
        *([F.lit(None).cast("string").alias("env_item")] if "numeroItem" in envelope.fieldNames() else []),
        *[F.lit(None).cast(f.dataType).alias(f.name) for f in inner.fields],
    )
    return recs.unionByName(bad).withColumn("_source", F.lit("pncp"))


def read_itens(spark: SparkSession, files: Sequence[SourceFile]) -> DataFrame:
    return _read_jsonl(spark, files, ITEMS_ENVELOPE)


def read_resultados(spark: SparkSession, files: Sequence[SourceFile]) -> DataFrame:
    return _read_jsonl(spark, files, RESULTS_ENVELOPE)


def _envelope_checks(df: DataFrame) -> DataFrame:
    df = (
        df.withColumn("agency_cnpj", C.digits(F.col("env_cnpj")))
        .withColumn("year", C.integer(F.col("env_ano")))
        .withColumn("sequence", C.integer(F.col("env_seq")))
        .withColumn("control_number", control_number(F.col("agency_cnpj"), F.col("year"), F.col("sequence")))
    )
    return (
        start_checks(df)
        .transform(check("*", F.col("_json_error")))
        .transform(
            check(
                "cnpj",
                F.when(~C.cnpj_valid(F.col("agency_cnpj")), F.concat(F.lit("invalid CNPJ: "), "env_cnpj")),
            )
        )
        .transform(require("ano", F.col("env_ano")))
        .transform(check("ano", C.integer_problem(F.col("env_ano"))))
        .transform(require("sequencial", F.col("env_seq")))
        .transform(check("sequencial", C.integer_problem(F.col("env_seq"))))
    )


def parse_itens(df: DataFrame) -> DataFrame:
    df = df.transform(_envelope_checks)
    df = (
        df.withColumn("number", C.integer(F.col("numeroItem")))
        .withColumn("description", C.blank_to_null(F.col("descricao")))
        .withColumn("kind", F.upper(C.blank_to_null(F.col("materialOuServico"))))
        .withColumn("quantity", C.money(F.col("quantidade")))
        .withColumn("unit_raw", C.blank_to_null(F.col("unidadeMedida")))
        .withColumn("estimated_unit_value", C.money(F.col("valorUnitarioEstimado")))
        .withColumn("estimated_total_value", C.money(F.col("valorTotal")))
        .withColumn("judgment_criterion_id", C.integer(F.col("criterioJulgamentoId")))
        .withColumn("status_id", C.integer(F.col("situacaoCompraItemId")))
        .withColumn("catalog", C.blank_to_null(F.col("catalogo")))
        .withColumn("catalog_code", C.blank_to_null(F.col("catalogoCodigoItem")))
        .withColumn("ncm_nbs", C.blank_to_null(F.col("ncmNbsCodigo")))
    )
    return (
        df.transform(require("numeroItem", F.col("numeroItem")))
        .transform(check("numeroItem", C.integer_problem(F.col("numeroItem"))))
        .transform(require("descricao", F.col("description")))
        .transform(
            check(
                "materialOuServico",
                F.when(
                    F.col("kind").isNotNull() & ~F.col("kind").isin("M", "S"),
                    F.concat(F.lit("not M or S: "), "kind"),
                ),
            )
        )
        .transform(check("quantidade", C.money_problem(F.col("quantidade"))))
        .transform(check("valorUnitarioEstimado", C.money_problem(F.col("valorUnitarioEstimado"))))
        .transform(check("valorTotal", C.money_problem(F.col("valorTotal"))))
        .transform(dedupe(["control_number", "number"]))
    )


def parse_resultados(df: DataFrame) -> DataFrame:
    df = df.transform(_envelope_checks)
    df = (
        df.withColumn("item_number", C.integer(F.col("env_item")))
        .withColumn("supplier_name", C.blank_to_null(F.col("nomeRazaoSocialFornecedor")))
        .withColumn("porte", C.blank_to_null(F.col("porteFornecedorId")))
        .withColumn("quantity", C.money(F.col("quantidadeHomologada")))
        .withColumn("unit_value", C.money(F.col("valorUnitarioHomologado")))
        .withColumn("total_value", C.money(F.col("valorTotalHomologado")))
        .withColumn("discount_pct", C.money(F.col("percentualDesconto")))
        .withColumn("awarded_on", C.date_iso(F.col("dataResultado")))
        .transform(parse_document("niFornecedor", "tipoPessoa"))
    )
    return (
        df.transform(require("numeroItem", F.col("env_item")))
        .transform(check("numeroItem", C.integer_problem(F.col("env_item"))))
        .transform(check("niFornecedor", F.col("_doc_problem")))
        .transform(check("quantidadeHomologada", C.money_problem(F.col("quantidadeHomologada"))))
        .transform(check("valorUnitarioHomologado", C.money_problem(F.col("valorUnitarioHomologado"))))
        .transform(check("valorTotalHomologado", C.money_problem(F.col("valorTotalHomologado"))))
        .transform(
            check("percentualDesconto", C.money_problem(F.col("percentualDesconto"), allow_negative=True))
        )
        .transform(
            check(
                "dataResultado",
                F.when(
                    (F.coalesce(F.trim("dataResultado"), F.lit("")) != "") & F.col("awarded_on").isNull(),
                    F.concat(F.lit("invalid date: "), "dataResultado"),
                ),
            )
        )
        .transform(dedupe(["control_number", "item_number", "_doc"]))
    )
