"""File-level checks before Spark (etl/sources/prechecks.py): empty files and truncated JSON documents."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from etl.sources.base import SourceFile
from etl.sources.prechecks import precheck, salvage

RECORDS = [{"numeroControlePNCP": f"x-{i}", "objetoCompra": f"Aquisição {i} ]}}", "valor": [i, {"a": "]"}]}
           for i in range(12)]


def source(tmp_path: Path, name: str, data: bytes, kind: str = "pncp_contratacoes") -> SourceFile:
    path = tmp_path / name
    path.write_bytes(data)
    return SourceFile(kind, f"pncp/contratacoes/{name}", path, "ab" * 32)


@pytest.mark.parametrize("wrap", ["page", "array"])
def test_a_document_cut_inside_a_record_keeps_the_complete_ones(tmp_path: Path, wrap: str) -> None:
    doc = {"totalRegistros": 12, "data": RECORDS} if wrap == "page" else RECORDS
    text = json.dumps(doc, ensure_ascii=False)
    cut = text.index('"x-10"') + 3  # inside record 11
    got, rejected = precheck(source(tmp_path, "p.json", text[:cut].encode()), tmp_path / "repaired")
    assert got is not None and got.path.parent == tmp_path / "repaired" and got.rel == "pncp/contratacoes/p.json"
    repaired = json.loads(got.path.read_text(encoding="utf-8"))
    assert (repaired["data"] if wrap == "page" else repaired) == RECORDS[:10]
    [r] = rejected
    base = "$.data" if wrap == "page" else "$"
    assert (r.location, r.field) == (f"{base}[10]", "*")
    assert "ends inside record 11" in r.reason and "10 records before it were read" in r.reason
    assert r.raw == text[text.index('{"numeroControlePNCP": "x-10"'):cut]


def test_what_cannot_be_salvaged_is_left_to_the_reader(tmp_path: Path) -> None:
    whole = json.dumps({"data": RECORDS})
    for text in (whole, whole[:5], json.dumps({"data": RECORDS[:1]})[:-10], '{"total": 3, "da', "not json"):
        f = source(tmp_path, "d.json", text.encode())
        assert precheck(f, tmp_path / "repaired") == (f, [])
    assert salvage('{"data": "no array"') is None


def test_a_page_broken_after_its_array_keeps_every_record(tmp_path: Path) -> None:
    text = json.dumps({"data": RECORDS[:3], "totalRegistros": 3})[:-4]
    got, [r] = precheck(source(tmp_path, "a.json", text.encode()), tmp_path / "repaired")
    assert got is not None and json.loads(got.path.read_text())["data"] == RECORDS[:3]
    assert r.location == "$" and "its 3 records were read" in r.reason


@pytest.mark.parametrize("kind,data,location", [
    ("pncp_contratacoes", b"", "$"), ("pncp_contratacoes", b" \n\t\n", "$"), ("bids_generic", b"", "0"),
    ("pncp_itens", b"\xef\xbb\xbf\n", "0"), ("cnpj_empresas", b"", "0")])
def test_an_empty_file_is_one_reject_and_is_not_read(tmp_path: Path, kind: str, data: bytes, location: str) -> None:
    got, [r] = precheck(source(tmp_path, "e", data, kind), tmp_path / "repaired")
    assert got is None and (r.location, r.field, r.raw) == (location, "*", "")
    assert r.reason.startswith("empty file (0 bytes)" if not data else "empty file (")


def test_a_header_only_csv_is_not_empty(tmp_path: Path) -> None:
    f = source(tmp_path, "h.csv", b"a;b;c\n", "bids_generic")
    assert precheck(f, tmp_path / "repaired") == (f, [])
