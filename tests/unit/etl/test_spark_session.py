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


def test_the_driver_reads_the_projects_log_config(spark: Any) -> None:
    # etl/log4j2.properties silences Spark's compile errors for too-large generated code (it falls back by
    # itself) and its local-mode start-up notes; anything else at the session's level still reaches stderr
    manager = spark._jvm.org.apache.logging.log4j.LogManager

    def level(name: str) -> str:
        return str(manager.getLogger(name).getLevel())

    assert level("org.apache.spark.sql.catalyst.expressions.codegen.CodeGenerator") == "OFF"
    assert level("org.apache.spark.util.Utils") == "ERROR"
    assert level("org.apache.spark.scheduler.DAGScheduler") in {"WARN", "ERROR"}
