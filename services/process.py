"""Detached local server processes: pid files, port checks, start, wait, stop.

Each server runs in its own process session (setsid), so it outlives the command that started it and
`services down` can stop it and everything it spawned. A pid file whose process is gone, or belongs to
another program, is stale and is replaced.
"""

from __future__ import annotations

import logging
import os
import signal
import socket
import subprocess
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

log = logging.getLogger(__name__)


class ServiceError(RuntimeError):
    """A local service could not be installed, started, reached or stopped; the message says why."""


def port_in_use(host: str, port: int) -> bool:
    """True when something accepts TCP connections on host:port."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.settimeout(0.5)
        return s.connect_ex((host, port)) == 0


def port_owner(port: int) -> str | None:
    """Best-effort description of the process listening on a TCP port (Linux /proc), for error messages."""
    try:
        inode = None
        for table in ("/proc/net/tcp", "/proc/net/tcp6"):
            with open(table) as f:
                next(f)
                for line in f:
                    parts = line.split()
                    local, state = parts[1], parts[3]
                    if state == "0A" and int(local.rsplit(":", 1)[1], 16) == port:
                        inode = parts[9]
                        break
            if inode:
                break
        if not inode:
            return None
        for pid in filter(str.isdigit, os.listdir("/proc")):
            fd_dir = f"/proc/{pid}/fd"
            try:
                for fd in os.listdir(fd_dir):
                    if os.readlink(f"{fd_dir}/{fd}") == f"socket:[{inode}]":
                        cmd = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()[:120]
                        return f"pid {pid}: {cmd.strip()}"
            except (PermissionError, FileNotFoundError, ProcessLookupError):
                continue
    except OSError:
        return None
    return None


def pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    # A zombie is not alive for our purposes.
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
        return stat.rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return True


def cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return ""


@dataclass
class ManagedProcess:
    """One detached server process identified by a pid file and a marker in its command line."""

    name: str
    pid_file: Path
    log_file: Path
    marker: str  # a string that must appear in the process's command line
    # The pid this object spawned: between fork and exec its command line is still the parent's, so the
    # marker cannot identify it yet.
    spawned_pid: int | None = None

    def read_pid(self) -> int | None:
        """The pid of our running server, or None; removes a stale pid file."""
        try:
            pid = int(self.pid_file.read_text().strip())
        except (FileNotFoundError, ValueError):
            return None
        if pid_alive(pid) and (pid == self.spawned_pid or self.marker in cmdline(pid)):
            return pid
        log.info("%s: removing stale pid file %s (pid %s is not running)", self.name, self.pid_file, pid)
        self.pid_file.unlink(missing_ok=True)
        return None

    def is_running(self) -> bool:
        return self.read_pid() is not None

    def spawn(self, argv: Sequence[str], env: dict[str, str] | None = None, cwd: Path | None = None) -> int:
        self.pid_file.parent.mkdir(parents=True, exist_ok=True)
        self.log_file.parent.mkdir(parents=True, exist_ok=True)
        with open(self.log_file, "ab") as out:
            proc = subprocess.Popen(
                list(argv),
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
                env={**os.environ, **(env or {})},
                cwd=str(cwd) if cwd else None,
                close_fds=True,
            )
        self.pid_file.write_text(f"{proc.pid}\n")
        self.spawned_pid = proc.pid
        return proc.pid

    def wait_until(self, ready: Callable[[], bool], timeout_s: float, what: str) -> None:
        """Poll `ready` until it is true; fail early if the process died, with the log's tail."""
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            pid = self.read_pid()
            if pid is None:
                raise ServiceError(f"{self.name} exited while starting; last lines of {self.log_file}:\n{self.tail()}")
            if ready():
                return
            time.sleep(0.5)
        raise ServiceError(f"{self.name} did not become ready ({what}) within {timeout_s:.0f} s; see {self.log_file}")

    def stop(self, timeout_s: float = 60.0) -> bool:
        """Stop the server and its process group; True if something was stopped."""
        pid = self.read_pid()
        if pid is None:
            return False
        try:
            pgid = os.getpgid(pid)
        except ProcessLookupError:
            pgid = None
        self._signal(pid, pgid, signal.SIGTERM)
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline and pid_alive(pid):
            time.sleep(0.2)
        if pid_alive(pid):
            log.warning("%s did not stop within %.0f s; killing it", self.name, timeout_s)
            self._signal(pid, pgid, signal.SIGKILL)
            time.sleep(0.5)
        # Reap it if it is our child (it is not, normally: it runs in its own session).
        try:
            os.waitpid(pid, os.WNOHANG)
        except ChildProcessError:
            pass
        self.pid_file.unlink(missing_ok=True)
        return True

    @staticmethod
    def _signal(pid: int, pgid: int | None, sig: signal.Signals) -> None:
        try:
            if pgid is not None and pgid == pid:
                os.killpg(pgid, sig)
            else:
                os.kill(pid, sig)
        except ProcessLookupError:
            pass

    def tail(self, lines: int = 20) -> str:
        try:
            return "\n".join(self.log_file.read_text(errors="replace").splitlines()[-lines:])
        except FileNotFoundError:
            return "(no log)"


def dir_size(path: Path) -> int:
    total = 0
    for root, _dirs, files in os.walk(path):
        for name in files:
            try:
                total += (Path(root) / name).stat().st_size
            except OSError:
                pass
    return total


def human_bytes(n: int) -> str:
    size = float(n)
    for unit in ("B", "KiB", "MiB", "GiB"):
        if size < 1024 or unit == "GiB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024
    return f"{size:.1f} GiB"
