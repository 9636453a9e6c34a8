"""The console's queue, login and interactive network with no servers (the case page's harness): the routes
the console's scripts call, the pages' policy, and that no page or script of the console names another
origin."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from reporting.keys import Principal, Role
from tests.unit.api.test_console import FID, FULL_CPF, NETWORK_ROW, Harness, loaded_urls, text_of

REPO = Path(__file__).resolve().parents[3]
SCRIPTS = REPO / "api" / "static" / "console"
TEMPLATES = REPO / "api" / "templates" / "console"


@pytest.fixture()
def h() -> Harness:
    return Harness()


def as_role(h: Harness, role: Role | None) -> None:
    """Every API-key route of the harness answered as a key of `role` (None: no key)."""
    from api.deps import get_principal, get_reader
    from api.reader import GraphReader

    h.app.dependency_overrides[get_reader] = lambda: GraphReader(h.runner)
    if role is None:
        h.app.dependency_overrides.pop(get_principal, None)
    else:
        h.app.dependency_overrides[get_principal] = lambda: Principal(f"k-{role.name}", role, f"Ana {role.name}")


def test_queue_page_is_a_portuguese_login_form_with_local_scripts(h: Harness) -> None:
    r = h.client.get("/console")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    html, text = r.text, text_of(r.text)
    assert '<html lang="pt-BR">' in html
    for words in ("Entrar no console", "Chave de API", "Fila de achados", "Risco mínimo", "Risco máximo", "Órgão",
                  "Situação", "Criado de", "Filtrar", "Limpar", "Sair", "O console precisa de JavaScript"):
        assert words in text, words
    # the status filter speaks the verdicts' contract, in Portuguese
    for code, name in (("new", "Novo"), ("under_review", "Em análise"), ("confirmed", "Confirmado"),
                       ("dismissed", "Descartado"), ("superseded", "Substituído")):
        assert f'<option value="{code}">{name}</option>' in html
    assert 'type="password"' in html and 'name="status"' in html
    assert re.findall(r"<script[^>]*>", html) == ['<script type="module" src="/console/static/console/queue.js">']
    for u in loaded_urls(html):
        assert not urlsplit(u).scheme and not urlsplit(u).netloc and not u.startswith("//"), u
        assert h.client.get(u).status_code == 200, u
    csp = r.headers["content-security-policy"]
    assert csp.startswith("default-src 'none'") and "script-src 'self'" in csp and "connect-src 'self'" in csp
    assert "unsafe" not in csp and "form-action 'none'" in csp and "frame-ancestors 'none'" in csp
    assert r.headers["cache-control"] == "private, no-store" and r.headers["referrer-policy"] == "no-referrer"
    assert "set-cookie" not in r.headers  # no server session


def test_console_scripts_name_no_other_origin_and_keep_the_key_out_of_cookies_and_urls(h: Harness) -> None:
    scripts = sorted(SCRIPTS.glob("*.js"))
    assert {p.name for p in scripts} >= {"session.js", "queue.js", "case.js", "graph.js", "format.js", "detectors.js"}
    every = ""
    for p in scripts:
        src = p.read_text(encoding="utf-8")
        every += src
        assert not re.search(r"(https?:)?//[a-z0-9.-]+\.[a-z]{2,}", src, re.I), p.name  # no URL of another host
        for spec in re.findall(r"""^\s*import\s[^;]*?from\s+["']([^"']+)["']""", src, re.M):
            assert spec.startswith("./") and spec.endswith(".js"), (p.name, spec)
        for target in re.findall(r"""(?:fetch|api)\(\s*[`"']([^`"']*)""", src):
            assert target.startswith("/"), (p.name, target)  # this API only
        served = h.client.get(f"/console/static/console/{p.name}")
        assert served.status_code == 200 and "javascript" in served.headers["content-type"], p.name
    assert "localStorage" not in every and "document.cookie" not in every and ".innerHTML" not in every
    assert "eval(" not in every and "new Function" not in every
    session = (SCRIPTS / "session.js").read_text(encoding="utf-8")
    assert "sessionStorage.setItem(KEY, key)" in session and '"X-API-Key"' in session
    assert 'credentials: "omit"' in session
    for tpl in TEMPLATES.glob("*.html"):
        src = tpl.read_text(encoding="utf-8")
        urls = re.findall(r'(?:src|href)="([^"]+)"', src)
        assert all(u.startswith(("/", "{{", "#")) for u in urls), (tpl.name, urls)
        assert "style=" not in src and not re.search(r"<script(?![^>]*\bsrc=)", src), tpl.name


def test_detector_filter_lists_every_detector_of_the_registry() -> None:
    from detectors.registry import DETECTORS

    src = (SCRIPTS / "detectors.js").read_text(encoding="utf-8")
    listed = re.findall(r'\["([a-z_]+)", "([^"]+)"\]', src)
    assert [c for c, _ in listed] == [d.info.code for d in DETECTORS] + ["gnn"]
    titles = dict(listed)
    assert all(titles[d.info.code] == d.info.title for d in DETECTORS)


def test_me_checks_the_key_and_says_its_role(h: Harness) -> None:
    r = h.client.get("/console/me")
    assert r.status_code == 401  # no key
    as_role(h, Role.investigator)
    got = h.client.get("/console/me").json()
    assert got == {"key_id": "k-investigator", "name": "Ana investigator", "role": "investigator", "can_judge": True}
    as_role(h, Role.reader)
    assert h.client.get("/console/me").json()["can_judge"] is False
    as_role(h, Role.admin)
    assert h.client.get("/console/me").json()["can_judge"] is True


def test_open_gives_any_role_a_short_link_that_opens_the_case(h: Harness) -> None:
    h.runner.answers["api/v1_get_finding"] = [{"finding": {"id": FID, "score": 0.87}}]
    as_role(h, Role.reader)
    before = int(datetime.now(UTC).timestamp())
    r = h.client.get(f"/console/cases/{FID}/open")
    assert r.status_code == 200, r.text
    u = urlsplit(r.json()["url"])
    exp = int(parse_qs(u.query)["exp"][0])
    assert before + 900 <= exp <= before + 902  # 15 minutes, not the settings' hour
    assert h.client.get(f"/console/cases/{FID}/link").status_code == 403  # the shareable kind stays investigators'
    assert h.client.get(f"{u.path}?{u.query}").status_code == 200
    h.runner.answers["api/v1_get_finding"] = []
    assert h.client.get(f"/console/cases/{FID}/open").status_code == 404
    as_role(h, None)
    assert h.client.get(f"/console/cases/{FID}/open").status_code == 401


def test_network_json_opens_with_the_pages_link_and_masks_cpfs(h: Harness) -> None:
    person = {"id": "person:***456789**:joao", "label": "Person", "caption": f"JOAO {FULL_CPF}",
              "document": f"{FULL_CPF[:3]}.{FULL_CPF[3:6]}.{FULL_CPF[6:9]}-{FULL_CPF[9:]}"}
    row = {**NETWORK_ROW, "nodes": [*NETWORK_ROW["nodes"], person],  # type: ignore[list-item]
           "edges": [*NETWORK_ROW["edges"], {"src": person["id"], "dst": "supplier:11222333000181",  # type: ignore[list-item]
                                             "type": "PARTNER_OF"}]}
    h.runner.answers["api/get_finding_network"] = [row]
    page = h.client.get(h.link()).text
    m = re.search(r'data-network="([^"]+)"', page)
    assert m is not None
    url = m.group(1).replace("&amp;", "&")
    assert url.startswith(f"/console/cases/{FID}/network.json?exp=")
    pic = re.search(r'<img id="rede" src="([^"]+)"', page)
    assert pic is not None and urlsplit(pic.group(1).replace("&amp;", "&")).query == urlsplit(url).query
    r = h.client.get(url)
    assert r.status_code == 200 and r.headers["content-type"] == "application/json"
    assert r.headers["cache-control"] == "private, no-store"
    net = r.json()
    assert net["finding_id"] == FID and net["subject_id"] == NETWORK_ROW["subject_id"]
    assert [n["id"] for n in net["nodes"]] == [n["id"] for n in row["nodes"]]  # type: ignore[union-attr]
    assert {(e["src"], e["dst"], e["type"], e.get("won")) for e in net["edges"]} == {
        (e["src"], e["dst"], e["type"], e.get("won")) for e in row["edges"]}  # type: ignore[union-attr]
    assert FULL_CPF not in r.text and "123.456.789-01" not in r.text and "***456789**" in r.text
    # the page's refusals hold for the data too
    assert h.client.get(f"/console/cases/{FID}/network.json").status_code == 401
    old = h.link(now=datetime.now(UTC) - timedelta(hours=2)).replace(f"{FID}?", f"{FID}/network.json?")
    assert h.client.get(old).status_code == 401
    other = url.replace(FID, "finding:0123456789abcdef9999")
    assert h.client.get(other).status_code == 401
    h.runner.answers["api/get_finding_network"] = []
    assert h.client.get(url).status_code == 404


def test_network_json_with_a_key(h: Harness) -> None:
    h2 = Harness(key=Principal("k1", Role.reader, "leitor"))
    r = h2.client.get(f"/console/cases/{FID}/network.json")
    assert r.status_code == 200 and r.json()["nodes"]


def test_case_page_offers_the_verdicts_off_until_a_key_says_otherwise(h: Harness) -> None:
    r = h.client.get(h.link())
    html, text = r.text, text_of(r.text)
    for label, code in (("Confirmar", "confirmed"), ("Descartar", "dismissed"),
                        ("Pedir mais informações", "needs_info")):
        m = re.search(rf'<button[^>]*data-verdict="{code}"[^>]*>{label}</button>', html)
        assert m is not None and "disabled" in m.group(0), label
    assert "Situação do achado: Novo" in text and "chave de API de investigador" in text
    assert 'data-vendor="/console/vendor/cytoscape.esm.min.mjs"' in html
    assert 'id="__________cytoscape_stylesheet"' in html  # keeps cytoscape from adding an inline <style>
    row = h.runner.answers["api/console_get_case"][0]
    row["finding"]["status"] = "under_review"
    assert "Situação do achado: Em análise" in text_of(h.client.get(h.link()).text)


def test_vendor_serves_the_installed_cytoscape_only(h: Harness, tmp_path: Path) -> None:
    h.app.state.settings = h.settings.model_copy(update={"web_assets_dir": tmp_path})
    assert h.client.get("/console/vendor/cytoscape.esm.min.mjs").status_code == 503  # not installed
    (tmp_path / "cytoscape.esm.min.mjs").write_text("export { c as default };")
    (tmp_path / "installed.json").write_text("{}")
    r = h.client.get("/console/vendor/cytoscape.esm.min.mjs")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/javascript")
    assert r.text == "export { c as default };"
    assert h.client.get("/console/vendor/installed.json").status_code == 404
    assert h.client.get("/console/vendor/..%2Finstalled.json").status_code == 404
