"""Connections to Neo4j: the one place the driver is configured, with clear errors.

Only `graph/` imports the `neo4j` driver (docs/architecture.md).
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import neo4j
from neo4j import Driver, GraphDatabase
from neo4j.exceptions import AuthError, ServiceUnavailable, SessionExpired

from core.settings import Settings, get_settings

log = logging.getLogger(__name__)


class Neo4jUnavailable(RuntimeError):
    """Neo4j does not answer at the configured address."""


class Neo4jAuthFailed(RuntimeError):
    """Neo4j answered but refused the configured user or password."""


def make_driver(settings: Settings | None = None, *, password: str | None = None) -> Driver:
    s = settings or get_settings()
    return GraphDatabase.driver(
        s.bolt_uri,
        auth=(s.neo4j_user, password if password is not None else s.neo4j_secret),
        connection_timeout=5.0,
        max_connection_lifetime=3600,
        max_transaction_retry_time=5.0,
        user_agent="licitagraph",
        notifications_min_severity="OFF",
    )


def _translate(exc: Exception, s: Settings) -> Exception:
    if isinstance(exc, AuthError):
        return Neo4jAuthFailed(
            f"Neo4j at {s.bolt_uri} refused user {s.neo4j_user!r} with the configured password "
            "(LICITAGRAPH_NEO4J_PASSWORD). The database keeps the password it was first started with; "
            "set the same one, or remove var/neo4j/data to start over."
        )
    return Neo4jUnavailable(f"Neo4j does not answer at {s.bolt_uri}: {exc}. Is it running? `licitagraph services up`")


@contextmanager
def driver_session(settings: Settings | None = None, **kwargs: Any) -> Iterator[neo4j.Session]:
    s = settings or get_settings()
    driver = make_driver(s)
    try:
        with driver.session(database=s.neo4j_database, **kwargs) as session:
            yield session
    except (AuthError, ServiceUnavailable, SessionExpired, OSError) as exc:
        raise _translate(exc, s) from exc
    finally:
        driver.close()


def ping(settings: Settings | None = None, *, password: str | None = None) -> None:
    """Run `RETURN 1`; raise Neo4jUnavailable or Neo4jAuthFailed with a clear message."""
    s = settings or get_settings()
    driver = make_driver(s, password=password)
    try:
        with driver.session(database=s.neo4j_database) as session:
            session.run("RETURN 1 AS ok").single(strict=True)
    except (AuthError, ServiceUnavailable, SessionExpired, OSError) as exc:
        raise _translate(exc, s) from exc
    except neo4j.exceptions.DatabaseUnavailable as exc:
        raise Neo4jUnavailable(f"Neo4j at {s.bolt_uri} is starting: {exc}") from exc
    finally:
        driver.close()


def server_info(settings: Settings | None = None) -> dict[str, Any]:
    """Neo4j, APOC and GDS versions, and counts, for `services status`."""
    s = settings or get_settings()
    info: dict[str, Any] = {}
    with driver_session(s) as session:
        rec = session.run(
            "CALL dbms.components() YIELD name, versions, edition RETURN versions[0] AS version, edition"
        ).single(strict=True)
        info["version"] = f"{rec['version']} {rec['edition']}"
        for key, query in (("apoc", "RETURN apoc.version() AS v"), ("gds", "RETURN gds.version() AS v")):
            try:
                info[key] = session.run(query).single(strict=True)["v"]
            except neo4j.exceptions.ClientError as exc:
                info[key] = f"missing ({exc.code})"
        counts = session.run(
            "CALL apoc.meta.stats() YIELD nodeCount, relCount RETURN nodeCount, relCount"
        ).single(strict=True)
        info["nodes"] = counts["nodeCount"]
        info["relationships"] = counts["relCount"]
    return info
