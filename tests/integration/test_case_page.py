"""The case page in a real browser (Debian's chromium through playwright) against `licitagraph serve` on the
test Neo4j and Redis, with the API tests' small world loaded: a signed link from an alert email opens the
case in Portuguese with its picture, an expired one says how to get a new one, and /docs and /redoc render
with no request leaving this machine. Screenshots go to var/test-artifacts/."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest

from core.settings import Settings
from graph.connection import driver_session
from reporting.links import case_url
from synth.table_world import World
from tests.integration.test_api_world import LEAKED_CPF, seed

pytestmark = [pytest.mark.integration, pytest.mark.slow]
REPO = Path(__file__).resolve().parents[2]
ARTIFACTS = REPO / "var" / "test-artifacts"
CHROMIUM = "/usr/bin/chromium"


@pytest.fixture(scope="module")
def world(services: Any, settings: Settings, tmp_path_factory: pytest.TempPathFactory) -> World:
    w, items = seed(settings, tmp_path_factory.mktemp("case-world"))
    fid = next(f.id for f in items if f.title == "Concorrentes com sócio em comum")
    # two alerts about the finding: the first at 0,61, a second when its score rose (the page's history)
    with driver_session(settings) as session:
        session.run(
            "UNWIND $rows AS r CREATE (d:AlertDelivery) SET d = r, d.created_at = datetime(r.at), "
            "d.sent_at = datetime(r.at) REMOVE d.at",
            rows=[{"key": f"{fid}|a@cge.go.gov.br", "finding_id": fid, "recipient": "a@cge.go.gov.br",
                   "status": "sent", "score": 0.61, "version": 1, "at": "2026-11-20T12:00:00Z"},
                  {"key": f"{fid}|b@cge.go.gov.br", "finding_id": fid, "recipient": "b@cge.go.gov.br",
                   "status": "sent", "score": 0.8, "version": 2, "at": "2026-12-01T09:30:00Z"}]).consume()
    return w


@pytest.fixture(scope="module")
def server(world: World, settings: Settings, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """`licitagraph serve` on a free port, its public URL pointing at itself."""
    from services.web_assets import ensure_web_assets

    ensure_web_assets(settings.web_assets_dir)  # cached after the first run
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    base = f"http://127.0.0.1:{port}"
    log = tmp_path_factory.mktemp("serve") / "serve.log"
    env = {**os.environ, "LICITAGRAPH_API_RATE_LIMIT_PER_MINUTE": "1000000", "LICITAGRAPH_API_PUBLIC_URL": base}
    proc = subprocess.Popen([sys.executable, "-m", "licitagraph", "serve", "--port", str(port), "--no-access-log"],
                            cwd=REPO, env=env, stdout=log.open("wb"), stderr=subprocess.STDOUT,
                            start_new_session=True)
    try:
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{base}/health", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.3)
        else:
            pytest.fail(log.read_text())
        yield base
    finally:
        proc.terminate()
        proc.wait(20)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    if not Path(CHROMIUM).exists():
        pytest.skip(f"no chromium at {CHROMIUM} (scripts/bootstrap.sh installs it)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--lang=pt-BR"])
        yield b
        b.close()


class Recorder:
    """Every request a page makes, to check that none leaves this machine."""

    def __init__(self, page: Any) -> None:
        self.urls: list[str] = []
        page.on("request", lambda req: self.urls.append(req.url))

    def foreign(self) -> list[str]:
        return [u for u in self.urls
                if urlsplit(u).scheme not in ("data", "blob", "about")
                and urlsplit(u).hostname not in ("127.0.0.1", "localhost")]


def _link(settings: Settings, base: str, finding_id: str, now: datetime | None = None) -> str:
    return case_url(settings.model_copy(update={"api_public_url": base}), finding_id, now=now)


def _finding_id(settings: Settings, title: str) -> str:
    with driver_session(settings) as session:
        rec = session.run("MATCH (f:Finding {title: $t}) RETURN f.id AS id", t=title).single(strict=True)
    return str(rec["id"])


def test_signed_link_opens_the_case_in_portuguese(server: str, browser: Any, settings: Settings,
                                                  world: World) -> None:
    fid = _finding_id(settings, "Concorrentes com sócio em comum")
    page = browser.new_page(viewport={"width": 1280, "height": 900}, locale="pt-BR")
    rec = Recorder(page)
    resp = page.goto(_link(settings, server, fid), wait_until="load")
    assert resp is not None and resp.status == 200
    text = page.inner_text("body")
    assert page.get_attribute("html", "lang") == "pt-BR"
    assert "Concorrentes com sócio em comum" in text
    assert page.inner_text("#pontuacao") == "0,80"
    assert page.inner_text("#assunto-tipo") == "Licitação"
    tender_row = next(r for r in world.rows["Tender"] if r["id"] == world.planted["shared_partner"]["tender"])
    assert page.inner_text("#assunto-nome").strip() == tender_row["object"]
    rows = page.locator("#evidencias tbody tr")
    assert rows.count() == 1
    assert "shared_partners" in rows.nth(0).inner_text() or "sócio" in rows.nth(0).inner_text().lower()
    assert "1" in rows.nth(0).inner_text() and "alerta a partir de 1" in rows.nth(0).inner_text()
    # the source tender, linked to its PNCP page
    tender = world.planted["shared_partner"]["tender"]
    control = tender.removeprefix("tender:")
    cnpj, _, rest = control.partition("-1-")
    seq, year = rest.split("/")
    link = page.locator("#fontes a").first
    assert link.get_attribute("href") == f"https://pncp.gov.br/app/editais/{cnpj}/{year}/{int(seq)}"
    assert link.inner_text() == control
    # the history: both alerts, newest first, Brazilian dates and scores
    history = page.inner_text("#historico")
    assert history.index("01/12/2026") < history.index("20/11/2026")
    assert "0,61" in history and "o risco aumentou" in history
    # the picture came from the API and drew
    width = page.eval_on_selector("#rede", "img => img.complete ? img.naturalWidth : 0")
    assert width >= 800, width
    # no full CPF anywhere, masked where the evidence names the partner
    html = page.content()
    assert LEAKED_CPF not in html and "123.456.789-01" not in html
    assert "***456789**" in html
    assert rec.foreign() == [], rec.foreign()
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "case-page.png"), full_page=True)
    page.close()


def test_overpricing_case_shows_money_the_brazilian_way(server: str, browser: Any, settings: Settings,
                                                        world: World) -> None:
    fid = _finding_id(settings, "Sobrepreço de seringa")
    page = browser.new_page()
    page.goto(_link(settings, server, fid), wait_until="load")
    evidence = page.inner_text("#evidencias")
    assert "R$ 50,00/UN" in evidence and "R$ 15,00/UN" in evidence, evidence
    assert page.locator("#fontes tbody tr").count() >= 1
    page.close()


def test_expired_link_shows_the_portuguese_expiry_page(server: str, browser: Any, settings: Settings,
                                                       world: World) -> None:
    fid = _finding_id(settings, "Concorrentes com sócio em comum")
    old = datetime.now(UTC) - timedelta(seconds=settings.console_link_ttl_s + 3600)
    page = browser.new_page()
    resp = page.goto(_link(settings, server, fid, now=old), wait_until="load")
    assert resp is not None and resp.status == 401
    text = page.inner_text("body")
    assert "Link expirado" in text and "expirou em" in text
    assert "alerta mais recente" in text and "valem 7 dias" in text
    assert "Concorrentes com sócio em comum" not in text
    page.screenshot(path=str(ARTIFACTS / "case-expired.png"))
    page.close()


@pytest.mark.parametrize(("path", "selector"), [("/docs", ".swagger-ui .opblock"),
                                                ("/redoc", "[role=navigation], .menu-content")])
def test_docs_render_offline(server: str, browser: Any, path: str, selector: str) -> None:
    page = browser.new_page()
    rec = Recorder(page)
    page.goto(server + path, wait_until="load")
    page.wait_for_selector(selector, timeout=60_000)
    assert "/v1/findings" in page.inner_text("body")
    page.wait_for_load_state("networkidle")
    assert rec.foreign() == [], rec.foreign()
    assert any(u.endswith("/openapi.json") for u in rec.urls)
    page.close()


def test_a_key_holder_mints_a_fresh_link(server: str, settings: Settings, world: World) -> None:
    fid = _finding_id(settings, "Sobrepreço de seringa")
    admin = {"X-API-Key": settings.admin_api_key}
    r = httpx.get(f"{server}/console/cases/{fid}/link", headers=admin)
    assert r.status_code == 200, r.text
    url = r.json()["url"]
    assert url.startswith(f"{server}/console/cases/{fid}?exp=")
    page = httpx.get(url)  # no key: the link alone opens the case
    assert page.status_code == 200 and "Sobrepreço de seringa" in page.text
    assert httpx.get(f"{server}/console/cases/{fid}/link").status_code == 401
    assert httpx.get(f"{server}/console/cases/{fid}", headers=admin).status_code == 200
    assert "Chave de API recusada" in httpx.get(f"{server}/console/cases/{fid}",
                                                headers={"X-API-Key": "lg_nothere_xxxxxxxx"}).text
