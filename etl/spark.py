"""The one place Spark sessions are created (the GraphFrames engine in detectors/ asks here too).

The master is `spark_master`: `local[N]` runs the tasks inside the driver's JVM; a `spark://host:port`
master (the local cluster of `licitagraph services up --spark`, or a real one) runs them in executors on the
workers. What differs on a cluster is set here, from the settings, and never through the process's
environment: the executors' Python (`spark_python`), their heap and cores, and the address they call the
driver back on. The driver's own options (its heap, log4j2 file, scratch folder, Derby home) stay the
driver's: they name files on the driver's machine, so none of them is sent to executors.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

from core.settings import Settings, get_settings

if TYPE_CHECKING:
    from pyspark.sql import SparkSession


# HotSpot compiles a method with its optimising compiler (C2) after a few thousand calls. Spark generates
# new code for every query, and most of the ETL's queries run for seconds on small tables: the C2 compiles
# of that code were the JVM's largest CPU cost on a 10k-bid world (57 of 124 CPU s). At ten times the
# thresholds a record loop of a large table still reaches C2 within its first second; on the 10k world
# the compiler threads took 38 CPU s instead of 57 and the run 9% less CPU in all.
JIT_OPTIONS = (
    "-XX:Tier4InvocationThreshold=50000 -XX:Tier4MinInvocationThreshold=20000 "
    "-XX:Tier4CompileThreshold=60000 -XX:Tier4BackEdgeThreshold=400000"
)


def is_local_master(master: str) -> bool:
    """True for `local`, `local[N]`, `local[*]`, `local[N,F]`: the tasks run in the driver's JVM."""
    return master == "local" or master.startswith("local[")


def _loopback_master(master: str) -> bool:
    host = master.removeprefix("spark://").rsplit(":", 1)[0]
    return host in ("localhost", "::1") or host.startswith("127.")


def session_conf(
    settings: Settings,
    master: str,
    driver_memory: str | None = None,
    shuffle_partitions: int | None = None,
    packages: list[str] | None = None,
) -> dict[str, str]:
    """The Spark configuration of a session on `master`, from the settings (no JVM needed: a test reads it)."""
    # The interpreter executors start for Python work: it must be the driver's minor version with the same
    # packages; a path on the workers, which for local mode and workers on this machine is the driver's own.
    worker_python = settings.spark_python or sys.executable
    log_config = Path(settings.spark_log_config or Path(__file__).with_name("log4j2.properties")).resolve()
    wanted = list(packages or [])
    if settings.spark_packages:
        wanted += [p.strip() for p in settings.spark_packages.split(",") if p.strip()]
    conf = {
        "spark.pyspark.python": worker_python,
        "spark.driver.memory": driver_memory or settings.spark_driver_memory,
        "spark.sql.shuffle.partitions": str(shuffle_partitions or settings.spark_shuffle_partitions),
        "spark.sql.session.timeZone": "UTC",
        "spark.ui.enabled": "false",
        "spark.ui.showConsoleProgress": "false",
        # The status store keeps every finished query's plan and metrics even with the UI off (1,000 SQL
        # executions by default). The ETL's plans are large, so a long-lived session (the Celery worker,
        # the test suite) filled a 1 GB driver heap with them and stalled in full GCs: keep only a few.
        "spark.sql.ui.retainedExecutions": "20",
        "spark.ui.retainedJobs": "100",
        "spark.ui.retainedStages": "100",
        "spark.ui.retainedTasks": "10000",
        "spark.sql.sources.partitionOverwriteMode": "dynamic",
        "spark.sql.parquet.outputTimestampType": "TIMESTAMP_MICROS",
        # Parsing is validated explicitly (etl.transforms); never fall back to the lenient legacy parser.
        "spark.sql.legacy.timeParserPolicy": "CORRECTED",
        "spark.sql.ansi.enabled": "false",
        # the driver JVM's options: files on the driver's machine, never sent to executors
        "spark.driver.extraJavaOptions": (
            f"-Dderby.system.home={settings.var_dir / 'derby'} -Dlog4j2.configurationFile={log_config.as_uri()} "
            + JIT_OPTIONS
        ),
        "spark.sql.warehouse.dir": str(settings.var_dir / "spark-warehouse"),
        # the driver's scratch (broadcasts, collected results spilled); on a cluster each worker gives its
        # executors its own (SPARK_LOCAL_DIRS, which takes precedence there), so this never names a folder
        # on a worker
        "spark.local.dir": str(settings.var_dir / "spark-tmp"),
    }
    if not is_local_master(master):
        conf["spark.executor.memory"] = settings.spark_executor_memory
        conf["spark.executor.cores"] = str(settings.spark_executor_cores)
        conf["spark.executor.extraJavaOptions"] = JIT_OPTIONS
        driver_host = settings.spark_driver_host or ("127.0.0.1" if _loopback_master(master) else "")
        if driver_host:
            conf["spark.driver.host"] = driver_host
    if wanted:
        conf["spark.jars.packages"] = ",".join(sorted(set(wanted)))
    return conf


def get_spark(
    app_name: str = "licitagraph",
    master: str | None = None,
    driver_memory: str | None = None,
    shuffle_partitions: int | None = None,
    packages: list[str] | None = None,
) -> SparkSession:
    """Return the active Spark session or build one from the settings (`session_conf`).

    `packages` are Maven coordinates resolved by Spark from Maven Central (GraphFrames, the Neo4j
    connector); they are cached under ~/.ivy2 after the first resolution.
    """
    from pyspark.sql import SparkSession

    settings = get_settings()
    master = master or settings.spark_master
    conf = session_conf(settings, master, driver_memory, shuffle_partitions, packages)
    builder = SparkSession.builder.appName(app_name).master(master)
    for key, value in conf.items():
        builder = builder.config(key, value)
    session = builder.getOrCreate()
    # pyspark takes the executors' interpreter from PYSPARK_PYTHON when the context starts (else `python3`)
    # and sends it with each Python function; set it on the context instead of in this process's environment
    session.sparkContext.pythonExec = conf["spark.pyspark.python"]
    session.sparkContext.setLogLevel("ERROR")
    return session
