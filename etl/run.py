"""The ETL run: discover source files, read and validate them, build and merge the graph tables, write the
tables and the rejects (Delta Lake tables) and the manifest (`<out>/manifest.json`).

Versioned: Spark writes each table the run changes as plain Parquet into a new folder of the table's
(`run-<id>/`), committed on the driver as the table's next Delta version by delta-rs (etl/versions.py); the
manifest, written last in one rename, records the run version (each table's Delta version, core/delta.py). Readers
read the versions the manifest pins, so they never see half a run; a failed run leaves the previous run
version current, and the next run merges into the versions it pins. Old versions are vacuumed by the
retention setting after the run (etl/versions.py).

Incremental by source file: the manifest records each loaded file with its SHA-256 and its batch (the run
that loaded it). A rerun skips the files it already holds unchanged, so re-running on the same input
writes nothing new; new files merge into the existing tables by id (per property the higher source
priority wins, then the later batch: `etl.merge`). When a loaded file has changed (same path, new
content), its old rows cannot be told apart from the others in the merged tables, so the run rebuilds
every table from all the source files (the unchanged ones keep their batch, the changed one takes the new
batch): the changed file's old rows are gone and nothing is counted twice. That needs every loaded file still in the sources folder; if one is
missing the run stops and names it.

One run is a handful of Spark jobs: every group of files is parsed once and cached, one job counts all
of them, then each table is merged and written once.
"""

from __future__ import annotations

import json
import logging
import shutil
import threading
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from core.delta import (
    LOG_DIR,
    RunVersion,
    TableVersion,
    data_files,
    exists,
    is_delta,
    latest_version,
    pinned,
    resolve,
)
from core.tables import ALL_TABLES, REJECTS, TABLES_BY_NAME, TableSpec
from etl.versions import RUN_DIR_PREFIX

log = logging.getLogger(__name__)

MANIFEST = "manifest.json"
MANIFEST_VERSION = 2

# order of processing; cnpj code tables first so the registry joins see them
KINDS: tuple[str, ...] = (
    "cnpj_cnaes",
    "cnpj_municipios",
    "cnpj_naturezas",
    "cnpj_qualificacoes",
    "cnpj_motivos",
    "cnpj_paises",
    "cnpj_tabmun",
    "cnpj_empresas",
    "cnpj_simples",
    "cnpj_estabelecimentos",
    "cnpj_socios",
    "pncp_contratacoes",
    "pncp_itens",
    "pncp_resultados",
    "bids_tcerj",
    "bids_generic",
    "bids_rj_state",
    "ceis",
    "cnep",
    "garcia",
)

# lookups kept between runs (<out>/lookups/<name>) so a later batch can join what an earlier one loaded
LOOKUPS: dict[str, tuple[str, tuple[str, ...]]] = {
    "empresas": ("basico", ("basico", "name", "legal_nature", "capital", "size", "_source", "_file", "_ord")),
    "simples": ("basico", ("basico", "simples", "mei", "_ord")),
    "municipios": ("code", ("code", "description", "_ord")),
    "qualificacoes": ("code", ("code", "description", "_ord")),
    "tabmun": ("tom", ("tom", "ibge", "_ord")),
}

IGNORED = {"ground_truth.json"}


@dataclass
class FileStat:
    rel: str
    kind: str
    sha256: str
    source: str = ""
    read: int = 0
    accepted: int = 0
    rejected: int = 0
    status: str = "processed"
    batch: int = 0  # the run that loaded this version of the file (1, 2, ...); later batches win merges


@dataclass
class RunResult:
    out: Path
    files: list[FileStat] = field(default_factory=list)
    tables: dict[str, int] = field(default_factory=dict)
    rejects: int = 0
    unplaced: list[str] = field(default_factory=list)
    stage_seconds: dict[str, float] = field(default_factory=dict)
    # a loaded file had changed (or --rebuild): every table was rebuilt from all source files
    rebuilt: bool = False
    dropped: list[str] = field(default_factory=list)  # loaded before, gone from the sources: rows removed
    version: int = 0  # the run version this run committed (core/delta.py)
    vacuumed: int = 0  # data files of old versions removed after the run (etl/versions.py)


Progress = Callable[[str, int, int], None]


def classify(rel: str) -> str | None:
    """The kind of source a file is, from its place in the sources folder (docs/sources-layout.md)."""
    from etl.sources.cnpj import table_of

    low = rel.lower()
    name = low.rsplit("/", 1)[-1]
    if low.startswith("pncp/contratacoes/") and name.endswith(".json"):
        return "pncp_contratacoes"
    if low.startswith("pncp/itens/") and name.endswith(".jsonl"):
        return "pncp_itens"
    if low.startswith("pncp/resultados/") and name.endswith(".jsonl"):
        return "pncp_resultados"
    if low.startswith("bids/tcerj/") and name.endswith(".csv"):
        return "bids_tcerj"
    if low.startswith("bids/generic/") and name.endswith(".csv"):
        return "bids_generic"
    if low.startswith("bids/rj_state/") and name.endswith(".csv"):
        return "bids_rj_state"
    if low.startswith("cnpj/"):
        table = table_of(name)
        return f"cnpj_{table}" if table else None
    if low.startswith("sancoes/ceis/") and name.endswith(".csv"):
        return "ceis"
    if low.startswith("sancoes/cnep/") and name.endswith(".csv"):
        return "cnep"
    if low.startswith("garcia/") and name.endswith(".csv"):
        return "garcia"
    return None


def discover(sources: Path) -> tuple[dict[str, list[tuple[str, Path]]], list[str]]:
    found: dict[str, list[tuple[str, Path]]] = {}
    unplaced: list[str] = []
    for path in sorted(p for p in sources.rglob("*") if p.is_file()):
        rel = path.relative_to(sources).as_posix()
        if rel in IGNORED or any(part.startswith(".") for part in rel.split("/")):
            continue  # hidden: a harvester's state (.harvest/) and its temporary files
        kind = classify(rel)
        if kind is None:
            unplaced.append(rel)
        else:
            found.setdefault(kind, []).append((rel, path))
    return found, unplaced


def load_manifest(out: Path) -> dict[str, Any]:
    p = out / MANIFEST
    if not p.exists():
        return {"version": MANIFEST_VERSION, "files": {}, "tables": {}}
    data: dict[str, Any] = json.loads(p.read_text(encoding="utf-8"))
    return data


_TIMING_LOCK = threading.Lock()


@contextmanager
def _timed(result: RunResult, stage: str) -> Iterator[None]:
    import time

    t0 = time.perf_counter()
    try:
        yield
    finally:
        with _TIMING_LOCK:
            result.stage_seconds[stage] = result.stage_seconds.get(stage, 0.0) + time.perf_counter() - t0


def run(
    sources: Path,
    out: Path,
    *,
    progress: Progress | None = None,
    spark: Any = None,
    rebuild: bool = False,
) -> RunResult:
    """Run the ETL from `sources` into `out`; returns what was read, accepted, rejected and written.

    `rebuild` rebuilds every table from the files now in `sources`, as if loaded afresh in their batch
    order: the way to drop a source file's rows after removing the file (its manifest entry goes too)."""
    from etl.sources.base import EtlInputError

    if not sources.is_dir():
        raise EtlInputError(str(sources), "sources folder does not exist")
    out.mkdir(parents=True, exist_ok=True)
    # the run's work folder (a zip's JSON, repaired JSON pages) lives beside the tables, not in the driver's
    # /tmp: on a cluster the executors read what is in it
    tmp = out / f".work-{uuid.uuid4().hex[:12]}"
    try:
        return _run(sources, out, tmp, progress or (lambda stage, done, total: None), spark, rebuild)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
        shutil.rmtree(out / ".staging", ignore_errors=True)


@dataclass(frozen=True)
class _Found:
    kind: str
    rel: str
    path: Path
    sha256: str
    prev: dict[str, Any] | None

    @property
    def unchanged(self) -> bool:
        return self.prev is not None and self.prev.get("sha256") == self.sha256

    @property
    def changed(self) -> bool:
        return self.prev is not None and self.prev.get("sha256") != self.sha256


def _plan(sources: Path, known: dict[str, Any], result: RunResult, progress: Progress) -> list[_Found]:
    """Every placed source file with its digest and its manifest entry (if it was loaded before)."""
    from etl.sources.base import sha256_of

    found, unplaced = discover(sources)
    result.unplaced = unplaced
    for rel in unplaced:
        log.warning("%s: not a known source file (see docs/sources-layout.md); not loaded", rel)
    total = sum(len(v) for v in found.values())
    plan: list[_Found] = []
    for kind in KINDS:
        for rel, path in found.get(kind, []):
            plan.append(_Found(kind, rel, path, sha256_of(path), known.get(rel)))
            progress("discover", len(plan), total)
    progress("discover", total, total)
    return plan


def _shuffle_partitions(read_bytes: int, out: Path, rebuild: bool) -> int:
    """Shuffle partitions for this run: about one per 64 MiB of data to shuffle (sources read plus the
    tables merged with them, Parquet counted 4x for its compression), at least 2 (local[2]), at most 64."""
    table_bytes = 0
    if not rebuild:
        at = resolve(out)  # the files of the version this run merges with, not every kept version's
        for spec in ALL_TABLES:
            if exists(out, spec.path, at):
                d = out / spec.path
                table_bytes += sum(f.size for f in data_files(d, pinned(out, spec.path, at) if is_delta(d) else None))
    total = read_bytes + 4 * table_bytes
    return max(2, min(64, -(-total // (64 << 20))))


def _run(
    sources: Path, out: Path, tmp: Path, progress: Progress, spark: Any, force: bool = False
) -> RunResult:
    from etl.spark import get_spark

    spark = spark or get_spark("licitagraph-etl")
    saved = {k: spark.conf.get(k, None) for k in RUN_CONF}
    cached: list[Any] = []  # what the run persisted: released also when it fails (the session may live on)
    try:
        for k, v in RUN_CONF.items():
            spark.conf.set(k, v)
        return _run_in(sources, out, tmp, progress, spark, cached, force)
    finally:
        # Groups are materialised by several threads at once, so one RDD may be in the list twice; two
        # removals of one RDD racing in the block manager log an ERROR ("Block rdd_N_0 does not exist")
        released: set[int] = set()
        for rdd in cached:
            with suppress(
                Exception
            ):  # a dead JVM must not hide the run's error; nor fail a run that succeeded
                if rdd.id() not in released:
                    released.add(rdd.id())
                    rdd.unpersist(False)
        for k, v in saved.items():
            if v is None:
                spark.conf.unset(k)
            else:
                spark.conf.set(k, v)


# kinds whose zips are extracted before reading (read by Spark's text/JSON readers, not by read_delimited)
UNZIP_KINDS = frozenset({"pncp_contratacoes", "pncp_itens", "pncp_resultados"})

# the Receita code tables: one layout (code; description), read as one group
CODE_KINDS = frozenset(
    {"cnpj_cnaes", "cnpj_municipios", "cnpj_naturezas", "cnpj_qualificacoes", "cnpj_motivos", "cnpj_paises"}
)

# tables written (and source groups parsed) at the same time, by several driver threads; 1 = one by one
WRITE_THREADS = 3

# SQL settings for the run (restored afterwards: the session may be shared)
RUN_CONF: dict[str, str] = {
    "spark.sql.legacy.timeParserPolicy": "CORRECTED",
    "spark.sql.shuffle.partitions": "2",  # sized to the data in _run_in
}


def _run_in(
    sources: Path,
    out: Path,
    tmp: Path,
    progress: Progress,
    spark: Any,
    cached: list[Any],
    force: bool = False,
) -> RunResult:

    from etl import build
    from etl.sources.base import EtlInputError, SourceFile, extract_zip, source_size
    from etl.sources.prechecks import FileReject, precheck
    from etl.transforms.checks import accepted, rejects

    result = RunResult(out=out)
    manifest = load_manifest(out)
    known: dict[str, Any] = manifest.get("files", {})
    batch_now = max((int(e.get("batch", 0)) for e in known.values()), default=0) + 1

    with _timed(result, "discover"):
        plan = _plan(sources, known, result, progress)
        changed = [f.rel for f in plan if f.changed]
        rebuild = bool(changed) or (force and bool(known))
        if rebuild:
            missing = sorted(set(known) - {f.rel for f in plan})
            if force:
                result.dropped = missing
                if missing:
                    log.warning(
                        "rebuild: %d loaded file(s) no longer in %s, their rows are removed: %s",
                        len(missing),
                        sources,
                        ", ".join(missing[:10]),
                    )
            elif missing:
                raise EtlInputError(
                    changed[0],
                    "changed since it was loaded; replacing its rows rebuilds the tables from every loaded "
                    f"source file, and {len(missing)} of them are no longer in {sources}: "
                    + ", ".join(missing[:10]),
                )
            log.info("changed since loaded: %s; rebuilding every table from all source files", changed)
        result.rebuilt = rebuild
        todo: dict[tuple[str, int], list[SourceFile]] = {}
        file_rejects: list[FileReject] = []
        not_read: list[tuple[SourceFile, int]] = []
        kind_of: dict[str, str] = {}
        batch_of: dict[str, int] = {}
        read_bytes = 0
        for f in plan:
            prev_batch = int((f.prev or {}).get("batch", 0))
            if f.unchanged and not rebuild:
                p = f.prev or {}
                result.files.append(
                    FileStat(
                        f.rel,
                        f.kind,
                        f.sha256,
                        p.get("source", ""),
                        p["read"],
                        p["accepted"],
                        p["rejected"],
                        "skipped",
                        prev_batch,
                    )
                )
                continue
            batch = prev_batch if f.unchanged else batch_now
            # delimited sources are read by Spark's tasks straight from the zip (etl/sources/base.py);
            # the PNCP readers use Spark's own text reader, which cannot: theirs are extracted into the
            # run's work folder beside the tables (storage every executor reaches), not the driver's /tmp
            zipped = f.path.suffix.lower() == ".zip"
            read_path = (
                extract_zip(f.path, tmp / "unzipped", f.rel) if zipped and f.kind in UNZIP_KINDS else f.path
            )
            read_bytes += source_size(read_path, f.rel)
            batch_of[f.rel] = batch
            found = SourceFile(f.kind, f.rel, read_path, f.sha256)
            kind_of[f.rel] = f.kind
            # empty files and truncated JSON pages: rejected here, in part or whole (etl/sources/prechecks.py)
            to_read, rejected_here = precheck(found, tmp / "repaired")
            file_rejects.extend(rejected_here)
            if to_read is None:
                not_read.append((found, batch))
                continue
            todo.setdefault((f.kind, batch), []).append(to_read)
    spark.conf.set("spark.sql.shuffle.partitions", str(_shuffle_partitions(read_bytes, out, rebuild)))
    # one batch among the files read: the stored rows (_ord "PP|") lose to every new row of their source
    # priority; several (a rebuild): the batch number follows the priority in `_ord` (etl/merge.py)
    multi = batch_of if len(set(batch_of.values())) > 1 else None

    rows = build.empty_rows()
    reject_frames = []
    cnpj_new: dict[str, Any] = {}
    groups = sorted(todo, key=lambda kb: (KINDS.index(kb[0]), kb[1]))
    with _timed(result, "read"):
        parsed_groups = _read_groups(spark, groups, todo, cached, progress)
        counts = _file_counts(parsed_groups)
    rejected_here_by_file = Counter(r.source_file for r in file_rejects)
    for sf, batch in not_read:
        n = rejected_here_by_file[sf.rel]
        result.files.append(
            FileStat(sf.rel, sf.kind, sf.sha256, _source_of(sf.kind), n, 0, n, "processed", batch)
        )
        log.warning("%s: %s", sf.rel, next(r.reason for r in file_rejects if r.source_file == sf.rel))
    if file_rejects:
        reject_frames.append(_file_rejects_frame(spark, file_rejects, kind_of))
    for (kind, batch), parsed in zip(groups, parsed_groups, strict=True):
        for sf in todo[(kind, batch)]:
            c = counts.get(sf.rel)
            here = rejected_here_by_file.get(sf.rel, 0)
            read, ok, rejected = c[1:] if c else (0, 0, 0)
            stat = FileStat(
                sf.rel,
                kind,
                sf.sha256,
                c[0] if c else _source_of(kind),
                read + here,
                ok,
                rejected + here,
                "processed",
                batch,
            )
            if stat.read != stat.accepted + stat.rejected:  # pragma: no cover - an invariant of file_counts
                raise AssertionError(
                    f"{sf.rel}: read {stat.read} != accepted {stat.accepted} + rejected {stat.rejected}"
                )
            result.files.append(stat)
        reject_frames.append(rejects(parsed))
        with _timed(result, "build"):
            _build_one(kind, accepted(parsed), rows, cnpj_new)

    with _timed(result, "build"):
        staged_lookups = _merge_lookups(spark, out, cnpj_new, batch_of=multi, stored=not rebuild)
        for name, df in list(staged_lookups.items()):  # joined by several tables and written: compute once
            staged_lookups[name] = _materialize(spark, df, cached)
        if any(k in cnpj_new for k in ("empresas", "estabelecimentos", "socios", "simples")):
            tables = dict(staged_lookups)
            for k in ("estabelecimentos", "socios"):
                if k in cnpj_new:
                    tables[k] = cnpj_new[k]
            build.from_cnpj(tables, rows)

    specs: list[TableSpec] = list(ALL_TABLES)
    reprocessed = sorted({s.rel for s in result.files if s.status == "processed"})
    prev_run = resolve(out)  # what readers see until this run's manifest is written
    # every table this run writes gets its files in this new subfolder of the table's folder, then one
    # Delta commit (etl/versions.py): no folder a kept version uses is ever written into
    run_dir = f"{RUN_DIR_PREFIX}{datetime.now(UTC):%Y%m%dT%H%M%S}-{uuid.uuid4().hex[:8]}"

    group = f"licitagraph-etl-write-{uuid.uuid4().hex}"  # this run's write jobs, to cancel them together
    stop = threading.Event()

    def write_one(name: str) -> tuple[str, TableVersion | None]:
        """Write one table and commit it as a new Delta version: its path and the version committed
        (None when the table is left as it is)."""
        rel = name if name.startswith("lookups/") or name == "rejects" else TABLES_BY_NAME[name].path
        if stop.is_set():  # taken by a freed thread after another write failed
            return rel, None
        spark.sparkContext.setJobGroup(group, f"etl: write {name}", interruptOnCancel=True)
        with _timed(result, f"write:{name}"):
            if name == "rejects":
                tv = _write_rejects(spark, out, run_dir, reject_frames, reprocessed, result, rebuild=rebuild)
            elif name.startswith("lookups/"):
                tv = _write_df(staged_lookups[name.removeprefix("lookups/")], out / name, run_dir, result)
            else:
                spec = TABLES_BY_NAME[name]
                tv = _write_table(spark, out, spec, rows.get(name, []), result, run_dir=run_dir,
                                  rebuild=rebuild, batch_of=multi)
        return rel, tv

    # a lookup this run did not touch stays as it is
    jobs = [s.name for s in specs] + ["rejects"] + [f"lookups/{n}" for n in staged_lookups if n in cnpj_new]
    written: dict[str, TableVersion] = {}
    with _timed(result, "write"):
        # Spark runs jobs from several threads side by side: one plans and compiles while another computes.
        # Each table is committed as a new Delta version in place; readers keep reading the versions the
        # manifest pins until the manifest names this run's (written last, in one rename).
        from concurrent.futures import ThreadPoolExecutor, as_completed

        pool = ThreadPoolExecutor(max_workers=max(1, WRITE_THREADS))
        try:
            futures = [pool.submit(write_one, name) for name in jobs]
            for i, fut in enumerate(as_completed(futures)):
                rel, tv = fut.result()
                if tv:
                    written[rel] = tv
                progress("write tables", i + 1, len(jobs))
        except BaseException:
            # A failed write, Ctrl-C or a timeout: start no other table and cancel the Spark jobs still
            # running, instead of waiting for every queued write as leaving a `with` block would.
            stop.set()
            pool.shutdown(wait=False, cancel_futures=True)
            with suppress(Exception):  # a dead JVM must not hide the error that brought us here
                spark.sparkContext.cancelJobGroup(group)
            raise
        pool.shutdown()

    with _timed(result, "manifest"):
        rels = [s.path for s in specs] + ["rejects"] + [f"lookups/{n}" for n in LOOKUPS]
        # on a rebuild a lookup this run did not make is gone from the new version
        dropped = {f"lookups/{n}" for n in LOOKUPS if n not in staged_lookups} if rebuild else set()
        run_version = _commit_versions(out, rels, written, prev_run, dropped)
        for spec in specs:
            result.tables[spec.name] = _rows_at(out, spec.path, run_version)
        result.rejects = _rows_at(out, "rejects", run_version)
        result.version = run_version.version
        _write_manifest(out, manifest, result, keep_old=not rebuild, run_version=run_version)
    progress("manifest", 1, 1)
    with _timed(result, "vacuum"):
        from etl.versions import vacuum

        result.vacuumed = vacuum(out).removed_files
    return result


def _read_groups(
    spark: Any,
    groups: list[tuple[str, int]],
    todo: dict[tuple[str, int], list[Any]],
    cached: list[Any],
    progress: Progress,
) -> list[Any]:
    """Each group of files parsed and kept (`_materialize`), in the order of `groups`.

    The Receita code tables of one batch share one layout and one parser: they are read as one group and
    split by file afterwards (one Spark job instead of six). The groups are parsed by `WRITE_THREADS`
    driver threads at once: at these sizes a group's cost is mostly the driver's planning and code
    generation, which one thread does while another group's tasks run."""
    from concurrent.futures import ThreadPoolExecutor

    from pyspark.sql import functions as F

    units: dict[tuple[str, int], list[tuple[str, int]]] = {}
    for kind, batch in groups:
        key = ("cnpj_codes", batch) if kind in CODE_KINDS else (kind, batch)
        units.setdefault(key, []).append((kind, batch))

    def read_unit(key: tuple[str, int]) -> Any:
        members = units[key]
        files = [f for g in members for f in todo[g]]
        kind = members[0][0]
        return _materialize(spark, _read_parse(spark, kind, files), cached)

    done: dict[tuple[str, int], Any] = {}
    pool = ThreadPoolExecutor(max_workers=max(1, WRITE_THREADS), thread_name_prefix="etl-read")
    try:
        futures = {key: pool.submit(read_unit, key) for key in units}
        for i, (key, fut) in enumerate(futures.items()):
            parsed = fut.result()
            progress("read & validate", i + 1, len(units))
            members = units[key]
            if len(members) == 1:
                done[members[0]] = parsed
                continue
            for g in members:
                done[g] = parsed.where(F.col("_file").isin([f.rel for f in todo[g]]))
    except BaseException:
        pool.shutdown(wait=False, cancel_futures=True)
        raise
    pool.shutdown()
    return [done[g] for g in groups]


def _materialize(spark: Any, df: Any, cached: list[Any]) -> Any:
    """`df` computed once and kept (memory, spilling to disk) as a plain leaf: later plans that use it stay
    small. A persisted frame keeps its whole parse plan, which every later query re-analyses, matches
    against the cache and compiles again; with ~20 groups that driver work cost more than the data.
    The kept blocks (a local checkpoint) are released at the end of the run (`cached`)."""
    jsc = spark.sparkContext._jsc
    before = set(jsc.getPersistentRDDs().keys())
    out = df.localCheckpoint(eager=True)
    persistent = jsc.getPersistentRDDs()
    cached.extend(persistent[k] for k in persistent if k not in before)
    return out


def _rows_at(out: Path, rel: str, at: RunVersion) -> int:
    tv = at.table(rel)
    from core.delta import num_rows

    return num_rows(out / rel, tv.version) if tv is not None else 0


def _file_counts(parsed: list[Any]) -> dict[str, tuple[str, int, int, int]]:
    """Per file: source, read, accepted, rejected, for every parsed frame at once (one Spark job, which
    also fills their caches)."""
    from functools import reduce

    from etl.transforms.checks import settle

    if not parsed:
        return {}
    slim = [settle(p).select("_source", "_file", "_rej_reason") for p in parsed]
    from etl.transforms.checks import file_counts

    rows = file_counts(reduce(lambda a, b: a.unionByName(b), slim)).collect()
    return {r["_file"]: (r["_source"], int(r["read"]), int(r["accepted"]), int(r["rejected"])) for r in rows}


def _source_of(kind: str) -> str:
    if kind.startswith("cnpj_"):
        return "cnpj"
    if kind.startswith("pncp_"):
        return "pncp"
    return kind


def _read_parse(spark: Any, kind: str, files: list[Any]) -> Any:
    from etl.sources import bids, cnpj, garcia, pncp, rj_state, sancoes

    if kind == "pncp_contratacoes":
        return pncp.parse_contratacoes(pncp.read_contratacoes(spark, files))
    if kind == "pncp_itens":
        return pncp.parse_itens(pncp.read_itens(spark, files))
    if kind == "pncp_resultados":
        return pncp.parse_resultados(pncp.read_resultados(spark, files))
    if kind == "bids_tcerj":
        return bids.parse_tcerj(bids.read_tcerj(spark, files))
    if kind == "bids_generic":
        return bids.parse_generic(bids.read_generic(spark, files))
    if kind == "bids_rj_state":
        return rj_state.parse_rj_state(rj_state.read_rj_state(spark, files))
    if kind in ("ceis", "cnep"):
        return sancoes.parse_sancoes(sancoes.read_sancoes(spark, kind.upper(), files))
    if kind == "garcia":
        return garcia.parse_garcia(garcia.read_garcia(spark, files))
    if kind.startswith("cnpj_"):
        table = kind.removeprefix("cnpj_")
        return cnpj.PARSERS[table](cnpj.read_table(spark, table, files))
    raise ValueError(kind)


def _build_one(kind: str, ok: Any, rows: Any, cnpj_new: dict[str, Any]) -> None:
    from etl import build

    if kind == "pncp_contratacoes":
        build.from_contratacoes(ok, rows)
    elif kind == "pncp_itens":
        build.from_itens(ok, rows)
    elif kind == "pncp_resultados":
        build.from_resultados(ok, rows)
    elif kind == "bids_tcerj":
        build.from_tcerj_bids(ok, rows)
    elif kind == "bids_generic":
        build.from_generic_bids(ok, rows)
    elif kind == "bids_rj_state":
        build.from_rj_state_bids(ok, rows)
    elif kind in ("ceis", "cnep"):
        build.from_sancoes(ok, rows)
    elif kind == "garcia":
        build.from_garcia(ok, rows)
    elif kind.startswith("cnpj_"):
        name = kind.removeprefix("cnpj_")
        cnpj_new[name] = cnpj_new[name].unionByName(ok) if name in cnpj_new else ok


def _merge_lookups(
    spark: Any, out: Path, new: dict[str, Any], *, batch_of: dict[str, int] | None = None, stored: bool = True
) -> dict[str, Any]:
    """The lookups after this run: stored ones (unless `stored` is false) overridden by this run's rows
    (by key); among this run's rows a later batch (`batch_of`, by file) wins, then the later position."""
    from pyspark.sql import Window
    from pyspark.sql import functions as F

    from etl.merge import batch_number

    merged: dict[str, Any] = {}
    for name, (key, cols) in LOOKUPS.items():
        parts = []
        if name in new:
            run_no = F.lit(1) if batch_of is None else batch_number(F.col("_file"), batch_of) + 1
            parts.append(new[name].select(*cols, run_no.alias("_run")))
        stored_df = _read_stored(spark, out, f"lookups/{name}") if stored else None  # the pinned version
        if stored_df is not None:
            parts.append(stored_df.select(*cols).withColumn("_run", F.lit(0)))
        if not parts:
            continue
        u = parts[0] if len(parts) == 1 else parts[0].unionByName(parts[1])
        w = Window.partitionBy(key).orderBy(F.col("_run").desc(), F.col("_ord").desc())
        merged[name] = u.withColumn("_rn", F.row_number().over(w)).where("_rn = 1").drop("_rn", "_run")
    return merged


def _write_df(df: Any, path: Path, run_dir: str, result: RunResult) -> TableVersion:
    """Write `df` as plain Parquet into the new folder `path/run_dir` and commit it as the next version of
    the Delta table at `path` (created when absent). The previous versions stay readable until vacuumed
    (etl/versions.py)."""
    df.write.mode("errorifexists").parquet(str(path / run_dir))
    return _commit(path, run_dir, result)


def _commit(path: Path, run_dir: str, result: RunResult) -> TableVersion:
    from etl.versions import commit

    # a Parquet folder written before versions: its files (read, lazily, for this very write) belong to no
    # version; they go once the first version is committed
    legacy = [p for p in path.iterdir() if p.name not in (LOG_DIR, run_dir)] if not is_delta(path) else []
    with _timed(result, "commit"):
        tv = commit(path, run_dir)
    for p in legacy:
        if p.is_dir():
            shutil.rmtree(p)
        else:
            p.unlink(missing_ok=True)
    return tv


def _read_stored(spark: Any, out: Path, rel: str) -> Any:
    """The stored table `rel` as the last run left it (the version the manifest pins, not a later one a
    failed run may have committed), or None when there is none."""
    from etl.versions import read_spark

    if not exists(out, rel):
        return None
    return read_spark(spark, out, rel)


def _write_empty(spec: TableSpec, path: Path, run_dir: str, result: RunResult) -> TableVersion:
    """An empty version of the table (written with pyarrow: Spark would spend a job on it)."""
    from etl.schema import write_empty

    write_empty(spec, path / run_dir)
    return _commit(path, run_dir, result)


def _write_table(
    spark: Any,
    out: Path,
    spec: TableSpec,
    frames: list[Any],
    result: RunResult,
    *,
    run_dir: str,
    rebuild: bool = False,
    batch_of: dict[str, int] | None = None,
) -> TableVersion | None:
    """Merge this run's candidate rows (and, unless rebuilding, the stored table) and commit the result as
    the table's next version; None when the table is left as it is."""
    from etl.merge import combine, finalize, stored_ord

    target = out / spec.path
    old = None if rebuild else _read_stored(spark, out, spec.path)
    if not frames:
        if rebuild or old is None:
            return _write_empty(spec, target, run_dir, result)
        return None
    new = combine(frames, spec, batch_of=batch_of)
    if old is not None:
        new = combine([stored_ord(old), new], spec)
    return _write_df(finalize(new, spec), target, run_dir, result)


def _file_rejects_frame(spark: Any, rejected: list[Any], kind_of: dict[str, str]) -> Any:
    """The rejects table rows of the records rejected by the file-level checks."""
    from etl.schema import spark_schema
    from etl.transforms.checks import safe_text

    rows = [
        (_source_of(kind_of[r.source_file]), r.source_file, r.location, r.field, r.reason, r.raw)
        for r in rejected
    ]
    df = spark.createDataFrame(rows, schema=spark_schema(REJECTS))
    return df.withColumn("raw", safe_text(df["raw"])).withColumn("reason", safe_text(df["reason"]))


def _write_rejects(
    spark: Any,
    out: Path,
    run_dir: str,
    frames: list[Any],
    reprocessed: list[str],
    result: RunResult,
    *,
    rebuild: bool = False,
) -> TableVersion | None:
    """The rejects after this run: the stored ones less those of the files read again, plus this run's.
    None when the table is left as it is."""
    from functools import reduce

    from pyspark.sql import functions as F

    from etl.schema import conform

    target = out / "rejects"
    parts = list(frames)
    old = None if rebuild else _read_stored(spark, out, "rejects")
    if old is not None:
        if reprocessed:
            old = old.where(~F.col("source_file").isin(*reprocessed))
        parts.append(conform(old, REJECTS))
    if not frames:
        if rebuild or old is None:
            return _write_empty(REJECTS, target, run_dir, result)
        return None
    return _write_df(reduce(lambda a, b: a.unionByName(b), parts), target, run_dir, result)


def _commit_versions(
    out: Path, rels: list[str], written: dict[str, TableVersion], prev: RunVersion | None, dropped: set[str]
) -> RunVersion:
    """This run's version: the Delta version of every table it wrote, the previous run's for the others."""
    tables: dict[str, TableVersion] = {}
    for rel in rels:
        if rel in dropped:
            continue
        if rel in written:
            tables[rel] = written[rel]
        elif prev is not None and prev.table(rel) is not None:
            tables[rel] = prev.tables[rel]
        elif prev is None and is_delta(out / rel):  # versioned tables from before run versions were kept
            tables[rel] = latest_version(out / rel)
    # the manifest's run versions may have been vacuumed down to the last: count on from the last number
    number = max(prev.version if prev is not None else 0, int(load_manifest(out).get("last_version", 0))) + 1
    committed = datetime.now(UTC).isoformat(timespec="milliseconds")
    return RunVersion(number, committed, dict(sorted(tables.items())))


def _write_manifest(
    out: Path,
    manifest: dict[str, Any],
    result: RunResult,
    *,
    keep_old: bool = True,
    run_version: RunVersion | None = None,
) -> None:
    """The manifest, replaced in one rename: the loaded files, the row counts and, with `run_version`, the
    run versions (`versions`, oldest first). Writing it publishes the run to readers (core/delta.py)."""
    files = dict(manifest.get("files", {})) if keep_old else {}
    for s in result.files:
        entry = asdict(s)
        entry.pop("rel")
        entry.pop("status")
        files[s.rel] = entry
    for rel, e in files.items():
        assert e["read"] == e["accepted"] + e["rejected"], f"manifest invariant broken for {rel}"
    versions = list(load_manifest(out).get("versions", []))  # as vacuumed since `manifest` was read
    last_version = int(manifest.get("last_version", 0))
    if run_version is not None:
        versions.append(run_version.as_dict())
        last_version = run_version.version
    data = {
        "version": MANIFEST_VERSION,
        "files": dict(sorted(files.items())),
        "tables": result.tables,
        "rejects": result.rejects,
        "unplaced": result.unplaced,
        "last_run": {
            "finished_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "rebuilt": result.rebuilt,
            "processed": [s.rel for s in result.files if s.status == "processed"],
            "skipped": [s.rel for s in result.files if s.status == "skipped"],
        },
        "last_version": last_version,
        "versions": versions,
    }
    tmp = out / (MANIFEST + ".tmp")
    tmp.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    tmp.replace(out / MANIFEST)
