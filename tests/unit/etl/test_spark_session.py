"""The shared Spark session keeps a bounded history: a long-lived session (the Celery worker, the test run)
must not fill the driver heap with the plans of every query it ever ran."""

from __future__ import annotations

from typing import Any

import pytest

pytestmark = [pytest.mark.spark]


def test_finished_queries_are_not_all_kept(spark: Any) -> None:
    for i in range(40):
        spark.range(i + 1).selectExpr("id * 2 AS x").agg({"x": "sum"}).collect()
    store = spark._jsparkSession.sharedState().statusStore()
    kept = store.executionsCount()
    assert 0 < kept <= 20
