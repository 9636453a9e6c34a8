"""Very large first loads through `neo4j-admin database import`, chosen by `licitagraph load --method auto`.

The importer writes a new store offline from the same Parquet tables (graph/admin_import.py), several times
faster than transactions for a first load (docs/benchmarks.md). `--method auto` (the default) takes this
path only when all of these hold, and the driver path (graph/loader.py) otherwise:

- the Neo4j server is the one `licitagraph services` runs on this machine (its pid file names a live
  process): the import needs it stopped and replaces its store;
- the database holds nothing but the data-version marker that `graph init` leaves: nothing can be lost
  (API keys, subscriptions, alert records or earlier data all send the load down the driver path);
- the tables hold at least `LICITAGRAPH_NEO4J_ADMIN_IMPORT_MIN_ROWS` rows (default 1,000,000): below
  that the restart costs more than the driver path saves.

After the import the server is started again, the constraints and indexes are created, and every table
file gets its file checkpoint, so the next `load` skips these files exactly as if the driver had loaded
them (incremental loads stay on the driver path).
"""

from __future__ import annotations

import logging
import shutil
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from core.settings import Settings
from core.tables import NODE_TABLES, REL_TABLES
from graph.loader import CHECKPOINT_FILE, LoadReport, TableLoad, count_rows, init_schema
from graph.runner import Neo4jRunner, Statement
from graph.schema import VERSION_LABEL, ident
from graph.tables_io import TableFile, table_files
from graph.version import bump_data_version

log = logging.getLogger(__name__)

METHODS = ("auto", "driver", "admin")


@dataclass
class Decision:
    method: str  # "driver" or "admin"
    reasons: list[str] = field(default_factory=list)


def managed_server_running(settings: Settings) -> bool:
    from services.neo4j_server import Neo4jServer

    return Neo4jServer(settings).proc.read_pid() is not None


def database_is_empty(settings: Settings) -> bool:
    """No node at all but the data-version marker (what a fresh `graph init` leaves)."""
    with Neo4jRunner(settings) as r:
        res = r.execute([Statement(
            f"MATCH (n) WHERE NOT n:{ident(VERSION_LABEL)} RETURN count(n) > 0 AS any")], write=False)
    return not bool(res[0].rows[0]["any"])


def choose(settings: Settings, tables: Path, method: str) -> Decision:
    """Which path `load` takes; for `admin`, raises when it cannot be taken safely."""
    if method not in METHODS:
        raise ValueError(f"unknown load method {method!r}; one of {', '.join(METHODS)}")
    if method == "driver":
        return Decision("driver", ["--method driver"])
    rows = sum(count_rows(tables).values())
    minimum = settings.neo4j_admin_import_min_rows
    safe = {  # without these the import is never taken: it would stop a server not ours, or replace data
        "the Neo4j server is managed by `licitagraph services` here": managed_server_running(settings),
        "the database is empty": database_is_empty(settings),
    }
    unsafe = [k for k, ok in safe.items() if not ok]
    if method == "admin":
        if unsafe:
            raise RuntimeError("neo4j-admin import cannot be used: not true that " + "; ".join(unsafe))
        return Decision("admin", ["--method admin"])
    if unsafe:
        return Decision("driver", [f"not: {k}" for k in unsafe])
    if rows < minimum:
        return Decision("driver", [f"{rows:,} rows < {minimum:,} (LICITAGRAPH_NEO4J_ADMIN_IMPORT_MIN_ROWS)"])
    return Decision("admin", [*safe, f"{rows:,} rows >= {minimum:,}"])


def admin_load(settings: Settings, tables: Path) -> LoadReport:
    """Stop the managed server, import the tables into a new `neo4j` store, start it, create the schema and
    checkpoint every file. The caller reconciles."""
    from graph.admin_import import run_import, write_import_files
    from services.neo4j_server import Neo4jServer, ensure_installed

    started = time.monotonic()
    server = Neo4jServer(settings)
    install = ensure_installed(settings)
    work = Path(tempfile.mkdtemp(prefix="lg-import-", dir=settings.var_dir))
    try:
        files = write_import_files(tables, work)
        log.info("import files written in %.1fs; stopping Neo4j for the import", time.monotonic() - started)
        server.stop()
        try:
            run_import(files, neo4j_home=settings.neo4j_dir, lib=install.lib, database=settings.neo4j_database)
        finally:
            server.start()  # whatever happened, leave the server running
    finally:
        shutil.rmtree(work, ignore_errors=True)
    report = LoadReport()
    with Neo4jRunner(settings) as r:
        init_schema(r)
        stmts = []
        for spec in NODE_TABLES + REL_TABLES:
            tfs = table_files(tables, spec)
            if not tfs:
                continue
            rows = count_rows_of(tfs)
            report.tables.append(TableLoad(spec.name, spec.kind, files=len(tfs), rows=sum(rows), batches=len(tfs),
                                           created_with="neo4j-admin import"))
            stmts += [Statement(CHECKPOINT_FILE, {"file": tf.key, "table": spec.name, "rows": n})
                      for tf, n in zip(tfs, rows, strict=True)]
        for i in range(0, len(stmts), 500):
            r.execute(stmts[i : i + 500])
        bump_data_version(r, f"neo4j-admin import {tables.name}")
    report.seconds = time.monotonic() - started
    return report


def count_rows_of(tfs: list[TableFile]) -> list[int]:
    import pyarrow.parquet as pq

    return [pq.ParquetFile(tf.path).metadata.num_rows for tf in tfs]
