"""Merging candidate rows across batches, the pyarrow-written empty tables, and the run's sizing helpers."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from core.tables import ALL_TABLES, REJECTS, table

pytestmark = [pytest.mark.spark]


def _agency_rows(spark: Any, rows: list[tuple[str, str | None, str, str, str]]) -> Any:
    """(id, name, source, source_file, _ord) candidate rows of the Agency table."""
    return spark.createDataFrame(
        rows, "id string, name string, source string, source_file string, _ord string"
    )


def test_without_batches_priority_decides(spark: Any) -> None:
    from etl.merge import combine

    df = _agency_rows(
        spark,
        [
            ("agency:1", "FROM PNCP", "pncp", "pncp/a.json", "04|pncp/a.json#0001"),
            ("agency:1", "FROM BIDS", "bids_generic", "bids/generic/b.csv", "03|bids/generic/b.csv#0001"),
        ],
    )
    got = combine([df], table("Agency")).collect()
    assert [(r["id"], r["name"], r["source_file"]) for r in got] == [("agency:1", "FROM PNCP", "pncp/a.json")]


def test_priority_decides_first_then_the_later_batch(spark: Any) -> None:
    from etl.merge import combine

    df = _agency_rows(
        spark,
        [
            ("agency:1", "FROM PNCP", "pncp", "pncp/a.json", "04|pncp/a.json#0001"),
            ("agency:1", "FROM BIDS", "bids_generic", "bids/generic/b.csv", "03|bids/generic/b.csv#0001"),
            ("agency:2", None, "pncp", "pncp/a.json", "04|pncp/a.json#0002"),
            ("agency:2", "ONLY BIDS", "bids_generic", "bids/generic/b.csv", "03|bids/generic/b.csv#0002"),
            ("agency:3", "OLD EXPORT", "bids_generic", "bids/generic/b.csv", "03|bids/generic/b.csv#0003"),
            ("agency:3", "NEW EXPORT", "bids_generic", "bids/generic/a.csv", "03|bids/generic/a.csv#0001"),
        ],
    )
    batches = {"pncp/a.json": 1, "bids/generic/b.csv": 2, "bids/generic/a.csv": 10}
    got = {r["id"]: r for r in combine([df], table("Agency"), batch_of=batches).collect()}
    # a later bid export does not rename what a higher-priority source named; the lineage is the winner's
    assert (got["agency:1"]["name"], got["agency:1"]["source_file"]) == ("FROM PNCP", "pncp/a.json")
    # ... but fills a property the higher source lacks
    assert got["agency:2"]["name"] == "ONLY BIDS"
    # same priority: the later batch wins (batch 10 sorts after batch 2: zero-padded), not the file name
    assert got["agency:3"]["name"] == "NEW EXPORT"
    batches["bids/generic/a.csv"] = 1
    got = {r["id"]: r for r in combine([df], table("Agency"), batch_of=batches).collect()}
    assert got["agency:3"]["name"] == "OLD EXPORT"


def test_stored_rows_keep_their_source_priority(spark: Any) -> None:
    from etl.merge import combine, stored_ord

    stored = stored_ord(
        spark.createDataFrame(
            [
                ("agency:1", "REGISTRY NAME", "cnpj", "cnpj/Empresas0.zip"),
                ("agency:2", "OLD EXPORT NAME", "bids_generic", "bids/generic/b.csv"),
            ],
            "id string, name string, source string, source_file string",
        )
    )
    new = _agency_rows(
        spark,
        [
            ("agency:1", "EXPORT NAME", "bids_generic", "bids/generic/c.csv", "03|bids/generic/c.csv#0001"),
            (
                "agency:2",
                "NEW EXPORT NAME",
                "bids_generic",
                "bids/generic/c.csv",
                "03|bids/generic/c.csv#0002",
            ),
        ],
    )
    got = {r["id"]: r for r in combine([stored, combine([new], table("Agency"))], table("Agency")).collect()}
    assert (got["agency:1"]["name"], got["agency:1"]["source"]) == ("REGISTRY NAME", "cnpj")
    assert (got["agency:2"]["name"], got["agency:2"]["source_file"]) == (
        "NEW EXPORT NAME",
        "bids/generic/c.csv",
    )


@pytest.mark.parametrize("spec", [*ALL_TABLES, REJECTS], ids=lambda s: s.name)
def test_empty_tables_written_with_pyarrow_follow_the_contract(spark: Any, tmp_path: Path, spec: Any) -> None:
    from etl.schema import spark_schema, write_empty

    write_empty(spec, tmp_path / spec.name)
    df = spark.read.parquet(str(tmp_path / spec.name))
    assert [(f.name, f.dataType) for f in df.schema] == [(f.name, f.dataType) for f in spark_schema(spec)]
    assert df.count() == 0
    assert (tmp_path / spec.name / "_SUCCESS").exists()


def test_num_rows_counts_from_footers(tmp_path: Path) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    from core.delta import num_rows

    d = tmp_path / "t"
    d.mkdir()
    pq.write_table(pa.table({"id": ["a", "b", "c"]}), d / "part-0.parquet")
    pq.write_table(pa.table({"id": ["d"]}), d / "part-1.parquet")
    (d / "_temporary").mkdir()
    pq.write_table(pa.table({"id": ["x"] * 5}), d / "_temporary" / "part-9.parquet")  # not published
    assert num_rows(d) == 4
    assert num_rows(tmp_path / "missing") == 0


def test_shuffle_partitions_follow_the_data(tmp_path: Path) -> None:
    from etl.run import _shuffle_partitions

    assert _shuffle_partitions(0, tmp_path, rebuild=False) == 2
    assert _shuffle_partitions(10 << 20, tmp_path, rebuild=False) == 2
    assert _shuffle_partitions(640 << 20, tmp_path, rebuild=False) == 10
    assert _shuffle_partitions(1 << 40, tmp_path, rebuild=False) == 64
