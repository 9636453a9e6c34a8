"""The alert email as an auditor sees it: a realistic digest (the synthetic world's findings, every detector
fixture's findings, a GNN finding on suppliers other findings share) rendered by a real headless Chromium,
with the inline pictures resolved as a mail client does. Asserts on the page's visible text and height, and
saves a screenshot under var/test-artifacts/."""

from __future__ import annotations

import base64
import re
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest

from alerts.digest import MAX_CASES_IN_FULL
from alerts.notify import PICTURES_PER_EMAIL, build_email, make_digest
from core.settings import Settings
from tests.unit.alerts.email_world import NetworkRunner, pending_rows

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[3]
ARTIFACTS = REPO / "var" / "test-artifacts"
ENGLISH = ["partner", "tender", "bid", "bids", "together", "score", "gnn", "probability", "supplier", "overlap",
           "counts", "won", "award", "phone", "email", "address", "goods", "services", "details", "api", "key"]
EN_MONEY = re.compile(r"\d,\d{3}\.\d{2}")
EN_DECIMAL = re.compile(r"(?<![\d.])\d+\.\d{1,2}(?![\d.])")  # 4.76, 9.3 (a CNPJ's 12.345.678 is not one)


def html_as_shown(msg: EmailMessage) -> str:
    """The HTML part with its cid: pictures inlined as data: URLs, as a mail client resolves them."""
    html = msg.get_body(("html",)).get_content()  # type: ignore[union-attr]
    for part in msg.walk():
        if part.get_content_type() == "image/png":
            cid = str(part["Content-ID"]).strip("<>")
            data = base64.b64encode(part.get_content()).decode()
            html = html.replace(f"cid:{cid}", f"data:image/png;base64,{data}")
    return str(html)


def render(html: str, shot: Path) -> dict[str, Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=["--no-sandbox"])
        try:
            page = browser.new_page(viewport={"width": 800, "height": 1000})
            page.set_content(html, wait_until="load")
            out = {
                "text": page.inner_text("body"),
                "height": page.evaluate("document.documentElement.scrollHeight"),
                "images": page.evaluate("[...document.images].map(i => [i.naturalWidth, i.clientHeight])"),
                "links": page.evaluate("[...document.links].map(a => a.href)"),
            }
            shot.parent.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(shot), full_page=True)
        finally:
            browser.close()
    return out


@pytest.fixture(scope="module")
def shown(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    rows = pending_rows(tmp_path_factory.mktemp("world"))
    s = Settings(environment="local", api_public_url="https://licitagraph.cge.go.gov.br")
    digest = make_digest(rows, s)
    runner = NetworkRunner(rows)
    msg = build_email("auditoria@cge.go.gov.br", rows, s, runner, "<test@licitagraph>", digest)
    page = render(html_as_shown(msg), ARTIFACTS / "alert-email.png")
    return {"rows": rows, "digest": digest, "msg": msg, "page": page, "runner": runner}


def test_the_auditor_reads_no_english_and_no_english_numbers(shown: dict[str, Any]) -> None:
    text = shown["page"]["text"]
    words = set(re.findall(r"[a-zà-ú_]+", text.lower()))
    assert sorted(w for w in ENGLISH if w in words) == []
    assert "_" not in text and "min_" not in text
    assert EN_MONEY.findall(text) == [] and EN_DECIMAL.findall(text) == []
    assert re.search(r"R\$ \d{1,3}(\.\d{3})*,\d{2}", text)  # money is there, written the Brazilian way
    assert re.search(r"\d+,\d{2} vezes", text) and re.search(r"\d+,\d %", text)
    # the plain-text part too, its links aside
    plain = re.sub(r"https?://\S+", "", shown["msg"].get_body(("plain",)).get_content())
    assert sorted(w for w in ENGLISH if w in set(re.findall(r"[a-zà-ú_]+", plain.lower()))) == []
    assert "_" not in plain and EN_MONEY.findall(plain) == [] and EN_DECIMAL.findall(plain) == []


def test_findings_are_grouped_into_cases_with_the_rest_in_a_table(shown: dict[str, Any]) -> None:
    text, digest = shown["page"]["text"], shown["digest"]
    n_cases = len(digest.cases)
    assert n_cases > MAX_CASES_IN_FULL
    n_shown = len(digest.shown_ids)
    assert n_shown == len(shown["rows"]) - 1 and n_cases < n_shown  # the GNN finding out; some cases join findings
    assert f"{n_shown} achados novos ou agravados" in text and f"reunidos em {n_cases} casos" in text
    assert re.findall(r"^Caso (\d+):", text, re.M) == [str(i) for i in range(1, MAX_CASES_IN_FULL + 1)]
    assert f"Demais casos ({n_cases - MAX_CASES_IN_FULL})" in text
    # the findings about the planted shared partner's tender are one case, not one entry each
    assert any(len(c.ids) > 1 for c in digest.cases[:MAX_CASES_IN_FULL])


def test_gnn_finding_is_left_out_and_the_footer_says_why(shown: dict[str, Any]) -> None:
    text = shown["page"]["text"]
    assert "1 achado do modelo de rede neural ficou fora deste e-mail" in text
    assert "Padrão de conluio na rede de lances" not in text
    gnn = next(r["finding_id"] for r in shown["rows"] if r["finding"]["detector"] == "gnn")
    assert gnn not in shown["msg"]["X-Licitagraph-Findings"]


def test_links_open_case_pages_and_bloom_is_a_phrase(shown: dict[str, Any]) -> None:
    page, digest = shown["page"], shown["digest"]
    cases = [h for h in page["links"] if "/console/cases/" in h]
    assert len(cases) == len(digest.cases) and all("sig=" in h and "exp=" in h for h in cases)
    assert not [h for h in page["links"] if "/v1/" in h or ":7474" in h or "/browser" in h]
    assert "No Neo4j Bloom, pesquise: Rede do fornecedor " in page["text"]


def test_pictures_and_page_height(shown: dict[str, Any]) -> None:
    page = shown["page"]
    assert len(page["images"]) == PICTURES_PER_EMAIL
    assert all(w >= 1000 and 150 < h < 500 for w, h in page["images"]), page["images"]  # drawn, and loaded
    assert shown["runner"].calls == [c.lead_id for c in shown["digest"].cases[:PICTURES_PER_EMAIL]]
    # the world holds every detector's fixture findings, so it grows with the detectors (17 now): 10 cases in full,
    # the rest one table row each
    assert 2500 < page["height"] < 6500, page["height"]
    assert (ARTIFACTS / "alert-email.png").stat().st_size > 10_000
