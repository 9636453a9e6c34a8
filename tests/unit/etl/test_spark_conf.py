"""What a session sends to a cluster: the executors' Python, memory and cores, and the driver's address come
from the settings on a spark:// master; local mode gets none of them."""

from __future__ import annotations

import sys
from pathlib import Path

from core.settings import Settings
from etl.spark import is_local_master, session_conf


def _settings(tmp_path: Path, **extra: object) -> Settings:
    # the defaults stated, so that the environment the tests run in does not change them
    values: dict[str, object] = {"spark_python": "", "spark_driver_host": "", **extra}
    return Settings(var_dir=tmp_path, _env_file=None, **values)  # type: ignore[call-arg, arg-type]


def test_local_mode_sends_nothing_to_executors(tmp_path: Path) -> None:
    conf = session_conf(_settings(tmp_path, spark_executor_memory="3g"), "local[2]")
    assert "spark.executor.memory" not in conf and "spark.driver.host" not in conf
    assert conf["spark.pyspark.python"] == sys.executable
    assert conf["spark.local.dir"] == str(tmp_path / "spark-tmp")


def test_a_standalone_master_gets_the_cluster_settings(tmp_path: Path) -> None:
    s = _settings(tmp_path, spark_python="/opt/venv/bin/python", spark_executor_memory="3g", spark_executor_cores=2)
    conf = session_conf(s, "spark://127.0.0.1:7077")
    assert conf["spark.pyspark.python"] == "/opt/venv/bin/python"
    assert conf["spark.executor.memory"] == "3g"
    assert conf["spark.executor.cores"] == "2"
    assert conf["spark.driver.host"] == "127.0.0.1"  # a master on loopback: executors on this machine


def test_a_remote_master_uses_the_driver_host_setting_or_sparks_guess(tmp_path: Path) -> None:
    assert "spark.driver.host" not in session_conf(_settings(tmp_path), "spark://spark-master:7077")
    conf = session_conf(_settings(tmp_path, spark_driver_host="worker"), "spark://spark-master:7077")
    assert conf["spark.driver.host"] == "worker"


def test_local_master_forms() -> None:
    assert all(is_local_master(m) for m in ("local", "local[1]", "local[*]", "local[2,3]"))
    assert not any(is_local_master(m) for m in ("spark://127.0.0.1:7077", "yarn", "k8s://https://h:6443"))


def test_the_jit_thresholds_reach_the_jvm_that_runs_the_tasks(tmp_path: Path) -> None:
    local = session_conf(_settings(tmp_path), "local[2]")
    assert "-XX:Tier4InvocationThreshold=" in local["spark.driver.extraJavaOptions"]
    assert "-Dlog4j2.configurationFile=" in local["spark.driver.extraJavaOptions"]
    cluster = session_conf(_settings(tmp_path), "spark://127.0.0.1:7077")
    assert "-XX:Tier4InvocationThreshold=" in cluster["spark.executor.extraJavaOptions"]
    # the driver's files (log config, Derby home) are never named to executors
    assert "log4j2" not in cluster["spark.executor.extraJavaOptions"]
