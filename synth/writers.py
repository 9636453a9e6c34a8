"""Writers for the real source formats (see docs/sources-layout.md and ../shared/data/formats)."""

from __future__ import annotations

import csv
import io
import json
import zipfile
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

# a fixed timestamp inside every zip member, so that the same seed gives byte-identical zips
_ZIP_TIME = (2025, 11, 8, 0, 0, 0)

# The generic bid export's header as docs/sources-layout.md publishes it. The simulator imports only core,
# so it keeps its own copy; tests/unit/synth/test_formats.py checks it against the ETL's reader.
GENERIC_BID_HEADER = (
    "numero_controle_pncp",
    "orgao_cnpj",
    "ano_compra",
    "sequencial_compra",
    "numero_item",
    "fornecedor_ni",
    "fornecedor_nome",
    "tipo_pessoa",
    "valor_unitario",
    "quantidade",
    "valor_total",
    "situacao",
    "vencedor",
    "data_proposta",
)

CEIS_HEADER = (
    "CADASTRO",
    "CÓDIGO DA SANÇÃO",
    "TIPO DE PESSOA",
    "CPF OU CNPJ DO SANCIONADO",
    "NOME DO SANCIONADO",
    "NOME INFORMADO PELO ÓRGÃO SANCIONADOR",
    "RAZÃO SOCIAL - CADASTRO RECEITA",
    "NOME FANTASIA - CADASTRO RECEITA",
    "NÚMERO DO PROCESSO",
    "CATEGORIA DA SANÇÃO",
    "DATA INÍCIO SANÇÃO",
    "DATA FINAL SANÇÃO",
    "DATA PUBLICAÇÃO",
    "PUBLICAÇÃO",
    "DETALHAMENTO DO MEIO DE PUBLICAÇÃO",
    "DATA DO TRÂNSITO EM JULGADO",
    "ABRAGÊNCIA DA SANÇÃO",
    "ÓRGÃO SANCIONADOR",
    "UF ÓRGÃO SANCIONADOR",
    "ESFERA ÓRGÃO SANCIONADOR",
    "FUNDAMENTAÇÃO LEGAL",
    "DATA ORIGEM INFORMAÇÃO",
    "ORIGEM INFORMAÇÕES",
    "OBSERVAÇÕES",
)
CNEP_HEADER = (*CEIS_HEADER[:10], "VALOR DA MULTA", *CEIS_HEADER[10:])


def money(v: float) -> str:
    """R$ with decimal comma and no thousands separator: `1234,56`."""
    return f"{v:.2f}".replace(".", ",")


def json_dump(path: Path, obj: Any) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(obj, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")


def jsonl_dump(path: Path, rows: Iterable[Any]) -> int:
    path.parent.mkdir(parents=True, exist_ok=True)
    n = 0
    with path.open("w", encoding="utf-8", newline="\n") as fh:
        for r in rows:
            fh.write(json.dumps(r, ensure_ascii=False, separators=(",", ":")))
            fh.write("\n")
            n += 1
    return n


def csv_dump(
    path: Path,
    header: Sequence[str] | None,
    rows: Iterable[Sequence[str]],
    *,
    encoding: str,
    sep: str = ";",
    quote_all: bool = True,
    newline: str = "\n",
) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding=encoding, newline="") as fh:
        w = csv.writer(
            fh,
            delimiter=sep,
            quoting=csv.QUOTE_ALL if quote_all else csv.QUOTE_MINIMAL,
            lineterminator=newline,
        )
        if header is not None:
            w.writerow(header)
        w.writerows(rows)


def receita_zip(path: Path, member: str, rows: Iterable[Sequence[str]]) -> None:
    """An official-style Receita zip: one headerless, `;`-separated, `"`-quoted ISO-8859-1 member."""
    buf = io.StringIO()
    csv.writer(buf, delimiter=";", quoting=csv.QUOTE_ALL, lineterminator="\n").writerows(rows)
    data = buf.getvalue().encode("iso-8859-1", errors="replace")
    path.parent.mkdir(parents=True, exist_ok=True)
    info = zipfile.ZipInfo(member, date_time=_ZIP_TIME)
    info.compress_type = zipfile.ZIP_DEFLATED
    info.external_attr = 0o644 << 16
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr(info, data)
