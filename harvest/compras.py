"""Compras.gov.br dados abertos: the classified proposals of the federal 14.133 purchases, as bids.

`GET /modulo-contratacoes/3_consultarResultadoItensContratacoes_PNCP_14133` (MGI manual §10.7:
dataResultadoPncpInicial/Final required, pagina, tamanhoPagina <= 500, optional unidadeOrgaoCodigoUnidade)
answers one record per supplier ranked on an item: the winner and, in a price registration (SRP), the
reserve suppliers with their `ordemClassificacaoSrp` and prices. Each page is kept as received under
`<sources>/.harvest/compras/raw/` and written as one `bids/generic/compras-<window>-pNNNN.csv` in the
generic bid layout (docs/sources-layout.md), rank 1 the winner (`vencedor` S), the others N.

What the documented API does not give: the losing proposals of a pregão outside a price registration.
The legacy compras.dados.gov.br service listed them per item (`/pregoes/v1/proposta_item_pregao`), but the
MGI manual of 2025 documents no successor (docs/harvest.md).

A record that cannot be mapped keeps its raw JSON in the row's `fornecedor_nome`, with the fields the
ETL requires left empty, so the ETL rejects it with its reason and the raw text.
"""

from __future__ import annotations

import csv
import io
import logging
from typing import Any

from harvest.common import JsonSource, Options, Window, windows
from harvest.http import Fetcher, HarvestHTTPError
from harvest.store import Checkpoint, Journal, RunManifest, atomic_write, state_dir

log = logging.getLogger(__name__)

DEFAULT_BASE = "https://dadosabertos.compras.gov.br"
RESULTS = "/modulo-contratacoes/3_consultarResultadoItensContratacoes_PNCP_14133"
PAGE_SIZE = 500
COLUMNS = ("numero_controle_pncp", "orgao_cnpj", "ano_compra", "sequencial_compra", "numero_item",
           "fornecedor_ni", "fornecedor_nome", "tipo_pessoa", "valor_unitario", "quantidade", "valor_total",
           "situacao", "vencedor", "data_proposta")
CANCELLED = {2, 3}  # situacaoCompraItemResultadoId: 1 informado, 2 cancelado, 3 (legacy) anulado


def _money(v: Any) -> str:
    if v is None or v == "":
        return ""
    if isinstance(v, int | float):
        return f"{v:.4f}".rstrip("0").rstrip(".").replace(".", ",")
    return str(v)  # text as received: the ETL says what is wrong with it


def bid_row(rec: Any) -> tuple[dict[str, str], str | None]:
    """The generic-layout row of one result record, and the reason when it could not be mapped."""
    row = dict.fromkeys(COLUMNS, "")
    if not isinstance(rec, dict):
        row["fornecedor_nome"] = str(rec)[:2000]
        return row, f"record is a {type(rec).__name__}, not an object"
    rank = rec.get("ordemClassificacaoSrp")
    sit = rec.get("situacaoCompraItemResultadoId")
    row.update({
        "numero_controle_pncp": str(rec.get("idContratacaoPNCP") or "").strip(),
        "numero_item": str(rec.get("numeroItemPncp") if rec.get("numeroItemPncp") is not None else ""),
        "fornecedor_ni": str(rec.get("niFornecedor") or ""),
        "fornecedor_nome": str(rec.get("nomeRazaoSocialFornecedor") or ""),
        "tipo_pessoa": str(rec.get("tipoPessoa") or ""),
        "valor_unitario": _money(rec.get("valorUnitarioHomologado")),
        "quantidade": _money(rec.get("quantidadeHomologada")),
        "valor_total": _money(rec.get("valorTotalHomologado")),
        "situacao": "DESCLASSIFICADA" if sit in CANCELLED else "VALIDA",
        "vencedor": "S" if rank in (None, 1, "1") and sit not in CANCELLED else "N",
        "data_proposta": str(rec.get("dataResultadoPncp") or "")[:10],
    })
    if not row["numero_controle_pncp"]:
        row["fornecedor_nome"] = f"{row['fornecedor_nome']} [raw: {str(rec)[:1500]}]"
        return row, "no idContratacaoPNCP"
    return row, None


def to_csv(rows: list[dict[str, str]]) -> bytes:
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=COLUMNS, delimiter=";", quoting=csv.QUOTE_MINIMAL, lineterminator="\n")
    w.writeheader()
    w.writerows(rows)
    return buf.getvalue().encode("utf-8")


class ComprasHarvester:
    name = "compras"

    def __init__(self, opts: Options, fetcher: Fetcher, manifest: RunManifest) -> None:
        self.opts, self.fetcher, self.manifest = opts, fetcher, manifest
        self.base = (opts.base_url or DEFAULT_BASE).rstrip("/")
        self.ck = Checkpoint(opts.sources, self.name)

    def run(self) -> None:
        d0, d1 = self.opts.window_range()
        for w in windows(d0, d1, self.opts.window_days):
            key = w.key + (f"-uasg{self.opts.cnpj}" if self.opts.cnpj else "")
            try:
                self.window(key, w)
            except HarvestHTTPError as exc:
                self.manifest.windows_failed.append(key)
                self.manifest.error(key, str(exc), status=exc.status)

    def window(self, key: str, w: Window) -> None:
        entry = self.ck.entry(key)
        if entry.get("complete"):
            if not self.opts.refresh:
                self.manifest.windows_skipped.append(key)
                return
            self.ck.mark(key, complete=False, next_page=1, batch=int(entry.get("batch", 0)) + 1)
        page = int(entry.get("next_page", 1))
        batch = int(entry.get("batch", 0))
        while True:
            stem = f"{key}{f'-r{batch:02d}' if batch else ''}-p{page:04d}"
            journal = Journal(state_dir(self.opts.sources, self.name) / "partial" / f"{stem}.jsonl")
            params: dict[str, str | int] = {
                "dataResultadoPncpInicial": w.start.isoformat(), "dataResultadoPncpFinal": w.end.isoformat(),
                "pagina": page, "tamanhoPagina": PAGE_SIZE,
            }
            if self.opts.cnpj:
                params["unidadeOrgaoCodigoUnidade"] = self.opts.cnpj
            data, body = JsonSource(self.fetcher, journal, self.manifest).get(self.base + RESULTS, params, "compras")
            records = (data or {}).get("resultado") if isinstance(data, dict) else None
            if records is None and data is not None:
                raise HarvestHTTPError(self.base + RESULTS, f"page {page} of {key} has no `resultado` array")
            records = records or []
            if records:
                rows = []
                for i, rec in enumerate(records):
                    row, problem = bid_row(rec)
                    if problem:
                        self.manifest.error(f"compras-{stem}.csv row {i + 1}", f"malformed result: {problem}")
                        self.manifest.count("malformed")
                    rows.append(row)
                raw = state_dir(self.opts.sources, self.name) / "raw" / f"compras-{stem}.json"
                atomic_write(raw, body.encode("utf-8"))
                out = atomic_write(self.opts.sources / "bids" / "generic" / f"compras-{stem}.csv", to_csv(rows))
                self.manifest.files.append(out.relative_to(self.opts.sources).as_posix())
                self.manifest.pages += 1
                self.manifest.count("propostas", len(rows))
            journal.drop()
            left = data.get("paginasRestantes") if isinstance(data, dict) else 0
            last = not records or (left <= 0 if isinstance(left, int) else len(records) < PAGE_SIZE)
            self.ck.mark(key, next_page=page + 1, complete=last)
            if last:
                self.manifest.windows_done.append(key)
                return
            page += 1
