"""Reconciliation: per label and relationship type, rows in the tables vs entities in Neo4j.

Exact, also for incremental loads: it looks up the tables' own ids (nodes) and (src, dst) pairs
(relationships) in Neo4j instead of comparing totals, so older data in the database does not hide a
missing row. `rows` must equal `found`; duplicates in a table or dangling endpoints show as a mismatch.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc

from core.tables import FINDINGS, NODE_TABLES, REL_TABLES, TableSpec
from graph.runner import QueryRunner, Statement
from graph.schema import FINDING_LABEL, ident
from graph.tables_io import read_columns, table_files

LOOKUP_CHUNK = 20000


@dataclass(frozen=True)
class Reconciliation:
    name: str
    kind: str  # node | rel
    rows: int  # rows in the tables
    distinct: int  # distinct ids / (src, dst) pairs in the tables
    found: int  # of those, present in Neo4j
    in_db: int  # all entities of that label/type in Neo4j

    @property
    def ok(self) -> bool:
        return self.rows == self.distinct == self.found


def _count_nodes(runner: QueryRunner, label: str, ids: list[str]) -> int:
    text = f"UNWIND $ids AS x MATCH (n:{ident(label)} {{id: x}}) RETURN count(n) AS c"
    total = 0
    for i in range(0, len(ids), LOOKUP_CHUNK):
        res = runner.execute([Statement(text, {"ids": ids[i : i + LOOKUP_CHUNK]})], write=False)
        total += int(res[0].rows[0]["c"])
    return total


def _count_rels(runner: QueryRunner, spec: TableSpec, src_label: str, dst_label: str,
                pairs: list[list[str]]) -> int:
    if src_label not in spec.src_labels or dst_label not in spec.dst_labels:
        return 0
    text = (
        f"UNWIND $pairs AS p MATCH (a:{ident(src_label)} {{id: p[0]}})-[r:{ident(spec.name)}]->"
        f"(b:{ident(dst_label)} {{id: p[1]}}) RETURN count(r) AS c"
    )
    total = 0
    for i in range(0, len(pairs), LOOKUP_CHUNK):
        res = runner.execute([Statement(text, {"pairs": pairs[i : i + LOOKUP_CHUNK]})], write=False)
        total += int(res[0].rows[0]["c"])
    return total


def _db_count(runner: QueryRunner, spec: TableSpec) -> int:
    if spec.kind == "node":
        text = f"MATCH (n:{ident(spec.name)}) RETURN count(n) AS c"
    else:
        text = f"MATCH ()-[r:{ident(spec.name)}]->() RETURN count(r) AS c"
    return int(runner.execute([Statement(text)], write=False)[0].rows[0]["c"])


def reconcile(runner: QueryRunner, tables: Path, *, findings: bool = True) -> list[Reconciliation]:
    out: list[Reconciliation] = []
    for spec in NODE_TABLES + REL_TABLES:
        files = table_files(tables, spec)
        if not files:
            continue
        if spec.kind == "node":
            ids = pa.concat_arrays([c for f in files for c in read_columns(f, ["id"])["id"].chunks])
            rows = len(ids)
            uniq = pc.unique(ids).to_pylist()
            found = _count_nodes(runner, spec.name, uniq)
            out.append(Reconciliation(spec.name, "node", rows, len(uniq), found, _db_count(runner, spec)))
        else:
            cols = ["src", "dst", "src_label", "dst_label"]
            t = pa.concat_tables([read_columns(f, cols) for f in files])
            rows = t.num_rows
            grouped = t.group_by(cols).aggregate([])
            by_labels: dict[tuple[str, str], list[list[str]]] = defaultdict(list)
            for r in grouped.to_pylist():
                by_labels[(r["src_label"], r["dst_label"])].append([r["src"], r["dst"]])
            distinct = grouped.num_rows
            found = sum(_count_rels(runner, spec, s, d, p) for (s, d), p in by_labels.items())
            out.append(Reconciliation(spec.name, "rel", rows, distinct, found, _db_count(runner, spec)))
    files = table_files(tables, FINDINGS) if findings else []
    if files:
        ids = pa.concat_arrays([c for f in files for c in read_columns(f, ["id"])["id"].chunks])
        uniq = pc.unique(ids).to_pylist()
        total = runner.execute([Statement(f"MATCH (n:{FINDING_LABEL}) RETURN count(n) AS c")], write=False)
        out.append(Reconciliation(FINDING_LABEL, "node", len(ids), len(uniq),
                                  _count_nodes(runner, FINDING_LABEL, uniq), int(total[0].rows[0]["c"])))
    return out
