"""Shared test fixtures.

The suite runs against real servers: a dedicated test instance of Neo4j, Redis and the SMTP sink, with
its own state folder (var/test) and ports, so tests never touch the demo's data. `scripts/test.sh`
starts them before pytest and stops them afterwards; when pytest is run by hand, the `services`
fixture starts whatever is missing (under a file lock) and leaves it running for the next run.
"""

from __future__ import annotations

import fcntl
import os
from collections.abc import Iterator
from pathlib import Path
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


TEST_ENV = _read_env(REPO / "tests" / "test.env")
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
    yield session
    session.stop()
