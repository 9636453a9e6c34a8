"""Helpers shared by the graph and cypher integration tests (not a test module)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from core.settings import Settings
from core.tables import NODE_TABLES, REL_TABLES
from graph.connection import driver_session


def wipe(settings: Settings) -> None:
    with driver_session(settings) as session:
        session.run("MATCH (n) CALL { WITH n DETACH DELETE n } IN TRANSACTIONS OF 10000 ROWS").consume()


def db_counts(settings: Settings) -> dict[str, int]:
    """Nodes per table label and relationships per table type, as Neo4j counts them."""
    out: dict[str, int] = {}
    with driver_session(settings) as session:
        for spec in NODE_TABLES:
            out[spec.name] = session.run(f"MATCH (n:`{spec.name}`) RETURN count(n) AS c").single(strict=True)["c"]
        for spec in REL_TABLES:
            out[spec.name] = session.run(
                f"MATCH ()-[r:`{spec.name}`]->() RETURN count(r) AS c"
            ).single(strict=True)["c"]
    return out


def query(settings: Settings, text: str, **params: Any) -> list[dict[str, Any]]:
    with driver_session(settings) as session:
        return [dict(r) for r in session.run(text, params)]


def parquet_files(root: Path) -> Iterator[Path]:
    return iter(sorted(root.rglob("*.parquet")))
