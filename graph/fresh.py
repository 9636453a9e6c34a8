"""A database holding exactly one set of graph tables: wipe it, create the schema, load the tables and
their findings and risk. For the fixture worlds of the tests and the benchmarks, never for production
data (it deletes everything, API keys and alert records included)."""

from __future__ import annotations

from pathlib import Path

from core.settings import Settings
from graph.connection import driver_session
from graph.findings import write_findings
from graph.loader import Loader, init_schema
from graph.runner import Neo4jRunner


def replace_database(settings: Settings, tables: Path) -> None:
    """Delete every node of the database at `settings`, then load `tables` (findings/ and risk/ included)."""
    with driver_session(settings) as session:
        session.run("MATCH (n) CALL { WITH n DETACH DELETE n } IN TRANSACTIONS OF 10000 ROWS").consume()
    with Neo4jRunner(settings) as runner:
        init_schema(runner)
        Loader(runner, full=True).load(tables)
    write_findings(tables, settings)
