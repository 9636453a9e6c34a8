"""What Spark's tasks read from a delimited source (etl.sources.base.numbered_lines): pure Python, no Spark."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest

from etl.sources.base import EtlInputError, numbered_lines, source_size


def _read(files: list[tuple[int, Path, str]], **kw: object) -> list[tuple[int, int, str]]:
    opts = {"sep": ";", "encoding": "UTF-8", "header": False} | kw
    out = []
    for line in numbered_lines([(i, str(p), rel) for i, p, rel in files], **opts):  # type: ignore[arg-type]
        idx, row, text = line.split(";", 2)
        out.append((int(idx), int(row), text))
    return out


def test_records_are_numbered_per_file_skipping_the_header_and_blank_lines(tmp_path: Path) -> None:
    a = tmp_path / "a.csv"
    a.write_bytes(b"\n  \ncol1;col2\r\nx;1\r\n\r\ny;2\n")
    b = tmp_path / "b.csv"
    b.write_bytes(b"col1;col2\nz;3")  # no newline at the end
    got = _read([(0, a, "a.csv"), (1, b, "b.csv")], header=True)
    assert got == [(0, 1, "x;1"), (0, 2, "y;2"), (1, 1, "z;3")]


def test_a_zip_member_is_read_in_place_and_latin1_decoded(tmp_path: Path) -> None:
    z = tmp_path / "Empresas0.zip"
    with zipfile.ZipFile(z, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr(
            "K3241.K03200Y0.D51108.EMPRECSV",
            '"00000001";"CAFÉ LTDA"\n"00000002";"AÇÚCAR SA"\n'.encode("latin-1"),
        )
    got = _read([(3, z, "cnpj/Empresas0.zip")], encoding="ISO-8859-1")
    assert got == [(3, 1, '"00000001";"CAFÉ LTDA"'), (3, 2, '"00000002";"AÇÚCAR SA"')]
    assert not list(tmp_path.glob("*EMPRECSV*"))  # nothing extracted
    assert source_size(z, "cnpj/Empresas0.zip") == len('"00000001";"CAFÉ LTDA"\n"00000002";"AÇÚCAR SA"\n')


def test_bytes_that_are_not_utf8_become_the_replacement_character(tmp_path: Path) -> None:
    f = tmp_path / "bids.csv"
    f.write_bytes(b"h\nPRE\xc7O\n")
    assert _read([(0, f, "bids.csv")], header=True) == [(0, 1, "PRE\ufffdO")]


def test_a_zip_with_two_members_names_the_file(tmp_path: Path) -> None:
    z = tmp_path / "Socios0.zip"
    with zipfile.ZipFile(z, "w") as zf:
        zf.writestr("one", "a\n")
        zf.writestr("two", "b\n")
    with pytest.raises(EtlInputError, match=r"cnpj/Socios0.zip: expected one file inside the zip, found 2"):
        _read([(0, z, "cnpj/Socios0.zip")])
