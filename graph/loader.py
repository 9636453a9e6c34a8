"""Graph tables -> Neo4j through the Python driver: batched `UNWIND $rows AS row MERGE ...`.

- Nodes first (MERGE on `id`, backed by the unique constraint), then relationships (endpoints matched by
  id, MERGE on the pair, so BID and AWARDED, like every type, never duplicate on a rerun).
- Idempotent: every write is a MERGE; loading the same tables twice changes no count.
- Resumable: each batch commits in one transaction together with its checkpoint node
  (`:LoadCheckpoint {key}`), so a killed load, rerun, skips exactly the batches that committed. When a
  file is finished its batch checkpoints collapse into one file checkpoint (name, size, mtime); a later
  load skips unchanged files, which makes a day's new part files an incremental load. `full=True`
  ignores the checkpoints and merges everything again.
- Ends with a reconciliation (graph.reconcile): rows in the tables vs entities in Neo4j.

Labels and relationship types in the statements come from core/tables.py only (graph.schema.ident).
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from core.tables import NODE_TABLES, REL_TABLES, TableSpec
from graph.runner import QueryRunner, Statement
from graph.schema import CHECKPOINT_LABEL, ident, schema_statements
from graph.tables_io import TableFile, iter_rows, read_columns, table_files
from graph.version import bump_data_version

log = logging.getLogger(__name__)
T = TypeVar("T")

DEFAULT_BATCH_SIZE = 5000
_REL_END_COLUMNS = ("src", "dst", "src_label", "dst_label")

ProgressFn = Callable[[str, int], None]


def node_statement(spec: TableSpec) -> str:
    return f"UNWIND $rows AS row MERGE (n:{ident(spec.name)} {{id: row.id}}) SET n += row"


def rel_statement(spec: TableSpec, src_label: str, dst_label: str) -> str:
    if src_label not in spec.src_labels or dst_label not in spec.dst_labels:
        raise ValueError(f"{spec.name}: {src_label}->{dst_label} is not allowed by core/tables.py")
    return (
        f"UNWIND $rows AS row "
        f"MATCH (a:{ident(src_label)} {{id: row.src}}) "
        f"MATCH (b:{ident(dst_label)} {{id: row.dst}}) "
        f"MERGE (a)-[r:{ident(spec.name)}]->(b) SET r += row.props"
    )


def create_node_statement(spec: TableSpec) -> str:
    """First load of a label that is still empty: CREATE (the unique constraint still guards the ids)."""
    return f"UNWIND $rows AS row CREATE (n:{ident(spec.name)}) SET n = row"


def create_rel_statement(spec: TableSpec, src_label: str, dst_label: str) -> str:
    """First load of a relationship type that is still empty, rows known unique by (src, dst)."""
    return rel_statement(spec, src_label, dst_label).replace("MERGE (a)-[r:", "CREATE (a)-[r:")


def count_statement(spec: TableSpec) -> str:
    """Entities of a label or relationship type (answered from Neo4j's count store, not a scan)."""
    if spec.kind == "node":
        return f"MATCH (n:{ident(spec.name)}) RETURN count(n) AS c"
    return f"MATCH ()-[r:{ident(spec.name)}]->() RETURN count(r) AS c"


CHECKPOINT_BATCH = (
    f"MERGE (c:{CHECKPOINT_LABEL} {{key: $key}}) "
    "SET c.file = $file, c.table = $table, c.rows = $rows, c.kind = 'batch', c.at = datetime()"
)
CHECKPOINT_FILE = (
    f"MERGE (c:{CHECKPOINT_LABEL} {{key: $file}}) "
    "SET c.file = $file, c.table = $table, c.rows = $rows, c.kind = 'file', c.at = datetime() "
    f"WITH c OPTIONAL MATCH (b:{CHECKPOINT_LABEL} {{file: $file, kind: 'batch'}}) DELETE b"
)
CHECKPOINT_KEYS = f"MATCH (c:{CHECKPOINT_LABEL}) RETURN c.key AS key"
CHECKPOINT_CLEAR = f"MATCH (c:{CHECKPOINT_LABEL}) DELETE c"


@dataclass
class TableLoad:
    table: str
    kind: str
    files: int = 0
    files_skipped: int = 0
    batches: int = 0
    batches_skipped: int = 0
    rows: int = 0
    seconds: float = 0.0
    created: int = 0
    created_with: str = "MERGE"  # CREATE on a first load of an empty label or type (Loader._first_load)


@dataclass
class LoadReport:
    tables: list[TableLoad] = field(default_factory=list)
    seconds: float = 0.0

    def rows(self, kind: str) -> int:
        return sum(t.rows for t in self.tables if t.kind == kind)


def init_schema(runner: QueryRunner, part: str = "all") -> int:
    """Constraints and/or indexes (`part`: all, constraints, indexes), idempotently; returns how many
    statements ran."""
    stmts = schema_statements(part)
    for s in stmts:  # schema changes cannot share a transaction with each other's data
        runner.execute([Statement(s)])
    runner.execute([Statement("CALL db.awaitIndexes(300)")], write=False)
    # `graph init` follows every neo4j-admin import: a new database is a new version for caching readers
    bump_data_version(runner, "graph init")
    return len(stmts)


def _node_batches(rows: list[dict[str, Any]], spec: TableSpec, create: bool = False) -> list[Statement]:
    return [Statement(create_node_statement(spec) if create else node_statement(spec), {"rows": rows})]


def _rel_batches(rows: list[dict[str, Any]], spec: TableSpec, create: bool = False) -> list[Statement]:
    groups: dict[tuple[str, str], list[dict[str, Any]]] = defaultdict(list)
    for r in rows:
        props = {k: v for k, v in r.items() if k not in _REL_END_COLUMNS}
        groups[(r["src_label"], r["dst_label"])].append({"src": r["src"], "dst": r["dst"], "props": props})
    make = create_rel_statement if create else rel_statement
    return [Statement(make(spec, s, d), {"rows": g}) for (s, d), g in sorted(groups.items())]


def prefetch(items: Iterator[T], depth: int = 2) -> Iterator[T]:
    """`items`, produced by a background thread up to `depth` ahead (errors re-raised in the caller)."""
    q: queue.Queue[tuple[str, Any]] = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def produce() -> None:
        try:
            for it in items:
                while not stop.is_set():
                    try:
                        q.put(("item", it), timeout=0.2)
                        break
                    except queue.Full:
                        continue
                if stop.is_set():
                    return
            q.put(("end", None))
        except BaseException as exc:  # handed to the consumer
            q.put(("error", exc))

    worker = threading.Thread(target=produce, name="loader-prefetch", daemon=True)
    worker.start()
    try:
        while True:
            kind, value = q.get()
            if kind == "end":
                return
            if kind == "error":
                raise value
            yield value
    finally:
        stop.set()
        worker.join(timeout=5)


def keys_unique(files: list[TableFile]) -> bool:
    """Whether the table's keys (node id; relationship src, dst and end labels) are unique over its files."""
    import pyarrow as pa
    import pyarrow.compute as pc

    if not files:
        return True
    cols = ["id"] if files[0].spec.kind == "node" else list(_REL_END_COLUMNS)
    t = pa.concat_tables([read_columns(f, cols).select(cols) for f in files])
    if t.num_rows == 0:
        return True
    if len(cols) == 1:
        return bool(pc.count_distinct(t.column(0)).as_py() == t.num_rows)
    return bool(t.group_by(cols).aggregate([]).num_rows == t.num_rows)


class Loader:
    def __init__(self, runner: QueryRunner, *, batch_size: int = DEFAULT_BATCH_SIZE, full: bool = False,
                 progress: ProgressFn | None = None, fast_first_load: bool = True) -> None:
        self.runner = runner
        self.batch_size = batch_size
        self.full = full
        self.progress = progress
        self.fast_first_load = fast_first_load
        self._done: set[str] = set()

    def _first_load(self, spec: TableSpec, files: list[TableFile]) -> bool:
        """CREATE instead of MERGE when nothing of this table is in Neo4j yet (count store: no node of the
        label, no relationship of the type), none of its files or batches is checkpointed, and its keys are
        unique. A crash midway leaves entities behind, so the rerun MERGEs (checkpointed batches skipped)."""
        if not self.fast_first_load or any(k.startswith(f"{spec.name}|") for k in self._done):
            return False
        res = self.runner.execute([Statement(count_statement(spec))], write=False)
        if not res or not res[0].rows or int(res[0].rows[0]["c"]) != 0:
            return False
        return keys_unique(files)

    def _load_file(self, tf: TableFile, tl: TableLoad, create: bool = False) -> None:
        if tf.key in self._done:
            tl.files_skipped += 1
            return
        base = _node_batches if tf.spec.kind == "node" else _rel_batches

        def make(rows: list[dict[str, Any]], spec: TableSpec) -> list[Statement]:
            return base(rows, spec, create)

        def prepared() -> Iterator[tuple[str, int, list[Statement] | None]]:
            for i, rows in enumerate(iter_rows(tf, self.batch_size)):
                key = f"{tf.key}#{self.batch_size}#{i}"
                if key in self._done:
                    yield key, len(rows), None
                    continue
                yield key, len(rows), [*make(rows, tf.spec), Statement(CHECKPOINT_BATCH, {
                    "key": key, "file": tf.key, "table": tf.spec.name, "rows": len(rows)})]

        total = 0
        n = 0
        # Reading Parquet and shaping rows (Python) overlaps with Neo4j running the previous batch.
        for _key, n_rows, stmts in prefetch(prepared(), depth=2):
            total += n_rows
            n += 1
            if stmts is None:
                tl.batches_skipped += 1
                continue
            res = self.runner.execute(stmts)
            tl.created += sum(r.nodes_created + r.relationships_created for r in res[:-1])
            tl.batches += 1
            tl.rows += n_rows
            if self.progress:
                self.progress(tf.spec.name, n_rows)
        self.runner.execute([Statement(CHECKPOINT_FILE, {"file": tf.key, "table": tf.spec.name, "rows": total})])
        tl.files += 1
        log.debug("%s: %d batches", tf.rel_path, n)

    def load(self, tables: Path, specs: tuple[TableSpec, ...] = NODE_TABLES + REL_TABLES) -> LoadReport:
        if not tables.is_dir():
            raise FileNotFoundError(f"no graph tables at {tables}")
        started = time.monotonic()
        if self.full:
            self.runner.execute([Statement(CHECKPOINT_CLEAR)])
            self._done = set()
        else:
            res = self.runner.execute([Statement(CHECKPOINT_KEYS)], write=False)
            self._done = {r["key"] for r in res[0].rows}
        report = LoadReport()
        for spec in specs:  # NODE_TABLES come first: relationships need their endpoints
            files = table_files(tables, spec)
            if not files:
                continue
            tl = TableLoad(spec.name, spec.kind)
            t0 = time.monotonic()
            tl.created_with = "CREATE" if self._first_load(spec, files) else "MERGE"
            for tf in files:
                self._load_file(tf, tl, create=tl.created_with == "CREATE")
            tl.seconds = time.monotonic() - t0
            report.tables.append(tl)
            log.info("%s: %d rows in %d batches (%d skipped, %s) in %.1fs", spec.name, tl.rows, tl.batches,
                     tl.batches_skipped + tl.files_skipped, tl.created_with, tl.seconds)
        if any(t.batches for t in report.tables):
            bump_data_version(self.runner, f"load {tables.name}")
        report.seconds = time.monotonic() - started
        return report


def count_rows(tables: Path) -> dict[str, int]:
    """Rows per table present under `tables` (Parquet metadata only)."""
    import pyarrow.parquet as pq

    out: dict[str, int] = {}
    for spec in NODE_TABLES + REL_TABLES:
        files = table_files(tables, spec)
        if files:
            out[spec.name] = sum(pq.ParquetFile(f.path).metadata.num_rows for f in files)
    return out
