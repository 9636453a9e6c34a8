"""A local Spark standalone cluster: one master and `spark_workers` workers, each its own detached process.

Started by `licitagraph services up --spark`, from the Spark that the pyspark package carries
(`pyspark/bin/spark-class`), so the cluster always runs the same Spark version as the driver. Everything
lives under `<var>/spark/`: the master's and each worker's log and pid file, each worker's work folder
(SPARK_WORKER_DIR: the executors' stdout/stderr and the jars they fetched) and scratch folder
(SPARK_LOCAL_DIRS: shuffle files and spills), and the configuration folder (SPARK_CONF_DIR) with the
log4j2 file that the daemons and their executors read.

A worker is ready when the master's web UI (`/json/`) lists it, by the id the worker's own web UI reports,
as ALIVE. Point the ETL at the master with `LICITAGRAPH_SPARK_MASTER=spark://127.0.0.1:7077`
(`Settings.spark_cluster_url`); docs/spark-cluster.md.
"""

from __future__ import annotations

import json
import logging
import urllib.request
from collections.abc import Sequence
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

from core.settings import Settings
from services.process import ManagedProcess, ServiceError, dir_size, human_bytes, port_in_use, port_owner

log = logging.getLogger(__name__)

MASTER_CLASS = "org.apache.spark.deploy.master.Master"
WORKER_CLASS = "org.apache.spark.deploy.worker.Worker"

# The daemons' and executors' logging (SPARK_CONF_DIR is on both classpaths): INFO to stderr, which the
# daemons' log files and each executor's `work/<app>/<n>/stderr` catch.
LOG4J2 = """\
rootLogger.level = info
rootLogger.appenderRef.stderr.ref = console
appender.console.type = Console
appender.console.name = console
appender.console.target = SYSTEM_ERR
appender.console.layout.type = PatternLayout
appender.console.layout.pattern = %d{yy/MM/dd HH:mm:ss} %p %c{1}: %m%n%ex
logger.codegen.name = org.apache.spark.sql.catalyst.expressions.codegen.CodeGenerator
logger.codegen.level = off
logger.native.name = org.apache.hadoop.util.NativeCodeLoader
logger.native.level = error
"""


def spark_home() -> Path:
    """The Spark installation inside the pyspark package (bin/spark-class, jars/)."""
    try:
        import pyspark
    except ImportError as exc:  # pragma: no cover - pyspark is a core dependency
        raise ServiceError(f"pyspark is not installed ({exc}); install the project's requirements") from exc
    home = Path(pyspark.__file__).resolve().parent
    if not (home / "bin" / "spark-class").is_file():
        raise ServiceError(f"{home} has no bin/spark-class; reinstall pyspark (pip install -c requirements.lock .)")
    return home


def _get_json(url: str) -> dict[str, Any] | None:
    """GET a Spark web UI's JSON page; None when it does not answer (yet)."""
    try:
        with urllib.request.urlopen(url, timeout=2) as resp:
            data = json.loads(resp.read())
    except (OSError, ValueError):  # URLError and HTTPError are OSErrors
        return None
    return data if isinstance(data, dict) else None


@dataclass
class _Worker:
    index: int
    webui_port: int
    work_dir: Path
    local_dir: Path
    proc: ManagedProcess

    @property
    def webui(self) -> str:
        return f"127.0.0.1:{self.webui_port}"


class SparkCluster:
    """The master and its workers; `start`, `stop` and `status` act on all of them together.

    `worker_prefix` is put before each worker's command line (a test runs the workers in their own mount
    namespace with it, so that they cannot see the driver's private folders, as on another machine).
    """

    def __init__(self, settings: Settings, worker_prefix: Sequence[str] = ()):
        self.settings = settings
        self.dir = settings.spark_dir
        self.worker_prefix = list(worker_prefix)
        s = settings
        self.master = ManagedProcess(
            name="spark-master",
            pid_file=self.dir / "run" / "master.pid",
            log_file=self.dir / "logs" / "master.log",
            marker=f"{MASTER_CLASS} --host {s.spark_master_host} --port {s.spark_master_port}",
        )
        self.workers: list[_Worker] = []
        for i in range(1, s.spark_workers + 1):
            work = self.dir / f"worker-{i}" / "work"
            self.workers.append(
                _Worker(
                    index=i,
                    webui_port=s.spark_worker_webui_port + i - 1,
                    work_dir=work,
                    local_dir=self.dir / f"worker-{i}" / "local",
                    proc=ManagedProcess(
                        name=f"spark-worker-{i}",
                        pid_file=self.dir / "run" / f"worker-{i}.pid",
                        log_file=self.dir / "logs" / f"worker-{i}.log",
                        marker=f"{WORKER_CLASS} --work-dir {work} ",
                    ),
                )
            )

    # -- addresses and health ---------------------------------------------------------------------
    @property
    def url(self) -> str:
        return self.settings.spark_cluster_url

    @property
    def webui(self) -> str:
        return f"http://{self.settings.spark_master_host}:{self.settings.spark_master_webui_port}"

    def master_state(self) -> dict[str, Any] | None:
        """The master's web UI JSON (status, workers, cores, memory), or None when it does not answer."""
        return _get_json(f"{self.webui}/json/")

    def master_ready(self) -> bool:
        state = self.master_state()
        return state is not None and state.get("status") == "ALIVE"

    @staticmethod
    def _worker_id(worker: _Worker) -> str | None:
        wid = (_get_json(f"http://{worker.webui}/json/") or {}).get("id")
        return str(wid) if wid else None

    def _alive_ids(self) -> set[str]:
        state = self.master_state() or {}
        return {str(w.get("id")) for w in state.get("workers", []) if w.get("state") == "ALIVE"}

    def worker_registered(self, worker: _Worker) -> bool:
        wid = self._worker_id(worker)
        return wid is not None and wid in self._alive_ids()

    # -- lifecycle -------------------------------------------------------------------------------
    def _env(self) -> dict[str, str]:
        conf = self.dir / "conf"
        conf.mkdir(parents=True, exist_ok=True)
        log4j = conf / "log4j2.properties"
        if not log4j.exists() or log4j.read_text() != LOG4J2:
            log4j.write_text(LOG4J2)
        home = spark_home()
        return {
            "SPARK_HOME": str(home),
            "SPARK_CONF_DIR": str(conf),
            "SPARK_LOG_DIR": str(self.dir / "logs"),
            "SPARK_PID_DIR": str(self.dir / "run"),
            "SPARK_LOCAL_IP": self.settings.spark_master_host,
            "SPARK_DAEMON_MEMORY": self.settings.spark_daemon_memory,
            "SPARK_NO_DAEMONIZE": "1",
        }

    def _check_port(self, port: int, setting: str) -> None:
        host = self.settings.spark_master_host
        if port_in_use(host, port):
            owner = port_owner(port)
            raise ServiceError(
                f"cannot start Spark: port {port} on {host} is already in use"
                + (f" by {owner}" if owner else "")
                + f"; stop it or set {setting}"
            )

    def start(self) -> bool:
        """Start the master and every worker that is not running, and wait until each worker is registered
        with the master; True if anything was started."""
        s = self.settings
        started = False
        env = self._env()
        spark_class = str(Path(env["SPARK_HOME"]) / "bin" / "spark-class")
        timeout = s.spark_start_timeout_s
        if not self.master.is_running():
            self._check_port(s.spark_master_port, "LICITAGRAPH_SPARK_MASTER_PORT")
            self._check_port(s.spark_master_webui_port, "LICITAGRAPH_SPARK_MASTER_WEBUI_PORT")
            argv = [spark_class, MASTER_CLASS, "--host", s.spark_master_host, "--port", str(s.spark_master_port),
                    "--webui-port", str(s.spark_master_webui_port)]
            self.master.spawn(argv, env=env, cwd=self.dir)
            started = True
        self.master.wait_until(self.master_ready, timeout, f"web UI {self.webui}/json/ status ALIVE")
        for w in self.workers:
            if not w.proc.is_running():
                self._check_port(w.webui_port, "LICITAGRAPH_SPARK_WORKER_WEBUI_PORT")
                w.work_dir.mkdir(parents=True, exist_ok=True)
                w.local_dir.mkdir(parents=True, exist_ok=True)
                argv = [
                    *self.worker_prefix, spark_class, WORKER_CLASS,
                    "--work-dir", str(w.work_dir),
                    "--host", s.spark_master_host,
                    "--webui-port", str(w.webui_port),
                    "--cores", str(s.spark_worker_cores),
                    "--memory", s.spark_worker_memory,
                    self.url,
                ]
                w.proc.spawn(
                    argv,
                    env={**env, "SPARK_WORKER_DIR": str(w.work_dir), "SPARK_LOCAL_DIRS": str(w.local_dir),
                         # drop the folders of finished applications after a day (checked every 30 min)
                         "SPARK_WORKER_OPTS": "-Dspark.worker.cleanup.enabled=true "
                                              "-Dspark.worker.cleanup.appDataTtl=86400"},
                    cwd=w.work_dir,
                )
                started = True
        for w in self.workers:
            w.proc.wait_until(partial(self.worker_registered, w), timeout, f"registered with the master at {self.url}")
        return started

    def stop(self) -> bool:
        """Stop the workers (and their executors, in the same process group), then the master."""
        stopped = [w.proc.stop(timeout_s=30) for w in self.workers]
        stopped.append(self.master.stop(timeout_s=30))
        return any(stopped)

    def status(self) -> dict[str, Any]:
        s = self.settings
        pid = self.master.read_pid()
        running_workers = [w for w in self.workers if w.proc.is_running()]
        info: dict[str, Any] = {
            "service": "spark",
            "running": pid is not None and len(running_workers) == len(self.workers),
            "pid": pid,
            "address": self.url,
            "workers": f"{len(running_workers)}/{len(self.workers)} running",
        }
        state = self.master_state() if pid is not None else None
        if state is not None:
            alive = [w for w in state.get("workers", []) if w.get("state") == "ALIVE"]
            info["registered"] = len(alive)
            info["cores"] = f"{state.get('coresused', 0)}/{state.get('cores', 0)} used"
            info["memory"] = f"{state.get('memoryused', 0)}/{state.get('memory', 0)} MiB used"
            info["apps"] = len(state.get("activeapps", []))
            info["ui"] = self.webui
            info["executor memory"] = s.spark_executor_memory
        if self.dir.exists():
            info["data"] = human_bytes(dir_size(self.dir))
        return info
