"""What every reader shares: the input error, file discovery helpers, zip handling, row numbering, CSV reading."""

from __future__ import annotations

import csv
import hashlib
import io
import re
import urllib.parse
import zipfile
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import IO

from pyspark.sql import Column, DataFrame, SparkSession, Window
from pyspark.sql import functions as F
from pyspark.sql import types as T

CORRUPT = "_corrupt"


class EtlInputError(Exception):
    """An input file the ETL cannot read at all; the message names the file (and row/field when known)."""

    def __init__(self, file: str, message: str, row: int | None = None, field: str | None = None) -> None:
        self.file, self.row, self.field = file, row, field
        where = file + (f", row {row}" if row is not None else "") + (f", field {field}" if field else "")
        super().__init__(f"{where}: {message}")


@dataclass(frozen=True)
class SourceFile:
    """One input file: `rel` is its path relative to the sources folder (the name used in lineage);
    `path` is where Spark reads it (the file itself or its extracted zip member)."""

    kind: str
    rel: str
    path: Path
    sha256: str


def sha256_of(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def extract_zip(path: Path, into: Path, rel: str) -> Path:
    """Extract the single data member of a Receita zip (streamed, no whole-file read) and return its path."""
    try:
        with zipfile.ZipFile(path) as zf:
            members = [m for m in zf.infolist() if not m.is_dir()]
            if len(members) != 1:
                raise EtlInputError(rel, f"expected one file inside the zip, found {len(members)}")
            into.mkdir(parents=True, exist_ok=True)
            # official member names carry `$` and dots (F.K03200$W.SIMPLES.CSV.D51108): keep a plain name
            safe = re.sub(r"[^A-Za-z0-9._-]", "_", Path(members[0].filename).name)
            target = into / (hashlib.sha1(rel.encode()).hexdigest()[:12] + "_" + safe)
            with zf.open(members[0]) as src, target.open("wb") as dst:
                while chunk := src.read(1 << 20):
                    dst.write(chunk)
            return target
    except zipfile.BadZipFile as exc:
        raise EtlInputError(rel, f"not a valid zip file ({exc})") from exc


@contextmanager
def open_source(path: Path, rel: str) -> Iterator[IO[bytes]]:
    """The bytes of a source file: the file itself, or the single data member of a Receita zip (streamed
    from inside the zip: nothing is extracted). Used by the driver for headers and by Spark's tasks."""
    if path.suffix.lower() != ".zip":
        with path.open("rb") as fh:
            yield fh
        return
    try:
        with zipfile.ZipFile(path) as zf:
            members = [m for m in zf.infolist() if not m.is_dir()]
            if len(members) != 1:
                raise EtlInputError(rel, f"expected one file inside the zip, found {len(members)}")
            with zf.open(members[0]) as fh:
                yield fh
    except zipfile.BadZipFile as exc:
        raise EtlInputError(rel, f"not a valid zip file ({exc})") from exc


def source_size(path: Path, rel: str) -> int:
    """Bytes of data in a source file (a zip's member uncompressed)."""
    if path.suffix.lower() != ".zip":
        return path.stat().st_size
    try:
        with zipfile.ZipFile(path) as zf:
            return sum(m.file_size for m in zf.infolist() if not m.is_dir())
    except zipfile.BadZipFile as exc:
        raise EtlInputError(rel, f"not a valid zip file ({exc})") from exc


def read_header(path: Path, rel: str, encoding: str, sep: str) -> list[str]:
    """The header row of a delimited file, read with Python (only the first line)."""
    try:
        # bytes first: a text reader decodes ahead and would fail on a bad byte further down the file
        with open_source(path, rel) as fh:
            first = fh.readline().decode(encoding)
    except UnicodeDecodeError as exc:
        raise EtlInputError(rel, f"header is not valid {encoding} ({exc.reason})", row=0) from exc
    if not first.strip():
        raise EtlInputError(rel, "empty file: no header row", row=0)
    row = next(csv.reader(io.StringIO(first), delimiter=sep))
    return [c.strip().lstrip("\ufeff").strip() for c in row]


def first_bytes(path: Path, rel: str, size: int = 1 << 16) -> bytes:
    with open_source(path, rel) as fh:
        return fh.read(size)


def sniff_encoding(path: Path, size: int = 1 << 16, rel: str | None = None) -> str:
    """UTF-8 when the first bytes decode as UTF-8, else ISO-8859-1."""
    head = first_bytes(path, rel or path.name, size)
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as exc:
        # a multi-byte character cut at the end of the sample is still UTF-8
        if exc.start < len(head) - 4:
            return "ISO-8859-1"
    return "UTF-8"


def string_schema(names: Sequence[str], corrupt: bool = True) -> T.StructType:
    fields = [T.StructField(n, T.StringType(), True) for n in names]
    if corrupt:
        fields.append(T.StructField(CORRUPT, T.StringType(), True))
    return T.StructType(fields)


# Each line travels to Spark's CSV parser behind a fixed-width prefix: the file's index and the record's
# number, as two more fields (`_fidx`, `_row`) that the parser reads like any other.
_FIDX, _ROWNO = 6, 12


def _prefix_len(sep: str) -> int:
    return _FIDX + _ROWNO + 2 * len(sep)


def numbered_lines(
    part: Iterable[tuple[int, str, str]], *, sep: str, encoding: str, header: bool
) -> Iterator[str]:
    """Runs in Spark's tasks: for each (index, path, rel) the file's records as text, each prefixed with
    its file index and 1-based record number. Blank lines are skipped and not counted, and the header
    (when `header`) is the first line that is not blank, as Spark's own CSV reader does; bytes that are
    not valid in `encoding` become U+FFFD (the marker `replacement_char` looks for)."""
    for index, path, rel in part:
        row = 0
        skip_header = header
        with open_source(Path(path), rel) as fh:
            for raw in fh:
                if raw.endswith(b"\n"):
                    raw = raw[:-1]
                if raw.endswith(b"\r"):
                    raw = raw[:-1]
                if not raw.strip():
                    continue
                if skip_header:
                    skip_header = False
                    continue
                row += 1
                yield f"{index:0{_FIDX}d}{sep}{row:0{_ROWNO}d}{sep}" + raw.decode(encoding, errors="replace")


def read_delimited(
    spark: SparkSession,
    files: Sequence[SourceFile],
    columns: Sequence[str],
    *,
    sep: str,
    encoding: str,
    header: bool,
) -> DataFrame:
    """Read delimited files as strings (explicit schema, PERMISSIVE: malformed rows are kept and flagged in
    `_corrupt`), with `_file` (relative name) and `_row` (1-based, header excluded) per record.

    Spark's tasks open the files themselves (a zip's member is streamed, never extracted), one task per
    file, numbering the records as they read them: no shuffle or sort is needed to number rows, and on a
    cluster no executor depends on the driver's disk. Files larger than `SPLIT_BYTES` are spread over
    more partitions after they are numbered."""
    if not files:
        raise ValueError("no files")
    payload = [(i, str(f.path.absolute()), f.rel) for i, f in enumerate(files)]
    lines = spark.sparkContext.parallelize(payload, len(payload)).mapPartitions(
        partial(numbered_lines, sep=sep, encoding=encoding, header=header)
    )
    size = sum(source_size(f.path, f.rel) for f in files)
    wanted = -(-size // SPLIT_BYTES)
    if wanted > len(files):
        lines = lines.repartition(wanted)
    df = spark.read.csv(
        lines,  # type: ignore[arg-type]
        schema=string_schema(["_fidx", "_row", *columns]),
        sep=sep,
        header=False,
        quote='"',
        escape='"',
        mode="PERMISSIVE",
        columnNameOfCorruptRecord=CORRUPT,
        multiLine=False,
        ignoreLeadingWhiteSpace=False,
        ignoreTrailingWhiteSpace=False,
        enforceSchema=True,
    )
    mapping = F.create_map(*[F.lit(x) for i, f in enumerate(files) for x in (f"{i:0{_FIDX}d}", f.rel)])
    cut = _prefix_len(sep)
    return (
        df.withColumn("_file", mapping[F.col("_fidx")])
        .withColumn("_row", F.col("_row").cast("long"))
        .withColumn(CORRUPT, F.expr(f"substring({CORRUPT}, {cut + 1})"))
        .drop("_fidx")
        .select(*columns, CORRUPT, "_file", "_row")
    )


# a file larger than this is spread over several partitions once its records are numbered
SPLIT_BYTES = 64 << 20


def path_names(files: Sequence[SourceFile]) -> dict[str, str]:
    """input_file_name() -> relative name; Spark may give the URI percent-encoded or not."""
    out: dict[str, str] = {}
    for f in files:
        uri = f.path.absolute().as_uri()
        out[uri] = f.rel
        out[urllib.parse.unquote(uri)] = f.rel
    return out


def with_row_numbers(df: DataFrame) -> DataFrame:
    """`_row`: the record's 1-based position inside its `_file`, from the scan order (not from data)."""
    df = df.withColumn("_mid", F.monotonically_increasing_id())
    w = Window.partitionBy("_file").orderBy("_mid")
    return df.withColumn("_row", F.row_number().over(w).cast("long")).drop("_mid")


def ord_key(*parts: Column) -> Column:
    """A sortable position text: file, then zero-padded numbers."""
    return F.concat_ws("#", *parts)


def pad(c: Column, width: int = 10) -> Column:
    return F.lpad(c.cast("string"), width, "0")


def raw_of(columns: Sequence[str], sep: str) -> Column:
    """The record as read: the corrupt text when Spark flagged it, else the fields joined by the separator."""
    joined = F.concat_ws(sep, *[F.coalesce(F.col(c), F.lit("")) for c in columns])
    return F.coalesce(F.col(CORRUPT), joined)


def mojibake(c: Column) -> Column:
    """True when ISO-8859-1 text looks like UTF-8 bytes read as ISO-8859-1 ("Ã©" for "é")."""
    return F.coalesce(c.rlike("[ÂÃ][\u0080-\u00bf]"), F.lit(False))


def replacement_char(c: Column) -> Column:
    """True when UTF-8 decoding hit bytes that are not UTF-8 (the reader put U+FFFD)."""
    return F.coalesce(c.contains("\ufffd"), F.lit(False))
