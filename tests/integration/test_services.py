"""The local services for real: Neo4j, Redis and the SMTP sink (issue 2).

The lifecycle tests run their own short-lived instances (own folder, own ports) so that stopping them
never disturbs the shared test instance the other integration tests use.
"""

from __future__ import annotations

import json
import os
import smtplib
import socket
import subprocess
import sys
import time
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from pathlib import Path

import pytest

from core.settings import Settings
from graph.connection import Neo4jAuthFailed, driver_session, ping
from services.manager import ServiceManager
from services.neo4j_server import Neo4jServer
from services.process import ManagedProcess, ServiceError, pid_alive, port_in_use
from services.redis_server import RedisServer
from tests.fixtures.graph_db import cli

pytestmark = pytest.mark.integration


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _own_settings(tmp_path: Path, **extra: object) -> Settings:
    return Settings(
        var_dir=tmp_path / "var",
        neo4j_bolt_port=_free_port(),
        neo4j_http_port=_free_port(),
        redis_port=_free_port(),
        smtp_port=_free_port(),
        neo4j_password="lifecycle-secret",  # type: ignore[arg-type]
        neo4j_heap="512m",
        neo4j_pagecache="128m",
        **extra,  # type: ignore[arg-type]
    )


@pytest.mark.slow
def test_neo4j_lifecycle_persistence_and_auth(tmp_path: Path) -> None:
    s = _own_settings(tmp_path)
    server = Neo4jServer(s)
    try:
        assert server.start() is True
        pid = server.proc.read_pid()
        assert pid is not None and pid_alive(pid)

        info = server.status()
        assert info["running"] is True
        assert info["version"].startswith("5.26")
        assert info["gds"].startswith("2.13")
        assert info["apoc"].startswith("5.26")
        with driver_session(s) as session:
            rec = session.run(
                "RETURN gds.version() AS gds, apoc.text.join(['a', 'b'], '-') AS joined"
            ).single(strict=True)
            assert rec["joined"] == "a-b"
            session.run("CREATE (:Probe {id: $id, at: datetime()})", id="persist-me").consume()

        # Starting twice is harmless: same process, nothing new started.
        assert server.start() is False
        assert server.proc.read_pid() == pid

        # The wrong password gives a clear error that names the setting.
        with pytest.raises(Neo4jAuthFailed, match="LICITAGRAPH_NEO4J_PASSWORD"):
            ping(s, password="not-the-password")

        # Stop leaves no process behind and frees the port.
        assert server.stop() is True
        assert not pid_alive(pid)
        assert not port_in_use("127.0.0.1", s.neo4j_bolt_port)
        assert server.stop() is False

        # Data persists across the restart.
        assert server.start() is True
        with driver_session(s) as session:
            found = session.run("MATCH (p:Probe {id: $id}) RETURN count(p) AS n", id="persist-me").single(strict=True)
        assert found["n"] == 1
    finally:
        server.stop()


def test_neo4j_port_in_use_is_a_clear_error(tmp_path: Path) -> None:
    s = _own_settings(tmp_path)
    with socket.socket() as blocker:
        blocker.bind(("127.0.0.1", s.neo4j_bolt_port))
        blocker.listen(1)
        with pytest.raises(ServiceError, match=rf"port {s.neo4j_bolt_port} .*already in use"):
            Neo4jServer(s).start()


def test_stale_pid_file_is_replaced(tmp_path: Path) -> None:
    # A pid that is certainly not running: a finished child process.
    done = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    dead_pid = int(done.stdout)
    proc = ManagedProcess("x", tmp_path / "x.pid", tmp_path / "x.log", marker="never-matches")
    proc.pid_file.write_text(f"{dead_pid}\n")
    assert proc.read_pid() is None
    assert not proc.pid_file.exists()
    # A live pid of another program (this test process) is not ours either.
    proc.pid_file.write_text(f"{os.getpid()}\n")
    assert proc.read_pid() is None


def test_redis_lifecycle(tmp_path: Path) -> None:
    s = _own_settings(tmp_path)
    redis_server = RedisServer(s)
    try:
        assert redis_server.start() is True
        assert redis_server.start() is False
        assert redis_server.ping()
        status = redis_server.status()
        assert status["running"] and status["version"]
    finally:
        assert redis_server.stop() is True
    assert not port_in_use("127.0.0.1", s.redis_port)


def test_shared_redis_answers(services: ServiceManager) -> None:
    import redis

    client = redis.Redis(host=services.settings.redis_host, port=services.settings.redis_port)
    assert client.ping() is True
    client.set("licitagraph:test", "olá", ex=30)
    assert client.get("licitagraph:test") == "olá".encode()


def test_email_arrives_in_the_sink_as_a_file(services: ServiceManager) -> None:
    s = services.settings
    before = set(services.smtp.messages())
    msg = EmailMessage()
    msg["From"] = "alertas@licitagraph.local"
    msg["To"] = "auditor@cge.go.gov.br"
    marker = f"Teste de entrega {time.time_ns()}"
    msg["Subject"] = marker
    msg.set_content("Licitação com indícios de conluio: ação recomendada.")
    with smtplib.SMTP(s.smtp_host, s.smtp_port, timeout=10) as smtp:
        refused = smtp.send_message(msg)
    assert refused == {}

    deadline = time.monotonic() + 10
    new: list[Path] = []
    while time.monotonic() < deadline and not new:
        new = [p for p in services.smtp.messages() if p not in before]
        time.sleep(0.1)
    assert len(new) == 1
    parsed = BytesParser(policy=policy.default).parsebytes(new[0].read_bytes())
    assert parsed["Subject"] == marker
    assert parsed["X-Envelope-To"] == "auditor@cge.go.gov.br"
    assert "indícios de conluio" in parsed.get_content()


def test_services_cli_status_reports_versions(services: ServiceManager) -> None:
    out = cli("services", "status", "--json")  # in this process: the services are the separate processes here
    assert out.returncode == 0, out.stdout + out.stderr
    report = {entry["service"]: entry for entry in json.loads(out.stdout)}
    assert report["neo4j"]["running"] is True
    assert report["neo4j"]["gds"].startswith("2.13")
    assert report["neo4j"]["version"].startswith("5.26")
    assert report["redis"]["running"] is True
    assert report["smtp-sink"]["running"] is True


def test_just_spawned_process_is_ours_before_exec(tmp_path: Path) -> None:
    # Between fork and exec a child's command line is still the parent's; the spawner must not take
    # its own new child for a stale pid. Another observer, knowing only the marker, must not claim it.
    proc = ManagedProcess("sleeper", tmp_path / "s.pid", tmp_path / "s.log", marker="marker-not-in-cmdline")
    pid = proc.spawn(["sleep", "30"])
    try:
        assert proc.read_pid() == pid
        stranger = ManagedProcess("sleeper", tmp_path / "s.pid", tmp_path / "s.log", marker="marker-not-in-cmdline")
        assert stranger.read_pid() is None
    finally:
        os.kill(pid, 9)
        os.waitpid(pid, 0)
