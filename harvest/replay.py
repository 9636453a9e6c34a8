"""A local server that plays the public sources back, with their faults, for tests, benchmarks and the demo.

It answers the same paths as the real services (one host for all of them, so `--base-url` is the same
for every source):

- PNCP consulta `/api/consulta/v1/contratacoes/publicacao` (required filters, pages of at most 50, HTTP 204
  when nothing matches) and `/api/pncp/v1/orgaos/{cnpj}/compras/{ano}/{seq}/itens[/{n}/resultados]`;
- Compras.gov.br `/modulo-contratacoes/3_consultarResultadoItensContratacoes_PNCP_14133`;
- Receita `/dados/cnpj/dados_abertos_cnpj/` (month folders, zips, HTTP Range, ETag/If-Range);
- Portal da Transparência `/download-de-dados/{ceis,cnep}/{YYYYMMDD}` (a zip holding the CSV).

The records are built in the shapes of the real responses: with `samples` (the `formats` folder of the
shared data) the real PNCP records of `pncp/real_responses` are the templates, re-dated and renumbered;
without it a built-in record of the same shape is. Every record is deterministic in the seed.

Faults (`Faults`): a rate cap answered with 429 + Retry-After (and requests arriving before the Retry-After
has passed are counted as violations), random 429s, 5xx, stalls longer than the client's timeout, and
bodies cut short (connection closed before Content-Length, or a shorter body that is not valid JSON).
Each URL fails at most `max_faults_per_url` times, so a client that retries always gets every answer.
"""

from __future__ import annotations

import copy
import csv
import hashlib
import io
import json
import logging
import random
import re
import threading
import time
import urllib.parse
import zipfile
from dataclasses import asdict, dataclass, field
from datetime import date, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

CNPJ_ROOT = "/dados/cnpj/dados_abertos_cnpj/"


# --- identifiers ---------------------------------------------------------------------------------------


def cnpj_dv(base12: str) -> str:
    """The 14-digit CNPJ with its two check digits."""
    digits = [int(c) for c in base12]
    for weights in ([5, 4, 3, 2, 9, 8, 7, 6, 5, 4, 3, 2], [6, 5, 4, 3, 2, 9, 8, 7, 6, 5, 4, 3, 2]):
        s = sum(d * w for d, w in zip(digits, weights, strict=False))
        r = s % 11
        digits.append(0 if r < 2 else 11 - r)
    return "".join(map(str, digits))


# --- the world ---------------------------------------------------------------------------------------

_TEMPLATE: dict[str, Any] = {
    "amparoLegal": {"codigo": 1, "descricao": "pregão", "nome": "Lei 14.133/2021, Art. 28, I"},
    "anoCompra": 2025, "dataAberturaProposta": None, "dataAtualizacao": None, "dataAtualizacaoGlobal": None,
    "dataEncerramentoProposta": None, "dataInclusao": None, "dataPublicacaoPncp": None,
    "emendaParlamentar": None, "fontesOrcamentarias": [], "informacaoComplementar": "",
    "justificativaPresencial": None, "linkProcessoEletronico": None, "linkSistemaOrigem": None,
    "modalidadeId": 6, "modalidadeNome": "Pregão - Eletrônico", "modoDisputaId": 1, "modoDisputaNome": "Aberto",
    "numeroCompra": "90001", "numeroControlePNCP": "", "objetoCompra": "Aquisição de material de consumo",
    "orgaoEntidade": {"cnpj": "", "esferaId": "E", "poderId": "E", "razaoSocial": ""},
    "orgaoSubRogado": None, "processo": "", "sequencialCompra": 1, "situacaoCompraId": 1,
    "situacaoCompraNome": "Divulgada no PNCP", "srp": False, "tipoInstrumentoConvocatorioCodigo": 1,
    "tipoInstrumentoConvocatorioNome": "Edital",
    "unidadeOrgao": {"codigoIbge": "5208707", "codigoUnidade": "1", "municipioNome": "Goiânia",
                     "nomeUnidade": "", "ufNome": "Goiás", "ufSigla": "GO"},
    "unidadeSubRogada": None, "usuarioNome": "licitagraph replay", "valorTotalEstimado": 0.0,
    "valorTotalHomologado": None,
}
MODALITY_NAMES = {4: "Concorrência - Eletrônica", 6: "Pregão - Eletrônico", 8: "Dispensa", 9: "Inexigibilidade"}
_GOODS = [("Papel A4 75g/m2", "RESMA", 25.0), ("Caneta esferográfica azul", "UNIDADE", 1.2),
          ("Café torrado e moído 500g", "PACOTE", 18.0), ("Serviço de manutenção predial", "MÊS", 35000.0),
          ("Notebook 14 polegadas", "UNIDADE", 4800.0), ("Gasolina comum", "LITRO", 6.1),
          ("Merenda escolar: arroz tipo 1 5kg", "PACOTE", 27.5), ("Locação de veículo", "DIÁRIA", 210.0)]


@dataclass
class World:
    """What the server serves, generated from a seed (and real templates when `samples` is given)."""

    start: date
    days: int = 3
    per_day: int = 40  # contratações a day, spread over modalities 4, 6, 8 and 9
    seed: int = 7
    malformed_every: int = 0  # every n-th contratação is malformed (no control number, no agency)
    samples: Path | None = None
    cnpj_months: tuple[str, ...] = ("2025-01", "2025-02")
    contratacoes: list[dict[str, Any]] = field(default_factory=list)
    items: dict[tuple[str, int, int], list[dict[str, Any]]] = field(default_factory=dict)
    results: dict[tuple[str, int, int, int], list[dict[str, Any]]] = field(default_factory=dict)
    compras_results: list[dict[str, Any]] = field(default_factory=list)
    suppliers: list[tuple[str, str]] = field(default_factory=list)
    files: dict[str, bytes] = field(default_factory=dict)  # path -> body (cnpj zips, sanction zips)
    sanctioned: list[tuple[str, str]] = field(default_factory=list)  # (CNPJ, name) in CEIS, then in CNEP

    def build(self) -> World:
        rng = random.Random(self.seed)
        templates = self._templates()
        agencies = [(cnpj_dv(f"{rng.randrange(10**7, 10**8)}0001"), f"SECRETARIA DE ESTADO {i + 1} - GO")
                    for i in range(6)]
        self.suppliers = [(cnpj_dv(f"{rng.randrange(10**7, 10**8)}0001"), f"FORNECEDORA {i + 1:03d} LTDA")
                          for i in range(40)]
        seq_by_agency: dict[str, int] = {}
        n = 0
        for d in range(self.days):
            day = self.start + timedelta(days=d)
            for k in range(self.per_day):
                n += 1
                rec = copy.deepcopy(templates[(n - 1) % len(templates)])
                cnpj, name = agencies[rng.randrange(len(agencies))]
                seq = seq_by_agency[cnpj] = seq_by_agency.get(cnpj, 0) + 1
                mod = (4, 6, 6, 8, 8, 9)[rng.randrange(6)]
                ts = datetime(day.year, day.month, day.day, 8 + k % 10, (7 * k) % 60, k % 60).isoformat()
                rec.update({
                    "anoCompra": day.year, "sequencialCompra": seq, "numeroCompra": f"{seq:05d}",
                    "numeroControlePNCP": f"{cnpj}-1-{seq:06d}/{day.year}", "modalidadeId": mod,
                    "modalidadeNome": MODALITY_NAMES[mod], "dataPublicacaoPncp": ts, "dataInclusao": ts,
                    "dataAtualizacao": ts, "processo": f"2025{n:08d}",
                })
                rec["orgaoEntidade"] = {**(rec.get("orgaoEntidade") or {}), "cnpj": cnpj, "razaoSocial": name}
                uf = "GO" if k % 8 else "DF"
                rec["unidadeOrgao"] = {**(rec.get("unidadeOrgao") or {}), "ufSigla": uf,
                                       "ufNome": "Goiás" if uf == "GO" else "Distrito Federal",
                                       "codigoIbge": "5208707" if uf == "GO" else "5300108",
                                       "municipioNome": "Goiânia" if uf == "GO" else "Brasília"}
                key = (cnpj, day.year, seq)
                items, total = [], 0.0
                for i in range(1, 1 + rng.randrange(1, 5)):
                    desc, unit, price = _GOODS[rng.randrange(len(_GOODS))]
                    qty = float(rng.randrange(1, 200))
                    est = round(price * (0.8 + rng.random() * 0.4), 2)
                    has = mod != 4 or rng.random() < 0.7
                    items.append({
                        "numeroItem": i, "descricao": desc, "materialOuServico": "S" if "Serviço" in desc else "M",
                        "quantidade": qty, "unidadeMedida": unit, "valorUnitarioEstimado": est,
                        "valorTotal": round(est * qty, 2), "criterioJulgamentoId": 1,
                        "situacaoCompraItemId": 2 if has else 1, "catalogo": "Compras.gov.br",
                        "catalogoCodigoItem": str(100000 + rng.randrange(900000)), "ncmNbsCodigo": None,
                        "temResultado": has,
                    })
                    total += est * qty
                    if has:
                        bidders = rng.sample(self.suppliers, 4)
                        offers = sorted(round(est * (0.7 + rng.random() * 0.5), 2) for _ in bidders)
                        win_doc, win_name = bidders[0]
                        res = {
                            "niFornecedor": win_doc, "tipoPessoa": "PJ", "nomeRazaoSocialFornecedor": win_name,
                            "porteFornecedorId": 1 + rng.randrange(3), "quantidadeHomologada": qty,
                            "valorUnitarioHomologado": offers[0], "valorTotalHomologado": round(offers[0] * qty, 2),
                            "percentualDesconto": round(100 * (1 - offers[0] / est), 2),
                            "dataResultado": (day + timedelta(days=10)).isoformat(),
                        }
                        self.results[(cnpj, day.year, seq, i)] = [res]
                        if mod in (6, 8):  # the federal compras module: every classified proposal
                            for rank, ((doc, nm), off) in enumerate(zip(bidders, offers, strict=True), 1):
                                self.compras_results.append({
                                    "idContratacaoPNCP": rec["numeroControlePNCP"], "numeroItemPncp": i,
                                    "sequencialResultado": rank, "niFornecedor": doc, "tipoPessoa": "PJ",
                                    "nomeRazaoSocialFornecedor": nm, "ordemClassificacaoSrp": rank,
                                    "quantidadeHomologada": qty, "valorUnitarioHomologado": off,
                                    "valorTotalHomologado": round(off * qty, 2),
                                    "situacaoCompraItemResultadoId": 1, "situacaoCompraItemResultadoNome": "Informado",
                                    "dataResultadoPncp": (day + timedelta(days=1)).isoformat() + "T10:00:00",
                                })
                self.items[key] = items
                rec["valorTotalEstimado"] = round(total, 2)
                if self.malformed_every and n % self.malformed_every == 0:
                    rec["numeroControlePNCP"] = None
                    rec["orgaoEntidade"] = None
                    rec["valorTotalEstimado"] = "12,5 mil"
                self.contratacoes.append(rec)
        self._cnpj_files(rng)
        self._sanction_files()
        return self

    def _templates(self) -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = []
        if self.samples is not None:
            for p in sorted((self.samples / "pncp" / "real_responses").glob("*.json")):
                data = json.loads(p.read_text(encoding="utf-8"))
                out.extend(r for r in (data if isinstance(data, list) else data.get("data", [])) if isinstance(r, dict))
        return out or [_TEMPLATE]

    # Receita CNPJ: per month, the suppliers' Empresas/Estabelecimentos/Socios and the code tables
    def _cnpj_files(self, rng: random.Random) -> None:
        for month in self.cnpj_months:
            emp, est, soc = io.StringIO(), io.StringIO(), io.StringIO()
            we, wt, ws = (csv.writer(x, delimiter=";", quoting=csv.QUOTE_ALL, lineterminator="\n")
                          for x in (emp, est, soc))
            for i, (doc, name) in enumerate(self.suppliers):
                basico = doc[:8]
                we.writerow([basico, name, "2062", "49", f"{10000 + 1000 * i},00", "01", ""])
                founded = (date(2010, 1, 1) + timedelta(days=97 * i)).strftime("%Y%m%d")
                wt.writerow([basico, doc[8:12], doc[12:], "1", "", "02", founded, "00", "", "", founded, "4761003",
                             "", "RUA", f"RUA {i % 7 + 1}", str(100 + i), "", "SETOR CENTRAL", "74000000", "GO",
                             "9373", "62", f"3{rng.randrange(10**6, 10**7)}", "", "", "", "",
                             f"contato{i}@fornecedora.com.br", "", ""])
                partner = i // 2  # consecutive suppliers share a partner
                ws.writerow([basico, "2", f"SOCIO {partner:03d}", f"***{100000 + partner:06d}**", "49",
                             "20150101", "", "***000000**", "", "00", "5"])
            tables = {"Empresas0.zip": emp.getvalue(), "Estabelecimentos0.zip": est.getvalue(),
                      "Socios0.zip": soc.getvalue(),
                      "Municipios.zip": '"9373";"GOIANIA"\n"9701";"BRASILIA"\n',
                      "Qualificacoes.zip": '"49";"Sócio-Administrador"\n'}
            for name, text in tables.items():
                self.files[f"{CNPJ_ROOT}{month}/{name}"] = _zip(name.replace(".zip", ".csv").upper(),
                                                                text.encode("iso-8859-1"))

    # CEIS / CNEP: one file a day; the supplier that won most is sanctioned (CEIS), the next one fined (CNEP)
    def _sanction_files(self) -> None:
        wins: dict[str, int] = {}
        for res in self.results.values():
            for r in res:
                wins[r["niFornecedor"]] = wins.get(r["niFornecedor"], 0) + 1
        ranked = sorted(self.suppliers, key=lambda s: (-wins.get(s[0], 0), s[0]))
        self.sanctioned = ranked[:2]
        header = ["CADASTRO", "CÓDIGO DA SANÇÃO", "TIPO DE PESSOA", "CPF OU CNPJ DO SANCIONADO",
                  "NOME DO SANCIONADO", "NOME INFORMADO PELO ÓRGÃO SANCIONADOR", "RAZÃO SOCIAL - CADASTRO RECEITA",
                  "NOME FANTASIA - CADASTRO RECEITA", "NÚMERO DO PROCESSO", "CATEGORIA DA SANÇÃO",
                  "DATA INÍCIO SANÇÃO", "DATA FINAL SANÇÃO", "DATA PUBLICAÇÃO", "PUBLICAÇÃO",
                  "DETALHAMENTO DO MEIO DE PUBLICAÇÃO", "DATA DO TRÂNSITO EM JULGADO", "ABRAGÊNCIA DA SANÇÃO",
                  "ÓRGÃO SANCIONADOR", "UF ÓRGÃO SANCIONADOR", "ESFERA ÓRGÃO SANCIONADOR", "FUNDAMENTAÇÃO LEGAL",
                  "DATA ORIGEM INFORMAÇÃO", "ORIGEM INFORMAÇÕES", "OBSERVAÇÕES"]
        for reg, (doc, name) in zip(("ceis", "cnep"), self.sanctioned, strict=True):
            cols = header if reg == "ceis" else [*header[:10], "VALOR DA MULTA", *header[10:]]
            buf = io.StringIO()
            w = csv.writer(buf, delimiter=";", quoting=csv.QUOTE_ALL, lineterminator="\r\n")
            w.writerow(cols)
            row = {c: "" for c in cols}
            row.update({"CADASTRO": reg.upper(), "CÓDIGO DA SANÇÃO": "1", "TIPO DE PESSOA": "J",
                        "CPF OU CNPJ DO SANCIONADO": doc, "NOME DO SANCIONADO": name,
                        "CATEGORIA DA SANÇÃO": "Impedimento/proibição de contratar", "NÚMERO DO PROCESSO": "1/2024",
                        "DATA INÍCIO SANÇÃO": "01/01/2024", "DATA FINAL SANÇÃO": "31/12/2030",
                        "ÓRGÃO SANCIONADOR": "CONTROLADORIA-GERAL DO ESTADO", "UF ÓRGÃO SANCIONADOR": "GO",
                        "VALOR DA MULTA": "150000,00"})
            w.writerow([row[c] for c in cols])
            for d in range(self.days + 3):
                day = (self.start + timedelta(days=d)).strftime("%Y%m%d")
                self.files[f"/download-de-dados/{reg}/{day}"] = _zip(f"{day}_{reg.upper()}.csv",
                                                                     buf.getvalue().encode("iso-8859-1"))


def _zip(member: str, data: bytes) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        info = zipfile.ZipInfo(member, date_time=(2025, 1, 1, 0, 0, 0))
        zf.writestr(info, data, compress_type=zipfile.ZIP_DEFLATED)
    return out.getvalue()


# --- faults ------------------------------------------------------------------------------------------


@dataclass
class Faults:
    rate_limit_rps: float = 0.0  # above this rate the server answers 429 (0: no cap)
    burst: int = 5
    retry_after_s: float = 1.0
    p_429: float = 0.0
    p_5xx: float = 0.0
    p_timeout: float = 0.0
    stall_s: float = 2.0  # how long a "timeout" answer stalls (set above the client's timeout)
    p_truncate: float = 0.0
    max_faults_per_url: int = 2
    seed: int = 0

    @classmethod
    def flaky(cls, stall_s: float = 1.0, retry_after_s: float = 0.2) -> Faults:
        """Some of everything: the mix the tests and the benchmark use."""
        return cls(p_429=0.03, p_5xx=0.05, p_timeout=0.02, p_truncate=0.05, stall_s=stall_s,
                   retry_after_s=retry_after_s)


@dataclass
class Stats:
    requests: int = 0
    by_path: dict[str, int] = field(default_factory=dict)
    faults: dict[str, int] = field(default_factory=dict)
    throttled: int = 0
    early: int = 0  # requests that came before the Retry-After the server had given had passed
    ranges: int = 0


class _State:
    def __init__(self, world: World, faults: Faults) -> None:
        self.world, self.faults = world, faults
        self.stats = Stats()
        self.lock = threading.Lock()
        self.attempts: dict[str, int] = {}
        self.fault_count: dict[str, int] = {}
        self.tokens = float(faults.burst)
        self.last = time.monotonic()
        self.blocked_until = 0.0

    def throttle(self) -> float | None:
        """Retry-After seconds when this request must be refused by the rate cap, else None."""
        f = self.faults
        now = time.monotonic()
        with self.lock:
            if now < self.blocked_until:
                self.stats.early += 1
                return max(0.0, self.blocked_until - now)
            if f.rate_limit_rps <= 0:
                return None
            self.tokens = min(float(f.burst), self.tokens + (now - self.last) * f.rate_limit_rps)
            self.last = now
            if self.tokens >= 1.0:
                self.tokens -= 1.0
                return None
            self.blocked_until = now + f.retry_after_s
            return f.retry_after_s

    def fault(self, key: str) -> str | None:
        f = self.faults
        with self.lock:
            n = self.attempts[key] = self.attempts.get(key, 0) + 1
            if self.fault_count.get(key, 0) >= f.max_faults_per_url:
                return None
            h = int(hashlib.sha256(f"{f.seed}|{key}|{n}".encode()).hexdigest()[:12], 16) / float(1 << 48)
            edges = [("429", f.p_429), ("5xx", f.p_5xx), ("timeout", f.p_timeout), ("truncate", f.p_truncate)]
            acc = 0.0
            for name, p in edges:
                acc += p
                if h < acc:
                    self.fault_count[key] = self.fault_count.get(key, 0) + 1
                    self.stats.faults[name] = self.stats.faults.get(name, 0) + 1
                    if name == "429":
                        self.blocked_until = max(self.blocked_until, time.monotonic() + f.retry_after_s)
                    return name
        return None


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body go out at once (no 40 ms delayed-ACK stall a request)

    def log_message(self, format: str, *args: Any) -> None:
        log.debug("replay: " + format, *args)

    def do_GET(self) -> None:
        st = self.server.state
        url = urllib.parse.urlsplit(self.path)
        q = {k: v[-1] for k, v in urllib.parse.parse_qs(url.query).items()}
        with st.lock:
            st.stats.requests += 1
            bucket = re.sub(r"/\d[\d/-]*", "/*", url.path)
            st.stats.by_path[bucket] = st.stats.by_path.get(bucket, 0) + 1
        if url.path == "/_stats":
            self._send(200, json.dumps(asdict(st.stats)).encode(), "application/json")
            return
        wait = st.throttle()
        if wait is not None:
            with st.lock:
                st.stats.throttled += 1
            self._send(429, b'{"message":"Too Many Requests"}', "application/json",
                       {"Retry-After": _fmt_seconds(wait)})
            return
        fault = st.fault(self.path)
        if fault == "429":
            self._send(429, b"{}", "application/json", {"Retry-After": _fmt_seconds(st.faults.retry_after_s)})
            return
        if fault == "5xx":
            self._send(503, b"<html>Service Unavailable</html>", "text/html")
            return
        if fault == "timeout":
            time.sleep(st.faults.stall_s)
        try:
            status, body, ctype, headers = self._route(url.path, q)
        except _NotFound:
            self._send(404, b'{"message":"not found"}', "application/json")
            return
        except _BadRequest as exc:
            self._send(400, json.dumps({"message": str(exc)}).encode(), "application/json")
            return
        if fault == "truncate" and len(body) > 8 and status in (200, 206):
            self._truncated(status, body, ctype, headers)
            return
        self._send(status, body, ctype, headers)

    # --- routes ----------------------------------------------------------------------------------

    def _route(self, path: str, q: dict[str, str]) -> tuple[int, bytes, str, dict[str, str]]:
        w = self.server.state.world
        if path == "/api/consulta/v1/contratacoes/publicacao":
            return self._contratacoes(w, q)
        m = re.fullmatch(r"/api/pncp/v1/orgaos/(\d{14})/compras/(\d{4})/(\d+)/itens(?:/(\d+)/resultados)?", path)
        if m:
            key = (m.group(1), int(m.group(2)), int(m.group(3)))
            if key not in w.items:
                raise _NotFound
            if m.group(4) is None:
                page, size = int(q.get("pagina", 1)), int(q.get("tamanhoPagina", 1000))
                return 200, _json(w.items[key][(page - 1) * size: page * size]), "application/json", {}
            res = w.results.get((*key, int(m.group(4))))
            if res is None:
                raise _NotFound
            return 200, _json(res), "application/json", {}
        if path == "/modulo-contratacoes/3_consultarResultadoItensContratacoes_PNCP_14133":
            return self._compras(w, q)
        if path.startswith(CNPJ_ROOT):
            return self._cnpj(w, path)
        if path.startswith("/download-de-dados/"):
            body = w.files.get(path.rstrip("/"))
            if body is None:
                raise _NotFound
            return self._file(body, "application/zip", path.rsplit("/", 1)[-1] + ".zip")
        raise _NotFound

    def _contratacoes(self, w: World, q: dict[str, str]) -> tuple[int, bytes, str, dict[str, str]]:
        for p in ("dataInicial", "dataFinal", "codigoModalidadeContratacao", "pagina"):
            if p not in q:
                raise _BadRequest(f"parameter {p} is required")
        size = int(q.get("tamanhoPagina", 50))
        if not 10 <= size <= 50:
            raise _BadRequest("tamanhoPagina must be between 10 and 50")
        d0, d1 = q["dataInicial"], q["dataFinal"]
        mod = int(q["codigoModalidadeContratacao"])

        def keep(r: dict[str, Any]) -> bool:
            day = str(r.get("dataPublicacaoPncp") or "")[:10].replace("-", "")
            u = r.get("unidadeOrgao") or {}
            o = r.get("orgaoEntidade") or {}
            return (d0 <= day <= d1 and r.get("modalidadeId") == mod
                    and ("uf" not in q or u.get("ufSigla") == q["uf"])
                    and ("codigoMunicipioIbge" not in q or str(u.get("codigoIbge")) == q["codigoMunicipioIbge"])
                    and ("cnpj" not in q or o.get("cnpj") == q["cnpj"]))

        rows = [r for r in w.contratacoes if keep(r)]
        if not rows:
            return 204, b"", "application/json", {}
        page = int(q["pagina"])
        total_pages = -(-len(rows) // size)
        body = {"data": rows[(page - 1) * size: page * size], "totalRegistros": len(rows),
                "totalPaginas": total_pages, "numeroPagina": page,
                "paginasRestantes": max(0, total_pages - page), "empty": False}
        return 200, _json(body), "application/json", {}

    def _compras(self, w: World, q: dict[str, str]) -> tuple[int, bytes, str, dict[str, str]]:
        for p in ("dataResultadoPncpInicial", "dataResultadoPncpFinal"):
            if p not in q:
                raise _BadRequest(f"parameter {p} is required")
        size = int(q.get("tamanhoPagina", 10))
        if not 1 <= size <= 500:
            raise _BadRequest("tamanhoPagina must be at most 500")
        d0, d1 = q["dataResultadoPncpInicial"], q["dataResultadoPncpFinal"]
        rows = [r for r in w.compras_results if d0 <= r["dataResultadoPncp"][:10] <= d1]
        page = int(q.get("pagina", 1))
        total_pages = -(-len(rows) // size)
        body = {"resultado": rows[(page - 1) * size: page * size], "totalRegistros": len(rows),
                "totalPaginas": total_pages, "paginasRestantes": max(0, total_pages - page)}
        return 200, _json(body), "application/json", {}

    def _cnpj(self, w: World, path: str) -> tuple[int, bytes, str, dict[str, str]]:
        rest = path[len(CNPJ_ROOT):]
        if rest == "":
            months = sorted({p[len(CNPJ_ROOT):].split("/")[0] for p in w.files if p.startswith(CNPJ_ROOT)})
            return 200, _index([f"{m}/" for m in months]), "text/html", {}
        if rest.endswith("/"):
            names = sorted(p.rsplit("/", 1)[1] for p in w.files if p.startswith(CNPJ_ROOT + rest))
            if not names:
                raise _NotFound
            return 200, _index(names), "text/html", {}
        body = w.files.get(path)
        if body is None:
            raise _NotFound
        return self._file(body, "application/zip", None)

    def _file(self, body: bytes, ctype: str, filename: str | None) -> tuple[int, bytes, str, dict[str, str]]:
        etag = '"' + hashlib.sha256(body).hexdigest()[:16] + '"'
        headers = {"ETag": etag, "Accept-Ranges": "bytes"}
        if filename:
            headers["Content-Disposition"] = f'attachment; filename="{filename}"'
        rng = self.headers.get("Range")
        if_range = self.headers.get("If-Range")
        if rng and (not if_range or if_range == etag):
            m = re.fullmatch(r"bytes=(\d+)-(\d*)", rng.strip())
            if m:
                start = int(m.group(1))
                end = int(m.group(2)) if m.group(2) else len(body) - 1
                if start >= len(body):
                    return 416, b"", ctype, {**headers, "Content-Range": f"bytes */{len(body)}"}
                with self.server.state.lock:
                    self.server.state.stats.ranges += 1
                return 206, body[start:end + 1], ctype, {**headers,
                                                         "Content-Range": f"bytes {start}-{end}/{len(body)}"}
        return 200, body, ctype, headers

    # --- sending ---------------------------------------------------------------------------------

    def _send(self, status: int, body: bytes, ctype: str, headers: dict[str, str] | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        if body:
            self.wfile.write(body)

    def _truncated(self, status: int, body: bytes, ctype: str, headers: dict[str, str]) -> None:
        cut = body[: len(body) // 2]
        if ctype == "application/json" and hashlib.sha256(body).digest()[0] % 2:
            self._send(status, cut, ctype, headers)  # a short body that says it is whole: not valid JSON
            return
        self.send_response(status)  # declares the whole length, sends half, hangs up
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        for k, v in headers.items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(cut)
        self.wfile.flush()
        self.close_connection = True


class _NotFound(Exception):
    pass


class _BadRequest(Exception):
    pass


def _json(obj: Any) -> bytes:
    return json.dumps(obj, ensure_ascii=False).encode("utf-8")


def _fmt_seconds(s: float) -> str:
    # whole seconds are what RFC 9110 allows; the tests use fractions to stay fast (the client takes both)
    return str(int(s)) if float(s).is_integer() else f"{s:.3f}"


def _index(names: list[str]) -> bytes:
    links = "".join(f'<a href="{n}">{n}</a>\n' for n in names)
    return f"<html><body><pre>\n{links}</pre></body></html>".encode()


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    state: _State

    def handle_error(self, request: Any, client_address: Any) -> None:
        import sys

        exc = sys.exc_info()[1]
        if isinstance(exc, ConnectionError):  # the client gave up on a stalled answer: expected
            return
        super().handle_error(request, client_address)


class ReplayServer:
    """The replay server in a background thread: `with ReplayServer(world) as srv: srv.url`."""

    def __init__(self, world: World, faults: Faults | None = None, host: str = "127.0.0.1", port: int = 0) -> None:
        self.server = _Server((host, port), _Handler)
        self.server.state = _State(world, faults or Faults())
        self.thread = threading.Thread(target=self.server.serve_forever, name="replay", daemon=True)

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host!s}:{port}"

    @property
    def stats(self) -> Stats:
        return self.server.state.stats

    @property
    def faults(self) -> Faults:
        return self.server.state.faults

    def start(self) -> ReplayServer:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def __enter__(self) -> ReplayServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
