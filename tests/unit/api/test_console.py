"""The console's case page with no servers: a RecordingRunner answers the case query, the app's context is a
stand-in. Signed links, API keys, refusal pages in Portuguese, Brazilian formats, masked CPFs, and no asset
from anywhere but the API itself."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta
from html.parser import HTMLParser
from types import SimpleNamespace
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from fastapi import HTTPException
from fastapi.testclient import TestClient

from api.ratelimit import Verdict
from core.settings import Settings
from graph.runner import RecordingRunner
from reporting.keys import Principal, Role
from reporting.links import case_url

FID = "finding:0123456789abcdef0123"
CTRL = "01409580000138-1-000042/2025"
FULL_CPF = "12345678901"


def case_row() -> dict[str, Any]:
    return {
        "finding": {
            "id": FID, "detector": "overpricing", "detector_version": "1.2.0", "subject_kind": "item",
            "subject_id": f"item:{CTRL}:1", "score": 0.87, "title": "Sobrepreço em item de compra",
            "summary": "Preço unitário de R$ 1,234.50 contra mediana de R$ 259.30 (4.76 vezes).",
            "measures_json": json.dumps([
                {"name": "unit_price_ratio", "value": 4.7612, "threshold": 3.0, "comparison": ">"},
                {"name": "unit_value", "value": 1234.5, "threshold": None},
                {"name": "brand_new_measure", "value": 0.0123, "threshold": 0.5, "comparison": "<", "unit": ""},
                {"name": "total_year", "value": 80000.0, "threshold": 62725.59, "comparison": ">", "unit": "R$"},
            ]),
            "details_json": json.dumps({"partner_cpf": FULL_CPF, "n_references": 12, "nested": {"a": 1}}),
            "node_ids": [f"item:{CTRL}:1", "item:x:2"], "run_id": "run-7",
            "created_at": "2026-12-02T10:00:00Z", "loaded_at": "2026-12-02T11:00:00Z",
        },
        "subject": {"id": f"item:{CTRL}:1", "label": "Item", "description": "SERINGA DESCARTÁVEL 10 ML"},
        "sources": [{"id": f"tender:{CTRL}", "control_number": CTRL, "process_number": "42/2025",
                     "object": "AQUISIÇÃO DE SERINGAS", "modality": "Pregão - Eletrônico",
                     "published_at": "2025-03-04T00:00:00Z", "estimated_value": 214168.61,
                     "awarded_value": 1234567.0, "agency": "SECRETARIA DE ESTADO DA SAÚDE"},
                    {"id": "tender:bids_tcerj:77", "control_number": None, "process_number": "77/2024",
                     "object": f"OBRA DO SÓCIO {FULL_CPF}", "modality": None, "published_at": None,
                     "estimated_value": None, "awarded_value": None, "agency": None}],
        "sanctions": [],
        "alerts": [{"version": 2, "score": 0.87, "recipients": 3, "sent": 3, "first_at": "2026-12-02T12:00:00Z",
                    "last_at": "2026-12-02T12:05:00Z"},
                   {"version": 1, "score": 0.61, "recipients": 2, "sent": 2, "first_at": "2026-11-20T12:00:00Z",
                    "last_at": "2026-11-20T12:00:00Z"}],
    }


NETWORK_ROW = {
    "finding_id": FID, "subject_id": f"item:{CTRL}:1", "title": "Sobrepreço em item de compra",
    "detector": "overpricing",
    "nodes": [{"id": f"item:{CTRL}:1", "label": "Item", "caption": "SERINGA", "named": True},
              {"id": f"tender:{CTRL}", "label": "Tender", "caption": "AQUISIÇÃO DE SERINGAS"},
              {"id": "supplier:11222333000181", "label": "Supplier", "caption": "ALFA LTDA"}],
    "edges": [{"src": f"tender:{CTRL}", "dst": f"item:{CTRL}:1", "type": "HAS_ITEM"},
              {"src": "supplier:11222333000181", "dst": f"item:{CTRL}:1", "type": "BID", "won": True}],
}


class FakeLimiter:
    def __init__(self) -> None:
        self.hits: list[str] = []
        self.limit = 5

    async def apeek(self, key: str) -> Verdict:
        n = self.hits.count(key)
        return Verdict(n < self.limit, self.limit, max(0, self.limit - n), 0 if n < self.limit else 30)

    async def ahit(self, key: str) -> Verdict:
        self.hits.append(key)
        return await self.apeek(key)


class Harness:
    def __init__(self, *, key: Principal | HTTPException | None = None) -> None:
        from api.main import create_app
        from api.routes.console import optional_key

        self.settings = Settings(_env_file=None, environment="local", api_key_secret="console-test-secret",  # type: ignore[call-arg]
                                 api_public_url="https://risco.cge.go.gov.br", console_link_ttl_s=3600)
        self.runner = RecordingRunner(answers={"api/console_get_case": [case_row()],
                                               "api/get_finding_network": [NETWORK_ROW]})
        self.limiter = FakeLimiter()
        self.app = create_app(self.settings)
        self.app.state.ctx = SimpleNamespace(runner=self.runner, reader=None, auth_limiter=self.limiter,
                                             metrics=self.app.state.metrics, store=None, store_ready=False)
        self.app.dependency_overrides[optional_key] = lambda: key
        self.client = TestClient(self.app)

    def link(self, finding_id: str = FID, now: datetime | None = None) -> str:
        u = urlsplit(case_url(self.settings, finding_id, now=now))
        return f"{u.path}?{u.query}"


@pytest.fixture()
def h() -> Harness:
    return Harness()


class Assets(HTMLParser):
    """Every URL the page would load or link to: (tag, attribute, value)."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[tuple[str, str, str]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if name in ("src", "href", "action", "poster", "data") and value:
                self.urls.append((tag, name, value))


def loaded_urls(html: str) -> list[str]:
    """The URLs a browser fetches to show the page (links the reader may follow are not fetched)."""
    p = Assets()
    p.feed(html)
    return [v for tag, _, v in p.urls if tag != "a"]


def text_of(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_signed_link_opens_the_case_page_in_portuguese(h: Harness) -> None:
    r = h.client.get(h.link())
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith("text/html")
    html, text = r.text, text_of(r.text)
    assert '<html lang="pt-BR">' in html
    assert "Sobrepreço em item de compra" in text
    assert re.search(r'id="pontuacao">0,87<', html)
    assert "Item" in text and "SERINGA DESCARTÁVEL 10 ML" in text
    # the evidence table: labelled measures in Portuguese, unlabelled ones by key, all in Brazilian formats
    assert "Preço unitário em relação à mediana" in text and "4,76 vezes" in text and "alerta acima de 3,00 vezes" in text
    assert "Preço unitário pago" in text and "R$ 1.234,50" in text
    assert "brand_new_measure" in text and "0,0123" in text and "alerta abaixo de 0,5" in text
    assert "R$ 80.000,00" in text and "R$ 62.725,59" in text
    # the summary localized, the sources with their PNCP pages and Brazilian money and dates
    assert "R$ 1.234,50 contra mediana de R$ 259,30 (4,76 vezes)" in text
    assert 'href="https://pncp.gov.br/app/editais/01409580000138/2025/42"' in html
    assert "R$ 214.168,61" in text and "R$ 1.234.567,00" in text and "04/03/2025" in text
    assert "SECRETARIA DE ESTADO DA SAÚDE" in text
    # history: one row per alert version
    assert "o risco aumentou" in text and "primeiro alerta" in text and "0,61" in text and "20/11/2026" in text
    # CPFs masked everywhere (details and a source's text)
    assert FULL_CPF not in html and "***456789**" in html
    # the picture comes from this API with the same signed link
    pic = re.search(r'<img id="rede" src="([^"]+)"', html)
    assert pic is not None
    src = pic.group(1).replace("&amp;", "&")
    assert src.startswith(f"/console/cases/{FID}/network.png?exp=")
    png = h.client.get(src)
    assert png.status_code == 200 and png.headers["content-type"] == "image/png"
    assert png.content[:8] == b"\x89PNG\r\n\x1a\n" and len(png.content) > 5000
    assert ("api/get_finding_network", {"id": FID, **{k: v for k, v in h.runner.calls[-1][1].items()
                                                       if k != "id"}}) == h.runner.calls[-1]


def test_page_loads_nothing_from_outside(h: Harness) -> None:
    r = h.client.get(h.link())
    urls = loaded_urls(r.text)
    assert urls, "the page loads its stylesheet and picture"
    for u in urls:
        parts = urlsplit(u)
        assert not parts.scheme and not parts.netloc, f"external asset {u}"
        assert not u.startswith("//")
    assert "@import" not in r.text and "fonts.googleapis" not in r.text
    # scripts: only this API's own modules, no inline code
    assert re.findall(r"<script[^>]*>", r.text) == ['<script type="module" src="/console/static/console/case.js">']
    assert not re.search(r"<script[^>]*>[^<]+</script>", r.text) and " on" + "click=" not in r.text
    csp = r.headers["content-security-policy"]
    assert "default-src 'none'" in csp and "style-src 'self'" in csp and "img-src 'self'" in csp
    assert "script-src 'self'" in csp and "connect-src 'self'" in csp and "unsafe" not in csp
    assert r.headers["referrer-policy"] == "no-referrer" and "no-store" in r.headers["cache-control"]
    # the stylesheet is served here and imports nothing (no web font, no CDN)
    css_url = next(u for u in urls if u.endswith(".css"))
    css = h.client.get(css_url)
    assert css.status_code == 200 and "text/css" in css.headers["content-type"]
    assert "@import" not in css.text and "@font-face" not in css.text
    assert not re.search(r"url\(\s*['\"]?(https?:)?//", css.text)


def test_expired_link_shows_the_portuguese_expiry_page(h: Harness) -> None:
    old = h.link(now=datetime.now(UTC) - timedelta(hours=2))
    r = h.client.get(old)
    assert r.status_code == 401 and r.headers["content-type"].startswith("text/html")
    text = text_of(r.text)
    assert "Link expirado" in text and "expirou em" in text
    assert "valem 1 hora" in text and "alerta mais recente" in text and "X-API-Key" in text
    assert "Sobrepreço" not in text  # nothing of the case
    assert not h.runner.calls  # not even read
    assert h.client.get(old.replace(f"/console/cases/{FID}?", f"/console/cases/{FID}/network.png?")).status_code == 401
    assert h.limiter.hits == []  # a genuine, expired link is not an attack


def test_tampered_links_are_invalid_and_counted(h: Harness) -> None:
    good = h.link()
    q = parse_qs(urlsplit(good).query)
    exp, sig = q["exp"][0], q["sig"][0]
    other = "finding:0123456789abcdef9999"
    for url in (f"/console/cases/{other}?exp={exp}&sig={sig}",  # another finding
                f"/console/cases/{FID}?exp={int(exp) + 86400}&sig={sig}",  # a longer life
                f"/console/cases/{FID}?exp={exp}&sig={'0' * 64}",
                f"/console/cases/{FID}?exp={exp}"):
        r = h.client.get(url)
        assert r.status_code == 401, url
        assert "Link inválido" in r.text and r.headers["content-type"].startswith("text/html")
    assert len(h.limiter.hits) == 4 and not h.runner.calls
    r = h.client.get(f"/console/cases/{FID}?exp={exp}&sig={'1' * 64}")  # the fifth: over the limit
    assert r.status_code == 401
    r = h.client.get(good)  # even a good link waits while the address is over the limit
    assert r.status_code == 429 and "Muitas tentativas" in r.text


def test_no_link_no_key_is_a_page_not_json(h: Harness) -> None:
    r = h.client.get(f"/console/cases/{FID}")
    assert r.status_code == 401 and r.headers["content-type"].startswith("text/html")
    assert "Acesso restrito" in r.text and "e-mail de alerta" in r.text
    bad = h.client.get("/console/cases/tender:1")
    assert bad.status_code == 404 and "Caso não encontrado" in bad.text
    # a finding id with a trailing newline is no finding id, on the page and on its picture and network
    for tail in ("", "/network.png", "/network.json"):
        r = h.client.get(f"/console/cases/{FID}%0A{tail}")
        assert r.status_code == 404 and "Caso não encontrado" in r.text, tail


def test_api_key_opens_the_page_and_mints_a_link_for_the_picture() -> None:
    h = Harness(key=Principal("k1", Role.reader, "leitor"))
    r = h.client.get(f"/console/cases/{FID}")
    assert r.status_code == 200 and "Aberto com chave de API" in r.text
    share = re.search(r'<code class="link" id="link-compartilhar">([^<]+)</code>', r.text)
    assert share is not None and share.group(1).startswith(f"https://risco.cge.go.gov.br/console/cases/{FID}?exp=")
    src = re.search(r'<img id="rede" src="([^"]+)"', r.text)
    assert src is not None
    # the picture's link works without the key (an <img> sends no header)
    h.app.dependency_overrides.clear()
    from api.routes.console import optional_key

    h.app.dependency_overrides[optional_key] = lambda: None
    assert h.client.get(src.group(1).replace("&amp;", "&")).status_code == 200


def test_refused_key_is_a_portuguese_page() -> None:
    h = Harness(key=HTTPException(401, "missing or invalid API key"))
    r = h.client.get(f"/console/cases/{FID}")
    assert r.status_code == 401 and "Chave de API recusada" in r.text


def test_unknown_finding_is_a_portuguese_404(h: Harness) -> None:
    h.runner.answers["api/console_get_case"] = []
    r = h.client.get(h.link())
    assert r.status_code == 404 and "Caso não encontrado" in r.text


def test_durations_read_in_portuguese() -> None:
    from api.routes.console import duration_pt

    assert duration_pt(7 * 86400) == "7 dias" and duration_pt(86400) == "1 dia" and duration_pt(3600) == "1 hora"
    assert duration_pt(5400) == "1,5 hora" and duration_pt(7200) == "2 horas" and duration_pt(600) == "10 minutos"


def test_only_the_link_route_is_in_the_openapi_schema(h: Harness) -> None:
    paths = h.client.get("/openapi.json").json()["paths"]
    assert [p for p in paths if p.startswith(("/console", "/docs", "/redoc"))] == ["/console/cases/{finding_id}/link"]


def test_investigator_mints_a_new_link_that_opens_the_page() -> None:
    from api.deps import get_principal, get_reader
    from api.reader import GraphReader

    h = Harness()
    h.runner.answers["api/v1_get_finding"] = [{"finding": {"id": FID, "score": 0.87}}]
    h.app.dependency_overrides[get_reader] = lambda: GraphReader(h.runner)
    h.app.dependency_overrides[get_principal] = lambda: Principal("i", Role.investigator, "inv")
    before = int(datetime.now(UTC).timestamp())
    r = h.client.get(f"/console/cases/{FID}/link")
    assert r.status_code == 200, r.text
    body = r.json()
    u = urlsplit(body["url"])
    assert f"{u.scheme}://{u.netloc}" == "https://risco.cge.go.gov.br" and u.path == f"/console/cases/{FID}"
    expires = datetime.fromisoformat(body["expires_at"].replace("Z", "+00:00"))
    assert before + 3600 <= int(expires.timestamp()) <= before + 3602
    assert h.client.get(f"{u.path}?{u.query}").status_code == 200
    h.runner.answers["api/v1_get_finding"] = []
    assert h.client.get("/console/cases/finding:0123456789abcdef9999/link").status_code == 404
    h.app.dependency_overrides[get_principal] = lambda: Principal("r", Role.reader, "leitor")
    assert h.client.get(f"/console/cases/{FID}/link").status_code == 403


def test_picture_is_drawn_once_per_graph_version(h: Harness) -> None:
    h.app.state.ctx.reader = object()  # a real context: the picture cache is built beside it
    link = h.link().replace(f"/console/cases/{FID}?", f"/console/cases/{FID}/network.png?")
    first, second = h.client.get(link), h.client.get(link)
    assert first.status_code == second.status_code == 200 and first.content == second.content
    assert [n for n, _ in h.runner.calls].count("api/get_finding_network") == 1


def test_signed_links_never_reach_the_access_log() -> None:
    import logging

    from api.main import create_app

    create_app(Settings(environment="local"))
    access = logging.getLogger("uvicorn.access")
    record = logging.LogRecord("uvicorn.access", logging.INFO, __file__, 1, '%s - "%s %s HTTP/%s" %d', (
        "127.0.0.1:5000", "GET", "/console/cases/finding:ab12?exp=1796890891&sig=679df14f0b30fd55", "1.1", 200), None)
    assert all(f.filter(record) for f in access.filters)
    line = record.getMessage()
    assert "679df14f" not in line and "exp=1796890891&sig=[redacted]" in line
