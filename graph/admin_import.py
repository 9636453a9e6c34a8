"""First loads of very large graphs with `neo4j-admin database import full`, from the same graph tables.

`write_import_files` turns each Parquet table into headerless CSV parts plus one header file with the
importer's typed columns (`id:ID(Supplier)`, `:START_ID(Supplier)`, `value:double`, `since:date`,
`secondary_cnaes:string[]`, ...), one ID space per label, and `import_command` builds the command line.

The importer writes a new store, so the database must be offline. Neo4j Community has one user
database (`neo4j`): stop the server, import into `neo4j` with `--overwrite-destination`, start it, then
run `licitagraph graph init` (the importer creates no constraints or indexes) and `licitagraph load`,
which then only checks (MERGE finds everything) and reconciles. See docs/graph-model.md.
"""

from __future__ import annotations

import logging
import os
import shutil
import subprocess
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from core.tables import NODE_TABLES, REL_TABLES, Column, TableSpec
from graph.tables_io import read_columns, table_files

log = logging.getLogger(__name__)

ARRAY_DELIMITER = "|"
_TYPES = {"string": "string", "long": "long", "double": "double", "boolean": "boolean", "date": "date",
          "timestamp": "datetime", "array<string>": "string[]"}
_ENDS = ("src", "dst", "src_label", "dst_label")


@dataclass
class ImportFiles:
    root: Path
    nodes: dict[str, list[Path]] = field(default_factory=dict)  # label -> [header, parts...]
    rels: dict[str, list[list[Path]]] = field(default_factory=lambda: defaultdict(list))  # type -> groups
    rows: dict[str, int] = field(default_factory=dict)


def _header(spec: TableSpec, cols: list[Column], src: str | None = None, dst: str | None = None) -> str:
    out = []
    if spec.kind == "node":
        out.append(f"id:ID({spec.name})")
        out += [f"{c.name}:{_TYPES[c.type]}" for c in cols if c.name != "id"]
    else:
        out += [f":START_ID({src})", f":END_ID({dst})"]
        out += [f"{c.name}:{_TYPES[c.type]}" for c in cols if c.name not in _ENDS]
    return ",".join(out) + "\n"


def _csv_ready(t: pa.Table, cols: list[Column]) -> pa.Table:
    arrays = []
    for c in cols:
        a = t[c.name]
        if c.type == "array<string>":
            a = pc.binary_join(a, ARRAY_DELIMITER)
        elif c.type == "timestamp":
            a = pc.strftime(a, format="%Y-%m-%dT%H:%M:%SZ")
        arrays.append(a)
    return pa.table(arrays, names=[c.name for c in cols])


def write_import_files(tables: Path, out: Path) -> ImportFiles:
    """CSV parts and headers for `neo4j-admin database import full` under `out` (replaced)."""
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    res = ImportFiles(out)
    opts = pacsv.WriteOptions(include_header=False, quoting_style="needed")
    for spec in NODE_TABLES + REL_TABLES:
        files = table_files(tables, spec)
        if not files:
            continue
        cols = list(spec.columns)
        if spec.kind == "node":
            header = out / f"{spec.name}.header.csv"
            header.write_text(_header(spec, cols), encoding="utf-8")
            parts = [header]
            rows = 0
            for n, tf in enumerate(files):
                t = _csv_ready(read_columns(tf, spec.column_names), cols)
                part = out / f"{spec.name}.part{n:05d}.csv"
                pacsv.write_csv(t, part, opts)
                parts.append(part)
                rows += t.num_rows
            res.nodes[spec.name] = parts
            res.rows[spec.name] = rows
        else:
            groups: dict[tuple[str, str], list[Path]] = {}
            rows = 0
            prop_cols = [c for c in cols if c.name not in _ENDS]
            for n, tf in enumerate(files):
                t = read_columns(tf, spec.column_names)
                pairs = t.select(["src_label", "dst_label"]).group_by(["src_label", "dst_label"]).aggregate([])
                for pair in pairs.to_pylist():
                    s, d = pair["src_label"], pair["dst_label"]
                    if s not in spec.src_labels or d not in spec.dst_labels:
                        raise ValueError(f"{tf.path}: {spec.name} {s}->{d} is not allowed by core/tables.py")
                    mask = pc.and_(pc.equal(t["src_label"], s), pc.equal(t["dst_label"], d))
                    sub = t.filter(mask)
                    csv_cols = [Column("src", "string"), Column("dst", "string"), *prop_cols]
                    if (s, d) not in groups:
                        header = out / f"{spec.name}.{s}-{d}.header.csv"
                        header.write_text(_header(spec, cols, s, d), encoding="utf-8")
                        groups[(s, d)] = [header]
                    part = out / f"{spec.name}.{s}-{d}.part{n:05d}.csv"
                    pacsv.write_csv(_csv_ready(sub, csv_cols), part, opts)
                    groups[(s, d)].append(part)
                    rows += sub.num_rows
            res.rels[spec.name] = list(groups.values())
            res.rows[spec.name] = rows
    return res


def import_command(files: ImportFiles, database: str = "neo4j", *, lib: Path, threads: int | None = None) -> list[str]:
    argv = ["java", "-Xmx1g", "-cp", f"{lib}/*", "org.neo4j.cli.AdminTool", "database", "import", "full", database,
            "--overwrite-destination=true", "--id-type=string", f"--array-delimiter={ARRAY_DELIMITER}",
            "--multiline-fields=true", "--bad-tolerance=0", "--skip-bad-relationships=false"]
    if threads:
        argv.append(f"--threads={threads}")
    for label, parts in files.nodes.items():
        argv.append(f"--nodes={label}=" + ",".join(str(p) for p in parts))
    for rel, groups in files.rels.items():
        for parts in groups:
            argv.append(f"--relationships={rel}=" + ",".join(str(p) for p in parts))
    return argv


def run_import(files: ImportFiles, *, neo4j_home: Path, lib: Path, database: str = "neo4j",
               threads: int | None = None) -> str:
    """Run the importer (the server of `neo4j_home` must be stopped); returns its output."""
    env = {**os.environ, "NEO4J_HOME": str(neo4j_home), "NEO4J_CONF": str(neo4j_home / "conf")}
    proc = subprocess.run(import_command(files, database, lib=lib, threads=threads), env=env,
                          capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        raise RuntimeError(f"neo4j-admin import failed ({proc.returncode}):\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}")
    return proc.stdout
