"""Pure transforms of the ETL against literal expected rows (real Spark, the shared local[1] session)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

pytestmark = [pytest.mark.spark]


def assert_df_equal(actual: Any, expected: Any) -> None:
    """Same column names and types, same rows in any order. (pyspark.testing.assertDataFrameEqual would
    do, but in pyspark 3.5 it imports pyspark.pandas, which fails with numpy 2: `np.NaN` was removed.)"""
    assert [(f.name, f.dataType) for f in actual.schema] == [(f.name, f.dataType) for f in expected.schema]

    def key(r: Any) -> tuple[str, ...]:
        return tuple(repr(v) for v in r)

    assert sorted(actual.collect(), key=key) == sorted(expected.collect(), key=key)


def _py_cnpj_ok(cnpj: str) -> bool:
    """Independent reference implementation of the CNPJ check digits (plain Python)."""
    if len(cnpj) != 14 or not cnpj.isdigit() or len(set(cnpj)) == 1:
        return False

    def dv(digits: str, weights: list[int]) -> int:
        r = sum(int(d) * w for d, w in zip(digits, weights, strict=True)) % 11
        return 0 if r < 2 else 11 - r

    d1 = dv(cnpj[:12], [5, 4, 3, 2, 9, 8, 7, 6, 5, 4, 3, 2])
    d2 = dv(cnpj[:12] + str(d1), [6, 5, 4, 3, 2, 9, 8, 7, 6, 5, 4, 3, 2])
    return cnpj[12:] == f"{d1}{d2}"


def test_cnpj_and_cpf_check_digits(spark: Any) -> None:
    from pyspark.sql import functions as F

    from etl.transforms import columns as C

    rows = [
        ("33683111000280", True),  # SERPRO branch, Receita sample
        ("19131243000197", True),  # Open Knowledge Brasil
        ("33683111000281", False),  # last digit changed
        ("11111111111111", False),  # repeated digit
        ("1913124300019", False),  # 13 digits
    ]
    assert [_py_cnpj_ok(r[0]) for r in rows] == [r[1] for r in rows]  # the literals themselves are right
    df = spark.createDataFrame([(r[0],) for r in rows], "c string")
    got = df.select("c", C.cnpj_valid(F.col("c")).alias("ok"))
    assert_df_equal(got, spark.createDataFrame(rows, "c string, ok boolean"))

    cpfs = spark.createDataFrame([("52998224725",), ("52998224724",), ("00000000000",)], "c string")
    assert_df_equal(
        cpfs.select("c", C.cpf_valid(F.col("c")).alias("ok")),
        spark.createDataFrame(
            [("52998224725", True), ("52998224724", False), ("00000000000", False)], "c string, ok boolean"
        ),
    )
    heads = spark.createDataFrame([("33683111",)], "b string").select(
        C.head_office_cnpj(F.col("b")).alias("h")
    )
    assert heads.first()["h"] == "33683111000107"


def test_money_dates_and_integers(spark: Any) -> None:
    from pyspark.sql import functions as F

    from etl.transforms import columns as C

    df = spark.createDataFrame(
        [("1.234,56",), ("R$ 10,5",), ("2.49",), ("abc",), ("-3,00",), ("",)], "v string"
    )
    got = df.select("v", C.money(F.col("v")).alias("m"), C.money_problem(F.col("v")).alias("p"))
    expected = [
        ("1.234,56", 1234.56, None),
        ("R$ 10,5", 10.5, None),
        ("2.49", 2.49, None),
        ("abc", None, "not a number: abc"),
        ("-3,00", -3.0, "negative value: -3,00"),
        ("", None, None),
    ]
    assert_df_equal(got, spark.createDataFrame(expected, "v string, m double, p string"))

    d = spark.createDataFrame([("20230115",), ("0",), ("00000000",), ("20230231",), ("2023011",)], "v string")
    got = d.select("v", C.date_ymd(F.col("v")).alias("d"), C.date_ymd_problem(F.col("v")).alias("p"))
    assert_df_equal(
        got,
        spark.createDataFrame(
            [
                ("20230115", dt.date(2023, 1, 15), None),
                ("0", None, None),
                ("00000000", None, None),
                ("20230231", None, "invalid date: 20230231"),
                ("2023011", None, "invalid date: 2023011"),
            ],
            "v string, d date, p string",
        ),
    )
    ts = spark.createDataFrame(
        [("2025-06-18T08:00:00",), ("2025-02-30T08:00:00",), ("2025-06-18",)], "v string"
    )
    got = ts.select("v", C.timestamp_iso(F.col("v")).alias("t"))
    assert_df_equal(
        got,
        spark.createDataFrame(
            [
                ("2025-06-18T08:00:00", dt.datetime(2025, 6, 18, 8, 0)),
                ("2025-02-30T08:00:00", None),
                ("2025-06-18", dt.datetime(2025, 6, 18, 0, 0)),
            ],
            "v string, t timestamp",
        ),
    )
    br = spark.createDataFrame([("15/08/2021",), ("31/02/2021",)], "v string").select(
        C.date_br(F.col("v")).alias("d")
    )
    assert [r["d"] for r in br.collect()] == [dt.date(2021, 8, 15), None]
    ints = spark.createDataFrame([("382.0",), ("12",), ("1.5",)], "v string").select(
        C.integer(F.col("v")).alias("i")
    )
    assert [r["i"] for r in ints.collect()] == [382, 12, None]


def test_text_normalization(spark: Any) -> None:
    from pyspark.sql import functions as F

    from etl.transforms import columns as C

    df = spark.createDataFrame(
        [
            ("  Chicória   fresca ", "Kg."),
            ("Arroz tipo 1 pacote 5 kilos", "PACOTE"),
            ("Óleo de soja 900ml", "unidade"),
        ],
        "d string, u string",
    )
    got = df.select(C.norm_description(F.col("d")).alias("d"), C.norm_unit(F.col("u")).alias("u"))
    assert_df_equal(
        got,
        spark.createDataFrame(
            [("CHICORIA FRESCA", "KG"), ("ARROZ TIPO 1 PACOTE 5 KG", "PCT"), ("OLEO DE SOJA 900 ML", "UN")],
            "d string, u string",
        ),
    )
    names = spark.createDataFrame([("José da Silva-Ltda",)], "n string").select(
        C.name_key(F.col("n")).alias("k")
    )
    assert names.first()["k"] == "JOSE_DA_SILVA_LTDA"


def test_parse_document(spark: Any) -> None:

    from etl.transforms.documents import parse_document

    df = spark.createDataFrame(
        [
            ("1", "33.683.111/0002-80"),
            ("2", "529.982.247-25"),
            ("3", "***220050**"),
            ("4", "***000000**"),
            ("5", "33683111000281"),
            ("6", "8706892000152"),  # CNEP sample: leading zero lost
            ("7", "abc"),
            ("8", "00089692926753"),  # TCE-RJ: a CPF stored in the 14-character CNPJ field
        ],
        "k string, raw string",
    )
    got = df.transform(parse_document("raw")).select("k", "_doc_kind", "_doc", "_doc_problem")
    expected = [
        ("1", "PJ", "33683111000280", None),
        ("2", "PF", "***982247**", None),
        ("3", "PF", "***220050**", None),
        ("4", "PF", "***000000**", "no document (***000000**)"),
        ("5", "PJ", "33683111000281", "invalid CNPJ check digits: 33683111000281"),
        ("6", "PJ", "08706892000152", None),
        ("7", None, None, "not a CNPJ or CPF: abc"),
        ("8", "PF", "***929267**", None),
    ]
    assert_df_equal(
        got, spark.createDataFrame(expected, "k string, _doc_kind string, _doc string, _doc_problem string")
    )


def test_checks_first_problem_wins_and_duplicates(spark: Any) -> None:
    from pyspark.sql import functions as F

    from etl.transforms.checks import accepted, check, dedupe, file_counts, rejects

    df = spark.createDataFrame(
        [
            ("s", "a.csv", "1", "a.csv#01", "r1", "x", "5"),
            ("s", "a.csv", "2", "a.csv#02", "r2", "x", "-1"),
            ("s", "a.csv", "3", "a.csv#03", "r3", "x", "7"),
            ("s", "b.csv", "1", "b.csv#01", "r4", "x", "8"),
            ("s", "b.csv", "2", "b.csv#02", "r5", "", "oops"),
        ],
        "_source string, _file string, _loc string, _ord string, _raw string, key string, v string",
    )
    out = (
        df.transform(check("key", F.when(F.col("key") == "", F.lit("missing"))))
        .transform(check("v", F.when(F.col("v").cast("int") < 0, F.lit("negative"))))
        .transform(check("v", F.when(F.col("v").cast("int").isNull(), F.lit("not a number"))))
        .transform(dedupe(["key"]))
    )
    assert_df_equal(
        rejects(out).select("source_file", "location", "field", "reason"),
        spark.createDataFrame(
            [
                ("a.csv", "2", "v", "negative"),
                ("a.csv", "3", "*", "duplicate of 1"),
                ("b.csv", "1", "*", "duplicate of a.csv:1"),
                ("b.csv", "2", "key", "missing"),
            ],
            "source_file string, location string, field string, reason string",
        ),
    )
    assert [r["_loc"] for r in accepted(out).collect()] == ["1"]
    counts = {r["_file"]: (r["read"], r["accepted"], r["rejected"]) for r in file_counts(out).collect()}
    assert counts == {"a.csv": (3, 1, 2), "b.csv": (2, 0, 2)}


def test_combine_last_source_wins_without_erasing(spark: Any) -> None:
    from core.tables import table
    from etl.merge import combine, rank_bids

    old = spark.createDataFrame(
        [("agency:1", "1", "OLD NAME", "E", "cnpj", "f0", "")],
        "id string, cnpj string, name string, sphere string, source string, source_file string, _ord string",
    )
    new = spark.createDataFrame(
        [("agency:1", "1", "NEW NAME", None, "pncp", "f1", "04|f1#1")],
        "id string, cnpj string, name string, sphere string, source string, source_file string, _ord string",
    )
    row = combine([old, new], table("Agency")).first()
    assert row is not None
    assert (row["name"], row["sphere"], row["source"], row["source_file"]) == ("NEW NAME", "E", "pncp", "f1")

    bids = spark.createDataFrame(
        [
            ("s1", "i", 10.0, "valid"),
            ("s2", "i", 10.0, "valid"),
            ("s3", "i", 12.0, "valid"),
            ("s4", "i", 5.0, "disqualified"),
            ("s5", "i", None, "not_quoted"),
        ],
        "src string, dst string, value double, status string",
    )
    ranks = {r["src"]: r["rank"] for r in rank_bids(bids).collect()}
    assert ranks == {"s1": 1, "s2": 1, "s3": 2, "s4": None, "s5": None}


def test_rejects_text_is_valid_utf8_with_cpfs_masked(spark: Any) -> None:
    from pyspark.sql import functions as F

    from etl.transforms.checks import safe_text
    from etl.transforms.columns import mask_cpfs_in_text

    cases = [
        ("000.058.478-93,CIRO,15/08/2021", "***058478**,CIRO,15/08/2021"),  # formatted CPF
        ("cpf 12345678909 fim", "cpf ***456789** fim"),  # bare CPF
        ("00012345678909;EMPRESA", "000***456789**;EMPRESA"),  # TCE-RJ: a valid CPF in a CNPJ field
        ("33683111000280;SERPRO", "33683111000280;SERPRO"),  # a CNPJ stays
        ("00000000000191;BANCO", "00000000000191;BANCO"),  # a valid CNPJ that starts with 000 stays
        ("2025-03-01T10:00:00", "2025-03-01T10:00:00"),
    ]
    df = spark.createDataFrame([(a,) for a, _ in cases], "t string")
    got = [r[0] for r in df.select(mask_cpfs_in_text(F.col("t"))).collect()]
    assert got == [b for _, b in cases]
    # bytes that are not UTF-8 (a JSON file's text as Spark reads it) come out as U+FFFD, cut to the limit
    raw = spark.createDataFrame([(bytearray(b"Aquisi\xe7\xe3o " + b"x" * 30),)], "b binary")
    text = raw.select(safe_text(F.col("b").cast("string"), limit=20).alias("t")).collect()[0]["t"]
    assert text == "Aquisi\ufffd\ufffdo " + "x" * 10
