"""Render docs/graph-tables.md from core/tables.py: `python -m etl.docs` (the column lists are never
hand-written, so the page cannot drift from the contract)."""

from __future__ import annotations

from pathlib import Path

from core.tables import NODE_TABLES, REJECTS, REL_TABLES, TableSpec

INTRO = """# Graph tables

The ETL (`licitagraph etl --sources DIR --out TABLES`) writes one table per node label and per relationship
type, each a Delta Lake table (Parquet files and a log of versions, see [Versions](#versions));
`core/tables.py` is the contract, this page is generated from it (`python -m etl.docs`).

    TABLES/nodes/<Label>/run-<id>/part-*.parquet, _delta_log/
    TABLES/rels/<TYPE>/run-<id>/part-*.parquet, _delta_log/
    TABLES/rejects/                    every input record not loaded, with its reason
    TABLES/lookups/<name>/             registry lookups kept for later batches (empresas, simples, municipios, ...)
    TABLES/manifest.json               per source file: sha256, batch, records read, accepted, rejected; rows per
                                       table; the run versions (each table's Delta version per ETL run)

How the ETL fills them:

- Ids are derived from natural keys, never from row order: `agency:<cnpj>`, `unit:<agency cnpj>:<code>`,
  `tender:<numeroControlePNCP>` (bid exports and PNCP items/results build the same control number from
  órgão CNPJ, year and sequence, so they join the PNCP tender), `tender:bids_tcerj:<unit code>:<edital>`,
  `tender:garcia:<dataset>:<Tender>`, `item:<tender key>:<numeroItem>` (TCE-RJ items have no number: their key
  is a hash of normalized description, unit and quantity, and `number` is their rank inside the notice),
  `supplier:<cnpj14>`, `supplier:pf:<masked cpf>:<name key>`, `supplier:garcia:<dataset>:<Competitors>`,
  `person:<cpf digits 4-9>:<name key>`, `address:<sha1 16 hex>`, `phone:<digits>`, `email:<address>`,
  `sanction:<CEIS|CNEP>:<sha1 16 hex>`.
- One Supplier per CNPJ: every establishment is a node; a filial has `BRANCH_OF` to its matriz
  (CNPJ básico + `0001` + check digits), company data (Empresas, Simples) is copied to each establishment.
- Address, Phone and Email are shared nodes (normalized: upper case, accent-free street, `SN` for no number,
  CEP digits; phone = DDD + number digits; e-mail lower case), so two suppliers with one contact meet there.
- `Item.item_class` = `<catalog>:<code>` when the item has a catalog code, else the class its description
  falls in among all items' descriptions (character n-gram TF-IDF, complete linkage) plus the price unit:
  `FARINHA MANDIOCA | KG`. `price_unit` and `unit_size` convert a package price to a price per KG or L when
  the description states the content ("PCT 1KG"). Recomputed over the whole Item table on every run
  (docs/item-matching.md).
- `Tender.year` of a TCE-RJ notice is the year its number states (`35/2018`, `jul/17`).
- `Tender.batch` = publication month `YYYY-MM` (null when the source has no publication date).
- `BID.rank` = dense rank of `value` among the item's valid bids (lowest = 1), recomputed after every merge;
  `BID.won` comes from the source (TCE-RJ code 1, generic `vencedor = S`, García `Winner = 1`).
- Several sources may describe one node: per column, the value of the latest source wins, where "latest" is
  source priority first (registry over sanctions over PNCP over bid exports), then batch (a later batch beats
  the tables already written), then file name, then position. So a bid export loaded after the registry
  never renames a company, while a newer registry file updates it. A source that lacks a property never
  erases it. A stored row remembers one source (its `source` column, the highest-priority one that
  described it), so a property that only a lower-priority source provides (a bid export's porte, say) is
  not updated by a later lower-priority batch on a node that a higher-priority source also described;
  a rebuild (`licitagraph etl --rebuild`) recomputes it from all files.
- Incremental by source file. Each run is a batch (1, 2, ...); the manifest keeps every loaded file's SHA-256
  and batch. A rerun skips unchanged files, so the same input gives identical tables; new files (a new
  month, say) merge into the tables by id without duplicating. A loaded file whose content changed (same
  path, new SHA-256) has its old rows replaced: its contributions cannot be picked out of merged rows, so
  the run rebuilds every table from all the source files, each with its batch (the changed file takes the
  new one), which equals loading them in that order: no stale rows, nothing counted twice. That needs every
  loaded file to be still in the sources folder (the run stops and names the missing ones). Removing a file
  does not remove its rows (sources are publications: an archived month stays loaded) until a run with
  `--rebuild`, which rebuilds every table from the files now in the folder and drops the others from the
  manifest.
- The tables are not partitioned: each version is a few files (Spark writes one per shuffle partition, sized
  to the data), read whole by the loader, the detectors and the GNN. `Tender.batch` carries the publication
  month for readers that want to filter by it.
- Full CPFs never reach a table: they are masked as `***` + digits 4-9 + `**` at parse time (bid exports,
  sanctions) and MEI company names lose the owner's CPF the same way.

"""


def _table(spec: TableSpec) -> str:
    lines = [f"### {spec.name}", "", spec.doc, ""]
    if spec.kind == "rel":
        lines += [f"`({', '.join(spec.src_labels)}) -[:{spec.name}]-> ({', '.join(spec.dst_labels)})`", ""]
    lines += ["| column | type | null | meaning |", "| --- | --- | --- | --- |"]
    for c in spec.columns:
        lines.append(
            f"| `{c.name}` | {c.type} | {'yes' if c.nullable else 'no'} | {c.doc.replace('|', '/')} |"
        )
    return "\n".join(lines) + "\n"


VERSIONS = """## Versions

Every table (graph tables, rejects, lookups) is a [Delta Lake](https://delta.io) table: its folder holds
Parquet files and a `_delta_log/` that lists, commit by commit, which files make up each version. A run
of the ETL writes each table it changes as a new Delta version (the older files stay), and then records a
**run version** in the manifest:

    "versions": [
      {"version": 3, "committed_at": "2026-03-02T03:14:07.512+00:00",
       "tables": {"nodes/Tender": {"version": 2, "committed_at": "2026-03-02T03:12:51.004+00:00"},
                  "rels/BID": {"version": 3, "committed_at": "..."}, "rejects": {...}, ...}},
      ...]

A table the run left unchanged keeps the Delta version of the run before. Readers (the Neo4j loader, the
detectors, the GNN, the evaluation and the benchmarks) read each table at the Delta version the latest run
version pins, through one reader (`core/delta.py`, with delta-rs: no Spark needed). Because the manifest is
written last, in one rename, a reader sees one whole run or the one before, never a run half written; a
run that fails leaves the previous run version current, and the next run starts from it.

How a version is written: Spark writes the table's plain Parquet files, as it would without versions, into
a new folder of the table's, `run-<id>/` (the run's start time and a random suffix: never a folder an
older version uses), and the driver then commits them with delta-rs as the table's next version, one
transaction per table that names the new files (path, size, row count from the Parquet footer) and
removes the previous version's from the current state (not from disk). Spark needs no Delta jar: code
that reads a version with Spark (the ETL merging into the stored tables, `bench/load.py`) asks delta-rs
for that version's files and reads them with `spark.read.parquet` (`etl.versions.read_spark`). (Delta
Lake's own Spark writer, `delta-spark`, spends Spark jobs per table on the snapshot, the log and the
statistics: it made the write stage of 28 tables 4 to 7 times as long as plain Parquet.) A plain read of
a table folder is wrong: pyarrow and pandas would read every kept version's files at once,
and Spark finds none (it does not look into folders that are not `column=value` partitions).

What it costs (`bench/etl_versions.py`, a synthetic world of 200 tenders, local[2] on a busy 2-core machine,
median of 2 runs): the 28 commits took 0.82 s in all (about 30 ms a table, beside the other tables' Spark
jobs); the write stage took 27.6 s with them and 28.1 s without (plain Parquet), the same within the
run-to-run noise; the vacuum after the run took 0.15 s.

The tables folder is a filesystem path: a local disk, or on a Spark cluster a volume mounted at the same
path on the driver and every worker (docs/spark-cluster.md). delta-rs would open object stores (`s3://`,
`abfss://`) too, but the ETL's manifest, run folders and vacuum work on paths, so object stores are not
supported as the tables folder.

Every finding records the run version it was computed from (`tables_version` in `<tables>/findings/`, on
the `Finding` node in Neo4j and in the API's findings), and so does the risk score (`risk_tables_version`
on the subject).

### Reproducing a finding's data

An auditor who holds a finding with `tables_version` 12 (or a date):

    licitagraph tables versions --tables var/data/tables          # run versions still readable, with dates
    licitagraph detect --tables var/data/tables --as-of 12        # the detectors on version 12's data
    licitagraph detect --tables var/data/tables --as-of 2026-03-31   # the data as at the end of that day (UTC)
    licitagraph etl --tables var/data/tables --as-of 12 --out var/audit/v12   # version 12 as a folder of its own

`--as-of` takes a run version number, a date `YYYY-MM-DD` (the last run committed by the end of that day,
UTC) or a date-time (`2026-03-31T12:00`, UTC unless it names a zone). `detect --as-of` writes its findings
and risk to `<tables>/as-of/v<N>/`, beside the current ones and never over them, and does not write to
Neo4j: the recomputed findings carry `tables_version` N, the same ids as the originals when the data and
the detector's version are the same. `etl --as-of` writes the old version's tables into a new folder (each
a Delta table of one version, the manifest naming the run version it came from), which `licitagraph load`,
`detect` or any reader can open as a tables folder; it holds no source-file entries, so it is for reading,
not for loading more sources into.

### Retention

Old versions take disk: a run that rewrites a table keeps the previous files. `LICITAGRAPH_TABLES_RETENTION_DAYS`
(default 365) says how far back `--as-of` must work: every run version that was the current one at some
moment of that many days stays readable, and the latest always does. After each ETL run, and by
`licitagraph tables vacuum [--retention-days N]`, the files only older run versions use are deleted
(delta-rs vacuum, keeping the Delta versions the kept runs pin), with the run folders they emptied, and
those run versions leave the manifest; `--as-of` one of them then says it was vacuumed. Files that no
commit names (a run that failed between Spark's write and its commit) are removed by the same vacuum once
they are a day old (a younger one may be a run still writing). Keep the retention at least as long as
findings are audited. The Delta logs themselves are small and are kept.

A tables folder written before versions (plain Parquet) is read as it is and becomes versioned table by
table as runs rewrite it; `licitagraph etl --rebuild` converts it all at once.
"""


def render() -> str:
    parts = [INTRO, "## Nodes\n"]
    parts += [_table(t) for t in NODE_TABLES]
    parts.append("## Relationships\n")
    parts += [_table(t) for t in REL_TABLES]
    parts.append("## Rejects\n")
    parts.append(_table(REJECTS))
    parts.append(VERSIONS)
    return "\n".join(parts)


def main() -> None:
    path = Path(__file__).resolve().parent.parent / "docs" / "graph-tables.md"
    path.write_text(render(), encoding="utf-8")


if __name__ == "__main__":
    main()
