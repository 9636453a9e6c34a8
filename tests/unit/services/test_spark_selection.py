"""`services up` starts the Spark cluster only when asked (--spark or --only spark); down and status cover it.
The cluster's processes are identified by their own folders."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from core.settings import Settings
from services.manager import ServiceManager
from services.spark_cluster import MASTER_CLASS, WORKER_CLASS, SparkCluster


class _Fake:
    def __init__(self, name: str, calls: list[str]) -> None:
        self.name, self.calls = name, calls

    def start(self) -> bool:
        self.calls.append(f"start {self.name}")
        return True

    def stop(self) -> bool:
        self.calls.append(f"stop {self.name}")
        return True

    def status(self) -> dict[str, Any]:
        return {"service": self.name, "running": False}


def _manager(tmp_path: Path, calls: list[str]) -> ServiceManager:
    s = Settings(var_dir=tmp_path, _env_file=None)  # type: ignore[call-arg]
    return ServiceManager(s, *(_Fake(n, calls) for n in ("neo4j", "redis", "smtp", "spark")))  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("only", "with_spark", "started"),
    [
        (None, False, ["neo4j", "redis", "smtp"]),
        (None, True, ["neo4j", "redis", "smtp", "spark"]),
        (["spark"], False, ["spark"]),
        (["redis"], True, ["redis", "spark"]),
    ],
)
def test_up_starts_spark_only_when_asked(
    tmp_path: Path, only: list[str] | None, with_spark: bool, started: list[str]
) -> None:
    calls: list[str] = []
    assert list(_manager(tmp_path, calls).up(only, spark=with_spark)) == started
    assert calls == [f"start {n}" for n in started]


def test_down_and_status_cover_spark(tmp_path: Path) -> None:
    calls: list[str] = []
    m = _manager(tmp_path, calls)
    assert list(m.down()) == ["spark", "smtp", "redis", "neo4j"]
    assert [st["service"] for st in m.status()] == ["neo4j", "redis", "smtp", "spark"]


def test_each_worker_has_its_own_folders_ports_and_marker(tmp_path: Path) -> None:
    s = Settings(var_dir=tmp_path, spark_workers=3, spark_worker_webui_port=9100, spark_master_port=9077, _env_file=None)  # type: ignore[call-arg]
    c = SparkCluster(s)
    assert [w.webui_port for w in c.workers] == [9100, 9101, 9102]
    assert len({w.work_dir for w in c.workers} | {w.local_dir for w in c.workers}) == 6
    assert all(w.work_dir.is_relative_to(tmp_path / "spark") for w in c.workers)
    assert len({w.proc.pid_file for w in c.workers} | {c.master.pid_file}) == 4
    assert all(w.proc.marker.startswith(WORKER_CLASS) for w in c.workers)
    assert c.master.marker.startswith(MASTER_CLASS) and c.url == f"spark://{s.spark_master_host}:9077"
