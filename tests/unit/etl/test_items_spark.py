"""`with_item_classes` on a Spark Item table: classes, price units and sizes join back to every row."""

from __future__ import annotations

from typing import Any

import pytest

pytestmark = pytest.mark.spark


def test_with_item_classes_keeps_rows_and_catalog_codes(spark: Any) -> None:
    from etl.transforms.items import with_item_classes

    rows = [
        ("item:1", "FARINHA DE MANDIOCA - PCT 1KG", "PCT", None, None, "old"),
        ("item:2", "FARINHA DE MANDIOCA - PCT 1KG", "PCT", None, None, "old"),
        ("item:3", "Farinha de mandioca", "kg", None, None, "old"),
        ("item:4", "Caneta esferográfica azul", "UN", "CATMAT", "279314", "old"),
        ("item:5", None, None, None, None, "old"),
    ]
    df = spark.createDataFrame(
        rows,
        "id string, description string, unit_raw string, catalog string, catalog_code string, item_class string",
    )
    got = {r["id"]: r for r in with_item_classes(df).collect()}
    assert len(got) == 5
    assert got["item:1"]["item_class"] == got["item:3"]["item_class"] == "FARINHA MANDIOCA | KG"
    assert (got["item:1"]["price_unit"], got["item:1"]["unit_size"]) == ("KG", 1.0)
    assert got["item:4"]["item_class"] == "CATMAT:279314" and got["item:4"]["price_unit"] == "UN"
    assert got["item:5"]["item_class"] is None
