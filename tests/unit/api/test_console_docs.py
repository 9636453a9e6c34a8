"""/docs and /redoc work offline: their HTML references only this API's URLs, and those URLs answer.

The Swagger UI and ReDoc files are installed in the test session by the same installer as
`licitagraph services install` (services/web_assets.py): it downloads from the npm registry the first
time only, and the files stay cached in `.cache/web/`.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from fastapi.testclient import TestClient

from core.settings import Settings, get_settings
from services import web_assets


@pytest.fixture(scope="module")
def assets() -> Path:
    directory = get_settings().web_assets_dir
    try:
        return web_assets.ensure_web_assets(directory)
    except web_assets.WebAssetsError as exc:  # no network and no cache: say so rather than pass
        pytest.fail(f"the docs assets are not installed and cannot be downloaded: {exc}")


def client_for(directory: Path) -> TestClient:
    from api.main import create_app

    return TestClient(create_app(Settings(_env_file=None, environment="local", web_assets_dir=directory)))  # type: ignore[call-arg]


class Refs(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.urls += [v for k, v in attrs if k in ("src", "href", "spec-url") and v]


def refs(html: str) -> list[str]:
    p = Refs()
    p.feed(html)
    # and the URLs Swagger UI's inline script is given
    return p.urls + re.findall(r"url:\s*'([^']+)'", html) + re.findall(r'"(?:url|oauth2RedirectUrl)":\s*"([^"]+)"', html)


def external(urls: list[str]) -> list[str]:
    return [u for u in urls if urlsplit(u).scheme or urlsplit(u).netloc or u.startswith("//")]


@pytest.mark.parametrize("page", ["/docs", "/redoc"])
def test_docs_reference_only_local_urls_that_answer(assets: Path, page: str) -> None:
    c = client_for(assets)
    r = c.get(page)
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    urls = refs(r.text)
    assert len(urls) >= 3, urls  # the script, the favicon, the schema (and Swagger's stylesheet)
    assert external(urls) == [], external(urls)
    assert "cdn.jsdelivr.net" not in r.text and "fonts.googleapis" not in r.text and "fastapi.tiangolo" not in r.text
    for u in urls:
        got = c.get(u)
        assert got.status_code == 200, (u, got.status_code)
        assert len(got.content) > 500, u
    if page == "/docs":
        assert '"validatorUrl": null' in r.text  # the validator badge would call validator.swagger.io
        js = c.get("/docs/assets/swagger-ui-bundle.js")
        assert js.headers["content-type"].startswith("text/javascript") and b"SwaggerUIBundle" in js.content
        assert c.get("/docs/assets/swagger-ui.css").headers["content-type"].startswith("text/css")
    else:
        assert b"Redoc" in c.get("/docs/assets/redoc.standalone.js").content


def test_missing_assets_give_a_clear_503_page(tmp_path: Path) -> None:
    c = client_for(tmp_path / "empty")
    for page in ("/docs", "/redoc"):
        r = c.get(page)
        assert r.status_code == 503 and r.headers["content-type"].startswith("text/html")
        assert "licitagraph services install" in r.text and "swagger-ui-bundle.js" in r.text
    assert c.get("/docs/assets/swagger-ui-bundle.js").status_code == 503
    assert c.get("/docs/assets/..%2F..%2Fetc%2Fpasswd").status_code == 404
    assert c.get("/docs/assets/installed.json").status_code == 404  # only the listed files


def test_installer_is_cached_and_verifies_integrity(assets: Path, tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    def no_network(url: str, timeout_s: float) -> bytes:
        raise AssertionError(f"downloaded {url} again")

    # a copy of the download cache: a fresh folder fills from the tarballs with no network
    target = tmp_path / "web"
    (target / "downloads").mkdir(parents=True)
    for f in (assets / "downloads").iterdir():
        (target / "downloads" / f.name).write_bytes(f.read_bytes())
    monkeypatch.setattr(web_assets, "_download", no_network)
    web_assets.ensure_web_assets(target)
    assert web_assets.installed(target) and web_assets.missing(target) == []
    before = {p.name: p.stat().st_mtime_ns for p in target.iterdir() if p.is_file()}
    web_assets.ensure_web_assets(target)  # installed: nothing is touched
    assert before == {p.name: p.stat().st_mtime_ns for p in target.iterdir() if p.is_file()}
    # a tarball that does not match its pinned integrity is refused, never unpacked
    pkg = web_assets.PACKAGES[0]
    (target / "downloads" / pkg.tarball_name).write_bytes(b"not the tarball")
    (target / web_assets.MANIFEST).unlink()

    def tampered(url: str, timeout_s: float) -> Any:
        return b"evil"

    monkeypatch.setattr(web_assets, "_download", tampered)
    with pytest.raises(web_assets.WebAssetsError, match="integrity"):
        web_assets.ensure_web_assets(target)
    assert not web_assets.installed(target)


def test_installer_pins_cytoscape_for_the_console(assets: Path) -> None:
    """cytoscape.js (the case page's interactive network) comes from the same pinned, sha512-verified npm
    tarball route as Swagger UI and ReDoc, its ES module build kept under the name the console serves."""
    from api.routes.console import VENDOR

    pkg = next(p for p in web_assets.PACKAGES if p.name == "cytoscape")
    assert re.fullmatch(r"\d+\.\d+\.\d+", pkg.version)  # an exact version, never a range
    assert pkg.integrity.startswith("sha512-") and len(pkg.integrity) == len("sha512-") + 88
    assert pkg.tarball_url == f"https://registry.npmjs.org/cytoscape/-/cytoscape-{pkg.version}.tgz"
    assert pkg.files["dist/cytoscape.esm.min.mjs"] == "cytoscape.esm.min.mjs" and "LICENSE" in pkg.files
    assert set(VENDOR) <= set(web_assets.SERVED) and set(VENDOR) <= set(pkg.files.values())
    tarball = (assets / "downloads" / pkg.tarball_name).read_bytes()
    assert web_assets._matches(tarball, pkg.integrity)
    module = (assets / "cytoscape.esm.min.mjs").read_text(encoding="utf-8")
    assert re.search(r"export\s*\{[^}]*\bas default\b", module), "the ES module build, with a default export"
    assert "MIT" in (assets / "LICENSE.cytoscape").read_text()
    # the one fetch-like reference cytoscape makes is none: no URL in code, only in licence comments
    code = re.sub(r"/\*.*?\*/", "", module, flags=re.S)
    assert not re.search(r"""["'`]https?://""", code)
    r = client_for(assets).get("/console/vendor/cytoscape.esm.min.mjs")
    assert r.status_code == 200 and r.content == module.encode()
