"""What every reader shares: the input error, file discovery helpers, zip handling, row numbering, CSV reading."""

from __future__ import annotations

import csv
import hashlib
import io
import re
import urllib.parse
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

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


def read_header(path: Path, rel: str, encoding: str, sep: str) -> list[str]:
    """The header row of a delimited file, read with Python (only the first line)."""
    try:
        # bytes first: a text reader decodes ahead and would fail on a bad byte further down the file
        with path.open("rb") as fh:
            first = fh.readline().decode(encoding)
    except UnicodeDecodeError as exc:
        raise EtlInputError(rel, f"header is not valid {encoding} ({exc.reason})", row=0) from exc
    if not first.strip():
        raise EtlInputError(rel, "empty file: no header row", row=0)
    row = next(csv.reader(io.StringIO(first), delimiter=sep))
    return [c.strip().lstrip("\ufeff").strip() for c in row]


def sniff_encoding(path: Path, size: int = 1 << 16) -> str:
    """UTF-8 when the first bytes decode as UTF-8, else ISO-8859-1."""
    with path.open("rb") as fh:
        head = fh.read(size)
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
    `_corrupt`), with `_file` (relative name) and `_row` (1-based, header excluded) per record."""
    if not files:
        raise ValueError("no files")
    by_path = path_names(files)
    df = spark.read.csv(
        [str(f.path) for f in files],
        schema=string_schema(columns),
        sep=sep,
        encoding=encoding,
        header=header,
        quote='"',
        escape='"',
        mode="PERMISSIVE",
        columnNameOfCorruptRecord=CORRUPT,
        multiLine=False,
        ignoreLeadingWhiteSpace=False,
        ignoreTrailingWhiteSpace=False,
        enforceSchema=True,
    )
    df = df.withColumn("_path", F.input_file_name())
    mapping = F.create_map(*[F.lit(x) for kv in sorted(by_path.items()) for x in kv])
    df = df.withColumn("_file", F.coalesce(mapping[F.col("_path")], F.col("_path"))).drop("_path")
    return with_row_numbers(df)


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
