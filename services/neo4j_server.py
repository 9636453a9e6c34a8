"""The local Neo4j 5.26 Community server, assembled from Neo4j's own artifacts on Maven Central.

Install (cached, idempotent): `mvn dependency:copy-dependencies` resolves the server, Neo4j Browser,
APOC core and the open-source Graph Data Science procedures into `.cache/neo4j/<versions>/`, and `javac`
builds the small extension in `services/neo4j_ext` that activates GDS (see its header). The home
folder (`var/neo4j`: conf, data, logs, run, import) holds the state and survives restarts.

Start: `java -cp plugins/*:lib/* org.neo4j.server.CommunityEntryPoint --home-dir --config-dir`, detached,
Bolt on 127.0.0.1; the initial password is set before the first start with `neo4j-admin dbms
set-initial-password` (org.neo4j.cli.AdminTool), so the server never listens with the default one.
"""

from __future__ import annotations

import hashlib
import logging
import os
import shutil
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from core.settings import REPO_ROOT, Settings
from services.process import ManagedProcess, ServiceError, dir_size, human_bytes, port_in_use, port_owner

log = logging.getLogger(__name__)

MAVEN_DIR = REPO_ROOT / "services" / "maven"
EXT_DIR = REPO_ROOT / "services" / "neo4j_ext"
CACHE_DIR = REPO_ROOT / ".cache" / "neo4j"
MAIN_CLASS = "org.neo4j.server.CommunityEntryPoint"
ADMIN_CLASS = "org.neo4j.cli.AdminTool"


def _sha(*paths: Path, extra: str = "") -> str:
    h = hashlib.sha1(extra.encode())
    for p in paths:
        for f in sorted(p.rglob("*")) if p.is_dir() else [p]:
            if f.is_file():
                h.update(f.name.encode())
                h.update(f.read_bytes())
    return h.hexdigest()[:12]


@dataclass
class Neo4jInstall:
    """Where the server's jars live; shared by every home folder (demo, tests)."""

    root: Path

    @property
    def lib(self) -> Path:
        return self.root / "lib"

    @property
    def plugins(self) -> Path:
        return self.root / "plugins"

    @property
    def classpath(self) -> str:
        return f"{self.plugins}/*:{self.lib}/*"

    @property
    def ready(self) -> bool:
        return (self.root / "INSTALLED").exists()


def install_root(settings: Settings) -> Path:
    key = f"{settings.neo4j_version}-apoc{settings.apoc_version}-gds{settings.gds_version}"
    return CACHE_DIR / f"{key}-{_sha(MAVEN_DIR, EXT_DIR)}"


def _run(argv: list[str], what: str, cwd: Path | None = None, env: dict[str, str] | None = None) -> str:
    try:
        proc = subprocess.run(
            argv, cwd=cwd, env={**os.environ, **(env or {})}, capture_output=True, text=True, check=False
        )
    except FileNotFoundError as exc:
        raise ServiceError(f"{what}: `{argv[0]}` is not installed ({exc}); see README prerequisites") from exc
    if proc.returncode != 0:
        tail = "\n".join((proc.stdout + proc.stderr).splitlines()[-25:])
        raise ServiceError(f"{what} failed (exit {proc.returncode}):\n{tail}")
    return proc.stdout


def check_java() -> str:
    java = shutil.which("java")
    if not java:
        raise ServiceError("Java 17 or newer is needed for Neo4j: install OpenJDK 17 (apt-get install openjdk-17-jdk)")
    out = subprocess.run([java, "-version"], capture_output=True, text=True).stderr
    first = out.splitlines()[0] if out else ""
    try:
        major = int(first.split('"')[1].split(".")[0])
    except (IndexError, ValueError):
        major = 0
    if major < 17:
        raise ServiceError(f"Neo4j 5.26 needs Java 17 or newer; found: {first}")
    return first


def ensure_installed(settings: Settings) -> Neo4jInstall:
    """Resolve the server and plugins from Maven Central and build the GDS activation jar, once."""
    inst = Neo4jInstall(install_root(settings))
    if inst.ready:
        return inst
    check_java()
    if not shutil.which("mvn"):
        raise ServiceError("Maven is needed to fetch Neo4j from Maven Central: apt-get install maven")
    tmp = Path(tempfile.mkdtemp(prefix="neo4j-install-", dir=CACHE_DIR.parent if CACHE_DIR.parent.exists() else None))
    try:
        props = [
            f"-Dneo4j.version={settings.neo4j_version}",
            f"-Dapoc.version={settings.apoc_version}",
            f"-Dgds.version={settings.gds_version}",
        ]
        log.info("resolving Neo4j %s from Maven Central", settings.neo4j_version)
        _run(
            ["mvn", "-q", "-B", "-f", str(MAVEN_DIR / "neo4j-server.pom.xml"), "dependency:copy-dependencies",
             f"-DoutputDirectory={tmp / 'lib'}", "-DincludeScope=runtime", *props],
            "resolving the Neo4j server from Maven Central",
        )
        log.info("resolving APOC %s and GDS %s from Maven Central", settings.apoc_version, settings.gds_version)
        _run(
            ["mvn", "-q", "-B", "-f", str(MAVEN_DIR / "neo4j-plugins.pom.xml"), "dependency:copy-dependencies",
             f"-DoutputDirectory={tmp / 'plugins'}", "-DincludeScope=runtime", *props],
            "resolving APOC and GDS from Maven Central",
        )
        # Jars the server already has would shadow or clash on the shared classpath.
        server_jars = {p.name for p in (tmp / "lib").glob("*.jar")}
        for jar in (tmp / "plugins").glob("*.jar"):
            if jar.name in server_jars:
                jar.unlink()
        classes = tmp / "ext-classes"
        classes.mkdir()
        sources = [str(p) for p in (EXT_DIR / "src").rglob("*.java")]
        _run(
            ["javac", "-nowarn", "-d", str(classes), "-cp", f"{tmp / 'plugins'}/*:{tmp / 'lib'}/*", *sources],
            "compiling the GDS activation extension",
        )
        shutil.copytree(EXT_DIR / "resources", classes, dirs_exist_ok=True)
        _run(["jar", "cf", str(tmp / "plugins" / "licitagraph-gds-activation.jar"), "-C", str(classes), "."],
             "packaging the GDS activation extension")
        shutil.rmtree(classes)
        (tmp / "INSTALLED").write_text(
            f"neo4j {settings.neo4j_version}\napoc {settings.apoc_version}\ngds {settings.gds_version}\n"
        )
        inst.root.parent.mkdir(parents=True, exist_ok=True)
        if inst.root.exists():
            shutil.rmtree(inst.root)
        tmp.rename(inst.root)
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)
    return inst


class Neo4jServer:
    """Start, stop and inspect one local Neo4j home folder."""

    def __init__(self, settings: Settings):
        self.settings = settings
        self.home = settings.neo4j_dir
        self.proc = ManagedProcess(
            name="neo4j",
            pid_file=self.home / "run" / "licitagraph-neo4j.pid",
            log_file=self.home / "logs" / "console.log",
            marker=f"--home-dir={self.home}",
        )

    # ---------------------------------------------------------------------------------------------
    def _write_conf(self, inst: Neo4jInstall) -> Path:
        s = self.settings
        conf_dir = self.home / "conf"
        conf_dir.mkdir(parents=True, exist_ok=True)
        for sub in ("data", "logs", "run", "import"):
            (self.home / sub).mkdir(parents=True, exist_ok=True)
        lines = {
            "server.default_listen_address": s.neo4j_bolt_host,
            "server.bolt.listen_address": f"{s.neo4j_bolt_host}:{s.neo4j_bolt_port}",
            "server.bolt.advertised_address": f"{s.neo4j_bolt_host}:{s.neo4j_bolt_port}",
            "server.http.enabled": "true",
            "server.http.listen_address": f"{s.neo4j_bolt_host}:{s.neo4j_http_port}",
            "server.https.enabled": "false",
            "dbms.security.auth_enabled": "true",
            "server.directories.data": str(self.home / "data"),
            "server.directories.logs": str(self.home / "logs"),
            "server.directories.run": str(self.home / "run"),
            "server.directories.import": str(self.home / "import"),
            "server.directories.plugins": str(inst.plugins),
            "dbms.security.procedures.unrestricted": "apoc.*,gds.*",
            "dbms.security.procedures.allowlist": "apoc.*,gds.*",
            "server.memory.pagecache.size": s.neo4j_pagecache,
            "db.tx_log.rotation.retention_policy": "2 files",
            "dbms.usage_report.enabled": "false",
        }
        conf = conf_dir / "neo4j.conf"
        conf.write_text("# written by licitagraph services; edit the settings, not this file\n"
                        + "".join(f"{k}={v}\n" for k, v in lines.items()))
        return conf_dir

    def _java_env(self) -> dict[str, str]:
        return {"NEO4J_HOME": str(self.home), "NEO4J_CONF": str(self.home / "conf")}

    def _initialised(self) -> bool:
        return (self.home / "data" / "dbms" / "auth.ini").exists() or (
            self.home / "data" / "databases" / "system"
        ).exists()

    def start(self) -> bool:
        """Start the server if it is not running; True if it was started now. Waits for `RETURN 1`."""
        s = self.settings
        if self.proc.is_running():
            self.wait_ready()
            return False
        for port in (s.neo4j_bolt_port, s.neo4j_http_port):
            if port_in_use(s.neo4j_bolt_host, port):
                owner = port_owner(port)
                raise ServiceError(
                    f"cannot start Neo4j: port {port} on {s.neo4j_bolt_host} is already in use"
                    + (f" by {owner}" if owner else "")
                    + "; stop that process or set LICITAGRAPH_NEO4J_BOLT_PORT / LICITAGRAPH_NEO4J_HTTP_PORT"
                )
        inst = ensure_installed(s)
        conf_dir = self._write_conf(inst)
        if not self._initialised():
            _run(
                ["java", "-cp", f"{inst.lib}/*", ADMIN_CLASS, "dbms", "set-initial-password", s.neo4j_secret],
                "setting the initial Neo4j password",
                env=self._java_env(),
            )
        argv = [
            "java",
            f"-Xms{s.neo4j_heap}",
            f"-Xmx{s.neo4j_heap}",
            "-XX:+UseG1GC",
            "-XX:-OmitStackTraceInFastThrow",
            "-Dfile.encoding=UTF-8",
            "--add-opens=java.base/java.nio=ALL-UNNAMED",
            "--add-opens=java.base/java.lang=ALL-UNNAMED",
            "-cp",
            inst.classpath,
            MAIN_CLASS,
            f"--home-dir={self.home}",
            f"--config-dir={conf_dir}",
        ]
        log.info("starting Neo4j on bolt://%s:%s", s.neo4j_bolt_host, s.neo4j_bolt_port)
        self.proc.spawn(argv, env=self._java_env(), cwd=self.home)
        self.wait_ready()
        return True

    def _cypher(self, *statements: str) -> list[dict[str, Any]]:
        """Run read-only statements over Neo4j's HTTP transaction endpoint; one result per statement.

        The local servers are watched over HTTP, not Bolt, so that `services` needs no driver and stays
        below `graph` (docs/architecture.md). A 401 is a wrong password: that raises at once."""
        s = self.settings
        url = f"http://{s.neo4j_bolt_host}:{s.neo4j_http_port}/db/{s.neo4j_database}/tx/commit"
        body = {"statements": [{"statement": q} for q in statements]}
        resp = httpx.post(url, json=body, auth=(s.neo4j_user, s.neo4j_secret), timeout=5.0)
        if resp.status_code == 401:
            raise ServiceError(
                f"Neo4j at {url} refused user {s.neo4j_user!r} with the configured password "
                "(LICITAGRAPH_NEO4J_PASSWORD). The database keeps the password it was first started with; "
                "set the same one, or remove var/neo4j/data to start over."
            )
        resp.raise_for_status()
        payload = resp.json()
        if payload.get("errors"):
            raise ServiceError(f"Neo4j answered with errors: {[e.get('code') for e in payload['errors']]}")
        out: list[dict[str, Any]] = []
        for res in payload.get("results", []):
            rows = res.get("data", [])
            out.append(dict(zip(res.get("columns", []), rows[0]["row"], strict=False)) if rows else {})
        return out

    def _answers(self) -> bool:
        s = self.settings
        if not port_in_use(s.neo4j_bolt_host, s.neo4j_bolt_port):
            return False
        try:
            return self._cypher("RETURN 1 AS ok") == [{"ok": 1}]
        except (httpx.HTTPError, ValueError):
            return False

    def wait_ready(self) -> None:
        self.proc.wait_until(self._answers, self.settings.neo4j_start_timeout_s, "Bolt port open and RETURN 1 over HTTP")

    def stop(self) -> bool:
        return self.proc.stop(timeout_s=90)

    def status(self) -> dict[str, Any]:
        s = self.settings
        pid = self.proc.read_pid()
        info: dict[str, Any] = {
            "service": "neo4j",
            "running": pid is not None,
            "pid": pid,
            "address": f"bolt://{s.neo4j_bolt_host}:{s.neo4j_bolt_port}",
            "browser": f"http://{s.neo4j_bolt_host}:{s.neo4j_http_port}/browser/",
            "data_size": human_bytes(dir_size(self.home / "data")) if (self.home / "data").exists() else "-",
        }
        if pid is not None:
            started = time.monotonic()
            info.update(self.server_info())
            info["latency_ms"] = round((time.monotonic() - started) * 1000, 1)
        return info

    def server_info(self) -> dict[str, Any]:
        """Neo4j, APOC and GDS versions, and node and relationship counts, for `services status`."""
        info: dict[str, Any] = {}
        (comp,) = self._cypher(
            "CALL dbms.components() YIELD name, versions, edition RETURN versions[0] AS version, edition"
        )
        info["version"] = f"{comp['version']} {comp['edition']}"
        for key, query in (("apoc", "RETURN apoc.version() AS v"), ("gds", "RETURN gds.version() AS v")):
            try:
                (row,) = self._cypher(query)
                info[key] = row["v"]
            except (ServiceError, ValueError) as exc:
                info[key] = f"missing ({exc})"
        (counts,) = self._cypher("CALL apoc.meta.stats() YIELD nodeCount, relCount RETURN nodeCount, relCount")
        info["nodes"] = counts["nodeCount"]
        info["relationships"] = counts["relCount"]
        return info
