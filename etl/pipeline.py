"""The ETL run: discover source files, read and validate them, build and merge the graph tables, write the
Parquet tables, the rejects and the manifest (`<out>/manifest.json`).

Incremental by source file: the manifest records each processed file with its SHA-256; a rerun skips the
files it already holds unchanged, and new files merge into the existing tables by id (last source wins for
node properties, `etl.merge`). Re-running on the same input therefore writes nothing new.
"""

from __future__ import annotations

import json
import logging
import shutil
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from core.tables import ALL_TABLES, REJECTS, TableSpec

log = logging.getLogger(__name__)

MANIFEST = "manifest.json"
MANIFEST_VERSION = 1

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


@dataclass
class RunResult:
    out: Path
    files: list[FileStat] = field(default_factory=list)
    tables: dict[str, int] = field(default_factory=dict)
    rejects: int = 0
    unplaced: list[str] = field(default_factory=list)
    stage_seconds: dict[str, float] = field(default_factory=dict)


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
        if rel in IGNORED:
            continue
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


@contextmanager
def _timed(result: RunResult, stage: str) -> Iterator[None]:
    import time

    t0 = time.perf_counter()
    try:
        yield
    finally:
        result.stage_seconds[stage] = result.stage_seconds.get(stage, 0.0) + time.perf_counter() - t0


def run(sources: Path, out: Path, *, progress: Progress | None = None, spark: Any = None) -> RunResult:
    """Run the ETL from `sources` into `out`; returns what was read, accepted, rejected and written."""
    from etl.sources.base import EtlInputError

    if not sources.is_dir():
        raise EtlInputError(str(sources), "sources folder does not exist")
    out.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix="licitagraph-etl-"))
    try:
        return _run(sources, out, tmp, progress or (lambda stage, done, total: None), spark)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
        shutil.rmtree(out / ".staging", ignore_errors=True)


def _run(sources: Path, out: Path, tmp: Path, progress: Progress, spark: Any) -> RunResult:
    from pyspark import StorageLevel

    from etl import build
    from etl.sources.base import SourceFile, extract_zip, sha256_of
    from etl.spark import get_spark
    from etl.transforms.checks import accepted, file_counts, rejects

    spark = spark or get_spark("licitagraph-etl")
    spark.conf.set("spark.sql.legacy.timeParserPolicy", "CORRECTED")
    result = RunResult(out=out)
    manifest = load_manifest(out)
    known: dict[str, Any] = manifest.get("files", {})

    with _timed(result, "discover"):
        found, unplaced = discover(sources)
        result.unplaced = unplaced
        for rel in unplaced:
            log.warning("%s: not a known source file (see docs/sources-layout.md); not loaded", rel)
        todo: dict[str, list[SourceFile]] = {}
        total = sum(len(v) for v in found.values())
        done = 0
        for kind in KINDS:
            for rel, path in found.get(kind, []):
                digest = sha256_of(path)
                prev = known.get(rel)
                done += 1
                progress("discover", done, total)
                if prev and prev.get("sha256") == digest:
                    result.files.append(
                        FileStat(
                            rel,
                            kind,
                            digest,
                            prev.get("source", ""),
                            prev["read"],
                            prev["accepted"],
                            prev["rejected"],
                            "skipped",
                        )
                    )
                    continue
                read_path = (
                    extract_zip(path, tmp / "unzipped", rel) if path.suffix.lower() == ".zip" else path
                )
                todo.setdefault(kind, []).append(SourceFile(kind, rel, read_path, digest))
        progress("discover", total, total)

    rows = build.empty_rows()
    reject_frames = []
    cached = []
    cnpj_new: dict[str, Any] = {}
    kinds_todo = [k for k in KINDS if k in todo]
    for i, kind in enumerate(kinds_todo):
        files = todo[kind]
        progress("read & validate", i, len(kinds_todo))
        with _timed(result, f"read:{kind}"):
            parsed = _read_parse(spark, kind, files).persist(StorageLevel.MEMORY_AND_DISK)
            cached.append(parsed)
            counts = {r["_file"]: r for r in file_counts(parsed).collect()}
        for f in files:
            c = counts.get(f.rel)
            stat = FileStat(
                f.rel,
                kind,
                f.sha256,
                c["_source"] if c else _source_of(kind),
                *((int(c["read"]), int(c["accepted"]), int(c["rejected"])) if c else (0, 0, 0)),
            )
            if stat.read != stat.accepted + stat.rejected:  # pragma: no cover - an invariant of file_counts
                raise AssertionError(
                    f"{f.rel}: read {stat.read} != accepted {stat.accepted} + rejected {stat.rejected}"
                )
            result.files.append(stat)
        reject_frames.append(rejects(parsed))
        ok = accepted(parsed)
        with _timed(result, "build"):
            _build_one(kind, ok, rows, cnpj_new)
    progress("read & validate", len(kinds_todo), len(kinds_todo))

    with _timed(result, "build"):
        staged_lookups = _merge_lookups(spark, out, cnpj_new)
        if any(k in cnpj_new for k in ("empresas", "estabelecimentos", "socios", "simples")):
            tables = dict(staged_lookups)
            for k in ("estabelecimentos", "socios"):
                if k in cnpj_new:
                    tables[k] = cnpj_new[k]
            build.from_cnpj(tables, rows)

    staging = out / ".staging"
    shutil.rmtree(staging, ignore_errors=True)
    specs: list[TableSpec] = list(ALL_TABLES)
    for i, spec in enumerate(specs):
        progress("write tables", i, len(specs))
        with _timed(result, "write"):
            _write_table(spark, out, staging, spec, rows.get(spec.name, []))
    progress("write tables", len(specs), len(specs))

    with _timed(result, "write"):
        reprocessed = sorted({s.rel for s in result.files if s.status == "processed"})
        _write_rejects(spark, out, staging, reject_frames, reprocessed)
        for name, df in staged_lookups.items():
            _write_df(df, staging / "lookups" / name)
        _swap(out, staging)
        for df in cached:
            df.unpersist()

    with _timed(result, "manifest"):
        for spec in specs:
            result.tables[spec.name] = spark.read.parquet(str(out / spec.path)).count()
        result.rejects = spark.read.parquet(str(out / "rejects")).count()
        _write_manifest(out, manifest, result)
    progress("manifest", 1, 1)
    return result


def _source_of(kind: str) -> str:
    if kind.startswith("cnpj_"):
        return "cnpj"
    if kind.startswith("pncp_"):
        return "pncp"
    return kind


def _read_parse(spark: Any, kind: str, files: list[Any]) -> Any:
    from etl.sources import bids, cnpj, garcia, pncp, sancoes

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
    elif kind in ("ceis", "cnep"):
        build.from_sancoes(ok, rows)
    elif kind == "garcia":
        build.from_garcia(ok, rows)
    elif kind.startswith("cnpj_"):
        cnpj_new[kind.removeprefix("cnpj_")] = ok


def _merge_lookups(spark: Any, out: Path, new: dict[str, Any]) -> dict[str, Any]:
    """The lookups after this run: stored ones overridden by this run's rows (by key)."""
    from pyspark.sql import Window
    from pyspark.sql import functions as F

    merged: dict[str, Any] = {}
    for name, (key, cols) in LOOKUPS.items():
        stored = out / "lookups" / name
        parts = []
        if name in new:
            parts.append(new[name].select(*cols).withColumn("_run", F.lit(1)))
        if stored.exists():
            parts.append(spark.read.parquet(str(stored)).select(*cols).withColumn("_run", F.lit(0)))
        if not parts:
            continue
        u = parts[0] if len(parts) == 1 else parts[0].unionByName(parts[1])
        w = Window.partitionBy(key).orderBy(F.col("_run").desc(), F.col("_ord").desc())
        merged[name] = u.withColumn("_rn", F.row_number().over(w)).where("_rn = 1").drop("_rn", "_run")
    return merged


def _write_df(df: Any, path: Path) -> None:
    df.write.mode("overwrite").parquet(str(path))


def _write_table(spark: Any, out: Path, staging: Path, spec: TableSpec, frames: list[Any]) -> None:
    from pyspark.sql import functions as F

    from etl.merge import combine, finalize
    from etl.schema import empty

    existing = out / spec.path
    if not frames:
        if not existing.exists():
            _write_df(empty(spec), staging / spec.path)
        return
    new = combine(frames, spec)
    if existing.exists():
        old = spark.read.parquet(str(existing)).withColumn("_ord", F.lit(""))
        new = combine([old, new], spec)
    _write_df(finalize(new, spec), staging / spec.path)


def _write_rejects(spark: Any, out: Path, staging: Path, frames: list[Any], reprocessed: list[str]) -> None:
    from functools import reduce

    from pyspark.sql import functions as F

    from etl.schema import conform, empty

    existing = out / "rejects"
    parts = list(frames)
    if existing.exists():
        old = spark.read.parquet(str(existing))
        if reprocessed:
            old = old.where(~F.col("source_file").isin(*reprocessed))
        parts.append(conform(old, REJECTS))
    if not parts:
        if not existing.exists():
            _write_df(empty(REJECTS), staging / "rejects")
        return
    if not frames:
        return
    _write_df(reduce(lambda a, b: a.unionByName(b), parts), staging / "rejects")


def _swap(out: Path, staging: Path) -> None:
    """Move every staged dataset over its published place."""
    if not staging.exists():
        return
    for marker in sorted(staging.rglob("_SUCCESS")):
        ds = marker.parent
        target = out / ds.relative_to(staging)
        if target.exists():
            shutil.rmtree(target)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.move(str(ds), str(target))


def _write_manifest(out: Path, manifest: dict[str, Any], result: RunResult) -> None:
    files = dict(manifest.get("files", {}))
    for s in result.files:
        entry = asdict(s)
        entry.pop("rel")
        entry.pop("status")
        files[s.rel] = entry
    for rel, e in files.items():
        assert e["read"] == e["accepted"] + e["rejected"], f"manifest invariant broken for {rel}"
    data = {
        "version": MANIFEST_VERSION,
        "files": dict(sorted(files.items())),
        "tables": result.tables,
        "rejects": result.rejects,
        "unplaced": result.unplaced,
        "last_run": {
            "finished_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "processed": [s.rel for s in result.files if s.status == "processed"],
            "skipped": [s.rel for s in result.files if s.status == "skipped"],
        },
    }
    tmp = out / (MANIFEST + ".tmp")
    tmp.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    tmp.replace(out / MANIFEST)
