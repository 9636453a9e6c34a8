"""Shared test fixtures.

The suite runs against real servers: a dedicated test instance of Neo4j, Redis and the SMTP sink, with
its own state folder (var/test) and ports, so tests never touch the demo's data. `scripts/test.sh`
starts them before pytest and stops them afterwards; when pytest is run by hand, the `services`
fixture starts whatever is missing (under a file lock) and leaves it running for the next run.
"""

from __future__ import annotations

import contextlib
import fcntl
import functools
import importlib.abc
import importlib.machinery
import os
import shutil
import sys
from collections.abc import Callable, Generator, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Any

import pytest

REPO = Path(__file__).resolve().parent.parent
SHARED = REPO.parent / "shared"
SHARED_DATA = SHARED / "data"

def _read_env(path: Path) -> dict[str, str]:
    values = {}
    for line in path.read_text().splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            key, _, value = line.partition("=")
            values[key.strip()] = value.strip()
    return values


# LICITAGRAPH_TEST_ENV_FILE names another file of the same form: a second test instance (own ports and
# state folder) for running tests beside a full `make test`.
TEST_ENV = _read_env(Path(os.environ.get("LICITAGRAPH_TEST_ENV_FILE") or REPO / "tests" / "test.env"))
TEST_ENV["LICITAGRAPH_VAR_DIR"] = str(REPO / TEST_ENV["LICITAGRAPH_VAR_DIR"])
os.environ.update(TEST_ENV)
# Settings are cached per process; make sure nothing built them before the test environment was set.
from core.settings import get_settings  # noqa: E402

get_settings.cache_clear()

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

    from core.settings import Settings


@pytest.fixture(scope="session")
def shared_data() -> Path:
    if not SHARED_DATA.exists():
        pytest.skip(f"../shared/data is not present at {SHARED_DATA}")
    return SHARED_DATA


@pytest.fixture(scope="session")
def settings() -> Settings:
    return get_settings()


@pytest.fixture(scope="session")
def services(settings: Settings) -> Iterator[Any]:
    """The test instance of Neo4j, Redis and the SMTP sink, running."""
    from services.manager import ServiceManager

    manager = ServiceManager.from_settings(settings)
    settings.var_dir.mkdir(parents=True, exist_ok=True)
    with open(settings.var_dir / ".services.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            manager.up()
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)
    yield manager


@pytest.fixture()
def neo4j_clean(services: Any, settings: Settings) -> Iterator[Settings]:
    """An empty test database (data, constraints and indexes stay as the test leaves them)."""
    from graph.connection import driver_session

    with driver_session(settings) as session:
        session.run("MATCH (n) CALL { WITH n DETACH DELETE n } IN TRANSACTIONS OF 10000 ROWS").consume()
    yield settings


@pytest.fixture(scope="session")
def spark() -> Iterator[SparkSession]:
    """One local[1] Spark session for the whole test run."""
    from etl.spark import get_spark

    session = get_spark(app_name="licitagraph-tests", master="local[1]", driver_memory="2g", shuffle_partitions=2)
    # generated code that outgrows the JVM's 64 KB method limit fails the test instead of Spark falling back
    # to interpreting the stage after a failed compile (slow, and logged as a stack of a few hundred lines)
    session.conf.set("spark.sql.codegen.fallback", "false")
    yield session
    session.stop()


@pytest.fixture(scope="session")
def real_tables(shared_data: Path, spark: SparkSession, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One ETL run over the real samples (TCE-RJ school-meal bids, the RJ state bid file, the real PNCP
    contratações), shared by the real-data tests: each Spark ETL run costs minutes of the suite."""
    from etl.run import run

    root = tmp_path_factory.mktemp("real_samples")
    src = root / "sources"
    links = {
        "bids/tcerj/tcerj.csv": shared_data / "brazil" / "tcerj_municipal_school_meals_bids.csv",
        "bids/rj_state/rj_state.csv": shared_data / "brazil" / "rj_state_part_lic.csv",
    }
    for f in sorted((shared_data / "formats" / "pncp" / "real_responses").glob("*.json")):
        links[f"pncp/contratacoes/{f.name}"] = f
    for place, target in links.items():
        (src / place).parent.mkdir(parents=True, exist_ok=True)
        (src / place).symlink_to(target)
    run(src, root / "tables", spark=spark)
    return root / "tables"


# --- marker enforcement --------------------------------------------------------------------------------
# `make test-fast` runs `-m "not integration and not spark and not torch and not slow"`, so a test that
# needs a server, Spark or torch training without saying so would break the fast lane (or start services
# from it). Each is caught while the test's setup and call run, and the test fails naming the marker:
#   integration: a TCP connect to localhost outside the ephemeral port range (Neo4j, Redis, SMTP, ...), a
#                `licitagraph` subprocess, or the `services` / `neo4j_clean` fixtures;
#   spark:       a Spark session (pyspark's SparkSession.Builder.getOrCreate, which etl.spark.get_spark
#                calls), a spark-submit subprocess, or the `spark` fixture;
#   torch:       a torch optimizer step (a global step pre-hook).
# The marker may sit on the test, its class, the module's `pytestmark`, or be added in collection.
# Teardown is not checked: session fixtures (the Spark session, the services) end in whichever test runs last.

FIXTURE_MARKERS = {"services": "integration", "neo4j_clean": "integration", "spark": "spark"}
_LOCAL_HOSTS = {"localhost", "0.0.0.0", "::", "::1", "ip6-localhost"}


def _ephemeral_ports() -> range:
    try:
        low, high = (int(v) for v in Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split())
    except (OSError, ValueError):
        low, high = 32768, 60999  # Linux's default
    return range(low, high + 1)


class _MarkerGuard:
    """The test being set up or run, and the marker violations it made (also from other threads)."""

    def __init__(self) -> None:
        self.item: pytest.Item | None = None
        self.violations: list[str] = []
        self.ephemeral = _ephemeral_ports()
        self.installed = False

    def need(self, marker: str, what: str) -> None:
        item = self.item
        if item is None or item.get_closest_marker(marker) is not None:
            return
        message = (
            f"{item.nodeid} {what} but is not marked `{marker}`: add @pytest.mark.{marker} to the test "
            f"(or `pytestmark = pytest.mark.{marker}` to its module) so that `make test-fast` leaves it out"
        )
        if message not in self.violations:
            self.violations.append(message)
        pytest.fail(message, pytrace=False)

    @contextlib.contextmanager
    def watching(self, item: pytest.Item) -> Iterator[None]:
        self.item, self.violations = item, []
        failure: BaseException | None = None
        try:
            yield
        except BaseException as exc:
            failure = exc
        finally:
            violations, self.item, self.violations = self.violations, None, []
        # fail also when the code under test swallowed (or wrapped) the failure raised at the connect or step
        if violations and not (isinstance(failure, pytest.fail.Exception) and failure.msg in violations):
            raise pytest.fail.Exception("\n".join(violations), pytrace=False) from None
        if failure is not None:
            raise failure


_guard = _MarkerGuard()


def _is_local(host: object) -> bool:
    return isinstance(host, str) and (host in _LOCAL_HOSTS or host.startswith("127.") or host == "::ffff:127.0.0.1")


def _argv_words(args: object) -> list[str]:
    if isinstance(args, (str, bytes, os.PathLike)):
        return os.fsdecode(args).split()
    if isinstance(args, Sequence):
        return [os.fsdecode(a) if isinstance(a, (str, bytes, os.PathLike)) else str(a) for a in args]
    return []


def _audit(event: str, args: tuple[Any, ...]) -> None:
    if _guard.item is None or event not in ("socket.connect", "subprocess.Popen"):
        return
    if event == "socket.connect":
        address = args[1]
        if (
            isinstance(address, tuple)
            and len(address) >= 2
            and isinstance(address[1], int)
            and _is_local(address[0])
            and address[1] not in _guard.ephemeral
        ):
            _guard.need("integration", f"connects to a server (localhost port {address[1]})")
        return
    words = _argv_words(args[1])
    names = [os.path.basename(w) for w in words]
    if "licitagraph" in names or any(
        w == "-mlicitagraph" or (w == "-m" and nxt == "licitagraph") for w, nxt in zip(words, [*words[1:], ""], strict=True)
    ):
        _guard.need("integration", f"starts a `licitagraph` subprocess ({' '.join(words[:6])})")
    if any(n in ("spark-submit", "pyspark-shell") for n in names):
        _guard.need("spark", "starts a Spark JVM (spark-submit)")


def _patch_spark(module: ModuleType) -> None:
    builder = module.SparkSession.Builder
    original = builder.getOrCreate

    @functools.wraps(original)
    def get_or_create(self: Any) -> Any:
        _guard.need("spark", "uses a Spark session")
        return original(self)

    builder.getOrCreate = get_or_create


def _patch_torch(module: ModuleType) -> None:
    def step(optimizer: Any, args: Any, kwargs: Any) -> None:
        _guard.need("torch", f"trains a torch model ({type(optimizer).__name__}.step)")

    module.register_optimizer_step_pre_hook(step)


class _AfterImport(importlib.abc.MetaPathFinder):
    """Runs a callback once a module has been imported, so Spark and torch are patched only if a test imports
    them (the fast lane never pays for importing either)."""

    def __init__(self, callbacks: dict[str, Callable[[ModuleType], None]]) -> None:
        self.callbacks = callbacks

    def find_spec(self, fullname: str, path: Any, target: Any = None) -> importlib.machinery.ModuleSpec | None:
        if fullname not in self.callbacks:
            return None
        for finder in sys.meta_path:
            if finder is self or not hasattr(finder, "find_spec"):
                continue
            spec = finder.find_spec(fullname, path, target)
            if spec is not None:
                break
        else:
            return None
        loader = spec.loader
        if loader is None or not hasattr(loader, "exec_module"):
            return spec
        callback, exec_module = self.callbacks.pop(fullname), loader.exec_module

        def exec_then_patch(module: ModuleType) -> None:
            exec_module(module)
            callback(module)

        loader.exec_module = exec_then_patch  # type: ignore[method-assign]
        return spec


class _MarkerGuardPlugin:
    @pytest.hookimpl(wrapper=True, tryfirst=True)
    def pytest_runtest_setup(self, item: pytest.Item) -> Generator[None, object, object]:
        with _guard.watching(item):
            return (yield)

    @pytest.hookimpl(wrapper=True, tryfirst=True)
    def pytest_runtest_call(self, item: pytest.Item) -> Generator[None, object, object]:
        with _guard.watching(item):
            return (yield)


class _FixtureCheckPlugin:
    # A plain hook (the wrappers above and skipping's have run, the fixtures have not): the `services` fixture
    # would start the servers, `spark` a JVM; and a session fixture set up earlier is not set up again.
    def pytest_runtest_setup(self, item: pytest.Item) -> None:
        for name, marker in FIXTURE_MARKERS.items():
            if name in getattr(item, "fixturenames", ()):
                _guard.need(marker, f"uses the `{name}` fixture")


def pytest_configure(config: pytest.Config) -> None:
    if os.environ.get("LICITAGRAPH_TEST_MARKERS") == "off" or config.pluginmanager.has_plugin("marker-guard"):
        return
    if not _guard.installed:
        _guard.installed = True
        sys.addaudithook(_audit)  # for the life of the process: it does nothing outside a test's setup and call
        callbacks: dict[str, Callable[[ModuleType], None]] = {
            "pyspark.sql.session": _patch_spark,
            "torch.optim.optimizer": _patch_torch,
        }
        for name in list(callbacks):
            if name in sys.modules:
                callbacks.pop(name)(sys.modules[name])
        sys.meta_path.insert(0, _AfterImport(callbacks))
    config.pluginmanager.register(_MarkerGuardPlugin(), "marker-guard")
    config.pluginmanager.register(_FixtureCheckPlugin(), "marker-guard-fixtures")


@dataclass(frozen=True)
class SynthTables:
    """A synthetic world's sources (with ground_truth.json) and the graph tables the ETL made of them."""

    sources: Path
    tables: Path

    def copy_tables(self, to: Path) -> Path:
        """A private copy of the tables, for a test that writes next to them (findings, risk, checkpoints)."""
        shutil.copytree(self.tables, to)
        return to


@pytest.fixture(scope="session")
def synth_etl(spark: SparkSession, tmp_path_factory: pytest.TempPathFactory) -> SynthTables:
    """The synthetic world of seed 3 with 400 tenders, generated and run through the Spark ETL once per session
    (minutes on the shared 2-core machine) for every test that needs a synthetic world's tables. Read only:
    copy the tables (`copy_tables`) before writing next to them."""
    from etl import run as etl_run
    from synth import generate

    root = tmp_path_factory.mktemp("synth_etl")
    world = SynthTables(root / "sources", root / "tables")
    generate(world.sources, seed=3, tenders=400)
    etl_run.run(world.sources, world.tables, spark=spark)
    return world
