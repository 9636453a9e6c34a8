"""The investigator console end to end in a real browser (Debian's chromium through playwright) against
`licitagraph serve` on the test Neo4j and Redis, with the API tests' small world: log in with a key, filter
the findings queue, open a case, see the network drawn by cytoscape.js, record a verdict (or, before the
verdict API exists, see that it is not available yet), log out. No request may leave 127.0.0.1. Screenshots
go to var/test-artifacts/."""

from __future__ import annotations

import re
import time
from typing import Any

import httpx
import pytest

from core.settings import Settings
from synth.table_world import World
from tests.integration.test_api_world import LEAKED_CPF
from tests.integration.test_case_page import ARTIFACTS, Recorder, browser, server, world

__all__ = ["browser", "server", "world"]  # module fixtures shared with the case page's test

pytestmark = [pytest.mark.integration, pytest.mark.slow]

UNAVAILABLE = "A função de parecer ainda não está disponível nesta versão da API."


@pytest.fixture(scope="module")
def keys(server: str, settings: Settings) -> dict[str, str]:
    """A reader and an investigator key, made by the admin through the API."""
    out = {}
    for role in ("reader", "investigator"):
        r = httpx.post(f"{server}/v1/keys", json={"name": f"console {role}", "role": role},
                       headers={"X-API-Key": settings.admin_api_key})
        assert r.status_code == 201, r.text
        out[role] = r.json()["key"]
    return out


def _verdict_route_exists(server: str, key: str) -> bool:
    """Whether this branch's API has POST /v1/findings/{id}/verdict (a 404/405 for the route itself: not yet)."""
    r = httpx.post(f"{server}/v1/findings/finding:00000000000000000000/verdict", headers={"X-API-Key": key},
                   json={"verdict": "needs_info", "note": "sonda"})
    return not (r.status_code == 405 or (r.status_code == 404 and r.json().get("detail") == "Not Found"))


def wait_for(page: Any, expression: str, timeout_s: float = 15.0) -> Any:
    """Polls `expression` in the page until it is truthy (page.wait_for_function evaluates a string, which
    the console's Content-Security-Policy rightly forbids; page.evaluate goes through DevTools)."""
    deadline = time.monotonic() + timeout_s
    while True:
        got = page.evaluate(expression)
        if got:
            return got
        if time.monotonic() > deadline:
            raise AssertionError(f"still false after {timeout_s} s: {expression}")
        time.sleep(0.1)


def shown(page: Any, param: str) -> None:
    """Waits until the queue shows the answer to a query with `param` (queue.js notes the query it drew)."""
    wait_for(page, f"(document.querySelector('#achados').dataset.consulta || '').split('&').includes('{param}')")


def _login(page: Any, server: str, key: str) -> None:
    page.goto(f"{server}/console", wait_until="load")
    page.wait_for_selector("#login:not(.oculto)")
    page.fill("#chave", key)
    page.click("#entrar")
    page.wait_for_selector("#fila:not(.oculto)")
    page.wait_for_selector("#achados tbody tr")


def _rows(page: Any) -> list[str]:
    return [t.strip() for t in page.locator("#achados tbody tr").all_inner_texts()]


def test_investigator_logs_in_filters_opens_a_case_and_records_a_verdict(
        server: str, browser: Any, settings: Settings, world: World, keys: dict[str, str]) -> None:
    page = browser.new_page(viewport={"width": 1360, "height": 900}, locale="pt-BR")
    rec = Recorder(page)
    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: problems.append(str(e)))

    # a wrong key is refused in Portuguese, and nothing is kept
    page.goto(f"{server}/console", wait_until="load")
    page.wait_for_selector("#login:not(.oculto)")
    assert page.get_attribute("html", "lang") == "pt-BR"
    page.fill("#chave", "lg_nothere_xxxxxxxxxxxx")
    page.click("#entrar")
    wait_for(page, "document.querySelector('#login-erro').textContent.length > 0")
    assert "Chave de API recusada" in page.inner_text("#login-erro")
    assert page.evaluate("sessionStorage.length") == 0
    problems.clear()  # the refused /console/me is a logged 401

    _login(page, server, keys["investigator"])
    # the key sits in this tab's sessionStorage only: no cookie, not in the URL
    assert page.evaluate("sessionStorage.getItem('licitagraph.chave')") == keys["investigator"]
    assert page.context.cookies() == []
    assert keys["investigator"] not in page.url
    assert "investigador" in page.inner_text("#sessao")

    # the whole queue, riskiest first, Brazilian numbers and dates
    assert page.inner_text("#contagem") == "6 achados"
    scores = page.locator("#achados tbody td.risco").all_inner_texts()
    assert scores == ["0,95", "0,90", "0,80", "0,70", "0,60", "0,40"], scores
    assert "01/06/2025" in page.inner_text("#achados") and "01/07/2025" in page.inner_text("#achados")
    assert "Concorrentes com vínculos em comum" in page.inner_text("#achados")  # the detector's Portuguese name
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "console-queue.png"))

    # sorted by date, oldest first after two clicks
    page.click("button.ordenar[data-sort=created_at]")
    wait_for(page, "!!document.querySelector('th[aria-sort=descending] button[data-sort=created_at]')")
    assert page.locator("#achados tbody td.data").first.inner_text() == "01/07/2025"
    page.click("button.ordenar[data-sort=created_at]")
    wait_for(page, "!!document.querySelector('th[aria-sort=ascending] button[data-sort=created_at]')")
    assert page.locator("#achados tbody td.data").first.inner_text() == "01/06/2025"

    # filters: a detector, then a minimum risk written the Brazilian way
    page.select_option("#f-detector", "shared_contacts")
    page.click("#filtrar")
    shown(page, "detector=shared_contacts")
    assert page.inner_text("#contagem") == "2 achados"
    assert all("Concorrentes com" in r for r in _rows(page))
    page.select_option("#f-detector", "")
    page.fill("#f-min", "0,85")
    page.click("#filtrar")
    shown(page, "min_score=0.85")
    assert page.inner_text("#contagem") == "2 achados"
    assert sorted(page.locator("#achados tbody td.risco").all_inner_texts()) == ["0,90", "0,95"]
    # a date range that holds only July's finding
    page.fill("#f-min", "")
    page.fill("#f-de", "15/06/2025")
    page.click("#filtrar")
    shown(page, "created_from=2025-06-15")
    assert page.inner_text("#contagem") == "1 achado"
    assert "Sobrepreço de seringa" in _rows(page)[0]
    # "até" includes its day
    page.fill("#f-de", "")
    page.fill("#f-ate", "01/06/2025")
    page.click("#filtrar")
    shown(page, "created_to=2025-06-02")
    assert page.inner_text("#contagem") == "5 achados" and "Sobrepreço de seringa" not in page.inner_text("#achados")
    page.fill("#f-ate", "31/02/2025")
    page.click("#filtrar")
    assert "dd/mm/aaaa" in page.inner_text("#filtro-erro")
    # a wrong number is caught before any request
    page.fill("#f-max", "dois")
    page.click("#filtrar")
    assert "Risco máximo" in page.inner_text("#filtro-erro")
    page.fill("#f-ate", "")
    page.fill("#f-max", "")
    # an agency, and a status (the verdicts' filter): the queue shows what the API answers for the same query
    agency = world.planted["fracionamento"]["agency"]
    page.select_option("#f-orgao", agency)
    page.select_option("#f-status", "new")
    page.click("#filtrar")
    shown(page, "status=new")
    query = page.evaluate("document.querySelector('#achados').dataset.consulta")
    assert f"agency_id={agency.replace(':', '%3A')}" in query.split("&")
    api = httpx.get(f"{server}/v1/findings?{query}", headers={"X-API-Key": keys["investigator"]}).json()
    assert api["total"] >= 1
    assert page.inner_text("#contagem") == f"{api['total']} achado{'s' if api['total'] > 1 else ''}"
    assert [r.split("\t")[1].split("\n")[0] for r in _rows(page)] == [f["title"] for f in api["items"]]
    assert "Fracionamento de dispensas" in page.inner_text("#achados")
    page.click("#limpar")
    wait_for(page, "!document.querySelector('#achados').dataset.consulta.includes('status')")
    assert page.inner_text("#contagem") == "6 achados" and page.inner_text("#filtro-erro") == ""

    # open the case of the shared partner: a fresh signed link, then the page
    page.locator("#achados tbody tr", has_text="Concorrentes com sócio em comum").click()
    page.wait_for_url(re.compile(r"/console/cases/finding:[0-9a-f]+\?exp=\d+&sig=[0-9a-f]{64}$"))
    page.wait_for_load_state("load")
    assert keys["investigator"] not in page.url
    assert "Concorrentes com sócio em comum" in page.inner_text("h1")
    assert page.inner_text("#pontuacao") == "0,80"

    # the network, drawn by cytoscape over the static picture
    wait_for(page, "window.licitagraphRede && window.licitagraphRede.nodes().length > 0", 30)
    n_nodes = page.evaluate("window.licitagraphRede.nodes().length")
    n_edges = page.evaluate("window.licitagraphRede.edges().length")
    assert n_nodes >= 4 and n_edges >= 3, (n_nodes, n_edges)
    assert page.locator("#rede-interativa canvas").count() >= 1
    assert page.is_visible("#rede-interativa") and not page.is_visible("#rede-figura")
    labels = page.evaluate("window.licitagraphRede.nodes().map(n => n.data('rotulo'))")
    assert all(not re.fullmatch(r"[a-z]+:.*", x) for x in labels), labels  # names, not ids
    assert LEAKED_CPF not in " ".join(labels) and any("***" in x for x in labels), labels  # the partner, masked
    legend = page.inner_text("#rede-legenda")
    assert "Fornecedor" in legend and "Sócio" in legend and "citado no achado" in legend
    kinds = page.evaluate("window.licitagraphRede.edges().map(e => e.data('kind'))")
    if "won" in kinds:
        won = page.evaluate("window.licitagraphRede.edges('[kind = \"won\"]')[0].style()")
        assert won["line-style"] == "solid" and won["line-color"] in ("rgb(44,160,44)", "#2ca02c")
    if "lost" in kinds:
        lost = page.evaluate("window.licitagraphRede.edges('[kind = \"lost\"]')[0].style()")
        assert lost["line-style"] == "dashed"
    # a click on a node says what it is, in Portuguese
    page.evaluate("window.licitagraphRede.nodes('[kind = \"Supplier\"]')[0].emit('tap')")
    assert page.inner_text("#rede-detalhe").startswith("Fornecedor · ")
    page.screenshot(path=str(ARTIFACTS / "console-case.png"), full_page=True)

    # the verdict
    assert page.is_enabled("#parecer button[data-verdict=confirmed]")
    page.fill("#parecer-nota", "Sócio em comum confirmado na Junta Comercial.")
    page.click("#parecer button[data-verdict=confirmed]")
    wait_for(page, "!['', 'Registrando o parecer…'].includes(document.querySelector('#parecer-resultado').textContent)")
    result = page.inner_text("#parecer-resultado")
    if _verdict_route_exists(server, keys["investigator"]):
        assert "Parecer registrado: Confirmado" in result, result
        assert page.inner_text("#situacao") == "Confirmado"
        assert page.is_visible("#parecer-historico") and page.locator("#parecer-historico tbody tr").count() >= 1
        fid = page.get_attribute("#parecer", "data-finding")
        api = httpx.get(f"{server}/v1/findings/{fid}", headers={"X-API-Key": keys["investigator"]}).json()
        assert api.get("status") == "confirmed", api
    else:
        assert result == UNAVAILABLE
        assert not page.is_enabled("#parecer button[data-verdict=confirmed]")
    page.screenshot(path=str(ARTIFACTS / "console-verdict.png"), full_page=True)

    # back to the queue, still logged in; then out
    page.click("#voltar-fila")
    page.wait_for_selector("#fila:not(.oculto)")
    page.click("#sair")
    page.wait_for_selector("#login:not(.oculto)")
    assert page.evaluate("sessionStorage.getItem('licitagraph.chave')") is None
    page.wait_for_load_state("networkidle")
    assert rec.foreign() == [], rec.foreign()
    assert [p for p in problems if "Content Security Policy" in p or "Refused" in p] == [], problems
    page.close()


def test_reader_browses_but_cannot_judge(server: str, browser: Any, settings: Settings, world: World,
                                         keys: dict[str, str]) -> None:
    page = browser.new_page(viewport={"width": 1280, "height": 900}, locale="pt-BR")
    rec = Recorder(page)
    _login(page, server, keys["reader"])
    assert "leitor" in page.inner_text("#sessao")
    page.locator("#achados tbody tr", has_text="Sobrepreço de seringa").click()
    page.wait_for_url(re.compile(r"/console/cases/finding:[0-9a-f]+\?exp=\d+&sig="))
    wait_for(page, "document.querySelector('#parecer-aviso').textContent.includes('perfil leitor')")
    assert "só investigadores" in page.inner_text("#parecer-aviso")
    for v in ("confirmed", "dismissed", "needs_info"):
        assert not page.is_enabled(f"#parecer button[data-verdict={v}]")
    evidence = page.inner_text("#evidencias")
    assert "R$ 50,00/UN" in evidence
    wait_for(page, "window.licitagraphRede && window.licitagraphRede.nodes().length > 0", 30)
    page.wait_for_load_state("networkidle")
    assert rec.foreign() == [], rec.foreign()
    page.close()


def test_case_from_an_email_link_without_scripts_keeps_the_picture(server: str, browser: Any,
                                                                   settings: Settings, world: World) -> None:
    """Scripts blocked: the static picture stays, and the verdict buttons stay off with the explanation."""
    from tests.integration.test_case_page import _finding_id, _link

    fid = _finding_id(settings, "Concorrentes com sócio em comum")
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(_link(settings, server, fid), wait_until="load")
    assert page.is_visible("#rede") and not page.is_visible("#rede-interativa")
    assert page.eval_on_selector("#rede", "img => img.naturalWidth") >= 800
    assert not page.is_enabled("#parecer button[data-verdict=confirmed]")
    assert "chave de API de investigador" in page.inner_text("#parecer-aviso")
    context.close()


def test_verdict_answer_is_shown_as_the_contract_says(server: str, browser: Any, settings: Settings, world: World,
                                                      keys: dict[str, str]) -> None:
    """The verdict route's answer (`{"finding_id", "status", "history"}`, the verdicts branch's contract), given
    by the browser itself so that this holds before that route lands: the page shows the new status and the
    history, in Portuguese with Brazilian dates."""
    import json

    posted: list[dict[str, Any]] = []

    def answer(route: Any) -> None:
        body = json.loads(route.request.post_data or "{}")
        posted.append({**body, "key": route.request.headers.get("x-api-key")})
        fid = route.request.url.split("/v1/findings/")[1].split("/")[0]
        route.fulfill(status=200, content_type="application/json", body=json.dumps({
            "finding_id": fid, "status": "under_review",
            "history": [{"verdict": "needs_info", "status": "under_review", "note": body.get("note"),
                         "by": "console investigator", "at": "2026-12-02T13:05:00Z"}]}))

    page = browser.new_page(viewport={"width": 1280, "height": 900}, locale="pt-BR")
    page.route("**/v1/findings/*/verdict", answer)
    _login(page, server, keys["investigator"])
    page.locator("#achados tbody tr", has_text="Fracionamento de dispensas").click()
    page.wait_for_url(re.compile(r"/console/cases/finding:[0-9a-f]+\?exp="))
    wait_for(page, "!document.querySelector('#parecer button[data-verdict=needs_info]').disabled")
    page.fill("#parecer-nota", "Faltam as notas fiscais de 2025.")
    page.click("#parecer button[data-verdict=needs_info]")
    wait_for(page, "document.querySelector('#parecer-resultado').textContent.startsWith('Parecer registrado')")
    assert posted == [{"verdict": "needs_info", "note": "Faltam as notas fiscais de 2025.", "key": keys["investigator"]}]
    assert page.inner_text("#situacao") == "Em análise"
    assert "Pedido de mais informações" in page.inner_text("#parecer-resultado")
    history = page.inner_text("#parecer-historico")
    assert "02/12/2026 10:05" in history and "Faltam as notas fiscais de 2025." in history and "Em análise" in history
    page.close()
