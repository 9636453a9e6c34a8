"""`/console`: the investigator console, in Portuguese: the findings queue and the case pages.

`GET /console` is the queue: a login form until the browser holds an API key (in sessionStorage, never in a
cookie or a URL; the console's own ES modules under `/console/static/console/` send it as `X-API-Key`),
then the findings of `GET /v1/findings` with filters, sorting and pages. `GET /console/me` checks a key
and says its role; `GET /console/cases/{id}/open` (any role) and `/link` (investigator) mint the signed
link a row opens.

`GET /console/cases/{finding_id}` shows one finding as a case: title, score, subject, the evidence table,
the network picture, the source records with links to PNCP and the alerts sent about it. A mail client
sends no API key, so a page opens with a signed link (`?exp=&sig=`, reporting/links.py, as the alert
emails carry) or with an API key (`X-API-Key` / `Authorization: Bearer`, any role). Refusals are pages too
(401/403/404/429), in Portuguese, never JSON. Every asset is served by this process: the stylesheet under
`/console/static`, the picture from `/console/cases/{finding_id}/network.png`; the Content-Security-Policy
lets the page load nothing from anywhere else. With scripts on, the case page draws the interactive network
(cytoscape.js, served from the installed web assets at `/console/vendor/`, data from
`/console/cases/{finding_id}/network.json`) over the static picture, and offers the verdict buttons
(`POST /v1/findings/{id}/verdict`, investigator).
"""

from __future__ import annotations

import json
import logging
import math
import re
from collections.abc import Mapping
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path as FsPath
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Path, Query, Request, Response, Security, status
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse
from fastapi.security import APIKeyHeader, HTTPAuthorizationCredentials, HTTPBearer
from fastapi.templating import Jinja2Templates
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool

from api.deps import AUTH_RESPONSES, InvestigatorKey, ReaderDep, ReaderKey, get_context, get_principal
from api.schemas import FINDING_ID_PATTERN
from core.settings import Settings
from graph.connection import Neo4jAuthFailed, Neo4jUnavailable
from reporting import br, labels
from reporting.keys import Principal
from reporting.links import LinkState, case_link_state, case_path, case_signature, case_url, pncp_url
from reporting.masking import guard, mask_cpf_everywhere, mask_cpf_text

log = logging.getLogger(__name__)

HERE = FsPath(__file__).resolve().parent.parent
TEMPLATES_DIR = HERE / "templates"
STATIC_DIR = HERE / "static"
STATIC_PREFIX = "/console/static"

KIND_PT = {"tender": "Licitação", "supplier": "Fornecedor", "agency": "Órgão", "item": "Item"}
LABEL_KIND = {"Tender": "tender", "Supplier": "supplier", "Agency": "agency", "Item": "item"}
COMPARISON_SIGN = {">": ">", ">=": "≥", "<": "<", "<=": "≤", "==": "=", "!=": "≠"}
VENDOR_PREFIX = "/console/vendor"
# the third-party files the console loads, from settings.web_assets_dir (services/web_assets.py installs them)
VENDOR: dict[str, str] = {"cytoscape.esm.min.mjs": "text/javascript; charset=utf-8"}
# every console page: nothing from another origin, no inline script or style; scripts, styles, pictures and
# the API calls of the console's own modules are this process's
CSP = ("default-src 'none'; script-src 'self'; connect-src 'self'; style-src 'self'; img-src 'self'; "
       "base-uri 'none'; form-action 'none'; frame-ancestors 'none'")
# the short-lived link a reader's click in the queue opens (readers cannot mint the long, shareable ones)
OPEN_LINK_TTL_S = 900
PAGE_HEADERS = {
    "Content-Security-Policy": CSP,
    # a signed link must not leave in a Referer when the auditor follows a link to PNCP
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "private, no-store",
    "X-Robots-Tag": "noindex, nofollow",
    "X-Content-Type-Options": "nosniff",
}

# the pages are HTML for people, out of the OpenAPI schema; the link route is a JSON API route
router = APIRouter(prefix="/console", tags=["console"])

_api_key_header = APIKeyHeader(name="X-API-Key", auto_error=False)
_bearer = HTTPBearer(auto_error=False)


@lru_cache(maxsize=1)
def templates() -> Jinja2Templates:
    t = Jinja2Templates(directory=str(TEMPLATES_DIR))
    t.env.filters.update(numero=br.number, data=br.day, dinheiro=br.money)
    return t


# access -----------------------------------------------------------------------------------------------
async def optional_key(
    request: Request,
    response: Response,
    x_api_key: Annotated[str | None, Security(_api_key_header)] = None,
    bearer: Annotated[HTTPAuthorizationCredentials | None, Security(_bearer)] = None,
) -> Principal | HTTPException | None:
    """The API key's principal when the request carries one, the refusal (401/429) when it is wrong, None
    when there is no key (a signed link then decides)."""
    if not x_api_key and bearer is None:
        return None
    try:
        return await get_principal(request, response, x_api_key, bearer)
    except HTTPException as exc:
        return exc


KeyDep = Annotated[Principal | HTTPException | None, Depends(optional_key)]
ExpQuery = Annotated[str | None, Query(max_length=20, description="signed link: expiry, unix seconds")]
SigQuery = Annotated[str | None, Query(max_length=128, description="signed link: HMAC-SHA256, hex")]


def _client(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def _now() -> datetime:
    return datetime.now(UTC)


def _when(exp: str | None, settings: Settings) -> str:
    """`02/12/2026 às 14:30` in the settings' timezone, for the expiry page."""
    try:
        from zoneinfo import ZoneInfo

        at = datetime.fromtimestamp(int(exp or ""), UTC).astimezone(ZoneInfo(settings.timezone))
    except (ValueError, OverflowError, OSError, KeyError):
        return ""
    return f"{at:%d/%m/%Y} às {at:%H:%M}"


def refusal(request: Request, status_code: int, title: str, message: str, *, hints: list[str] | None = None,
            headers: Mapping[str, str] | None = None) -> HTMLResponse:
    """A Portuguese page for a refused or failed request (the console never answers JSON)."""
    ctx = {"title": title, "message": message, "hints": hints or [], "static": STATIC_PREFIX,
           "status_code": status_code}
    return templates().TemplateResponse(request, "console/refused.html", ctx, status_code=status_code,
                                        headers={**PAGE_HEADERS, **(headers or {})})


def duration_pt(seconds: int) -> str:
    """`604800` -> `7 dias`, `3600` -> `1 hora`, `5400` -> `1,5 hora`, `600` -> `10 minutos`."""
    for size, one, many in ((86400, "dia", "dias"), (3600, "hora", "horas"), (60, "minuto", "minutos")):
        if seconds >= size:
            n = seconds / size
            text = br.number(n, 0) if n.is_integer() else br.number(n, 1)
            return f"{text} {one if n < 2 else many}"
    return f"{seconds} segundos"


def _new_link_hints(settings: Settings, finding_id: str) -> list[str]:
    return [
        f"Os links enviados nos e-mails de alerta valem {duration_pt(settings.console_link_ttl_s)}. Abra o link do "
        "alerta mais recente sobre este caso: cada novo alerta traz um link novo.",
        "Quem tem uma chave de API (perfil leitor ou superior) pode abrir esta mesma página enviando a chave no "
        f"cabeçalho X-API-Key, ou consultar GET /v1/findings/{finding_id} na API.",
        "Se precisar de um link novo agora, peça a um investigador: com a chave de API dele, "
        f"GET /console/cases/{finding_id}/link gera um link novo para este caso.",
    ]


async def authorize(request: Request, finding_id: str, key: Principal | HTTPException | None, exp: str | None,
                    sig: str | None) -> tuple[str, str] | HTMLResponse:
    """`(exp, sig)` of a valid link for this finding (the one given, or a fresh one for a key holder, so the
    page's picture loads without the key), or the refusal page (a 404 page for a text that is no finding id)."""
    bad = _bad_id(request, finding_id)
    if bad is not None:
        return bad
    settings: Settings = request.app.state.settings
    if isinstance(key, Principal):
        exp_new = str(int(_now().timestamp()) + settings.console_link_ttl_s)
        return exp_new, case_signature(settings.key_hash_secret, finding_id, int(exp_new))
    if isinstance(key, HTTPException):
        if key.status_code == status.HTTP_429_TOO_MANY_REQUESTS:
            return _too_many(request, key.headers)
        return refusal(request, key.status_code, "Chave de API recusada",
                       "A chave de API enviada não é válida ou foi revogada.",
                       hints=["Confira a chave ou peça uma nova ao administrador."],
                       headers=key.headers)
    if exp is None and sig is None:
        return refusal(request, status.HTTP_401_UNAUTHORIZED, "Acesso restrito",
                       "Esta página só abre pelo link de um e-mail de alerta ou com uma chave de API.",
                       hints=_new_link_hints(settings, finding_id))
    ctx = await get_context(request)
    address = _client(request)
    verdict = await ctx.auth_limiter.apeek(address)
    if not verdict.allowed:
        return _too_many(request, {"Retry-After": str(verdict.retry_after)})
    state: LinkState = case_link_state(settings, finding_id, exp, sig, now=_now())
    if state == "valid":
        assert exp is not None and sig is not None
        return exp, sig
    if state == "expired":
        when = _when(exp, settings)
        return refusal(request, status.HTTP_401_UNAUTHORIZED, "Link expirado",
                       f"Este link expirou{' em ' + when if when else ''}. Por segurança, os links dos alertas "
                       "têm validade limitada.", hints=_new_link_hints(settings, finding_id))
    ctx.metrics.auth_failures.labels("401").inc()
    await ctx.auth_limiter.ahit(address)
    return refusal(request, status.HTTP_401_UNAUTHORIZED, "Link inválido",
                   "Este link não é válido: pode ter sido copiado pela metade ou alterado.",
                   hints=["Copie o link inteiro do e-mail de alerta (ele termina com ...&sig= e uma sequência de "
                          "letras e números).", *_new_link_hints(settings, finding_id)[1:]])


def _too_many(request: Request, headers: Mapping[str, str] | None) -> HTMLResponse:
    return refusal(request, status.HTTP_429_TOO_MANY_REQUESTS, "Muitas tentativas",
                   "Foram feitas muitas tentativas com links ou chaves inválidos a partir deste endereço.",
                   hints=["Aguarde um minuto e tente de novo."], headers=headers)


def _bad_id(request: Request, finding_id: str) -> HTMLResponse | None:
    if re.fullmatch(FINDING_ID_PATTERN, finding_id):
        return None
    return refusal(request, status.HTTP_404_NOT_FOUND, "Caso não encontrado",
                   "O endereço não corresponde a um caso do licitagraph.")


def _not_found(request: Request) -> HTMLResponse:
    return refusal(request, status.HTTP_404_NOT_FOUND, "Caso não encontrado",
                   "Este caso não existe mais: o achado pode ter sido resolvido e removido numa execução "
                   "posterior do pipeline.",
                   hints=["Consulte os achados atuais do mesmo assunto na API (GET /v1/findings?subject_id=...)."])


# the case -------------------------------------------------------------------------------------------------
def _loads(text: Any, default: Any) -> Any:
    if not text:
        return default
    if not isinstance(text, str):
        return text
    try:
        return json.loads(text)
    except ValueError:
        return default


def _plain_number(x: Any) -> str:
    """A measure value with no known meaning, written the Brazilian way."""
    if isinstance(x, bool):
        return "sim" if x else "não"
    if isinstance(x, int):
        return br.integer(x)
    if isinstance(x, float):
        if not math.isfinite(x):
            return "—"
        if x.is_integer() and abs(x) < 1e15:
            return br.integer(x)
        if abs(x) >= 1:
            return br.number(x, 2)
        return br.number(x, 4).rstrip("0").rstrip(",")  # 0.0123 -> 0,0123; 0.5 -> 0,5
    if x is None or x == "":
        return "—"
    return mask_cpf_text(str(x))


def _with_unit(text: str, value: Any, unit: str) -> str:
    if not unit or text == "—":
        return text
    if unit == "R$" and isinstance(value, int | float) and not isinstance(value, bool):
        return br.money(value)
    if unit.startswith("R$/") and isinstance(value, int | float) and not isinstance(value, bool):
        return f"{br.money(value)}/{unit[3:]}"
    return f"{text} {unit}"


def measure_rows(measures: list[dict[str, Any]]) -> tuple[list[dict[str, str]], list[str]]:
    """The evidence table: one row per measure `{rotulo, frase, valor, limiar, chave}`, and the measure keys
    that have no Portuguese label yet (shown by their key, number formatted the Brazilian way)."""
    rows: list[dict[str, str]] = []
    unlabelled: list[str] = []
    for m in measures:
        if not isinstance(m, dict):
            continue
        key = str(m.get("name") or "")
        try:
            d = labels.describe(m)
            rows.append({"chave": key, "rotulo": d.rotulo, "frase": d.frase, "valor": d.valor, "limiar": d.limiar})
            continue
        except KeyError:
            unlabelled.append(key)
        unit = str(m.get("unit") or "")
        value, threshold = m.get("value"), m.get("threshold")
        valor = _with_unit(_plain_number(value), value, unit)
        limiar = ""
        if threshold is not None and threshold != "":
            op = str(m.get("comparison") or "").strip()
            t = _with_unit(_plain_number(threshold), threshold, unit)
            word = labels.COMPARISON_PT.get(op)
            limiar = f"alerta {word} {t}" if word else (f"{op} {t}" if op else f"referência: {t}")
        rows.append({"chave": key, "rotulo": key, "frase": "", "valor": valor, "limiar": limiar})
    return rows, unlabelled


def _detail_rows(details: Any) -> list[dict[str, str]]:
    """Scalar details of the evidence (nested values are left to the API's JSON), CPFs masked."""
    if not isinstance(details, dict):
        return []
    out = []
    for k, v in sorted(guard(details).items()):
        if isinstance(v, dict | list) or v is None:
            continue
        label = labels.LABELS.get(k)
        valor = labels.fmt(label.kind, v, k) if label else _plain_number(v)
        out.append({"chave": k, "rotulo": label.rotulo if label else k, "valor": valor})
    return out


def _source_row(t: dict[str, Any]) -> dict[str, Any]:
    control = t.get("control_number")
    return {
        "id": t.get("id"), "numero": control or t.get("process_number") or t.get("id"),
        "processo": t.get("process_number") or "—", "objeto": t.get("object") or "—",
        "modalidade": t.get("modality") or "—", "orgao": t.get("agency") or "—",
        "publicada": br.day(t.get("published_at")),
        "estimado": br.money(t.get("estimated_value")), "homologado": br.money(t.get("awarded_value")),
        "pncp": pncp_url(control),
    }


def _sanction_row(s: dict[str, Any]) -> dict[str, Any]:
    return {"cadastro": s.get("registry") or "—", "categoria": s.get("category") or "—",
            "inicio": br.day(s.get("start_date")), "fim": br.day(s.get("end_date")),
            "orgao": s.get("authority") or "—", "sancionado": s.get("subject_name") or "—"}


def _alert_row(a: dict[str, Any]) -> dict[str, Any]:
    score = a.get("score")
    n, sent = int(a.get("recipients") or 0), int(a.get("sent") or 0)
    version = int(a.get("version") or 1)
    return {"quando": br.day(a.get("last_at")), "primeiro": br.day(a.get("first_at")),
            "pontuacao": br.number(score, 2) if isinstance(score, int | float) else "—",
            "versao": version, "motivo": "primeiro alerta" if version <= 1 else "o risco aumentou",
            "destinatarios": br.integer(n), "enviados": br.integer(sent)}


def _subject(subject: dict[str, Any] | None, finding: dict[str, Any]) -> dict[str, Any]:
    kind = finding.get("subject_kind") or LABEL_KIND.get((subject or {}).get("label") or "", "")
    s = subject or {}
    is_pf = s.get("person_type") == "PF"
    name = s.get("name") or s.get("object") or s.get("description") or finding.get("subject_id")
    doc = s.get("document") or s.get("cnpj")
    if doc and str(doc).isdigit() and len(str(doc)) == 14:
        doc = br.cnpj(str(doc))
    out = {"id": finding.get("subject_id"), "tipo": KIND_PT.get(kind, kind or "—"), "nome": name,
           "documento": doc or "", "local": " / ".join(str(x) for x in (s.get("municipality"), s.get("uf")) if x)}
    return guard(out, person=is_pf)


def case_view(row: dict[str, Any]) -> dict[str, Any]:
    """The case page's context from `api/console_get_case`'s row: everything formatted for a Brazilian
    reader. Every CPF-looking number in any text is masked, whatever field it came in (over-masking an
    11-digit phone number on a page is the safe side)."""
    f = guard(dict(row["finding"]))
    measures, unlabelled = measure_rows(_loads(f.get("measures_json"), []))
    score = f.get("score")
    return mask_cpf_everywhere({
        "id": f["id"], "titulo": f.get("title") or f.get("detector") or f["id"],
        "resumo": mask_cpf_text(br.localize(f.get("summary") or "")),
        "pontuacao": br.number(score, 2) if isinstance(score, int | float) else "—",
        "pontuacao_pct": max(0, min(100, round(100 * float(score)))) if isinstance(score, int | float) else 0,
        "detector": f.get("detector") or "—", "versao_detector": f.get("detector_version") or "—",
        "criado": br.day(f.get("created_at")), "carregado": br.day(f.get("loaded_at")),
        "execucao": f.get("run_id") or "—",
        "versao_dados": str(f["tables_version"]) if f.get("tables_version") is not None else "—",
        "n_nos": br.integer(len(f.get("node_ids") or [])),
        "assunto": _subject(row.get("subject"), f),
        "medidas": measures, "sem_rotulo": unlabelled, "detalhes": _detail_rows(_loads(f.get("details_json"), {})),
        "fontes": [_source_row(guard(t)) for t in row.get("sources") or []],
        "sancoes": [_sanction_row(guard(s)) for s in row.get("sanctions") or []],
        "alertas": [_alert_row(a) for a in row.get("alerts") or []],
        # the finding's status (docs/verdicts.md); findings written before the lifecycle have none: "Novo"
        "status": f.get("status") or "",
        "situacao": STATUS_PT.get(str(f.get("status") or "new"), str(f.get("status"))),
    })


def load_case(runner: Any, finding_id: str) -> dict[str, Any] | None:
    rows = runner.read("api/console_get_case", {"id": finding_id})
    return case_view(rows[0]) if rows else None


@router.get("/cases/{finding_id}", response_class=HTMLResponse, summary="Case page of one finding (HTML)",
            include_in_schema=False)
async def case_page(request: Request, finding_id: str, key: KeyDep, exp: ExpQuery = None,
                    sig: SigQuery = None) -> HTMLResponse:
    access = await authorize(request, finding_id, key, exp, sig)
    if isinstance(access, HTMLResponse):
        return access
    ctx = await get_context(request)
    try:
        case = await run_in_threadpool(load_case, ctx.runner, finding_id)
    except (Neo4jUnavailable, Neo4jAuthFailed) as exc:
        log.error("case page: the graph database does not answer: %s", exc)
        return refusal(request, status.HTTP_503_SERVICE_UNAVAILABLE, "Serviço indisponível",
                       "O banco de dados do licitagraph não respondeu. Tente de novo em alguns minutos.",
                       headers={"Retry-After": "60"})
    if case is None:
        return _not_found(request)
    link_exp, link_sig = access
    settings: Settings = request.app.state.settings
    query = f"exp={link_exp}&sig={link_sig}"
    page = {
        "case": case, "static": STATIC_PREFIX, "picture": f"{case_path(finding_id)}/network.png?{query}",
        "network_json": f"{case_path(finding_id)}/network.json?{query}", "vendor": VENDOR_PREFIX,
        "timezone": settings.timezone,
        "expires": _when(link_exp, settings), "via_key": isinstance(key, Principal),
        "share": (f"{settings.api_public_url.rstrip('/')}{case_path(finding_id)}?{query}"
                  if isinstance(key, Principal) else None),
        "api_finding": f"/v1/findings/{finding_id}", "bloom_phrase": f"Achados sobre {case['assunto']['id']}",
        "generated": datetime.now(UTC).strftime("%d/%m/%Y"),
    }
    return templates().TemplateResponse(request, "console/case.html", page, headers=PAGE_HEADERS)


@router.get("/cases/{finding_id}/network.png", summary="Network picture of one finding (PNG)",
            response_class=Response, include_in_schema=False)
async def case_picture(request: Request, finding_id: str, key: KeyDep, exp: ExpQuery = None,
                       sig: SigQuery = None) -> Response:
    access = await authorize(request, finding_id, key, exp, sig)
    if isinstance(access, HTMLResponse):
        return access
    ctx = await get_context(request)
    png = await run_in_threadpool(_picture, request.app.state, ctx, finding_id)
    if png is None:
        return _not_found(request)
    return Response(png, media_type="image/png", headers={"Cache-Control": "private, max-age=300",
                                                          "X-Content-Type-Options": "nosniff"})


PICTURE_CACHE_ENTRIES = 64  # ~100-300 KB each: a few recent cases, not the read cache's thousands


def _picture(state: Any, ctx: Any, finding_id: str) -> bytes | None:
    """The finding's picture, kept (a few) until the graph changes: drawing one takes a while, and an email
    sent to a team opens the same case many times."""
    from reporting import pictures

    def draw() -> bytes | None:
        return pictures.finding_picture(ctx.runner, finding_id)

    cache = getattr(ctx, "console_pictures", None)  # on the context: it goes with the runner it reads
    if cache is None and getattr(ctx, "reader", None) is not None:
        from api.cache import VersionedCache
        from graph.version import data_version

        s: Settings = state.settings
        cache = VersionedCache(lambda: data_version(ctx.runner), ttl_s=s.api_cache_ttl_s,
                               check_s=s.api_cache_check_s, max_entries=PICTURE_CACHE_ENTRIES)
        ctx.console_pictures = cache
    return cache.get(("console-picture", finding_id), draw) if cache is not None else draw()


class CaseLink(BaseModel):
    url: str = Field(description="signed link to the case page, for an email or a chat message")
    expires_at: datetime = Field(description="when the link stops working (LICITAGRAPH_CONSOLE_LINK_TTL_S)")


@router.get("/cases/{finding_id}/link", response_model=CaseLink,
            summary="A new signed link to a finding's case page (investigator)",
            responses={**AUTH_RESPONSES, 404: {"description": "unknown id"}})
async def new_case_link(request: Request, reader: ReaderDep, _: InvestigatorKey,
                        finding_id: Annotated[str, Path(pattern=FINDING_ID_PATTERN,
                                                        examples=["finding:3f1c2a9b8d7e6f5a4b3c"])]) -> CaseLink:
    """The same kind of link the alert emails carry: it opens the case page (and nothing else) without an API
    key until it expires."""
    if await reader.afinding(finding_id) is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no finding {finding_id}")
    settings: Settings = request.app.state.settings
    now = _now()
    return CaseLink(url=case_url(settings, finding_id, now=now),
                    expires_at=datetime.fromtimestamp(int(now.timestamp()) + settings.console_link_ttl_s, UTC))


def _short_link(settings: Settings, finding_id: str, ttl_s: int) -> CaseLink:
    now = _now()
    short = settings.model_copy(update={"console_link_ttl_s": ttl_s})
    return CaseLink(url=case_url(short, finding_id, now=now),
                    expires_at=datetime.fromtimestamp(int(now.timestamp()) + ttl_s, UTC))


@router.get("/cases/{finding_id}/open", response_model=CaseLink, include_in_schema=False)
async def open_case_link(request: Request, reader: ReaderDep, _: ReaderKey,
                         finding_id: Annotated[str, Path(pattern=FINDING_ID_PATTERN)]) -> CaseLink:
    """The link a click in the queue opens, for any role: a navigation sends no `X-API-Key`, so the queue's
    script asks for a signed link first. It lives OPEN_LINK_TTL_S (15 minutes): readers may open cases, not
    mint the week-long links an investigator shares (`/link`)."""
    if await reader.afinding(finding_id) is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no finding {finding_id}")
    settings: Settings = request.app.state.settings
    return _short_link(settings, finding_id, min(OPEN_LINK_TTL_S, settings.console_link_ttl_s))


# the queue, the login and the interactive network -----------------------------------------------------------
STATUS_PT = {"new": "Novo", "under_review": "Em análise", "confirmed": "Confirmado", "dismissed": "Descartado",
             "superseded": "Substituído"}


class ConsoleUser(BaseModel):
    key_id: str
    name: str
    role: str = Field(description="reader, investigator or admin")
    can_judge: bool = Field(description="whether the key may record verdicts (investigator or above)")


@router.get("", response_class=HTMLResponse, include_in_schema=False)
async def queue_page(request: Request) -> HTMLResponse:
    """The console's front page: the login form, then the findings queue (both drawn by
    /console/static/console/queue.js; with scripts off, the page says it needs them)."""
    settings: Settings = request.app.state.settings
    ctx = {"static": STATIC_PREFIX, "timezone": settings.timezone, "status_pt": STATUS_PT}
    return templates().TemplateResponse(request, "console/queue.html", ctx, headers=PAGE_HEADERS)


@router.get("/me", response_model=ConsoleUser, include_in_schema=False)
async def whoami(principal: ReaderKey) -> ConsoleUser:
    """The key's holder and role: what the login form checks before it keeps the key in sessionStorage
    (401 for a wrong key, counted towards the address's limit of failed authentications, as everywhere)."""
    from reporting.keys import Role

    return ConsoleUser(key_id=principal.key_id, name=principal.name, role=principal.role.name,
                       can_judge=principal.can(Role.investigator))


def _masked_network(net: dict[str, Any]) -> dict[str, Any]:
    """The network with every CPF-looking number in its texts masked (ids and edge ends stay as they are:
    the graph's person ids already hold masked CPFs)."""
    keep = {"id", "src", "dst", "finding_id", "subject_id"}

    def clean(d: dict[str, Any]) -> dict[str, Any]:
        return {k: (v if k in keep or not isinstance(v, str) else mask_cpf_text(v)) for k, v in guard(d).items()}

    return {**clean({k: v for k, v in net.items() if k not in ("nodes", "edges")}),
            "nodes": [clean(n) for n in net.get("nodes") or []], "edges": [clean(e) for e in net.get("edges") or []]}


@router.get("/cases/{finding_id}/network.json", include_in_schema=False)
async def case_network(request: Request, finding_id: str, key: KeyDep, exp: ExpQuery = None,
                       sig: SigQuery = None) -> Response:
    """The finding's structure for the case page's interactive drawing: `reporting.pictures.finding_network`'s
    shape (as `GET /v1/findings/{id}/network`), opened by the same link or key as the page."""
    access = await authorize(request, finding_id, key, exp, sig)
    if isinstance(access, HTMLResponse):
        return access
    from reporting.pictures import finding_network

    ctx = await get_context(request)
    net = await run_in_threadpool(finding_network, ctx.runner, finding_id)
    if net is None:
        return JSONResponse({"detail": f"no finding {finding_id}"}, status_code=status.HTTP_404_NOT_FOUND,
                            headers={"Cache-Control": "private, no-store"})
    return JSONResponse(_masked_network(net), headers={"Cache-Control": "private, no-store",
                                                       "X-Content-Type-Options": "nosniff"})


@router.get(VENDOR_PREFIX.removeprefix("/console") + "/{name}", include_in_schema=False)
async def vendor(request: Request, name: Annotated[str, Path(max_length=40)]) -> FileResponse:
    """cytoscape.js, from the installed web assets (a fixed list: no path from the request reaches the disk)."""
    if name not in VENDOR:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "no such file")
    path = request.app.state.settings.web_assets_dir / name
    if not path.is_file():
        raise HTTPException(status.HTTP_503_SERVICE_UNAVAILABLE,
                            f"{name} is not installed; run `licitagraph services install`")
    return FileResponse(path, media_type=VENDOR[name], headers={"Cache-Control": "public, max-age=86400",
                                                                "X-Content-Type-Options": "nosniff"})
