"""The local Redis (Debian's redis-server), the Celery broker and result store."""

from __future__ import annotations

import logging
import os
import shutil
import subprocess
from typing import Any

from core.settings import Settings
from services.process import ManagedProcess, ServiceError, port_in_use, port_owner

log = logging.getLogger(__name__)


def find_redis_server() -> str | None:
    return shutil.which("redis-server") or (
        "/usr/bin/redis-server" if os.path.exists("/usr/bin/redis-server") else None
    )


def ensure_installed() -> str:
    """Return the redis-server binary, installing Debian's package when missing and we are root."""
    binary = find_redis_server()
    if binary:
        return binary
    if os.geteuid() != 0:
        raise ServiceError(
            "redis-server is not installed and this user cannot install it; run as root "
            "`apt-get install -y redis-server`, or point LICITAGRAPH_REDIS_URL at a running Redis"
        )
    log.info("installing redis-server from Debian")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    for argv in (["apt-get", "update", "-qq"], ["apt-get", "install", "-y", "-qq", "--no-install-recommends", "redis-server"]):
        proc = subprocess.run(argv, env=env, capture_output=True, text=True)
        if proc.returncode != 0:
            raise ServiceError(f"`{' '.join(argv)}` failed: {proc.stderr.strip()[-800:]}")
    binary = find_redis_server()
    if not binary:
        raise ServiceError("redis-server was installed but cannot be found on PATH")
    return binary


class RedisServer:
    def __init__(self, settings: Settings):
        self.settings = settings
        self.dir = settings.redis_dir
        self.proc = ManagedProcess(
            name="redis",
            pid_file=self.dir / "redis.pid.licitagraph",
            log_file=self.dir / "redis.log",
            marker="redis-server",
        )

    def _client(self) -> Any:
        import redis

        return redis.Redis(
            host=self.settings.redis_host, port=self.settings.redis_port, socket_connect_timeout=1, socket_timeout=2
        )

    def ping(self) -> bool:
        import redis

        try:
            return bool(self._client().ping())
        except redis.RedisError:
            return False

    def start(self) -> bool:
        s = self.settings
        if self.proc.is_running():
            self.proc.wait_until(self.ping, 20, "PING")
            return False
        if port_in_use(s.redis_host, s.redis_port):
            owner = port_owner(s.redis_port)
            raise ServiceError(
                f"cannot start Redis: port {s.redis_port} on {s.redis_host} is already in use"
                + (f" by {owner}" if owner else "")
                + "; stop it or set LICITAGRAPH_REDIS_PORT"
            )
        binary = ensure_installed()
        self.dir.mkdir(parents=True, exist_ok=True)
        argv = [
            binary,
            "--bind", s.redis_host,
            "--port", str(s.redis_port),
            "--dir", str(self.dir),
            "--daemonize", "no",
            "--protected-mode", "yes",
            "--appendonly", "yes",
            "--save", "60 1",
            "--logfile", "",
        ]
        self.proc.spawn(argv)
        self.proc.wait_until(self.ping, 20, "PING")
        return True

    def stop(self) -> bool:
        return self.proc.stop(timeout_s=20)

    def status(self) -> dict[str, Any]:
        s = self.settings
        pid = self.proc.read_pid()
        info: dict[str, Any] = {"service": "redis", "running": pid is not None, "pid": pid,
                                "address": f"redis://{s.redis_host}:{s.redis_port}"}
        if pid is not None and self.ping():
            server = self._client().info("server")
            memory = self._client().info("memory")
            info["version"] = server.get("redis_version")
            info["memory"] = memory.get("used_memory_human")
            info["keys"] = self._client().dbsize()
        return info
