"""File-level checks made in Python before Spark reads a file, so that no file stops the run and no record
is lost (pure, no Spark):

- an empty file (0 bytes, or only whitespace) is one rejected record, `empty file`, and is not read;
- a JSON document cut short (a PNCP page truncated by a failed download) keeps its complete records: they
  are written to a repaired copy that Spark reads in its place, and the cut record is one rejected record
  at its own JSON path (`$.data[10]`), with the text from there on as its raw text.

A JSON document that is malformed elsewhere, or holds no complete record, is left to the reader, which
rejects it as one record (`malformed or truncated JSON`).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from etl.sources.base import SourceFile, first_bytes, source_size

# kinds read as one JSON document per file (an array of records, or a page {"data": [...]})
JSON_DOCUMENT_KINDS = frozenset({"pncp_contratacoes"})
MAX_SALVAGE_BYTES = 256 << 20  # larger documents are left to the reader
_WS = re.compile(r"[ \t\r\n]*")


@dataclass(frozen=True)
class FileReject:
    """A record rejected by a file-level check: the same fields as a row of the rejects table."""

    source_file: str
    location: str
    field: str
    reason: str
    raw: str


@dataclass(frozen=True)
class Salvaged:
    """The complete records of a truncated JSON document, and where it broke."""

    base: str  # JSON path of the record array: "$" or "$.data"
    records: list[str]  # each complete record's JSON text, in order
    tail: str  # the text from the first incomplete record on (or after the array, when `complete`)
    error: str  # what the JSON parser said at the break
    complete: bool = False  # the array itself closed: the document broke after it


def is_blank(path: Path, rel: str | None = None) -> bool:
    """0 bytes, or only whitespace (a UTF-8 byte-order mark included); a zip's member is looked at."""
    size = source_size(path, rel or path.name)
    if size == 0:
        return True
    if size > 1 << 16:
        return False
    return not first_bytes(path, rel or path.name).lstrip(b"\xef\xbb\xbf").strip()


def precheck(f: SourceFile, repaired_dir: Path) -> tuple[SourceFile | None, list[FileReject]]:
    """The file Spark should read instead of `f` (None: read nothing) and the records rejected here."""
    if is_blank(f.path, f.rel):
        size = source_size(f.path, f.rel)
        what = "0 bytes" if size == 0 else f"{size} bytes of whitespace"
        return None, [FileReject(f.rel, "0" if f.kind not in JSON_DOCUMENT_KINDS else "$", "*",
                                 f"empty file ({what}): no header and no records", "")]
    if f.kind not in JSON_DOCUMENT_KINDS or f.path.stat().st_size > MAX_SALVAGE_BYTES:
        return f, []
    text = f.path.read_bytes().decode("utf-8", errors="replace")
    try:
        json.loads(text, parse_constant=_refuse_constant)
        return f, []  # well-formed: the reader checks its shape
    except ValueError:
        pass
    got = salvage(text)
    if got is None or not got.records:
        return f, []
    repaired_dir.mkdir(parents=True, exist_ok=True)
    target = repaired_dir / f"{f.sha256[:16]}_{f.path.name}"
    body = ",\n".join(got.records)
    target.write_text(f"[{body}]" if got.base == "$" else f'{{"data": [{body}]}}', encoding="utf-8")
    n = len(got.records)
    records = f"{n} record{'s' if n != 1 else ''}"
    if got.complete:
        reason, location = f"malformed JSON after the record array ({got.error}); its {records} were read", "$"
    else:
        reason = f"truncated JSON: the document ends inside record {n + 1} ({got.error}); the {records} before it were read"
        location = f"{got.base}[{n}]"
    return SourceFile(f.kind, f.rel, target, f.sha256), [FileReject(f.rel, location, "*", reason, got.tail[:2000])]


def salvage(text: str) -> Salvaged | None:
    """The complete records of a JSON array (or of the top-level `data` array of a page) that breaks off;
    None when the text breaks before that array starts."""
    dec = json.JSONDecoder(parse_constant=_refuse_constant)
    s = text.lstrip("\ufeff")
    pos = _skip(s, 0)
    if s.startswith("[", pos):
        base, pos = "$", pos + 1
    elif s.startswith("{", pos):
        found = _find_data_array(s, pos + 1, dec)
        if found is None:
            return None
        base, pos = "$.data", found
    else:
        return None
    records: list[str] = []
    while True:
        pos = _skip(s, pos)
        if s.startswith("]", pos) and not records:
            return Salvaged(base, records, "", "the array is empty")
        try:
            _, end = dec.raw_decode(s, pos)
        except ValueError as exc:
            return Salvaged(base, records, s[pos:], _short(exc))
        records.append(s[pos:end])
        pos = _skip(s, end)
        if s.startswith(",", pos):
            pos += 1
            continue
        # the array closes (the document broke after it: every record is complete) or breaks here
        if s.startswith("]", pos):
            return Salvaged(base, records, s[pos + 1:], "the document breaks after its records", complete=True)
        return Salvaged(base, records, s[pos:], f"expected ',' or ']' at character {pos}")


def _find_data_array(s: str, pos: int, dec: json.JSONDecoder) -> int | None:
    """Position just after the `[` of the top-level "data" member of an object, None when absent or cut."""
    while True:
        pos = _skip(s, pos)
        if not s.startswith('"', pos):
            return None
        try:
            key, pos = dec.raw_decode(s, pos)
        except ValueError:
            return None
        pos = _skip(s, pos)
        if not s.startswith(":", pos):
            return None
        pos = _skip(s, pos + 1)
        if key == "data":
            return pos + 1 if s.startswith("[", pos) else None
        try:
            _, pos = dec.raw_decode(s, pos)
        except ValueError:
            return None
        pos = _skip(s, pos)
        if not s.startswith(",", pos):
            return None
        pos += 1


def _skip(s: str, pos: int) -> int:
    m = _WS.match(s, pos)
    return m.end() if m else pos


def _short(exc: ValueError) -> str:
    return str(exc).split(":")[0] if isinstance(exc, json.JSONDecodeError) else str(exc)


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number")
