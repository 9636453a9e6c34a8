"""The one place Spark sessions are created (the GraphFrames engine in detectors/ asks here too)."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from core.settings import get_settings

if TYPE_CHECKING:
    from pyspark.sql import SparkSession


def get_spark(
    app_name: str = "licitagraph",
    master: str | None = None,
    driver_memory: str | None = None,
    shuffle_partitions: int | None = None,
    packages: list[str] | None = None,
) -> SparkSession:
    """Return the active Spark session or build one from the settings.

    `packages` are Maven coordinates resolved by Spark from Maven Central (GraphFrames, the Neo4j
    connector); they are cached under ~/.ivy2 after the first resolution.
    """
    from pyspark.sql import SparkSession

    settings = get_settings()
    # Workers must run the same interpreter as the driver (the project's venv).
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    os.environ.setdefault("PYSPARK_DRIVER_PYTHON", sys.executable)
    wanted = list(packages or [])
    log_config = Path(settings.spark_log_config or Path(__file__).with_name("log4j2.properties")).resolve()
    if settings.spark_packages:
        wanted += [p.strip() for p in settings.spark_packages.split(",") if p.strip()]
    builder = (
        SparkSession.builder.appName(app_name)
        .master(master or settings.spark_master)
        .config("spark.driver.memory", driver_memory or settings.spark_driver_memory)
        .config("spark.sql.shuffle.partitions", str(shuffle_partitions or settings.spark_shuffle_partitions))
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        # The status store keeps every finished query's plan and metrics even with the UI off (1,000 SQL
        # executions by default). The ETL's plans are large, so a long-lived session (the Celery worker,
        # the test suite) filled a 1 GB driver heap with them and stalled in full GCs: keep only a few.
        .config("spark.sql.ui.retainedExecutions", "20")
        .config("spark.ui.retainedJobs", "100")
        .config("spark.ui.retainedStages", "100")
        .config("spark.ui.retainedTasks", "10000")
        .config("spark.sql.sources.partitionOverwriteMode", "dynamic")
        .config("spark.sql.parquet.outputTimestampType", "TIMESTAMP_MICROS")
        # Parsing is validated explicitly (etl.transforms); never fall back to the lenient legacy parser.
        .config("spark.sql.legacy.timeParserPolicy", "CORRECTED")
        .config("spark.sql.ansi.enabled", "false")
        .config(
            "spark.driver.extraJavaOptions",
            f"-Dderby.system.home={settings.var_dir / 'derby'} -Dlog4j2.configurationFile={log_config.as_uri()}",
        )
        .config("spark.sql.warehouse.dir", str(settings.var_dir / "spark-warehouse"))
        .config("spark.local.dir", str(settings.var_dir / "spark-tmp"))
    )
    if wanted:
        builder = builder.config("spark.jars.packages", ",".join(sorted(set(wanted))))
    session = builder.getOrCreate()
    session.sparkContext.setLogLevel("ERROR")
    return session
