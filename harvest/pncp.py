"""PNCP: contratações by publication date and modality, paginated to the end; each one's items and each
item's results. Writes `pncp/contratacoes/*.json` (each page as the API returned it), `pncp/itens/*.jsonl`
and `pncp/resultados/*.jsonl` (the envelopes of docs/sources-layout.md), one set of files per page.

Endpoints (docs/harvest.md): `GET /api/consulta/v1/contratacoes/publicacao` (dataInicial, dataFinal,
codigoModalidadeContratacao, uf, codigoMunicipioIbge, cnpj, pagina, tamanhoPagina), then
`GET /api/pncp/v1/orgaos/{cnpj}/compras/{ano}/{sequencial}/itens` and `.../itens/{numeroItem}/resultados`.

Unit of work: one page of one (window, modality). Its answers go to a journal as they arrive; its three
files are written (atomically) when the page is whole, then the checkpoint moves to the next page. A run
killed anywhere resumes at that page and replays the journal, re-downloading only the request in flight.
"""

from __future__ import annotations

import logging
import re
from typing import Any

from harvest.common import JsonSource, Options, Window, jsonl, windows
from harvest.http import Fetcher, HarvestHTTPError
from harvest.store import Checkpoint, Journal, RunManifest, atomic_write, state_dir

log = logging.getLogger(__name__)

DEFAULT_BASE = "https://pncp.gov.br"
CONSULTA = "/api/consulta/v1/contratacoes/publicacao"
ITEMS = "/api/pncp/v1/orgaos/{cnpj}/compras/{ano}/{seq}/itens"
RESULTS = "/api/pncp/v1/orgaos/{cnpj}/compras/{ano}/{seq}/itens/{item}/resultados"
ITEMS_PAGE = 500
CONTROL = re.compile(r"^(\d{14})-\d-(\d{1,6})/(\d{4})$")


def scope(opts: Options) -> str:
    """The filters of a harvest, in its file names and checkpoint keys (two scopes never share a file)."""
    parts = [opts.uf.upper() if opts.uf else "BR"]
    if opts.municipio:
        parts.append(f"mun{opts.municipio}")
    if opts.cnpj:
        parts.append("cnpj" + re.sub(r"\D", "", opts.cnpj))
    return "-".join(parts)


def purchase_key(rec: Any) -> tuple[str, int, int] | str:
    """(agency CNPJ, year, sequence) of a contratação, or the reason it has none usable."""
    if not isinstance(rec, dict):
        return f"record is a {type(rec).__name__}, not an object"
    org: dict[str, Any] = rec["orgaoEntidade"] if isinstance(rec.get("orgaoEntidade"), dict) else {}
    cnpj = re.sub(r"\D", "", str(org.get("cnpj") or ""))
    ano, seq = rec.get("anoCompra"), rec.get("sequencialCompra")
    m = CONTROL.match(str(rec.get("numeroControlePNCP") or "").strip())
    if m:  # the control number carries all three when the separate fields are missing or odd
        cnpj = cnpj if len(cnpj) == 14 else m.group(1)
        seq = seq if str(seq or "").isdigit() else m.group(2)
        ano = ano if str(ano or "").isdigit() else m.group(3)
    if len(cnpj) != 14:
        return f"no 14-digit orgaoEntidade.cnpj ({org.get('cnpj')!r}) nor a usable numeroControlePNCP"
    if not str(ano or "").isdigit() or not str(seq or "").isdigit():
        return f"anoCompra {ano!r} / sequencialCompra {seq!r} are not numbers"
    return cnpj, int(str(ano)), int(str(seq))


class PncpHarvester:
    name = "pncp"

    def __init__(self, opts: Options, fetcher: Fetcher, manifest: RunManifest) -> None:
        self.opts, self.fetcher, self.manifest = opts, fetcher, manifest
        self.base = (opts.base_url or DEFAULT_BASE).rstrip("/")
        self.ck = Checkpoint(opts.sources, self.name)
        self.scope = scope(opts)

    def run(self) -> None:
        d0, d1 = self.opts.window_range()
        for w in windows(d0, d1, self.opts.window_days):
            for mod in self.opts.modalities:
                key = f"{w.key}-{self.scope}-m{mod:02d}"
                try:
                    self.window(key, w, mod)
                except HarvestHTTPError as exc:
                    log.error("pncp %s: %s", key, exc)
                    self.manifest.windows_failed.append(key)
                    self.manifest.error(key, str(exc), status=exc.status)

    def window(self, key: str, w: Window, mod: int) -> None:
        entry = self.ck.entry(key)
        if entry.get("complete"):
            if not self.opts.refresh:
                self.manifest.windows_skipped.append(key)
                return
            self.ck.mark(key, complete=False, next_page=1, batch=int(entry.get("batch", 0)) + 1, pages=0)
        page = int(entry.get("next_page", 1))
        batch = int(entry.get("batch", 0))
        while True:
            last = self.page(key, w, mod, page, batch)
            self.ck.mark(key, next_page=page + 1, pages=page if last is not None else page - 1)
            if last is None or last:
                self.ck.mark(key, complete=True)
                self.manifest.windows_done.append(key)
                return
            page += 1

    def file_stem(self, key: str, batch: int, page: int) -> str:
        return f"{key}{f'-r{batch:02d}' if batch else ''}-p{page:04d}"

    def page(self, key: str, w: Window, mod: int, page: int, batch: int) -> bool | None:
        """Harvest one page; True when it was the last, None when the window holds no record at all."""
        stem = self.file_stem(key, batch, page)
        journal = Journal(state_dir(self.opts.sources, self.name) / "partial" / f"{stem}.jsonl")
        src = JsonSource(self.fetcher, journal, self.manifest)
        params: dict[str, str | int] = {
            "dataInicial": w.start.strftime("%Y%m%d"),
            "dataFinal": w.end.strftime("%Y%m%d"),
            "codigoModalidadeContratacao": mod,
            "pagina": page,
            "tamanhoPagina": self.opts.page_size,
        }
        if self.opts.uf:
            params["uf"] = self.opts.uf.upper()
        if self.opts.municipio:
            params["codigoMunicipioIbge"] = self.opts.municipio
        if self.opts.cnpj:
            params["cnpj"] = re.sub(r"\D", "", self.opts.cnpj)
        data, body = src.get(self.base + CONSULTA, params, kind="contratacoes")
        if data is None or (isinstance(data, dict) and not data.get("data") and page == 1):
            journal.drop()
            return None
        if not isinstance(data, dict) or not isinstance(data.get("data"), list):
            raise HarvestHTTPError(self.base + CONSULTA, f"page {page} of {key} is not a page with a data array")
        records: list[Any] = data["data"]
        self.manifest.pages += 1
        self.manifest.count("contratacoes", len(records))
        item_lines: list[dict[str, Any]] = []
        result_lines: list[dict[str, Any]] = []
        for i, rec in enumerate(records):
            pk = purchase_key(rec)
            if isinstance(pk, str):
                # kept in the page file as received: the ETL rejects it with its own reason
                self.manifest.error(f"{stem}.json $.data[{i}]", f"malformed contratação: {pk}")
                self.manifest.count("malformed", 1)
                continue
            self.purchase(src, pk, item_lines, result_lines, where=f"{stem}.json $.data[{i}]")
        root = self.opts.sources / "pncp"
        written = []
        if result_lines:
            written.append(atomic_write(root / "resultados" / f"resultados-{stem}.jsonl", jsonl(result_lines)))
        if item_lines:
            written.append(atomic_write(root / "itens" / f"itens-{stem}.jsonl", jsonl(item_lines)))
        written.append(atomic_write(root / "contratacoes" / f"contratacoes-{stem}.json", body.encode("utf-8")))
        self.manifest.files.extend(p.relative_to(self.opts.sources).as_posix() for p in written)
        journal.drop()
        total = data.get("totalPaginas")
        left = data.get("paginasRestantes")
        if isinstance(left, int):
            return left <= 0
        if isinstance(total, int):
            return page >= total
        return len(records) < self.opts.page_size

    def purchase(self, src: JsonSource, pk: tuple[str, int, int], item_lines: list[dict[str, Any]],
                 result_lines: list[dict[str, Any]], where: str) -> None:
        cnpj, ano, seq = pk
        url = self.base + ITEMS.format(cnpj=cnpj, ano=ano, seq=seq)
        items: list[Any] = []
        seen: set[Any] = set()
        pagina = 1
        while True:
            try:
                got, _ = src.get(url, {"pagina": pagina, "tamanhoPagina": ITEMS_PAGE}, kind="itens")
            except HarvestHTTPError as exc:
                if exc.status == 404:
                    self.manifest.error(where, f"items: {exc}", status=404)
                    return
                raise
            got = got or []
            if not isinstance(got, list):
                self.manifest.error(where, "items answer is not a JSON array")
                return
            fresh = [it for it in got if not (isinstance(it, dict) and it.get("numeroItem") in seen)]
            seen.update(it.get("numeroItem") for it in got if isinstance(it, dict))
            items.extend(fresh)
            if len(got) < ITEMS_PAGE or not fresh:  # a server that ignores paging repeats page 1
                break
            pagina += 1
        item_lines.append({"cnpj": cnpj, "ano": ano, "sequencial": seq, "response": items})
        self.manifest.count("itens", len(items))
        for it in items:
            if not isinstance(it, dict) or not str(it.get("numeroItem", "")).isdigit():
                self.manifest.error(where, f"item without a numeroItem: {str(it)[:120]}")
                continue
            if it.get("temResultado") is False:
                continue
            n = int(it["numeroItem"])
            try:
                res, _ = src.get(self.base + RESULTS.format(cnpj=cnpj, ano=ano, seq=seq, item=n), kind="resultados")
            except HarvestHTTPError as exc:
                if exc.status == 404:
                    continue  # no result published for the item
                raise
            res = res or []
            if not isinstance(res, list):
                self.manifest.error(where, f"results of item {n} are not a JSON array")
                continue
            if res:
                result_lines.append({"cnpj": cnpj, "ano": ano, "sequencial": seq, "numeroItem": n, "response": res})
                self.manifest.count("resultados", len(res))
